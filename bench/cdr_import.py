#!/usr/bin/env python
"""Call-detail-record import: time `manage.py import_call_records` on a 1,000,000-row file.

    .venv/bin/python bench/cdr_import.py       # after generate_customers.py and
                                               # generate_interactions.py (agents, queues)

Writes bench/out/cdr-<rows>.csv (the header of rapport.interactions.call_records.HEADER) with
new call ids for this run, then runs the import command as production would (production
settings, the bench database) and prints rows/s: the command's own figure (the import
itself) and the whole command's wall time (start-up, storing the upload, counting the rows,
the import). Goal: at least 20,000 rows/s. Results go to bench/out/cdr-results.{md,json}.

The rows are a month of a busy centre's calls in time order: 90% inbound, 10% outbound (our
number is then the ani); 80% of customer numbers in E.164 as switches write them, 20% in
national formats ("(212) 555-0134", "212-555-0134") that need the full phone parse; 90% of
callers are customers (numbers from the stored contact points), 10% nobody has; 6% abandoned
(no answered_at, no agent); queue codes and agent usernames from generate_interactions.py;
about 1 row in 1,000 is broken (unknown agent, end before start) and must be reported with its
line while the rest commit.

`--reimport` runs the same file a second time (every row a duplicate). Unless `--keep` is
given, the rows this run added are deleted afterwards (and the table vacuumed), so the
ledger stays at its 10,000,000 contacts for the other benchmarks.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import http_bench  # noqa: E402

AGENT_PREFIX = "bench-agent-"
HEADER = [
    "call_id",
    "direction",
    "ani",
    "dnis",
    "queue",
    "agent",
    "started_at",
    "answered_at",
    "ended_at",
    "hold_seconds",
    "wrap_seconds",
    "transfers",
    "outcome",
]
OUTCOMES = ["resolved"] * 55 + ["information"] * 20 + ["follow_up"] * 12 + ["transferred"] * 6
OUTCOMES += ["sale"] * 4 + ["escalated"] * 3


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--national", type=float, default=0.2, help="share not in E.164")
    parser.add_argument("--unknown", type=float, default=0.1, help="share of unknown callers")
    parser.add_argument("--bad", type=float, default=0.001, help="share of broken rows")
    parser.add_argument("--reimport", action="store_true", help="import the same file again")
    parser.add_argument("--keep", action="store_true", help="keep the imported rows")
    parser.add_argument("--quiet", type=float, default=0.0, metavar="IDLE")
    parser.add_argument("--quiet-wait", type=float, default=600)
    parser.add_argument("--app-dir", type=Path, default=ROOT)
    parser.add_argument("--label", default="")
    return parser.parse_args()


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", http_bench.DEFAULT_DATABASE_URL)
    env.setdefault("SECRET_KEY", "bench-cdr-only-" + "x" * 40)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        RAPPORT_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def psql(database_url: str, sql: str, *params) -> list[tuple]:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        cur = conn.execute(sql, params or None)
        return cur.fetchall() if cur.description else []


def reference(database_url: str) -> dict:
    agents = [
        r[0]
        for r in psql(
            database_url,
            "SELECT username FROM accounts_user WHERE username ~ %s ORDER BY username",
            "^" + AGENT_PREFIX + "[0-9]+$",
        )
    ]
    queues = [r[0] for r in psql(database_url, "SELECT code FROM access_queue WHERE tier = 1")]
    ours = [
        r[0]
        for r in psql(database_url, "SELECT address FROM access_touchpoint WHERE channel = 'phone'")
    ]
    callers = [
        r[0]
        for r in psql(
            database_url,
            "SELECT normalised FROM customers_contactpoint TABLESAMPLE SYSTEM (5) "
            "WHERE kind = 'phone' LIMIT 50000",
        )
    ]
    if not agents or not queues or not ours or not callers:
        raise SystemExit(
            "no bench agents, queues or touchpoints: run bench/generate_interactions.py"
        )
    return {"agents": agents, "queues": queues, "ours": ours, "callers": callers}


def national(e164: str, rng: random.Random) -> str:
    a, e, s = e164[2:5], e164[5:8], e164[8:]
    return rng.choice((f"({a}) {e}-{s}", f"{a}-{e}-{s}", f"{a}{e}{s}", f"1{a}{e}{s}"))


def write_file(path: Path, *, run: str, rows: int, ref: dict, args: argparse.Namespace) -> int:
    """The CSV; returns how many rows were written broken on purpose."""
    rng = random.Random(run)
    rand = rng.random
    end = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1)
    start = end - dt.timedelta(days=30)
    span = (end - start).total_seconds()
    offsets = sorted(rand() * span for _ in range(rows))
    broken = 0
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n, offset in enumerate(offsets):
            began = start + dt.timedelta(seconds=int(offset))
            customer = (
                f"+1{rng.choice(('201', '312', '415'))}{rng.randint(200, 999)}"
                f"{rng.randint(0, 9999):04d}"
                if rand() < args.unknown
                else ref["callers"][int(rand() * len(ref["callers"]))]
            )
            if rand() < args.national:
                customer = national(customer, rng)
            ours = ref["ours"][int(rand() * len(ref["ours"]))]
            outbound = rand() < 0.1
            ani, dnis = (ours, customer) if outbound else (customer, ours)
            wait = int(rand() * rand() * 240)
            queue = ref["queues"][int(rand() * len(ref["queues"]))]
            if not outbound and rand() < 0.06:
                agent, answered, outcome = "", "", "abandoned"
                ended = began + dt.timedelta(seconds=wait)
                hold = wrap = transfers = 0
            else:
                agent = ref["agents"][int(rand() * len(ref["agents"]))]
                answered_at = began + dt.timedelta(seconds=wait)
                answered = answered_at.isoformat().replace("+00:00", "Z")
                talk = 30 + int(rand() * rand() * 1500)
                hold = int(rand() * 180) if rand() < 0.3 else 0
                ended = answered_at + dt.timedelta(seconds=talk + hold)
                wrap = 10 + int(rand() * 110)
                outcome = OUTCOMES[int(rand() * len(OUTCOMES))]
                transfers = 1 if outcome == "transferred" else 0
            started_text = began.isoformat().replace("+00:00", "Z")
            ended_text = ended.isoformat().replace("+00:00", "Z")
            if rand() < args.bad:
                broken += 1
                if rand() < 0.5:
                    agent = "nobody-by-that-name"
                else:
                    started_text, ended_text = ended_text, started_text
                    if ended_text == started_text:
                        ended_text = "not a time"
            writer.writerow(
                [
                    f"cdr-{run}-{n}",
                    "outbound" if outbound else "inbound",
                    ani,
                    dnis,
                    queue,
                    agent,
                    started_text,
                    answered,
                    ended_text,
                    hold,
                    wrap,
                    transfers,
                    outcome,
                ]
            )
    return broken


def run_import(path: Path, args: argparse.Namespace) -> dict:
    """Run the command; its own summary line gives the import's rows/s."""
    command = [sys.executable, "manage.py", "import_call_records", str(path)]
    idle = (
        http_bench.wait_for_quiet(args.quiet, args.quiet_wait)
        if args.quiet
        else http_bench.idle_fraction(3)
    )
    cpu_before = http_bench.process_cpu(os.getpid())
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own command line
        command, cwd=args.app_dir, env=environment(), capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    others = http_bench.others_cpu(cpu_before, http_bench.process_cpu(os.getpid()), wall)
    output = done.stdout + done.stderr
    match = re.search(
        r"Import (\d+) (\w+): ([\d,]+) rows in ([\d.]+) s \(([\d,]+) rows/s\); added ([\d,]+), "
        r"duplicate ([\d,]+), failed ([\d,]+)",
        output,
    )
    if done.returncode != 0 or not match:
        raise SystemExit(f"the import command failed ({done.returncode}):\n{output[-3000:]}")

    def number(text: str) -> int:
        return int(text.replace(",", ""))

    rows = number(match.group(3))
    return {
        "import_id": int(match.group(1)),
        "status": match.group(2),
        "rows": rows,
        "import_seconds": float(match.group(4)),
        "rows_per_s": number(match.group(5)),
        "added": number(match.group(6)),
        "duplicate": number(match.group(7)),
        "failed": number(match.group(8)),
        "command_seconds": wall,
        "command_rows_per_s": rows / wall,
        "cpu_idle_before": idle,
        "other_processes_cpus": others,
        "output": output.strip().splitlines()[:6],
    }


