#!/usr/bin/env python
"""Phone-switch event ingest over HTTP: signed batches to POST /api/v1/telephony/events.

    .venv/bin/python bench/ingest_events.py        # after generate_customers.py and
                                                   # generate_interactions.py (agents, queues)

Starts gunicorn (config.wsgi, production settings, 2 sync workers, 127.0.0.1:8767) with a
phone secret made for the run, then 8 client threads each post signed batches of 200 events
(headers from rapport.interactions.webhooks.signed_headers) one after the other: 3 s of
warm-up, then 20 s measured. Prints accepted events/s and p50/p95/max batch latency and
writes bench/out/ingest-results.{md,json}. Goal: at least 2,000 events/s.

The events are what a switch sends for a busy centre. Each client is one site with its own 30
agents (bench-agent-001 … from generate_interactions.py) and its own calls. A call is ringing
(caller's number, number dialled, queue) → answered (agent) → 30% held → resumed → 3% transferred
out → ended; a call's events are spread over several batches, as they happen, so most batches
both create calls and update calls created by earlier ones. 90% of callers are customers
(numbers drawn from the stored contact points, in E.164 as switches send them), 10% numbers
nobody has (they become prospects for review). An agent takes one call at a time, so every
answered/ended moves the agent's state. The simulated clock runs about 3,000 times faster
than the wall clock and starts 26 hours ago; the bench agents are set offline (state time
cleared) before each run so that their state moves are not refused as older than a previous
run's. Call and event ids carry a run id, so every run sends new calls.

Only 127.0.0.1 is contacted; the run stops by itself after warm-up + duration.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import secrets
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import http_bench  # noqa: E402

AGENT_PREFIX = "bench-agent-"
PATH = "/api/v1/telephony/events"
CALL_SPACING = 20.0  # simulated seconds between two calls of one site: 30 agents, < 600 s a call
SIMULATED_START_AGO = 26 * 3600
SUPPLY_EVENTS_PER_S = 6_000  # batches made ahead for this rate (three times the goal); see ran_out


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batch", type=int, default=200, help="events per request")
    parser.add_argument("--duration", type=float, default=20, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--unknown", type=float, default=0.10, help="share of unknown callers")
    parser.add_argument("--quiet", type=float, default=0.0, metavar="IDLE")
    parser.add_argument("--quiet-wait", type=float, default=600)
    parser.add_argument("--app-dir", type=Path, default=ROOT)
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--label", default="")
    return parser.parse_args()


# ----------------------------------------------------------------------------- the events


def reference() -> dict:
    """Agents, queues, our numbers and customers' numbers from the bench database; resets the
    bench agents' state so this run's moves are newer than any earlier run's."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    os.environ.setdefault("SECRET_KEY", "bench-ingest-only-" + "x" * 40)
    os.environ.setdefault("DATABASE_URL", http_bench.DEFAULT_DATABASE_URL)
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE accounts_user SET agent_state = 'offline', agent_state_since = NULL "
            "WHERE username LIKE %s",
            [AGENT_PREFIX + "%"],
        )
        cur.execute(
            "SELECT username FROM accounts_user WHERE username ~ %s ORDER BY username",
            ["^" + AGENT_PREFIX + "[0-9]+$"],
        )
        agents = [row[0] for row in cur.fetchall()]
        cur.execute("SELECT code FROM access_queue WHERE tier = 1 ORDER BY code")
        queues = [row[0] for row in cur.fetchall()]
        cur.execute("SELECT address FROM access_touchpoint WHERE channel = 'phone' ORDER BY id")
        ours = [row[0] for row in cur.fetchall()]
        # About 1% of the pages: 20,000 numbers spread over the whole table.
        cur.execute(
            "SELECT normalised FROM customers_contactpoint TABLESAMPLE SYSTEM (1) "
            "WHERE kind = 'phone' LIMIT 20000"
        )
        callers = [row[0] for row in cur.fetchall()]
    connection.close()
    if len(agents) < 8 or not queues or not ours or not callers:
        raise SystemExit(
            "no bench agents, queues or touchpoints: run bench/generate_interactions.py"
        )
    return {"agents": agents, "queues": queues, "ours": ours, "callers": callers}


