#!/usr/bin/env python
"""Measure the customer lookup, search and screen-pop API end to end, as production serves it.

    .venv/bin/python bench/http_bench.py            # after bench/generate_customers.py

Starts gunicorn (config.wsgi, production settings, 2 sync workers, 127.0.0.1:8765) against the
bench database, waits for /healthz, checks each scenario answers 200 with a real result, then per
scenario runs `wrk -t2 -c8 -d3s` to warm up and `wrk -t2 -c8 -d20s --latency` to measure, with
bench/sample_requests.lua picking a random sample per request. Stops gunicorn, prints a table
(req/s, p50, p95, p99) and writes it to bench/out/http-results.{json,md} (--results to rename).
The screen-pop scenario is not in the default set: it needs bench/generate_interactions.py and
runs from bench/screen_pop.sh.

Only 127.0.0.1 is contacted; wrk stops by itself after its duration.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
LUA = ROOT / "bench" / "sample_requests.lua"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rapport_bench"

# name: (path prefix, sample file, p95 goal in ms, what it is)
SCENARIOS = {
    "lookup-phone": (
        "/api/v1/customers/lookup?phone=",
        "phones.txt",
        20,
        "screen pop by phone, written as people write it",
    ),
    "lookup-email": (
        "/api/v1/customers/lookup?email=",
        "emails.txt",
        20,
        "screen pop by e-mail, mixed case",
    ),
    "search-name": (
        "/api/v1/customers/?page_size=20&q=",
        "names.txt",
        100,
        "name search: surname prefix, 'surname first', 'first surname'",
    ),
    "search-common": (
        "/api/v1/customers/?page_size=20&q=",
        "names_common.txt",
        100,
        "worst case: 3-letter prefix of one of the 20 commonest surnames",
    ),
    # Needs bench/generate_interactions.py (10,000,000 contacts); run by bench/screen_pop.sh.
    "screen-pop": (
        "/api/v1/screen-pop?phone=",
        "screen_pop_phones.txt",
        30,
        "screen pop: customer summary, last 20 contacts, open cases, for a caller who exists",
    ),
    # Need the interactions and their rollups (bench/kpi_rollups.py); run by bench/kpis.sh with
    # an admin's token, who may open every agent's scorecard.
    "kpi-wall": (
        "/api/v1/kpis/",
        "kpi_wall.txt",
        300,
        "KPI wall: every KPI's center value with n and 95% CI, for a random day, week or month",
    ),
    "scorecard": (
        "/api/v1/scorecards/",
        "scorecards.txt",
        300,
        "an agent's scorecard: every KPI with the previous period, QA soft skills",
    ),
    # The pages, as a signed-in browser asks for them (bench/out/admin_session.txt).
    "wall-page": (
        "/performance/kpis/",
        "kpi_wall.txt",
        300,
        "the KPI wall page: goals, KPIs, previous period and a 12-period trend chart per KPI",
    ),
    "scorecard-page": (
        "/performance/scorecards/agents/",
        "scorecard_pages.txt",
        300,
        "an agent's scorecard page: every KPI with a 12-period trend, QA soft skills",
    ),
    # Needs the demo center loaded; run by bench/next_activity.py with every agent's API key, so
    # each request is a different agent's desktop asking what to do between contacts.
    "next-activity": (
        "/api/v1/agents/me/next-activity?poll=",
        "next_activity.txt",
        50,
        "idle-time delivery: the next activity for a random idle agent (starts or resumes one)",
    ),
}
# What a plain run measures; screen-pop needs the interactions loaded, so it is asked for.
DEFAULT_SCENARIOS = ("lookup-phone", "lookup-email", "search-name", "search-common")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="wrk -t")
    parser.add_argument("--connections", type=int, default=8, help="wrk -c")
    parser.add_argument("--duration", type=int, default=20, help="seconds measured per scenario")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per scenario")
    parser.add_argument(
        "--scenarios",
        default=",".join(DEFAULT_SCENARIOS),
        help=f"comma-separated: {', '.join(SCENARIOS)}",
    )
    parser.add_argument("--label", default="", help="a note stored with the results")
    parser.add_argument(
        "--token-file",
        type=Path,
        default=Path("bench/out/token.txt"),
        help="the API key the requests send (relative to the repository)",
    )
    parser.add_argument(
        "--results", default="http-results", help="bench/out/<this>.{md,json} get the table"
    )
    parser.add_argument(
        "--quiet",
        type=float,
        default=0.0,
        metavar="IDLE",
        help="before each scenario wait (up to --quiet-wait s) until this fraction of the CPUs "
        "has been idle for 3 s, e.g. 0.8; other work on the machine skews the figures",
    )
    parser.add_argument("--quiet-wait", type=float, default=600)
    parser.add_argument(
        "--noisy",
        type=float,
        default=0.1,
        metavar="CPUS",
        help="a measurement during which other processes used more than this many CPUs is "
        "repeated (up to --attempts times; the quietest attempt is kept)",
    )
    parser.add_argument("--attempts", type=int, default=3)
    parser.add_argument(
        "--app-dir",
        type=Path,
        default=ROOT,
        help="serve the code of another checkout (to measure a change before it lands)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the server, e.g. RAPPORT_LIST_COUNT_CAP=1000",
    )
    return parser.parse_args()


def server_env(extra: list[str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "RAPPORT_SSL_REDIRECT": "0",  # plain HTTP on the loopback; TLS is the proxy's job
            "RAPPORT_SECURE_COOKIES": "0",
            "RAPPORT_HSTS_SECONDS": "0",
            "RAPPORT_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(item.split("=", 1) for item in extra)
    return env


def cpu_times() -> tuple[int, int]:
    """(idle, total) jiffies of all CPUs, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return fields[3] + fields[4], sum(fields)


