"""Daily rollups: rebuilt one day at a time, idempotent, kept fresh by dirty days and the task."""

import datetime

import pytest
from django.db.models import Sum
from django.utils import timezone
from django_tasks import TaskResultStatus

from rapport.access.tests.factories import ContactTypeFactory
from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.customers.tests.factories import CustomerFactory
from rapport.interactions.models import Interaction
from rapport.interactions.signals import ledger_changed
from rapport.performance import rollups
from rapport.performance.choices import Grain
from rapport.performance.models import (
    DailyRollup,
    MeasurementSettings,
    RollupDirtyDay,
    SuccessDefinition,
    SuccessRollup,
)
from rapport.performance.tasks import refresh_rollups
from rapport.performance.tests.factories import SuccessDefinitionFactory, contact

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = TODAY - datetime.timedelta(days=100)


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_default_timezone()
    )


def snapshot(day: datetime.date) -> tuple[list, list]:
    """Every rollup row of a day, without ids, in a stable order."""
    daily = sorted(
        (tuple(sorted((k, str(v)) for k, v in row.items() if k != "id"))
         for row in DailyRollup.objects.filter(day=day).values()),
    )  # fmt: skip
    success = sorted(
        (row["channel"], row["successful_under"], row["contacts"])
        for row in SuccessRollup.objects.filter(day=day).values()
    )
    return daily, success


@pytest.fixture
def ledger():
    """Two teams' agents on phone and e-mail, an unanswered call and a repeat contact."""
    blue, red = TeamFactory(), TeamFactory()
    ann = UserFactory(roles=["agent"], team=blue)
    bob = UserFactory(roles=["agent"], team=red)
    loner = UserFactory(roles=["agent"])  # in no team
    billing, customer = ContactTypeFactory(), CustomerFactory()
    contact(at=at(DAY), agent=ann, customer=customer, contact_type=billing, handle=200)
    contact(at=at(DAY, 11), agent=ann, channel="email", handle=900, outcome="follow_up")
    contact(at=at(DAY, 12), agent=bob, transfers=1, handle=400)
    contact(at=at(DAY, 13), agent=loner, handle=500, compliment_received=True)
    contact(at=at(DAY, 14), outcome="abandoned", wait=45)
    contact(
        at=at(DAY + datetime.timedelta(days=2)), agent=bob, customer=customer, contact_type=billing
    )
    return {"blue": blue, "red": red, "ann": ann, "bob": bob, "loner": loner}


def test_rollup_day_twice_gives_the_same_rows(ledger):
    assert rollups.rollup_day(DAY) == 5
    first = snapshot(DAY)

    assert rollups.rollup_day(DAY) == 5

    assert snapshot(DAY) == first
    assert first[0]  # there is something to compare
    assert first[1]


def test_rollup_day_replaces_what_changed(ledger):
    rollups.rollup_day(DAY)
    Interaction.objects.filter(agent=ledger["loner"]).delete()

    rollups.rollup_day(DAY)

    center = DailyRollup.objects.filter(day=DAY, grain=Grain.CENTER).aggregate(n=Sum("handled"))
    assert center["n"] == 3
    assert not DailyRollup.objects.filter(day=DAY, agent=ledger["loner"]).exists()


SUMMED = ("offered", "abandoned", "handled", "handle_sum", "transferred", "fcr_n", "fcr_repeat",
          "success_n", "success_yes", "compliments")  # fmt: skip


def sums(**where) -> dict:
    return DailyRollup.objects.filter(day=DAY, **where).aggregate(**{n: Sum(n) for n in SUMMED})


def test_the_grains_add_up(ledger):
    rollups.rollup_day(DAY)

    center, agents = sums(grain=Grain.CENTER), sums(grain=Grain.AGENT)
    assert center == agents
    assert center["handled"] == 4
    assert center["fcr_repeat"] == 1  # Ann's billing call came back two days later
    blue, red = (
        sums(grain=Grain.TEAM, team=ledger["blue"]),
        sums(grain=Grain.TEAM, team=ledger["red"]),
    )
    assert (blue["handled"], blue["handle_sum"]) == (2, 1100)
    assert (red["handled"], red["transferred"]) == (1, 1)
    teams = sums(grain=Grain.TEAM)
    assert teams["handled"] == 3  # the agent without a team is in no team's rows
    abandoned = DailyRollup.objects.get(day=DAY, grain=Grain.AGENT, agent=None)
    assert (abandoned.offered, abandoned.abandoned, abandoned.handled) == (1, 1, 0)


