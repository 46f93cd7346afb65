#!/usr/bin/env bash
# Run a benchmark ahead of other work on a shared machine (needs root, Linux):
#   bash bench/with_priority.sh .venv/bin/python bench/http_bench.py --scenarios screen-pop
# The command and everything it starts (gunicorn, wrk) run at nice -15, and every second the
# PostgreSQL backends connected to the bench database get nice -15 too. With the scheduler's
# autogroups (one per session, /proc/sys/kernel/sched_autogroup_enabled) a process's nice only
# ranks it inside its group, so the groups' nice values are set as well (/proc/<pid>/autogroup)
# and this session's is put back when the command ends. Other work then gets a small share of
# the CPUs instead of half; http_bench.py and the others still record how much it got. Figures
# taken this way say so in docs/performance.md.
set -euo pipefail
DB="${BENCH_DB:-rapport_bench}"
NICE="${BENCH_NICE:--15}"

boost() {  # boost PID: the process and, with autogroups, its group
  renice -n "$NICE" -p "$1" >/dev/null 2>&1 || true
  [[ -w "/proc/$1/autogroup" ]] && echo "$NICE" > "/proc/$1/autogroup" 2>/dev/null || true
}

before=$(sed -n 's/.* nice //p' /proc/$$/autogroup 2>/dev/null || echo "")
boost $$
(
  while sleep 1; do
    for pid in $(psql -h 127.0.0.1 -U postgres -Atc \
        "SELECT pid FROM pg_stat_activity WHERE datname = '$DB'" postgres 2>/dev/null); do
      boost "$pid"
    done
  done
) &
watcher=$!
finish() {
  kill "$watcher" 2>/dev/null || true
  [[ -n "$before" && -w /proc/$$/autogroup ]] && echo "$before" > /proc/$$/autogroup || true
}
trap finish EXIT
nice -n "$NICE" "$@"
