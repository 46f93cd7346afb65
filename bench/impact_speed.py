"""Timing of the training-impact computation on a demo-sized ledger (not collected by pytest;
run it explicitly: `.venv/bin/python -m pytest bench/impact_speed.py -s -p no:randomly`).

56 agents, a year of daily rollups on two channels, 20 trained agents (half assigned from an FCR
gap rule). Prints the seconds of the module as it stands, and of an older copy when
IMPACT_BASELINE names one (a file path), for before/after figures."""

import datetime
import importlib.util
import os
import random
import time

from django.utils import timezone

from rapport.accounts.tests.factories import UserFactory
from rapport.learning import impact
from rapport.learning.choices import AssignmentSource, AssignmentStatus, GapSource
from rapport.learning.tests.factories_learning import (
    AssignmentFactory,
    GapRuleFactory,
    ModuleFactory,
)
from rapport.performance import catalog
from rapport.performance.models import DailyRollup, Kpi

TODAY = datetime.date(2025, 6, 30)
AGENTS, TRAINED, DAYS = 56, 20, 365


def _ledger():
    catalog.defaults_ensure()
    fcr = Kpi.objects.get(key="fcr")
    module = ModuleFactory()
    rule = GapRuleFactory(source=GapSource.KPI, kpi=fcr, threshold=70, min_n=30, module=module)
    rows = []
    chance = random.Random(5)
    agents = [UserFactory(roles=["agent"]) for _ in range(AGENTS)]
    for agent in agents:
        for offset in range(DAYS):
            day = TODAY - datetime.timedelta(days=offset + 1)
            for channel in ("phone", "chat"):
                n = chance.randint(5, 25)
                rows.append(
                    DailyRollup(
                        day=day,
                        grain="agent",
                        agent=agent,
                        channel=channel,
                        handled=n,
                        handle_sum=300.0 * n,
                        handle_sumsq=95000.0 * n,
                        fcr_n=n,
                        fcr_repeat=chance.randint(0, n // 3),
                    )
                )
    DailyRollup.objects.bulk_create(rows, batch_size=2000)
    for i, agent in enumerate(agents[:TRAINED]):
        day = TODAY - datetime.timedelta(days=100 + 7 * i)
        AssignmentFactory(
            agent=agent,
            module=module,
            status=AssignmentStatus.COMPLETED,
            source=AssignmentSource.GAP if i % 2 else AssignmentSource.MANUAL,
            gap_rule=rule if i % 2 else None,
            completed_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(12))),
        )
    return module, fcr


def _time(run, **kwargs) -> float:
    began = time.perf_counter()
    run(**kwargs)
    return time.perf_counter() - began


def test_bench(db):
    module, _ = _ledger()
    for kpi_key in ("fcr", "aht_phone"):
        kpi = Kpi.objects.get(key=kpi_key)
        for window in (28, 90):
            args = {"module": module, "kpi": kpi, "window_days": window, "today": TODAY}
            now = min(_time(impact.training_impact, **args) for _ in range(3))
            line = f"{kpi_key} window {window}: now {now:.3f} s"
            baseline = os.environ.get("IMPACT_BASELINE")
            if baseline:
                spec = importlib.util.spec_from_file_location("impact_before", baseline)
                assert spec and spec.loader
                before = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(before)
                then = min(_time(before.training_impact, **args) for _ in range(3))
                line += f", before {then:.3f} s"
            print(line)
