"""Daily rollups: the ledger summed per day × agent × team × channel, rebuilt one day at a time.

Rebuilding a day replaces its rows, so running it twice changes nothing. A day is rebuilt when
its ledger changed (RollupDirtyDay) and while later contacts can still change it: a repeat
contact within the repeat window, a save decided after the save window, revenue within the
offer window. Survey answers are credited to the surveyed contact's day, so an answer that
arrives a week later marks that day for rebuilding (receivers.py).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from rapport.access.choices import REAL_TIME_CHANNELS
from rapport.cases.models import Escalation
from rapport.customers.models import Holding
from rapport.interactions.choices import Direction, Outcome
from rapport.interactions.models import Interaction
from rapport.performance.choices import Grain, KudosKind
from rapport.performance.models import (
    DailyRollup,
    Kudos,
    MeasurementSettings,
    RollupDirtyDay,
    SuccessDefinition,
    SuccessRollup,
)
from rapport.surveys import stats as survey_stats
from rapport.surveys.models import Invitation, Response

RESOLVED_OUTCOMES = frozenset({Outcome.RESOLVED, Outcome.INFORMATION, Outcome.SALE})
NOT_HANDLED = frozenset({Outcome.ABANDONED, Outcome.NO_ANSWER})
# Scale cut-offs (GLOSSARY): CSAT top-two box on 1 to 5; NPS promoters and detractors on 0 to 10.
# The survey scales' cut-offs are the surveys app's (GLOSSARY.md): one definition for both.
CSAT_TOP2 = min(survey_stats.CSAT_TOP)
# An invitation counts as sent once it left (or was answered, whatever its delivery record says).

FIELDS = (
    "id",
    "agent_id",
    "channel",
    "direction",
    "outcome",
    "answered_at",
    "ended_at",
    "started_at",
    "wait_seconds",
    "handle_seconds",
    "hold_seconds",
    "wrap_seconds",
    "transfers",
    "customer_id",
    "contact_type_id",
    "relationship_attempt",
    "compliment_received",
    "offer_made",
    "offer_accepted",
)


def measurement_settings() -> MeasurementSettings:
    settings_row, _ = MeasurementSettings.objects.get_or_create(pk=1)
    return settings_row


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The center's local day as an aware [start, end) range."""
    zone = timezone.get_default_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return start, end


def definitions_in_force() -> list[SuccessDefinition]:
    """Published versions, oldest first."""
    return list(
        SuccessDefinition.objects.filter(effective_from__isnull=False).order_by("effective_from")
    )


def definition_for(
    day: datetime.date, published: list[SuccessDefinition]
) -> SuccessDefinition | None:
    """The version in force on a day: the latest published one that took effect by then."""
    current = None
    for definition in published:
        if definition.effective_from is not None and definition.effective_from <= day:
            current = definition
    return current


@dataclass
class Contact:
    """One ledger row with what the rollup needs to know about it."""

    row: dict
    team_id: int | None
    next_same_reason: datetime.datetime | None
    escalated: bool
    churn_intent: bool
    invited: bool = False
    csat: int | None = None
    nps: int | None = None
    ces: int | None = None
    complimented: bool = False

    @property
    def handled(self) -> bool:
        return self.row["agent_id"] is not None and self.row["outcome"] not in NOT_HANDLED

    @property
    def real_time_inbound(self) -> bool:
        return (
            self.row["direction"] == Direction.INBOUND and self.row["channel"] in REAL_TIME_CHANNELS
        )

    @property
    def answered(self) -> bool:
        # A chat taken from a webhook may carry no answer time; an agent handled it all the same.
        return self.row["answered_at"] is not None or self.handled

    @property
    def abandoned(self) -> bool:
        return not self.answered and (
            self.row["ended_at"] is not None or self.row["outcome"] == Outcome.ABANDONED
        )

    @property
    def transferred(self) -> bool:
        return self.row["transfers"] > 0 or self.row["outcome"] == Outcome.TRANSFERRED

    @property
    def fcr_eligible(self) -> bool:
        return (
            self.handled
            and self.row["direction"] == Direction.INBOUND
            and self.row["customer_id"] is not None
            and self.row["contact_type_id"] is not None
        )

    def repeated_within(self, days: int) -> bool:
        if self.next_same_reason is None:
            return False
        return self.next_same_reason <= self.row["started_at"] + datetime.timedelta(days=days)