def cleanup(database_url: str, run: str, import_ids: list[int]) -> None:
    """Delete this run's rows and stored files, then vacuum, so the ledger is as it was."""
    t0 = time.perf_counter()
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        deleted = conn.execute(
            "DELETE FROM interactions_interaction WHERE source = 'phone' AND external_id LIKE %s",
            [f"cdr-{run}-%"],
        ).rowcount
        files = conn.execute(
            "DELETE FROM interactions_callrecordimport WHERE id = ANY(%s) RETURNING file",
            [import_ids],
        ).fetchall()
        conn.execute("VACUUM (ANALYZE) interactions_interaction")
    for (name,) in files:
        (ROOT / "var" / "media" / name).unlink(missing_ok=True)
    print(
        f"cleaned up: deleted {deleted:,} imported rows, vacuumed ({time.perf_counter() - t0:.0f} s)"
    )


def main() -> None:
    args = parse_args()
    env = environment()
    ref = reference(env["DATABASE_URL"])
    run = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    OUT.mkdir(exist_ok=True)
    path = OUT / f"cdr-{args.rows}.csv"
    t0 = time.perf_counter()
    broken = write_file(path, run=run, rows=args.rows, ref=ref, args=args)
    size = path.stat().st_size
    print(
        f"wrote {args.rows:,} rows ({size / 1e6:.0f} MB, {broken} broken on purpose) to "
        f"{path.relative_to(ROOT)} in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    results = []
    try:
        rounds = ["first import"] + (["same file again"] if args.reimport else [])
        for name in rounds:
            row = run_import(path, args)
            row["round"] = name
            results.append(row)
            verdict = "meets" if row["rows_per_s"] >= 20_000 else "MISSES"
            print(
                f"{name}: {row['rows']:,} rows, import {row['import_seconds']:.1f} s = "
                f"{row['rows_per_s']:,} rows/s ({verdict} >= 20,000); whole command "
                f"{row['command_seconds']:.1f} s = {row['command_rows_per_s']:,.0f} rows/s; "
                f"added {row['added']:,}, duplicate {row['duplicate']:,}, failed "
                f"{row['failed']:,}; {row['cpu_idle_before']:.0%} idle before, others used "
                f"{row['other_processes_cpus']:.2f} CPUs",
                flush=True,
            )
    finally:
        if not args.keep:
            cleanup(env["DATABASE_URL"], run, [r["import_id"] for r in results])
    write_results(args, run, broken, size, results)


def write_results(args, run, broken, size, results) -> None:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"{when}, code {http_bench.code_version(args.app_dir)}, {os.cpu_count()} CPUs; "
        f"manage.py import_call_records, production settings; {args.rows:,} rows "
        f"({size / 1e6:.0f} MB, {args.national:.0%} national numbers, {args.unknown:.0%} unknown "
        f"callers, {broken} broken rows); run {run}" + (f"; {args.label}" if args.label else "")
    )
    lines = [
        header,
        "",
        "| round | rows/s (import) | import s | rows/s (whole command) | command s | added | "
        "duplicate | failed | idle before | others' CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['round']} | {r['rows_per_s']:,} | {r['import_seconds']:.1f} | "
            f"{r['command_rows_per_s']:,.0f} | {r['command_seconds']:.1f} | {r['added']:,} | "
            f"{r['duplicate']:,} | {r['failed']:,} | {r['cpu_idle_before']:.0%} | "
            f"{r['other_processes_cpus']:.2f} |"
        )
    table = "\n".join(lines) + "\n"
    (OUT / "cdr-results.md").write_text(table)
    (OUT / "cdr-results.json").write_text(
        json.dumps({"when": when, "header": header, "results": results}, indent=2) + "\n"
    )
    print()
    print(table)


if __name__ == "__main__":
    main()
