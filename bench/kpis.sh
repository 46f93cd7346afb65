#!/usr/bin/env bash
# The KPI wall and an agent's scorecard over 10,000,000 contacts, end to end (issue 4's goal:
# under 300 ms). Builds the rollups once (bench/kpi_rollups.py), then wrk -t2 -c8 -d20s after a
# 3 s warm-up per scenario with an admin's API key. Needs bench/generate_customers.py and
# bench/generate_interactions.py first (bench/run.sh runs them).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/rapport_bench}"
export DJANGO_SETTINGS_MODULE=config.settings.production
export SECRET_KEY="${SECRET_KEY:-bench-only-$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))')}"
mkdir -p bench/out
"$PYTHON" bench/kpi_rollups.py
"$PYTHON" bench/http_bench.py --scenarios kpi-wall,scorecard --token-file bench/out/admin_token.txt \
  --results kpi-api-results "$@"
"$PYTHON" bench/http_bench.py --scenarios wall-page,scorecard-page \
  --token-file bench/out/admin_session.txt --results kpi-page-results "$@"
