#!/usr/bin/env python
"""What the desktop's "Between contacts" panel costs: `next_activity` for idle agents.

Against a loaded demo center (seed_demo: every agent has briefings, review items, modules or polls
waiting), every active agent is set idle and given an API key. Then:

1. in process, for each agent, the first call (which starts an activity) and three more (which
   resume it), with wall time and the number of SQL queries of each;
2. over HTTP, bench/http_bench.py's `next-activity` scenario: production settings, gunicorn with 2
   sync workers, `wrk -t2 -c8 -d20s` after a 3 s warm-up, each request a random agent's key.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_learning_bench .venv/bin/python manage.py migrate -v0
    DATABASE_URL=... .venv/bin/python manage.py seed_demo
    DATABASE_URL=... .venv/bin/python bench/next_activity.py

Only 127.0.0.1 is contacted; wrk stops by itself.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from rapport.accounts.choices import AgentState  # noqa: E402
from rapport.accounts.models import User  # noqa: E402
from rapport.accounts.services import agent_state_set, api_token_issue  # noqa: E402
from rapport.core.roles import Role  # noqa: E402
from rapport.learning.models import Activity  # noqa: E402
from rapport.learning.services.activities import next_activity  # noqa: E402

OUT = ROOT / "bench" / "out"


def agents_made_idle() -> list[User]:
    agents = list(User.objects.filter(is_active=True, groups__name=Role.AGENT).order_by("pk"))
    for agent in agents:
        agent_state_set(agent=agent, state=AgentState.IDLE, source="bench")
    return agents


def timed(agent: User) -> tuple[float, int, Activity | None]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        activity = next_activity(agent=agent)
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, len(queries), activity


def summary(label: str, rows: list[tuple[float, int]]) -> str:
    times = sorted(ms for ms, _ in rows)
    p95 = times[int(0.95 * (len(times) - 1))]
    queries = statistics.mean(n for _, n in rows)
    return (
        f"{label:<28} n={len(rows):>4}  mean {statistics.mean(times):6.1f} ms  "
        f"p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  {queries:5.1f} queries"
    )


def in_process(agents: list[User]) -> None:
    Activity.objects.filter(agent__in=agents).delete()  # a fresh start for every agent
    starts, resumes, kinds = [], [], {}
    for agent in agents:
        ms, queries, activity = timed(agent)
        starts.append((ms, queries))
        kinds[activity.kind if activity else "nothing"] = (
            kinds.get(activity.kind if activity else "nothing", 0) + 1
        )
        for _ in range(3):
            ms, queries, _ = timed(agent)
            resumes.append((ms, queries))
    print(summary("first ask (starts one)", starts))
    print(summary("later asks (resumes it)", resumes))
    print("what the first ask brought:", ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))


def tokens_written(agents: list[User]) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "agent_tokens.txt"
    keys = [api_token_issue(user=agent, name="bench next-activity").key for agent in agents]
    path.write_text("\n".join(keys) + "\n")
    (OUT / "next_activity.txt").write_text("".join(f"{n}\n" for n in range(1, 101)))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-http", action="store_true", help="only the in-process figures")
    args, rest = parser.parse_known_args()
    agents = agents_made_idle()
    print(f"{len(agents)} agents, idle")
    in_process(agents)
    if args.no_http:
        return
    tokens = tokens_written(agents)
    command = [
        sys.executable,
        str(ROOT / "bench" / "http_bench.py"),
        "--scenarios",
        "next-activity",
        "--token-file",
        str(tokens.relative_to(ROOT)),
        "--results",
        "next-activity-results",
        *rest,
    ]
    subprocess.run(command, check=True, cwd=ROOT)  # noqa: S603 - our own script, our arguments


if __name__ == "__main__":
    main()