def judge(contact: Contact, definition: SuccessDefinition) -> bool:
    """Whether a handled contact was a success under one version of the definition.

    The survey part judges only contacts whose customer answered the CSAT question; a contact
    nobody surveyed (or whose customer skipped it) is judged on the rest.
    """
    if (
        definition.min_survey_score
        and contact.csat is not None
        and contact.csat < definition.min_survey_score
    ):
        return False
    if definition.require_resolved and contact.row["outcome"] not in RESOLVED_OUTCOMES:
        return False
    if (
        definition.repeat_window_days
        and contact.fcr_eligible
        and contact.repeated_within(definition.repeat_window_days)
    ):
        return False
    if definition.forbid_escalation and contact.escalated:
        return False
    return not (definition.forbid_transfer and contact.transferred)


def contacts_of_day(day: datetime.date) -> list[Contact]:
    start, end = day_bounds(day)
    # Only the customer coming back counts as a repeat; our own call back does not.
    next_same_reason = (
        Interaction.objects.filter(
            customer_id=OuterRef("customer_id"),
            contact_type_id=OuterRef("contact_type_id"),
            direction=Direction.INBOUND,
            started_at__gt=OuterRef("started_at"),
        )
        .order_by("started_at")
        .values("started_at")[:1]
    )
    rows = (
        Interaction.objects.filter(started_at__gte=start, started_at__lt=end)
        .annotate(
            team=Coalesce(F("agent__team_id"), F("queue__team_id")),
            next_same=Subquery(next_same_reason),
            has_escalation=Exists(Escalation.objects.filter(interaction_id=OuterRef("pk"))),
            churn=F("contact_type__churn_intent"),
            **_survey_annotations(),
        )
        .values(*FIELDS, "team", "next_same", "has_escalation", "churn", *SURVEY_COLUMNS)
        .order_by()
    )
    return [
        Contact(
            row=row,
            team_id=row["team"],
            next_same_reason=row["next_same"],
            escalated=row["has_escalation"] or row["outcome"] == Outcome.ESCALATED,
            churn_intent=bool(row["churn"]),
            invited=row["invited"],
            csat=row["survey_csat"],
            nps=row["survey_nps"],
            ces=row["survey_ces"],
            complimented=row["compliment_received"] or row["credited_compliment"],
        )
        for row in rows
    ]


SURVEY_COLUMNS = ("invited", "survey_csat", "survey_nps", "survey_ces", "credited_compliment")


def _survey_annotations() -> dict:
    """What each contact's survey and recognition say, as columns of the one ledger query: a
    contact has at most one invitation (one draw) and so at most one answer."""
    answer = Response.objects.filter(interaction_id=OuterRef("pk")).order_by("-created_at")
    # Invited = the link went out (sent_at), as the survey report counts it.
    sent = Invitation.objects.filter(sent_at__isnull=False, interaction_id=OuterRef("pk"))
    return {
        "invited": Exists(sent),
        "survey_csat": Subquery(answer.values("csat")[:1]),
        "survey_nps": Subquery(answer.values("nps")[:1]),
        "survey_ces": Subquery(answer.values("ces")[:1]),
        "credited_compliment": Exists(
            Kudos.objects.filter(interaction_id=OuterRef("pk"), kind=KudosKind.COMPLIMENT)
        ),
    }


def _offers_by_customer(
    customer_ids: set[int], day: datetime.date, window: int
) -> dict[int, list[datetime.datetime]]:
    """When each customer was made an offer from `day` to the end of the offer window."""
    start, _ = day_bounds(day)
    _, end = day_bounds(day + datetime.timedelta(days=window))
    found: dict[int, list[datetime.datetime]] = defaultdict(list)
    rows = Interaction.objects.filter(
        customer_id__in=customer_ids, offer_made=True, started_at__gte=start, started_at__lt=end
    ).values_list("customer_id", "started_at")
    for customer_id, started_at in rows:
        found[customer_id].append(started_at)
    return found


def _holdings_by_customer(customer_ids: set[int]) -> dict[int, list[tuple]]:
    found: dict[int, list[tuple]] = defaultdict(list)
    rows = Holding.objects.filter(customer_id__in=customer_ids).values_list(
        "customer_id", "since", "ended_on", "value"
    )
    for customer_id, since, ended_on, value in rows.iterator(chunk_size=2000):
        found[customer_id].append((since, ended_on, value))
    return found


def _revenue_after(
    holdings: list[tuple], offered_at: datetime.datetime, later_offers: list, window: int
) -> Decimal:
    """Value of holdings started within the window after an offer, unless a later offer to the
    same customer came before the holding started: each holding is credited to one offer."""
    day = local_day(offered_at)
    last = day + datetime.timedelta(days=window)
    total = Decimal("0")
    for since, _, value in holdings:
        if not day <= since <= last:
            continue
        if any(offered_at < other and local_day(other) <= since for other in later_offers):
            continue
        total += value or Decimal("0")
    return total


