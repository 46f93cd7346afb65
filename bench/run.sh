#!/usr/bin/env bash
# Make 1,000,000 customers and 10,000,000 contacts (once), then measure over HTTP: lookup and
# search, the screen pop, phone-event ingest, the KPI wall and scorecards, and the call-record import. See bench/README.md.
#   bash bench/run.sh                          # everything, the figures in docs/performance.md
#   bash bench/run.sh --quiet 0.9              # options after run.sh go to bench/http_bench.py
#   BENCH_PARTS=screen-pop,ingest bash bench/run.sh    # some of: lookup screen-pop ingest cdr
#   BENCH_QUIET=0.9 bash bench/run.sh --quiet 0.9       # ingest and cdr wait for quiet too
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-.venv/bin/python}"
PARTS=",${BENCH_PARTS:-lookup,screen-pop,ingest,cdr,kpis},"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/rapport_bench}"
export DJANGO_SETTINGS_MODULE=config.settings.production
# Production settings refuse to start without a key; nothing signed here outlives the run.
export SECRET_KEY="${SECRET_KEY:-bench-only-$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))')}"

mkdir -p bench/out
"$PYTHON" bench/generate_customers.py --customers "${BENCH_CUSTOMERS:-1000000}"
if [[ "$PARTS" != ",lookup," ]]; then
  "$PYTHON" bench/generate_interactions.py --interactions "${BENCH_INTERACTIONS:-10000000}"
fi
"$PYTHON" bench/explain.py > bench/out/explain.log 2>&1 \
  && echo "query plans: bench/out/explain.txt" \
  || { echo "bench/explain.py failed: see bench/out/explain.log" >&2; exit 1; }
if [[ "$PARTS" == *,lookup,* ]]; then
  "$PYTHON" bench/http_bench.py "$@"
fi
if [[ "$PARTS" == *,screen-pop,* ]]; then
  "$PYTHON" bench/http_bench.py --scenarios screen-pop --results screen-pop-results "$@"
fi
if [[ "$PARTS" == *,ingest,* ]]; then
  "$PYTHON" bench/ingest_events.py ${BENCH_QUIET:+--quiet "$BENCH_QUIET"}
fi
if [[ "$PARTS" == *,kpis,* ]]; then
  bash bench/kpis.sh "$@"
fi
if [[ "$PARTS" == *,cdr,* ]]; then
  "$PYTHON" bench/cdr_import.py ${BENCH_QUIET:+--quiet "$BENCH_QUIET"}
fi
