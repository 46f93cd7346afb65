#!/usr/bin/env python
"""Where the time of one API request goes: a ladder of views, each adding one layer of the
customer lookup, measured in-process and over HTTP.

    .venv/bin/python bench/request_cost.py inprocess            # per-request ms of each rung
    .venv/bin/python bench/request_cost.py inprocess --profile lookup   # cProfile of one rung
    .venv/bin/python bench/request_cost.py http --middleware all,none   # wrk -c8 per rung

The rungs (bench/costs/views.py; settings bench/costs/settings.py = production + knobs):

    plain              Django view, no database
    drf-plain          DRF APIView, no authentication, no database
    email              + one indexed query (contact point → customer), 7-field ModelSerializer:
                       the "DRF by exact e-mail" row of PERFORMANCE-NOTES
    email-token        + API token authentication
    email-token-roles  + the role check
    email-summary      + the real selector and summary (what the endpoint does)
    lookup             the real GET /api/v1/customers/lookup?email=
    lookup-phone       the real GET /api/v1/customers/lookup?phone=
    screen-pop         the real GET /api/v1/screen-pop?phone= (needs generate_interactions.py)

`--middleware` takes `all`, `none`, `minimal`, or `-name,name` to leave some out (write
`--middleware=-csp`, with `=`, so the leading dash is not read as an option).
Only 127.0.0.1 is contacted; wrk stops by itself.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

RUNGS = {
    "plain": "/cost/plain?email=",
    "drf-plain": "/cost/drf-plain?email=",
    "email": "/cost/email?email=",
    "email-token": "/cost/email-token?email=",
    "email-token-roles": "/cost/email-token-roles?email=",
    "email-summary": "/cost/email-summary?email=",
    "lookup": "/api/v1/customers/lookup?email=",
    "lookup-phone": "/api/v1/customers/lookup?phone=",
    "screen-pop": "/api/v1/screen-pop?phone=",
}
SAMPLES = {"lookup-phone": "phones.txt", "screen-pop": "screen_pop_phones.txt"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["inprocess", "http"])
    parser.add_argument("--rungs", default=",".join(RUNGS))
    parser.add_argument("--middleware", default="all", help="all, none, minimal, -csp, …")
    parser.add_argument("--requests", type=int, default=2000, help="in-process requests per rung")
    parser.add_argument("--profile", metavar="RUNG", help="cProfile this rung in-process")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument(
        "--app-dir", type=Path, default=ROOT, help="measure another checkout's code (a prototype)"
    )
    parser.add_argument("--warmup", type=int, default=3)
    return parser.parse_args()


def middleware_env(spec: str) -> dict[str, str]:
    if spec.startswith("-"):
        return {"BENCH_MIDDLEWARE": "all", "BENCH_DROP_MIDDLEWARE": spec[1:]}
    return {"BENCH_MIDDLEWARE": spec, "BENCH_DROP_MIDDLEWARE": ""}


def sample_file(rung: str) -> Path:
    return OUT / SAMPLES.get(rung, "emails.txt")


def samples(rung: str) -> list[str]:
    return [line for line in sample_file(rung).read_text().splitlines() if line]


# ----------------------------------------------------------------------------- in-process


def inprocess(args: argparse.Namespace) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.costs.settings",
            "ALLOWED_HOSTS": "127.0.0.1,testserver",
            "RAPPORT_SSL_REDIRECT": "0",
            "RAPPORT_SECURE_COOKIES": "0",
            "RAPPORT_HSTS_SECONDS": "0",
            "RAPPORT_LOG_LEVEL": "WARNING",
            # One backend for the whole run, so its CPU counter is this run's (production
            # reconnects every 60 s, which costs nothing per request).
            "RAPPORT_CONN_MAX_AGE": "3600",
            **middleware_env(args.middleware),
        }
    )
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rapport_bench")
    os.environ.setdefault("SECRET_KEY", "bench-request-cost-only-" + "x" * 40)
    sys.path.insert(0, str(args.app_dir))
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test import RequestFactory

    handler = WSGIHandler()
    factory = RequestFactory()
    token = (OUT / "token.txt").read_text().strip()
    db_time = [0.0, 0]

    def timed(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            db_time[0] += time.perf_counter() - t0
            db_time[1] += 1

    def call(path: str) -> int:
        environ = factory.get(path, HTTP_AUTHORIZATION=f"Token {token}").environ
        status = []
        body = handler(environ, lambda s, h, exc_info=None: status.append(s))
        b"".join(body)
        if hasattr(body, "close"):
            body.close()
        return int(status[0].split()[0])

    def backend_cpu() -> float:
        """CPU seconds the PostgreSQL backend serving this process has used so far."""
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    names = [args.profile] if args.profile else args.rungs.split(",")
    print(
        f"middleware: {args.middleware}; {args.requests} sequential requests per rung, in-process"
    )
    print(
        "CPU ms are immune to other load on the machine; wall ms are not.\n"
        f"{'rung':18} {'wall ms':>8} {'queries':>8} {'in db calls':>12} "
        f"{'Python CPU':>11} {'PG CPU':>7}"
    )
    for name in names:
        prefix = RUNGS[name]
        emails = samples(name)
        for email in emails[:50]:  # warm: connection, caches, first-call imports
            assert call(prefix + email) == 200, (name, email)
        profiler = cProfile.Profile() if args.profile else None
        db_time[:] = [0.0, 0]
        pg0 = backend_cpu()
        with connection.execute_wrapper(timed):
            t0 = time.perf_counter()
            c0 = time.process_time()
            if profiler:
                profiler.enable()
            for i in range(args.requests):
                call(prefix + emails[i % len(emails)])
            if profiler:
                profiler.disable()
            elapsed = time.perf_counter() - t0
            cpu = time.process_time() - c0
        pg = backend_cpu() - pg0
        n = args.requests
        print(
            f"{name:18} {elapsed / n * 1000:8.2f} {db_time[1] / n:8.1f} "
            f"{db_time[0] / n * 1000:12.2f} {cpu / n * 1000:11.2f} {pg / n * 1000:7.2f}",
            flush=True,
        )
        if profiler:
            stream = io.StringIO()
            stats = pstats.Stats(profiler, stream=stream)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(30)
            path = OUT / f"profile-{name}-{args.middleware}.txt"
            path.write_text(stream.getvalue())
            profiler.dump_stats(OUT / f"profile-{name}-{args.middleware}.pstats")
            print(f"profile written to {path.relative_to(ROOT)} (and .pstats)")


# ----------------------------------------------------------------------------- over HTTP


def http(args: argparse.Namespace) -> None:
    import http_bench

    results = []
    for spec in args.middleware.split(","):
        env = {"DJANGO_SETTINGS_MODULE": "bench.costs.settings", **middleware_env(spec)}
        server_args = argparse.Namespace(
            workers=args.workers,
            port=args.port,
            app_dir=args.app_dir,
            env=[f"{k}={v}" for k, v in env.items()],
            threads=2,
            connections=args.connections,
        )
        if not http_bench.port_free(args.port):
            raise SystemExit(f"127.0.0.1:{args.port} is in use")
        log = (OUT / "gunicorn-cost.log").open("a")
        server = http_bench.start_gunicorn(server_args, log)
        base = f"http://127.0.0.1:{args.port}"
        try:
            http_bench.wait_healthy(base, server)
            for name in args.rungs.split(","):
                prefix = RUNGS[name]
                status, body = http_bench.get(
                    base + prefix + samples(name)[0], (OUT / "token.txt").read_text().strip()
                )
                if status != 200:
                    raise SystemExit(f"{name} answered {status}: {body[:200]!r}")
                http_bench.run_wrk(server_args, base, prefix, sample_file(name), args.warmup)
                _, figures, _ = http_bench.run_wrk(
                    server_args, base, prefix, sample_file(name), args.duration
                )
                row = (
                    spec,
                    name,
                    figures["requests"] / (figures["duration_us"] / 1e6),
                    figures["p50_us"] / 1000,
                    figures["p95_us"] / 1000,
                )
                results.append(row)
                print(
                    f"middleware {spec:8} {name:18} {row[2]:7.0f} req/s  p50 {row[3]:6.1f} ms  "
                    f"p95 {row[4]:6.1f} ms",
                    flush=True,
                )
        finally:
            http_bench.stop_gunicorn(server)
            log.close()
    print()
    print(
        f"| middleware | rung | req/s | p50 ms | p95 ms |  (wrk -c{args.connections} -d{args.duration}s)"
    )
    print("|---|---|---:|---:|---:|")
    for spec, name, rps, p50, p95 in results:
        print(f"| {spec} | {name} | {rps:,.0f} | {p50:.1f} | {p95:.1f} |")


def main() -> None:
    args = parse_args()
    if args.mode == "inprocess":
        inprocess(args)
    else:
        http(args)


if __name__ == "__main__":
    main()
