#!/usr/bin/env python
"""Customer import memory: peak resident memory of a worker importing a 1 GB customer CSV.

    .venv/bin/python bench/import_memory.py                 # 1 GB, the dry run
    .venv/bin/python bench/import_memory.py --phase run     # the dry run, then the import
    .venv/bin/python bench/import_memory.py --megabytes 20  # a quick look

Streams the file to bench/out/import-customers-<MB>mb.csv with the rows of import_speed.py
(constant memory), then, in this process with production settings and import_speed.py's
database: job_create (the upload is copied into the media storage, as the web request does),
job_dry_run and job_execute, as a worker runs them. The dry run reads, maps and checks every
row and compares it with the database, writing nothing; `--phase run` also runs the import
(which adds every row: about 7 million customers for 1 GB, with their contact points and
history, so plan for a long run and a large database). Goal: peak RSS under 500 MB.

Peak RSS is the kernel's high-water mark (VmHWM in /proc/self/status), reset after start-up
and generation (writing 5 to /proc/self/clear_refs), so it is the import's own peak; VmRSS is
also sampled every 5 s. Afterwards the generated file, the stored upload and the job are
deleted (--keep-file keeps the generated file). Results: bench/out/import-memory.{md,json}.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import import_speed  # noqa: E402

GOAL_MB = 500


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--phase", choices=("dry_run", "run"), default="dry_run")
    parser.add_argument("--keep-file", action="store_true")
    return parser.parse_args()


def write_file(path: Path, megabytes: int, seed: int) -> int:
    """Rows until the file holds `megabytes` MB; returns how many rows."""
    started = time.perf_counter()
    target = megabytes * 1_000_000
    rows = 0
    customers = import_speed.Customers(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(import_speed.HEADER)
        while handle.tell() < target:
            writer.writerows(customers.rows(50_000, start=rows))
            rows += 50_000
    print(
        f"wrote {rows:,} rows ({path.stat().st_size / 1e6:,.0f} MB) to {path.relative_to(ROOT)} "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return rows


def memory(field: str) -> int:
    """A VmXXX line of /proc/self/status, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise SystemExit(f"no {field} in /proc/self/status")


class Sampler(threading.Thread):
    """VmRSS every few seconds while the import runs."""

    def __init__(self, every: float = 5.0) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.samples: list[tuple[float, int]] = []
        self.stopped = threading.Event()
        self.started_at = time.perf_counter()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            self.samples.append((time.perf_counter() - self.started_at, memory("VmRSS")))


def execute(job, phase: str, user) -> tuple[Any, float]:
    from rapport.imports.services import jobs

    start = jobs.job_dry_run if phase == "dry_run" else jobs.job_run
    job = start(job=job, by=user)
    started = time.perf_counter()
    job = jobs.job_execute(job_id=job.pk)
    seconds = time.perf_counter() - started
    if job.state not in ("checked", "done"):
        raise SystemExit(f"the job ended {job.state}: {job.failure}")
    return job, seconds


def main() -> None:
    args = parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"import-customers-{args.megabytes}mb.csv"
    rows = write_file(path, args.megabytes, args.seed)
    import_speed.setup_django()
    from django.core.files import File

    from rapport.imports.services import jobs

    import_speed.forget_earlier_imports()
    user = import_speed.importer()
    Path("/proc/self/clear_refs").write_text("5")  # the high-water mark starts again here
    baseline = memory("VmRSS")
    sampler = Sampler()
    sampler.start()
    job = None
    results = []
    try:
        with path.open("rb") as handle:
            job = jobs.job_create(
                by=user, upload=File(handle, name=path.name), source_type="customers"
            )
        phases = ["dry_run"] + (["run"] if args.phase == "run" else [])
        for phase in phases:
            job, seconds = execute(job, phase, user)
            results.append(
                {
                    "phase": phase,
                    "rows": job.rows_seen,
                    "seconds": seconds,
                    "rows_per_s": job.rows_seen / seconds,
                    "added": job.rows_added,
                    "failed": job.rows_failed,
                    "peak_rss_mb": memory("VmHWM") / 1e6,
                }
            )
            print(line_for(results[-1], baseline), flush=True)
    finally:
        sampler.stopped.set()
        if job is not None:
            job.file.delete(save=False)
            job.delete()
        if not args.keep_file:
            path.unlink()
            print(f"deleted {path.relative_to(ROOT)}")
    write_results(args, path, rows, baseline, results, sampler.samples)


def line_for(result: dict, baseline: int) -> str:
    verdict = "meets" if result["peak_rss_mb"] < GOAL_MB else "MISSES"
    return (
        f"{result['phase']}: {result['rows']:,} rows in {result['seconds']:.0f} s "
        f"({result['rows_per_s']:,.0f} rows/s); peak RSS {result['peak_rss_mb']:,.0f} MB "
        f"({verdict} < {GOAL_MB} MB; {baseline / 1e6:,.0f} MB after start-up); "
        f"added {result['added']:,}, failed {result['failed']:,}"
    )


def write_results(args, path, rows, baseline, results, samples) -> None:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"{when}, {os.cpu_count()} CPUs; customers import through a job in one process, "
        f"production settings; {args.megabytes:,} MB, {rows:,} rows; RSS after start-up "
        f"{baseline / 1e6:,.0f} MB"
    )
    lines = [
        header,
        "",
        "| phase | rows | s | rows/s | peak RSS MB |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {r['phase']} | {r['rows']:,} | {r['seconds']:.0f} | {r['rows_per_s']:,.0f} | "
            f"{r['peak_rss_mb']:,.0f} |"
            for r in results
        ),
    ]
    if samples:
        lines += [
            "",
            "VmRSS (MB) every 5 s: " + ", ".join(f"{rss / 1e6:.0f}" for _, rss in samples),
        ]
    (OUT / "import-memory.md").write_text("\n".join(lines) + "\n")
    (OUT / "import-memory.json").write_text(
        json.dumps({"header": header, "phases": results, "rss_samples": samples})
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