def idle_fraction(seconds: float) -> float:
    idle0, total0 = cpu_times()
    time.sleep(seconds)
    idle1, total1 = cpu_times()
    return (idle1 - idle0) / max(1, total1 - total0)


def wait_for_quiet(threshold: float, patience: float) -> float:
    """The idle fraction over 3 s, once it reaches `threshold` (or when patience runs out)."""
    deadline = time.monotonic() + patience
    while True:
        idle = idle_fraction(3)
        if idle >= threshold or time.monotonic() > deadline:
            return idle
        print(f"  waiting for a quiet machine: {idle:.0%} idle", flush=True)


def process_cpu(exclude_parent: int) -> dict[int, int]:
    """CPU jiffies used so far by every process except PostgreSQL, wrk, this script and the
    gunicorn under test: what the rest of the machine is doing."""
    used = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        pid = int(stat.parent.name)
        comm = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        ppid = int(fields[1])
        if (
            pid in (os.getpid(), exclude_parent)
            or ppid == exclude_parent
            or comm == "wrk"
            or comm.startswith(("postgres", "postmaster"))
        ):
            continue
        used[pid] = int(fields[11]) + int(fields[12])  # utime + stime
    return used


def others_cpu(before: dict[int, int], after: dict[int, int], seconds: float) -> float:
    """CPUs' worth of work other processes did between two process_cpu() snapshots."""
    jiffies = sum(t - before.get(pid, 0) for pid, t in after.items() if t >= before.get(pid, 0))
    return jiffies / os.sysconf("SC_CLK_TCK") / seconds


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def start_gunicorn(args: argparse.Namespace, log) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi",
        "--workers", str(args.workers), "--worker-class", "sync",
        "--bind", f"127.0.0.1:{args.port}", "--log-level", "warning",
    ]  # fmt: skip
    print("$", " ".join(command[2:]), f"(in {args.app_dir})", flush=True)
    return subprocess.Popen(  # noqa: S603 - our own command line
        command, cwd=args.app_dir, env=server_env(args.env), stdout=log, stderr=subprocess.STDOUT
    )


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # the master stops its workers
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def get(url: str, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url)  # noqa: S310 - http://127.0.0.1 only
    if token and token.startswith("sessionid="):
        request.add_header("Cookie", token)
    elif token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_healthy(base: str, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited; see bench/out/gunicorn.log")
        try:
            status, body = get(f"{base}/healthz")
            if status == 200:
                print(f"healthy: {body.decode()}", flush=True)
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not become healthy in time; see bench/out/gunicorn.log")


def probe(base: str, token: str, prefix: str, samples: list[str]) -> str:
    """The first 20 samples must all answer 200 with a result (204, "nothing", for a scenario
    that may have nothing to give); returns a short note."""
    found = 0
    for sample in samples[:20]:
        status, body = get(f"{base}{prefix}{sample}", token)
        if status == 204:
            continue
        if status != 200:
            raise SystemExit(f"GET {prefix}{sample} answered {status}: {body[:300]!r}")
        if body.lstrip().startswith(b"<"):
            found += 1  # a page
            continue
        data = json.loads(body)
        found += data.get("count", 1)
    return f"{found / min(20, len(samples)):.0f} results per request in a probe of 20"


def run_wrk(args: argparse.Namespace, base: str, prefix: str, sample_file: Path, seconds: int):
    command = [
        "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s",
        "--latency", "--timeout", "10s",
        "-s", str(LUA.relative_to(ROOT)), base,
        "--", prefix, str(sample_file.relative_to(ROOT)), str(args.token_file),
    ]  # fmt: skip
    result = subprocess.run(  # noqa: S603 - our own command line
        command, cwd=ROOT, capture_output=True, text=True, check=True
    )
    match = re.search(r"^BENCH_RESULT (\{.*\})$", result.stdout, re.MULTILINE)
    if not match:
        raise SystemExit(f"wrk printed no BENCH_RESULT:\n{result.stdout}\n{result.stderr}")
    return command, json.loads(match.group(1)), result.stdout


def measure(args, server, base: str, name: str, sample_file: Path) -> dict:
    """One warm-up and one measured wrk run of a scenario."""
    prefix, _, goal, about = SCENARIOS[name]
    idle_before = wait_for_quiet(args.quiet, args.quiet_wait) if args.quiet else idle_fraction(3)
    load_before = os.getloadavg()[0]
    run_wrk(args, base, prefix, sample_file, args.warmup)
    cpu_before, started = process_cpu(server.pid), time.monotonic()
    command, figures, text = run_wrk(args, base, prefix, sample_file, args.duration)
    others = others_cpu(cpu_before, process_cpu(server.pid), time.monotonic() - started)
    error_kinds = ("connect_errors", "read_errors", "write_errors", "timeouts", "non_2xx_3xx")
    return {
        "scenario": name,
        "about": about,
        "requests_per_s": figures["requests"] / (figures["duration_us"] / 1e6),
        "p50_ms": figures["p50_us"] / 1000,
        "p95_ms": figures["p95_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "max_ms": figures["max_us"] / 1000,
        "errors": sum(figures[k] for k in error_kinds),
        "goal_p95_ms": goal,
        "load_1min_before": load_before,
        "cpu_idle_before": idle_before,
        "other_processes_cpus": others,
        "wrk": " ".join(command),
        "raw": figures,
        "wrk_output": text,
    }


def main() -> None:
    args = parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    token_file = ROOT / args.token_file
    if not token_file.exists():
        raise SystemExit(f"{args.token_file} is missing: run bench/generate_customers.py first")
    token = token_file.read_text().split()[0]  # the probe asks as the first of the credentials
    if not port_free(args.port):
        raise SystemExit(f"127.0.0.1:{args.port} is in use")
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    base = f"http://127.0.0.1:{args.port}"
    results = []
    log = (OUT / "gunicorn.log").open("a")
    server = start_gunicorn(args, log)
    try:
        wait_healthy(base, server)
        for name in names:
            prefix, filename, goal, _ = SCENARIOS[name]
            sample_file = OUT / filename
            samples = [line for line in sample_file.read_text().splitlines() if line]
            note = probe(base, token, prefix, samples)
            attempts = []
            for attempt in range(1, args.attempts + 1):
                attempts.append(measure(args, server, base, name, sample_file))
                others = attempts[-1]["other_processes_cpus"]
                if others <= args.noisy:
                    break
                print(
                    f"  {name}: other processes used {others:.2f} CPUs during attempt "
                    f"{attempt}/{args.attempts}"
                    + ("; measuring again" if attempt < args.attempts else ""),
                    flush=True,
                )
            row = min(attempts, key=lambda r: r["other_processes_cpus"])
            row.update(samples=len(samples), probe=note, attempts=len(attempts))
            (OUT / f"wrk-{name}.txt").write_text(row.pop("wrk_output"))
            results.append(row)
            verdict = "meets" if row["p95_ms"] < goal and not row["errors"] else "MISSES"
            print(
                f"{name:14} {row['requests_per_s']:8.0f} req/s  p50 {row['p50_ms']:6.1f} ms  "
                f"p95 {row['p95_ms']:6.1f} ms  p99 {row['p99_ms']:6.1f} ms  errors {row['errors']}  "
                f"({verdict} p95 < {goal} ms; {note}; {row['cpu_idle_before']:.0%} idle before, "
                f"other processes used {row['other_processes_cpus']:.2f} CPUs during)",
                flush=True,
            )
    finally:
        stop_gunicorn(server)
        log.close()
    write_results(args, results)


def code_version(app_dir: Path) -> str:
    """The commit the server ran, and whether the working tree differed from it."""

    def run(*command: str) -> str:
        done = subprocess.run(  # noqa: S603
            ["git", *command],  # noqa: S607 - git from PATH
            cwd=app_dir,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    try:
        dirty = run("status", "--porcelain", "--untracked-files=no", "--", "rapport", "config")
        return run("rev-parse", "--short", "HEAD") + (" + uncommitted app changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_results(args: argparse.Namespace, results: list[dict]) -> None:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"{when}, code {code_version(args.app_dir)}, {os.cpu_count()} CPUs, {platform.platform()}; "
        f"gunicorn {args.workers} sync "
        f"workers; wrk -t{args.threads} -c{args.connections} -d{args.duration}s after "
        f"{args.warmup} s warm-up"
        + "".join(f"; {item}" for item in args.env)
        + (f"; {args.label}" if args.label else "")
    )
    lines = [
        header,
        "",
        "| scenario | req/s | p50 ms | p95 ms | p99 ms | errors | goal p95 | idle before | others' CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['scenario']} | {r['requests_per_s']:,.0f} | {r['p50_ms']:.1f} | "
            f"{r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} | < {r['goal_p95_ms']} ms | "
            f"{r['cpu_idle_before']:.0%} | {r['other_processes_cpus']:.2f} |"
        )
    table = "\n".join(lines) + "\n"
    (OUT / f"{args.results}.md").write_text(table)
    (OUT / f"{args.results}.json").write_text(
        json.dumps({"when": when, "header": header, "results": results}, indent=2) + "\n"
    )
    print()
    print(table)
    print(f"written to {(OUT / args.results).relative_to(ROOT)}.md and .json")


if __name__ == "__main__":
    main()