def iso(t: float) -> str:
    return (
        dt.datetime.fromtimestamp(t, dt.UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def call_events(rng: random.Random, call_id: str, start: float, ref: dict, agent: str, ani: str):
    """The events of one call, as (time, event) pairs."""
    base = {"call_id": call_id, "ani": ani, "dnis": rng.choice(ref["ours"])}
    queue = rng.choice(ref["queues"])
    t = start
    events = [(t, {"kind": "ringing", "queue": queue})]
    t += 3 + rng.random() * 40
    events.append((t, {"kind": "answered", "agent": agent, "queue": queue}))
    t += 20 + rng.random() * 200
    if rng.random() < 0.3:
        events.append((t, {"kind": "held"}))
        t += 10 + rng.random() * 90
        events.append((t, {"kind": "resumed"}))
        t += 10 + rng.random() * 100
    if rng.random() < 0.03:
        events.append((t, {"kind": "transferred"}))
        t += 5
    events.append((t, {"kind": "ended"}))
    out = []
    for n, (when, fields) in enumerate(events):
        event = {**base, **fields, "event_id": f"{call_id}-{n}", "occurred_at": iso(when)}
        out.append((when, event))
    return out


def client_batches(client: int, run: str, ref: dict, args: argparse.Namespace, count: int):
    """`count` bodies of `args.batch` events for one site, in the order things happen."""
    rng = random.Random(f"{run}-{client}")
    agents = ref["agents"][client :: args.clients]
    spacing = CALL_SPACING * 30 / len(agents)
    start = time.time() - SIMULATED_START_AGO
    unknown_prefix = rng.choice(("201", "312", "415", "617", "713"))
    needed = count * args.batch
    events: list[tuple[float, dict]] = []
    calls = 0
    while True:
        # Call n starts at start + n * spacing and goes to agent n mod len(agents), whose
        # previous call (len(agents) calls earlier) ended long before.
        for n in range(calls, calls + needed // 4 + 100):
            if rng.random() < args.unknown:
                ani = f"+1{unknown_prefix}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
            else:
                ani = rng.choice(ref["callers"])
            call_id = f"ingest-{run}-{client}-{n}"
            agent = agents[n % len(agents)]
            events.extend(call_events(rng, call_id, start + n * spacing, ref, agent, ani))
        calls = n + 1
        # Events up to the last call's start are complete: later calls only add later events.
        horizon = start + n * spacing
        complete = sorted((pair for pair in events if pair[0] <= horizon), key=lambda p: p[0])
        if len(complete) >= needed:
            break
    bodies = []
    for offset in range(0, needed, args.batch):
        chunk = [event for _, event in complete[offset : offset + args.batch]]
        bodies.append(json.dumps({"events": chunk}, separators=(",", ":")).encode())
    return bodies


# ----------------------------------------------------------------------------- the load


class Client(threading.Thread):
    def __init__(self, *, number: int, port: int, secret: str, bodies: list[bytes], run: str):
        super().__init__(daemon=True)
        self.number, self.port, self.secret, self.bodies, self.run_id = (
            number,
            port,
            secret,
            bodies,
            run,
        )
        self.records: list[
            tuple[float, float, int, int, int]
        ] = []  # start, end, accepted, dup, rej
        self.errors: list[str] = []
        self.rejections: dict[str, int] = {}
        self.stop_at = 0.0
        self.ran_out = False

    def run(self) -> None:
        from rapport.interactions.webhooks import signed_headers

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        for index, body in enumerate(self.bodies):
            if time.monotonic() >= self.stop_at:
                break
            headers = signed_headers(
                secret=self.secret, body=body, delivery_id=f"{self.run_id}-{self.number}-{index}"
            )
            headers["Content-Type"] = "application/json"
            started = time.monotonic()
            try:
                conn.request("POST", PATH, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.errors.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                continue
            ended = time.monotonic()
            if response.status != 200:
                self.errors.append(f"{response.status}: {data[:200]!r}")
                continue
            result = json.loads(data)
            for rejection in result["rejected"]:
                self.rejections[rejection["code"]] = self.rejections.get(rejection["code"], 0) + 1
            self.records.append(
                (started, ended, result["accepted"], result["duplicates"], len(result["rejected"]))
            )
        else:
            self.ran_out = True
        conn.close()


def main() -> None:
    args = parse_args()
    if not http_bench.port_free(args.port):
        raise SystemExit(f"127.0.0.1:{args.port} is in use")
    ref = reference()
    run = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    # Enough bodies for SUPPLY_EVENTS_PER_S in all; a client that runs out says so.
    per_client = (
        int((args.warmup + args.duration) * SUPPLY_EVENTS_PER_S / args.batch / args.clients) + 5
    )
    t0 = time.perf_counter()
    bodies = [client_batches(c, run, ref, args, per_client) for c in range(args.clients)]
    total = sum(len(b) for b in bodies)
    print(
        f"made {total:,} batches of {args.batch} events for {args.clients} clients "
        f"(run {run}) in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    secret = secrets.token_urlsafe(32)
    server_args = argparse.Namespace(
        workers=args.workers,
        port=args.port,
        app_dir=args.app_dir,
        env=[f"RAPPORT_WEBHOOK_SECRET_PHONE={secret}", *args.env],
    )
    OUT.mkdir(exist_ok=True)
    log = (OUT / "gunicorn-ingest.log").open("a")
    server = http_bench.start_gunicorn(server_args, log)
    base = f"http://127.0.0.1:{args.port}"
    try:
        http_bench.wait_healthy(base, server)
        idle = (
            http_bench.wait_for_quiet(args.quiet, args.quiet_wait)
            if args.quiet
            else http_bench.idle_fraction(3)
        )
        clients = [
            Client(number=c, port=args.port, secret=secret, bodies=bodies[c], run=run)
            for c in range(args.clients)
        ]
        begin = time.monotonic()
        measure_from = begin + args.warmup
        measure_to = measure_from + args.duration
        for client in clients:
            client.stop_at = measure_to
            client.start()
        time.sleep(max(0.0, measure_from - time.monotonic()))
        cpu_before = http_bench.process_cpu(server.pid)
        for client in clients:
            client.join(timeout=args.warmup + args.duration + 120)
        others = http_bench.others_cpu(
            cpu_before, http_bench.process_cpu(server.pid), time.monotonic() - measure_from
        )
    finally:
        http_bench.stop_gunicorn(server)
        log.close()
    report(args, run, clients, measure_from, measure_to, idle, others)


def report(args, run, clients, measure_from, measure_to, idle, others) -> None:
    # A batch counts in the window when it finished inside it.
    inside = [r for c in clients for r in c.records if measure_from <= r[1] <= measure_to]
    window = min(measure_to, max((r[1] for r in inside), default=measure_to)) - measure_from
    accepted = sum(r[2] for r in inside)
    latencies = sorted((r[1] - r[0]) * 1000 for r in inside)
    errors = [e for c in clients for e in c.errors]
    rejections: dict[str, int] = {}
    for c in clients:
        for code, n in c.rejections.items():
            rejections[code] = rejections.get(code, 0) + n
    ran_out = sum(1 for c in clients if c.ran_out)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] if latencies else 0

    row = {
        "events_per_s": accepted / window if window > 0 else 0.0,
        "batches_per_s": len(inside) / window if window > 0 else 0.0,
        "batches": len(inside),
        "accepted": accepted,
        "duplicates": sum(r[3] for r in inside),
        "rejected": sum(r[4] for r in inside),
        "rejections": rejections,
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "max_ms": latencies[-1] if latencies else 0.0,
        "mean_ms": statistics.fmean(latencies) if latencies else 0.0,
        "errors": len(errors),
        "first_errors": errors[:5],
        "clients_ran_out": ran_out,
        "cpu_idle_before": idle,
        "other_processes_cpus": others,
    }
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"{when}, code {http_bench.code_version(args.app_dir)}, {os.cpu_count()} CPUs; gunicorn "
        f"{args.workers} sync workers; {args.clients} clients posting batches of {args.batch} "
        f"events, {args.warmup:g} s warm-up, {args.duration:g} s measured; run {run}"
        + (f"; {args.label}" if args.label else "")
    )
    verdict = "meets" if row["events_per_s"] >= 2000 and not errors else "MISSES"
    table = (
        f"{header}\n\n"
        "| events/s | batches/s | p50 ms | p95 ms | max ms | rejected | errors | idle before | others' CPU |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        f"| {row['events_per_s']:,.0f} | {row['batches_per_s']:.1f} | {row['p50_ms']:.0f} | "
        f"{row['p95_ms']:.0f} | {row['max_ms']:.0f} | {row['rejected']} | {row['errors']} | "
        f"{idle:.0%} | {others:.2f} |\n"
    )
    (OUT / "ingest-results.md").write_text(table)
    (OUT / "ingest-results.json").write_text(
        json.dumps({"when": when, "header": header, "result": row}, indent=2) + "\n"
    )
    print()
    print(table)
    print(
        f"{verdict} the goal of 2,000 events/s; {row['accepted']:,} events accepted in "
        f"{window:.1f} s, {row['duplicates']} duplicates, rejections {rejections or 'none'}"
    )
    if errors:
        print("errors:", *errors[:5], sep="\n  ")
    if ran_out:
        print(f"{ran_out} client(s) ran out of batches: raise the per-client supply")


if __name__ == "__main__":
    main()
