#!/usr/bin/env bash
# Make 1,000,000 customers (once) and measure lookup and search over HTTP. See bench/README.md.
#   bash bench/run.sh                    # everything, the figures in docs/performance.md
#   bash bench/run.sh --quiet 0.9        # options after run.sh go to bench/http_bench.py
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-.venv/bin/python}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/rapport_bench}"
export DJANGO_SETTINGS_MODULE=config.settings.production
# Production settings refuse to start without a key; nothing signed here outlives the run.
export SECRET_KEY="${SECRET_KEY:-bench-only-$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))')}"

mkdir -p bench/out
"$PYTHON" bench/generate_customers.py --customers "${BENCH_CUSTOMERS:-1000000}"
"$PYTHON" bench/explain.py > bench/out/explain.log 2>&1 \
  && echo "query plans: bench/out/explain.txt" \
  || { echo "bench/explain.py failed: see bench/out/explain.log" >&2; exit 1; }
"$PYTHON" bench/http_bench.py "$@"