def _still_holding(holdings: list[tuple], on: datetime.date) -> bool:
    return any(
        since <= on and (ended_on is None or ended_on > on) for since, ended_on, _ in holdings
    )


def rollup_rows(
    day: datetime.date,
    contacts: list[Contact],
    settings_row: MeasurementSettings,
    published: list[SuccessDefinition],
):
    """The DailyRollup rows of all three grains for one day's contacts (unsaved)."""
    in_force = definition_for(day, published)
    save_decided = (
        day + datetime.timedelta(days=settings_row.save_window_days) <= timezone.localdate()
    )
    wanted = {
        contact.row["customer_id"]
        for contact in contacts
        if contact.row["customer_id"] and (contact.row["offer_made"] or contact.churn_intent)
    }
    holdings = _holdings_by_customer(wanted) if wanted else {}
    offered = {
        c.row["customer_id"] for c in contacts if c.row["customer_id"] and c.row["offer_made"]
    }
    offers = _offers_by_customer(offered, day, settings_row.offer_window_days) if offered else {}
    rows: dict[tuple, DailyRollup] = {}

    def row_for(grain: str, agent_id, team_id, channel: str) -> DailyRollup:
        key = (grain, agent_id, team_id, channel)
        if key not in rows:
            rows[key] = DailyRollup(
                day=day, grain=grain, agent_id=agent_id, team_id=team_id, channel=channel
            )
        return rows[key]

    for contact in contacts:
        channel = contact.row["channel"]
        targets = [
            row_for(Grain.AGENT, contact.row["agent_id"], contact.team_id, channel),
            row_for(Grain.CENTER, None, None, channel),
        ]
        if contact.team_id is not None:
            targets.append(row_for(Grain.TEAM, None, contact.team_id, channel))
        for rollup in targets:
            _add(rollup, contact, settings_row, in_force, holdings, offers, save_decided)
    return list(rows.values())


def _add_survey(rollup: DailyRollup, contact: Contact) -> None:
    rollup.survey_invited += contact.invited
    if contact.csat is not None:
        rollup.csat_n += 1
        rollup.csat_top2 += contact.csat >= CSAT_TOP2
        rollup.csat_sum += contact.csat
        rollup.csat_sumsq += contact.csat * contact.csat
    if contact.nps is not None:
        rollup.nps_n += 1
        rollup.nps_promoters += contact.nps >= survey_stats.NPS_PROMOTER
        rollup.nps_detractors += contact.nps <= survey_stats.NPS_DETRACTOR
    if contact.ces is not None:
        rollup.ces_n += 1
        rollup.ces_sum += contact.ces
        rollup.ces_sumsq += contact.ces * contact.ces


def _add(rollup, contact, settings_row, in_force, holdings, offers, save_decided) -> None:
    row = contact.row
    _add_survey(rollup, contact)
    if contact.real_time_inbound:
        wait = row["wait_seconds"]
        if contact.answered:
            rollup.offered += 1
            rollup.answered += 1
            rollup.wait_sum += wait
            rollup.wait_sumsq += wait * wait
            if wait <= settings_row.service_level_seconds:
                rollup.answered_in_sl += 1
        elif contact.abandoned:
            if wait < settings_row.short_abandon_seconds:
                rollup.short_abandoned += 1
            else:
                rollup.offered += 1
                rollup.abandoned += 1
    if not contact.handled:
        return
    handle = row["handle_seconds"] + row["hold_seconds"] + row["wrap_seconds"]
    rollup.handled += 1
    rollup.handle_sum += handle
    rollup.handle_sumsq += handle * handle
    rollup.transferred += contact.transferred
    rollup.escalated += contact.escalated
    if contact.fcr_eligible:
        rollup.fcr_n += 1
        rollup.fcr_repeat += contact.repeated_within(settings_row.repeat_window_days)
    if in_force is not None:
        rollup.success_n += 1
        rollup.success_yes += judge(contact, in_force)
    if row["relationship_attempt"] is not None:
        rollup.relationship_n += 1
        rollup.relationship_yes += bool(row["relationship_attempt"])
    rollup.compliments += contact.complimented
    customer_holdings = holdings.get(row["customer_id"], [])
    if row["offer_made"]:
        rollup.offers_made += 1
        rollup.offers_accepted += bool(row["offer_accepted"])
        rollup.revenue += _revenue_after(
            customer_holdings,
            row["started_at"],
            offers.get(row["customer_id"], []),
            settings_row.offer_window_days,
        )
    if contact.churn_intent and row["customer_id"] and save_decided:
        rollup.intent_n += 1
        rollup.saved += _still_holding(
            customer_holdings, rollup.day + datetime.timedelta(days=settings_row.save_window_days)
        )


