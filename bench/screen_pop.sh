#!/usr/bin/env bash
# The screen pop over HTTP: GET /api/v1/screen-pop?phone=<a caller who exists> against 1,000,000
# customers and 10,000,000 contacts (both loaded once), gunicorn with production settings, 2 sync
# workers, wrk -t2 -c8 -d20s after a 3 s warm-up. Goal: p95 < 30 ms. See bench/README.md.
#   bash bench/screen_pop.sh                  # the figures in docs/performance.md
#   bash bench/screen_pop.sh --quiet 0.9      # options go to bench/http_bench.py
# wrk sends a random line of bench/out/screen_pop_phones.txt with each request
# (bench/sample_requests.lua): numbers drawn from stored calls, so frequent callers come often.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-.venv/bin/python}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/rapport_bench}"
export DJANGO_SETTINGS_MODULE=config.settings.production
export SECRET_KEY="${SECRET_KEY:-bench-only-$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))')}"

mkdir -p bench/out
"$PYTHON" bench/generate_customers.py --customers "${BENCH_CUSTOMERS:-1000000}"
"$PYTHON" bench/generate_interactions.py --interactions "${BENCH_INTERACTIONS:-10000000}"
"$PYTHON" bench/http_bench.py --scenarios screen-pop --results screen-pop-results "$@"