def test_success_rollups_judge_handled_contacts_for_every_published_version(ledger):
    strict = SuccessDefinitionFactory(effective_from=TODAY, forbid_transfer=True)

    rollups.rollup_day(DAY)

    v1 = SuccessDefinition.objects.get(version=1)
    verdicts = {
        (row.channel, frozenset(row.definition_ids)): row.contacts
        for row in SuccessRollup.objects.filter(day=DAY)
    }
    # Phone: Ann's call (repeated within 7 days: fails both), Bob's transfer (only v1 passes it),
    # the loner's call (both pass it). E-mail: a follow-up is not resolved (neither passes it).
    assert verdicts == {
        ("phone", frozenset()): 1,
        ("phone", frozenset({v1.pk})): 1,
        ("phone", frozenset({v1.pk, strict.pk})): 1,
        ("email", frozenset()): 1,
    }
    center = DailyRollup.objects.filter(day=DAY, grain=Grain.CENTER).aggregate(
        yes=Sum("success_yes"), n=Sum("success_n")
    )
    assert center == {"yes": 2, "n": 4}  # the day's own figure: v1, in force on that day


# --- Keeping rollups fresh ------------------------------------------------------------------------


def test_saving_a_contact_marks_its_day_dirty():
    made = contact(day=DAY)
    assert RollupDirtyDay.objects.filter(day=DAY).exists()

    rollups.rollup_day(DAY)
    assert not RollupDirtyDay.objects.exists()

    made.outcome = "follow_up"
    made.save()
    assert list(RollupDirtyDay.objects.values_list("day", flat=True)) == [DAY]


def test_ledger_changed_marks_the_imported_days():
    days = {ago(40), ago(41)}

    ledger_changed.send(sender=Interaction, days=days)
    ledger_changed.send(sender=Interaction, days={ago(40)})  # marking twice is harmless

    assert set(RollupDirtyDay.objects.values_list("day", flat=True)) == days


def test_days_due_covers_the_repeat_window_and_dirty_days():
    rollups.days_mark_dirty([DAY])
    settings_row = rollups.measurement_settings()  # repeat 7, offer 30, save 60

    due = rollups.days_due(settings_row=settings_row, full=False)

    assert due == sorted([DAY, *(ago(n) for n in range(8))])


def test_a_full_run_also_covers_the_offer_window_and_the_closing_save_window():
    settings_row = rollups.measurement_settings()

    due = set(rollups.days_due(settings_row=settings_row, full=True))

    assert {ago(n) for n in range(31)} <= due
    assert ago(60) in due
    assert ago(31) not in due
    assert ago(59) not in due


def test_days_due_covers_the_success_definitions_repeat_window():
    SuccessDefinitionFactory(effective_from=ago(200), repeat_window_days=14)
    settings_row = rollups.measurement_settings()  # repeat window 7

    due = rollups.days_due(settings_row=settings_row, full=False)

    assert ago(14) in due


def test_a_repeat_contact_changes_the_earlier_day_on_the_next_refresh():
    billing, customer = ContactTypeFactory(), CustomerFactory()
    contact(day=ago(3), customer=customer, contact_type=billing)
    rollups.rollups_refresh()
    assert DailyRollup.objects.get(day=ago(3), grain=Grain.CENTER).fcr_repeat == 0

    contact(day=ago(1), customer=customer, contact_type=billing)
    rollups.rollups_refresh()

    assert DailyRollup.objects.get(day=ago(3), grain=Grain.CENTER).fcr_repeat == 1


def test_refresh_reports_progress_per_day():
    seen = []

    result = rollups.rollups_refresh(progress=lambda done, total: seen.append((done, total)))

    assert result["days"] == 8
    assert seen == [(n, 8) for n in range(1, 9)]


def test_the_refresh_task_rebuilds_dirty_days_and_clears_them():
    contact(day=DAY, handle=240)
    contact(day=DAY, handle=360)
    assert RollupDirtyDay.objects.filter(day=DAY).exists()

    result = refresh_rollups.enqueue()

    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {"days": 9, "contacts": 2}  # the dirty day and the last 8
    assert not RollupDirtyDay.objects.exists()
    row = DailyRollup.objects.get(day=DAY, grain=Grain.CENTER)
    assert (row.handled, row.handle_sum) == (2, 600)


def test_only_a_full_refresh_decides_saves_whose_window_just_closed():
    MeasurementSettings.objects.filter(pk=1).update(save_window_days=61)
    contact(
        day=ago(60), customer=CustomerFactory(), contact_type=ContactTypeFactory(churn_intent=True)
    )
    refresh_rollups.enqueue()
    assert DailyRollup.objects.get(day=ago(60), grain=Grain.CENTER).intent_n == 0  # undecided
    MeasurementSettings.objects.filter(pk=1).update(save_window_days=60)  # the window closes

    refresh_rollups.enqueue()
    assert DailyRollup.objects.get(day=ago(60), grain=Grain.CENTER).intent_n == 0

    refresh_rollups.enqueue(full=True)
    assert DailyRollup.objects.get(day=ago(60), grain=Grain.CENTER).intent_n == 1
