"""The demo's imports and duplicates, loaded once for this module on a small center: import jobs in
the states an admin leaves them in, with their bad rows by line; HubSpot's known e-mails updating
customers rather than making new ones; billing events joined to contacts and counted by the KPI
rollups; likely duplicates queued with explanations, spouses left alone, one merge kept and one
undone."""

import csv
import datetime
import io
import itertools
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Q, Sum
from django.urls import reverse

from rapport.accounts.models import ExternalAccount, User
from rapport.cases.models import Case
from rapport.core.roles import Role
from rapport.customers.models import ContactPoint, Customer, Holding
from rapport.demo import imports
from rapport.identity.choices import PairStatus
from rapport.identity.matching import probability, simplify
from rapport.identity.models import CustomerMerge, MatchPair
from rapport.identity.nicknames import are_nicknames
from rapport.identity.services.settings import identity_settings
from rapport.imports.choices import JobState, Phase
from rapport.imports.models import ImportJob
from rapport.interactions.choices import RevenueEventKind
from rapport.interactions.models import RevenueEvent
from rapport.performance.choices import Grain
from rapport.performance.models import DailyRollup
from rapport.performance.rollups import local_day

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def demo_center(django_db_setup, django_db_blocker):
    """Seeded once; each test runs in a savepoint of this transaction, rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", customers=800, interactions=6_000, seed=11, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def _job(source_type: str) -> ImportJob:
    return ImportJob.objects.get(source_type=source_type)


def _run_errors(source_type: str) -> list[tuple[int, str, str]]:
    errors = _job(source_type).row_errors.filter(phase=Phase.RUN).order_by("line")
    return list(errors.values_list("line", "reason", "raw"))


def _file_rows(job: ImportJob) -> list[dict[str, str]]:
    with job.file.open("rb") as handle:
        return list(csv.DictReader(io.StringIO(handle.read().decode("utf-8"))))


def test_the_stage_runs_before_the_kpi_rollups(demo_center):
    assert "  imports and duplicates … " in demo_center
    assert demo_center.index("imports and duplicates") < demo_center.index("KPI rollups")


def test_agents_have_an_id_in_each_other_system():
    agent = User.objects.get(username="agent")
    systems = dict(agent.external_accounts.values_list("source", "external_id"))
    assert set(systems) == {"zendesk", "wfm", "recording", "hubspot"}
    assert all(external_id.startswith("361") for external_id in systems.values())
    agents = User.objects.filter(groups__name=Role.AGENT).count()
    assert ExternalAccount.objects.filter(source="wfm", user__groups__name=Role.AGENT).count() == (
        agents
    )


def test_jobs_are_done_cancelled_or_waiting_for_their_mapping():
    states = dict(ImportJob.objects.values_list("source_type", "state"))
    assert states == {
        "wfm_schedules": JobState.DONE,
        "wfm_adherence": JobState.DONE,
        "revenue_events": JobState.DONE,
        "zendesk_tickets": JobState.DONE,
        "hubspot_contacts": JobState.DONE,
        "wfm_agent_states": JobState.CANCELLED,
        "customers": JobState.UPLOADED,
    }
    waiting = _job("customers")
    assert "external_id" not in waiting.mapping  # CUST_NO: the admin maps it
    assert waiting.headers[0] == "CUST_NO" and waiting.delimiter == ";"
    assert _job("wfm_agent_states").rows_seen == 0  # cancelled before it ran


def test_done_jobs_count_every_row_they_read():
    for job in ImportJob.objects.filter(state=JobState.DONE):
        counted = job.rows_added + job.rows_updated + job.rows_unchanged + job.rows_failed
        assert counted == job.rows_seen > 0, job.source_type
        assert job.rows_failed == job.row_errors.filter(phase=Phase.RUN).count()
        assert job.dry_run_summary["failed"] == job.rows_failed, job.source_type


def test_bad_rows_are_reported_with_their_line_and_the_reason():
    hubspot = _run_errors("hubspot_contacts")
    assert [reason.split(" ")[0] for _line, reason, _raw in hubspot] == ["Email", "Phone", "First"]
    assert "maria.delgado@gmail" in hubspot[0][2] and "not a valid e-mail" in hubspot[0][1]
    assert "call after 5pm" in hubspot[1][2]
    assert "all empty" in hubspot[2][1]
    rows = _file_rows(_job("hubspot_contacts"))
    for line, _reason, raw in hubspot:
        assert rows[line - 2]["Record ID"] in raw  # line 1 is the header
    zendesk = [reason for _line, reason, _raw in _run_errors("zendesk_tickets")]
    assert any(
        "created_at is not a date" in reason and "2025-02-30" in reason for reason in zendesk
    )
    assert any("'deleted'" in reason for reason in zendesk)
    assert len(zendesk) == 2
    adherence = _run_errors("wfm_adherence")
    assert len(adherence) == 1 and "date is not a date" in adherence[0][1]
    schedules = _run_errors("wfm_schedules")
    assert len(schedules) == 2 and all("has no Rapport account" in r for _l, r, _w in schedules)
    revenue = _run_errors("revenue_events")
    assert len(revenue) == 1 and "D9999417" in revenue[0][1]


def test_hubspot_updates_customers_it_finds_by_email_and_makes_no_second_one():
    job = _job("hubspot_contacts")
    rows = _file_rows(job)
    holders = dict(
        ContactPoint.objects.filter(
            kind="email", normalised__in=[row["Email"].lower() for row in rows]
        ).values_list("normalised", "customer__source")
    )
    known = [row for row in rows if holders.get(row["Email"].lower()) == "demo"]
    assert len(known) == imports.HUBSPOT_KNOWN
    for row in known:
        assert row["Email"] != row["Email"].lower()  # written in another case
        customer = Customer.objects.get(
            contact_points__normalised=row["Email"].lower(), contact_points__kind="email"
        )
        assert (customer.source, customer.lifecycle_stage) == ("demo", "Customer")
        assert not Customer.objects.filter(
            first_name=row["First Name"], last_name=row["Last Name"], source="hubspot"
        ).exists()
    assert Customer.objects.filter(source="hubspot").count() == job.rows_added


def test_a_contact_exported_twice_is_one_customer():
    rows = _file_rows(_job("hubspot_contacts"))
    by_email = itertools.groupby(sorted(row["Email"].lower() for row in rows if row["Email"]))
    twice = [email for email, group in by_email if len(list(group)) == 2]
    assert len(twice) == 1
    customer = Customer.objects.get(contact_points__normalised=twice[0])
    assert customer.source == "hubspot"
    assert customer.lifecycle_stage == "Opportunity"  # the later row wins
    assert customer.contact_points.filter(kind="phone").count() >= 1


def test_revenue_events_are_joined_to_their_customers_contacts():
    events = RevenueEvent.objects.filter(source="billing").select_related("interaction")
    kinds = set(events.values_list("kind", flat=True))
    assert kinds == set(RevenueEventKind.values)
    joined = [event for event in events if event.interaction is not None]
    assert len(joined) >= 10
    for event in joined:
        assert event.interaction.customer_id == event.customer_id
        assert event.interaction.started_at <= event.occurred_at
        assert event.occurred_at - event.interaction.started_at <= datetime.timedelta(days=7)
    for event in events.filter(kind=RevenueEventKind.RETENTION_ACCEPTED):
        assert event.interaction.offer_accepted is True


def test_orders_start_holdings_that_the_kpi_rollups_credit_to_the_offer():
    orders = RevenueEvent.objects.filter(
        source="billing", kind=RevenueEventKind.ORDER, interaction__offer_made=True
    ).select_related("interaction", "holding")
    assert orders.exists()
    for order in orders:
        assert order.holding is not None
        assert order.holding.value == order.amount
        assert order.holding.since == local_day(order.occurred_at)
        revenue = DailyRollup.objects.filter(
            day=local_day(order.interaction.started_at), grain=Grain.CENTER
        ).aggregate(total=Sum("revenue"))["total"]
        assert revenue >= order.amount
    cancelled = RevenueEvent.objects.filter(
        kind=RevenueEventKind.CANCELLATION, holding__isnull=False
    )
    assert cancelled.exists()
    assert not Holding.objects.filter(
        pk__in=cancelled.values("holding"), ended_on__isnull=True
    ).exists()


def test_zendesk_tickets_became_cases_of_the_people_hubspot_brought_in():
    job = _job("zendesk_tickets")
    assert job.rows_added == imports.ZENDESK_TICKETS - 2
    cases = Case.objects.filter(source="zendesk")
    assert cases.count() == job.rows_added
    assert not cases.exclude(customer__source="hubspot").exists()
    assert not Customer.objects.filter(source="zendesk").exists()  # every requester was known
    assert not cases.filter(resolution_due__isnull=False).exists()  # history: no SLA clocks
    assert set(cases.values_list("queue__code", flat=True)) == set(imports.ZENDESK_GROUPS.values())
    assigned = cases.filter(assignee__isnull=False)
    assert assigned.count() > cases.count() // 2
    assert not assigned.exclude(assignee__team_id=F("queue__team_id")).exists()


def test_the_review_queue_has_likely_duplicates_with_their_explanations():
    open_pairs = MatchPair.objects.filter(status=PairStatus.OPEN)
    assert open_pairs.count() >= 15
    review_at = identity_settings().review_at
    for pair in open_pairs:
        items = pair.explanation
        assert items[0]["field"] == "prior"
        assert {"first_name", "last_name", "date_of_birth"} <= {item["field"] for item in items}
        assert pair.score >= review_at
        assert probability(sum(item["points"] for item in items)) == pytest.approx(pair.score)
    copies = Customer.objects.filter(source=imports.BRANCH, external_id__lt=imports.SPOUSES_FROM)
    paired = MatchPair.objects.filter(Q(left__in=copies) | Q(right__in=copies))
    found = {pk for pair in paired for pk in (pair.left_id, pair.right_id)}
    assert len(found & set(copies.values_list("pk", flat=True))) >= copies.count() * 0.8


def test_spouses_share_a_household_and_are_never_paired():
    spouses = Customer.objects.filter(source=imports.BRANCH, external_id__gte=imports.SPOUSES_FROM)
    assert spouses.count() == 2 * len(imports.SPOUSES) + 3
    for first, second, surname in imports.SPOUSES:
        couple = Customer.objects.filter(last_name=surname, first_name__in=[first, second])
        assert couple.count() == 2
        assert couple.values("household").distinct().count() == 1
    for spouse in spouses:
        household = Customer.objects.filter(household=spouse.household).exclude(pk=spouse.pk)
        assert household.exists()
        assert not MatchPair.objects.filter(
            Q(left=spouse, right__in=household) | Q(right=spouse, left__in=household)
        ).exists()


def test_two_pairs_merged_by_an_admin_and_one_merge_undone():
    admin = User.objects.get(username="admin")
    merges = list(CustomerMerge.objects.select_related("pair", "merged").order_by("id"))
    assert len(merges) == 2
    kept, undone = merges
    assert kept.undone_at is None and undone.undone_at is not None
    assert kept.merged_by == admin and not kept.automatic
    assert kept.merged.merged_into_id == kept.survivor_id
    assert kept.pair.status == PairStatus.MERGED
    undone.merged.refresh_from_db()
    assert undone.merged.merged_into_id is None
    assert undone.pair.status == PairStatus.UNDONE
    assert identity_settings().auto_merge_at is None


def test_every_short_name_is_one_the_matching_engine_knows():
    for formal, short in imports.NICKNAMES.items():
        assert are_nicknames(simplify(formal), simplify(short)), (formal, short)


def test_an_admin_finds_the_jobs_the_duplicates_and_the_merges(client):
    client.force_login(User.objects.get(username="admin"))
    jobs = client.get(reverse("imports:jobs"))
    assert jobs.status_code == 200
    assert _job("hubspot_contacts").filename in jobs.content.decode()
    assert client.get(reverse("identity:queue")).status_code == 200
    assert client.get(reverse("identity:merges")).status_code == 200


def test_demo_logins_says_where_imports_duplicates_and_merges_are():
    out = StringIO()
    call_command("demo_logins", port="8123", stdout=out)
    text = out.getvalue()
    for route in ("imports:jobs", "identity:queue", "identity:merges"):
        assert f"http://127.0.0.1:8123{reverse(route)}" in text
    assert "Data → Duplicates" in text and "Data → Merges" in text