def success_rows(
    day: datetime.date, contacts: list[Contact], published: list[SuccessDefinition]
) -> list[SuccessRollup]:
    """One day's handled contacts counted by channel and by which published versions of the
    definition judge them successful (unsaved)."""
    if not published:
        return []
    by_id = sorted(published, key=lambda definition: definition.pk)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for contact in contacts:
        if contact.handled:
            under = ",".join(str(d.pk) for d in by_id if judge(contact, d))
            counts[(contact.row["channel"], under)] += 1
    return [
        SuccessRollup(day=day, channel=channel, successful_under=under, contacts=number)
        for (channel, under), number in counts.items()
    ]


@dataclass(frozen=True)
class VersionCounts:
    """Two versions over the same contacts: how many each judges successful, and how many only
    one of them does (the discordant pairs)."""

    judged: int
    first: int
    second: int
    first_only: int
    second_only: int


def success_counts(
    *, first_id: int, second_id: int, start: datetime.date, end: datetime.date
) -> VersionCounts:
    judged = first = second = first_only = second_only = 0
    rows = SuccessRollup.objects.filter(day__gte=start, day__lte=end).values_list(
        "successful_under", "contacts"
    )
    for under, number in rows:
        ids = {int(part) for part in under.split(",") if part}
        a, b = first_id in ids, second_id in ids
        judged += number
        first += number * a
        second += number * b
        first_only += number * (a and not b)
        second_only += number * (b and not a)
    return VersionCounts(judged, first, second, first_only, second_only)


@transaction.atomic
def rollup_day(day: datetime.date, *, settings_row: MeasurementSettings | None = None) -> int:
    """Rebuild one day's rollups from the ledger; returns how many contacts it read."""
    settings_row = settings_row or measurement_settings()
    contacts = contacts_of_day(day)
    DailyRollup.objects.filter(day=day).delete()
    SuccessRollup.objects.filter(day=day).delete()
    published = definitions_in_force()
    DailyRollup.objects.bulk_create(
        rollup_rows(day, contacts, settings_row, published), batch_size=1000
    )
    SuccessRollup.objects.bulk_create(success_rows(day, contacts, published), batch_size=1000)
    RollupDirtyDay.objects.filter(day=day).delete()
    return len(contacts)


def days_mark_dirty(days: Iterable[datetime.date]) -> None:
    RollupDirtyDay.objects.bulk_create(
        [RollupDirtyDay(day=day) for day in set(days)], ignore_conflicts=True
    )


def ledger_days() -> list[datetime.date]:
    """Every local day that has contacts, oldest first."""
    first = Interaction.objects.order_by("started_at").values_list("started_at", flat=True).first()
    if first is None:
        return []
    day, today = local_day(first), timezone.localdate()
    return [day + datetime.timedelta(days=n) for n in range((today - day).days + 1)]


def days_due(*, settings_row: MeasurementSettings, full: bool) -> list[datetime.date]:
    """Dirty days plus the recent days later contacts can still change.

    The short window (repeat contacts) is rebuilt every run; `full` also covers the offer window
    and the day whose save window just closed, which change at most once a day.
    """
    today = timezone.localdate()
    # A repeat can still turn a contact into a failure under the longest window in use.
    longest_definition = SuccessDefinition.objects.filter(effective_from__isnull=False).aggregate(
        longest=Max("repeat_window_days")
    )["longest"]
    reach = max(settings_row.repeat_window_days, longest_definition or 0)
    if full:
        reach = max(reach, settings_row.offer_window_days)
    due = {today - datetime.timedelta(days=n) for n in range(reach + 1)}
    if full:
        due.add(today - datetime.timedelta(days=settings_row.save_window_days))
    due.update(RollupDirtyDay.objects.values_list("day", flat=True))
    return sorted(due)


def rollups_refresh(*, full: bool = False, progress=None) -> dict[str, int]:
    """Rebuild every day that is due; `progress(done, total)` is called after each day."""
    settings_row = measurement_settings()
    days = days_due(settings_row=settings_row, full=full)
    contacts = 0
    for done, day in enumerate(days, start=1):
        contacts += rollup_day(day, settings_row=settings_row)
        if progress is not None:
            progress(done, len(days))
    return {"days": len(days), "contacts": contacts}
