"""The demo's access strategy and six months of contacts, loaded once for this module at a small
scale (the full demo loads 100,000 contacts the same way)."""

from collections import defaultdict
from datetime import datetime, time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q

from rapport.access import selectors as access_selectors
from rapport.access.choices import Channel
from rapport.access.hours import OpeningHours
from rapport.access.models import (
    BusinessCalendar,
    ContactType,
    Queue,
    ServiceObjective,
    Touchpoint,
)
from rapport.accounts.models import User
from rapport.cases import services as case_services
from rapport.cases.models import Case, CaseEvent, Escalation, EscalationReason, SlaBreach
from rapport.customers.models import Customer
from rapport.demo import catalog, phrases
from rapport.demo.management.commands.seed_demo import HISTORY_START, REFERENCE_TIME
from rapport.interactions.models import Interaction, Message

pytestmark = pytest.mark.django_db

CUSTOMERS = 80
INTERACTIONS = 2500


@pytest.fixture(scope="module", autouse=True)
def demo_center(django_db_setup, django_db_blocker):
    """Seeded once; each test runs in a savepoint inside this transaction, rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command(
            "seed_demo", customers=CUSTOMERS, interactions=INTERACTIONS, seed=11, stdout=StringIO()
        )
        yield
        transaction.set_rollback(True)


# the access strategy ----------------------------------------------------------------------------


def test_contact_types_cover_the_usual_reasons():
    codes = set(ContactType.objects.values_list("code", flat=True))
    assert {
        "billing-question",
        "fault-report",
        "cancel-request",
        "change-of-plan",
        "moving-house",
        "new-order",
        "complaint",
        "technical-support",
        "payment-arrangement",
        "general-enquiry",
    } <= codes


def test_the_service_calendar_opens_weekdays_8_to_20_and_saturday_morning_in_the_demo_zone():
    calendar = BusinessCalendar.objects.get(always_open=False)
    hours = OpeningHours.of(calendar)
    assert calendar.timezone == catalog.TIME_ZONE
    assert hours.spans[0] == [(time(8), time(20))]
    assert hours.spans[5] == [(time(9), time(13))]
    assert 6 not in hours.spans
    # Friday 19:00 local plus two business hours: one left on Friday, one on Saturday from 9.
    friday = datetime(2026, 10, 30, 19, tzinfo=hours.zone)
    assert hours.add(friday, 2 * 3600) == datetime(2026, 10, 31, 10, tzinfo=hours.zone)
    assert BusinessCalendar.objects.filter(always_open=True).exists()


def test_every_front_line_team_owns_a_tier_one_queue_and_specialists_own_tiers_two_and_three():
    for name in catalog.TEAMS:
        assert Queue.objects.filter(team__name=name, tier=1).exists(), name
    tier_two = Queue.objects.filter(tier=2)
    assert tier_two.count() >= 2
    assert {"Technical tier 2", "Retention"} <= set(tier_two.values_list("name", flat=True))
    tier_three = Queue.objects.get(tier=3)
    assert tier_three.name == "Complaints & executive office"
    assert tier_three.team.name not in catalog.TEAMS


def test_there_is_a_way_in_on_every_channel_but_the_web_and_store_are_single():
    channels = set(Touchpoint.objects.values_list("channel", flat=True))
    assert channels == set(Channel.values)
    assert Touchpoint.objects.filter(channel="phone").count() == 2
    addresses = set(Touchpoint.objects.filter(channel="email").values_list("address", flat=True))
    assert {"support@rapport.example", "billing@rapport.example"} == addresses
    assert access_selectors.touchpoint_for(channel="email", address="Support@Rapport.example")


def test_objectives_exist_for_every_reason_and_channel_with_the_promised_times():
    kinds = ContactType.objects.count()
    assert ServiceObjective.objects.filter(contact_type__isnull=False).count() == kinds * len(
        Channel.values
    )
    billing = ContactType.objects.get(code="billing-question")
    complaint = ContactType.objects.get(code="complaint")
    e_mail = access_selectors.objective_for(contact_type=billing, channel="email")
    phone = access_selectors.objective_for(contact_type=billing, channel="phone")
    complaint_chat = access_selectors.objective_for(contact_type=complaint, channel="chat")
    assert e_mail is not None and e_mail.first_response_minutes == 24 * 60
    assert phone is not None and phone.first_response_minutes <= 5
    assert complaint_chat is not None and complaint_chat.resolution_minutes == 3 * 12 * 60


def test_routing_sends_corporate_and_platinum_to_priority_and_cancellations_to_retention():
    billing = ContactType.objects.get(code="billing-question")
    cancel = ContactType.objects.get(code="cancel-request")

    def queue(segment: str, tier: str, kind: ContactType) -> str:
        rule = access_selectors.route_for(segment=segment, value_tier=tier, contact_type=kind)
        assert rule is not None
        return rule.queue.code

    assert queue("corporate", "standard", billing) == "priority"
    assert queue("consumer", "platinum", billing) == "priority"
    assert queue("consumer", "standard", billing) == "billing"
    assert queue("consumer", "standard", cancel) == "retention"
    assert queue("corporate", "platinum", cancel) == "retention"


def test_escalation_reasons_include_preventable_ones():
    reasons = EscalationReason.objects.all()
    assert reasons.count() >= 6
    assert reasons.filter(preventable=True).exists()
    assert reasons.filter(preventable=False).exists()
    assert EscalationReason.objects.get(code="wrong-queue").preventable


# the contacts -----------------------------------------------------------------------------------


def test_about_the_asked_number_of_contacts_on_every_channel_mostly_by_phone():
    total = Interaction.objects.filter(source="demo", customer__source="demo").count()
    assert INTERACTIONS <= total <= INTERACTIONS + 20
    by_channel = dict(
        Interaction.objects.values_list("channel")
        .annotate(n=Count("id"))
        .values_list("channel", "n")
    )
    assert set(by_channel) == set(Channel.values)
    assert 0.45 < by_channel["phone"] / total < 0.65
    assert 0.12 < by_channel["email"] / total < 0.3


def test_contacts_lie_in_the_six_months_before_the_reference_time():
    times = Interaction.objects.filter(customer__source="demo").values_list(
        "started_at", "ended_at", "wrapped_up_at"
    )
    start = datetime.combine(HISTORY_START, time(), tzinfo=REFERENCE_TIME.tzinfo)
    for started, ended, wrapped in times:
        assert ended is not None
        assert start - timedelta(hours=1) <= started <= ended < REFERENCE_TIME
        assert wrapped is None or ended <= wrapped < REFERENCE_TIME


def test_every_handled_contact_was_taken_by_an_agent_of_the_team_that_owns_its_queue():
    handled = Interaction.objects.filter(agent__isnull=False)
    assert handled.count() > INTERACTIONS * 0.8
    assert not handled.exclude(agent__team_id=F("queue__team_id")).exists()
    assert (
        not Case.objects.filter(assignee__isnull=False)
        .exclude(assignee__team_id=F("queue__team_id"))
        .exists()
    )


def test_live_contacts_have_realistic_durations_and_about_one_call_in_twelve_is_transferred():
    calls = Interaction.objects.filter(channel="phone", direction="inbound", agent__isnull=False)
    handle = sorted(calls.values_list("handle_seconds", flat=True))
    median = handle[len(handle) // 2]
    assert 180 <= median <= 600
    waits = sorted(calls.values_list("wait_seconds", flat=True))
    assert 10 <= waits[len(waits) // 2] <= 90
    transferred = calls.filter(transfers__gt=0).count() / calls.count()
    assert 0.04 < transferred < 0.13
    assert Interaction.objects.filter(outcome="abandoned", agent__isnull=True).exists()
    chats = sorted(
        Interaction.objects.filter(channel="chat", agent__isnull=False).values_list(
            "handle_seconds", flat=True
        )
    )
    assert chats[len(chats) // 2] > median


def test_customers_and_agents_speak_on_their_own_sides_and_e_mails_have_subjects():
    assert not Message.objects.filter(side="customer", author__isnull=False).exists()
    assert not Message.objects.filter(side="agent", author__isnull=True).exists()
    # Not counting the demo's survey-begging agent's pleas for a 10 (rapport/demo/voice.py).
    conversation = ~Q(messages__body_text__in=phrases.SURVEY_BEGGING)
    per_contact = Interaction.objects.annotate(n=Count("messages", filter=conversation))
    counts = per_contact.values_list("n", flat=True)
    assert max(counts) <= 3 and min(counts) >= 1
    chat = Interaction.objects.filter(channel="chat", agent__isnull=False).first()
    assert chat is not None
    assert {"customer", "agent"} <= set(chat.messages.values_list("side", flat=True))
    assert not Interaction.objects.filter(channel="email", subject="").exists()
    assert Interaction.objects.filter(relationship_attempt=True).exists()
    assert Interaction.objects.filter(compliment_received=True).exists()


def test_some_customers_come_back_for_the_same_reason_within_a_week_some_on_another_channel():
    contacts = Interaction.objects.filter(direction="inbound", contact_type__isnull=False).order_by(
        "customer_id", "contact_type_id", "started_at"
    )
    repeats = switched = 0
    previous = None
    for contact in contacts.values("customer_id", "contact_type_id", "started_at", "channel"):
        if (
            previous
            and previous["customer_id"] == contact["customer_id"]
            and previous["contact_type_id"] == contact["contact_type_id"]
            and contact["started_at"] - previous["started_at"] < timedelta(days=7)
        ):
            repeats += 1
            switched += previous["channel"] != contact["channel"]
        previous = contact
    assert 0.1 < repeats / contacts.count() < 0.4
    assert switched > 0


def test_cases_thread_contacts_across_channels_with_sla_dues_and_a_timeline():
    cases = Case.objects.filter(customer__source="demo")
    assert 0.1 < cases.count() / INTERACTIONS < 0.22
    channels: dict[int, set[str]] = defaultdict(set)
    for case_id, channel in Interaction.objects.filter(case__isnull=False).values_list(
        "case_id", "channel"
    ):
        channels[case_id].add(channel)
    assert sum(len(found) > 1 for found in channels.values()) > cases.count() * 0.2
    assert not cases.filter(resolution_due__isnull=True).exists()
    assert not cases.filter(first_response_due__gt=F("resolution_due")).exists()
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {"new", "open", "resolved", "closed"} <= statuses
    assert not cases.filter(status__in=["resolved", "closed"], resolved_at__isnull=True).exists()
    opened = CaseEvent.objects.filter(kind="opened").values_list("case_id", flat=True)
    assert set(opened) >= set(cases.values_list("id", flat=True))
    linked = Interaction.objects.filter(case__in=cases).count()
    assert CaseEvent.objects.filter(kind="contact", case__in=cases).count() == linked


def test_some_clocks_ran_out_and_the_sla_job_finds_nothing_left_to_record():
    breaches = SlaBreach.objects.all()
    assert breaches.filter(clock="first_response").exists()
    assert breaches.filter(clock="resolution").exists()
    assert not breaches.filter(recorded_at__lt=F("due_at")).exists()
    assert not breaches.filter(recorded_at__gte=REFERENCE_TIME).exists()

    result = case_services.sla_check(now=REFERENCE_TIME)

    assert result.get("breaches", 0) == 0


def test_escalations_carry_a_hand_off_summary_and_some_cases_are_escalated_twice():
    escalations = Escalation.objects.select_related("escalated_by", "to_agent", "to_queue")
    assert 0.008 < escalations.count() / INTERACTIONS < 0.03
    for escalation in escalations:
        assert escalation.customer_needs and escalation.tried
        assert escalation.from_queue_id != escalation.to_queue_id
        assert escalation.from_team_id == escalation.escalated_by.team_id
        assert (
            escalation.to_agent is None
            or escalation.to_agent.team_id == escalation.to_queue.team_id
        )
        assert escalation.preventable == escalation.reason.preventable
    assert escalations.filter(preventable=True).exists()
    assert escalations.filter(to_tier=3).exists() and escalations.filter(to_tier=2).exists()
    twice = Escalation.objects.values("case").annotate(n=Count("id")).filter(n__gt=1)
    assert twice.exists()
    chain = Escalation.objects.filter(case=twice[0]["case"]).order_by("escalated_at")
    assert chain[0].to_queue_id == chain[1].from_queue_id
    assert chain[0].to_tier <= chain[1].to_tier


def test_unknown_senders_became_prospects_for_review_with_their_contacts():
    strangers = Customer.objects.filter(needs_review=True)
    assert strangers.count() >= 5
    assert all(s.status == "prospect" for s in strangers)
    assert Interaction.objects.filter(customer__in=strangers).count() >= strangers.count()
    channels = set(
        Interaction.objects.filter(customer__in=strangers).values_list("channel", flat=True)
    )
    assert {"email", "sms", "phone"} <= channels


def test_the_demo_logins_have_work_of_their_own():
    agent, agent2 = User.objects.get(username="agent"), User.objects.get(username="agent2")
    assert Interaction.objects.filter(agent=agent).exists()
    assert Interaction.objects.filter(agent=agent2).exists()
    assert Queue.objects.filter(team=agent2.team, tier=2).exists()
    assert Escalation.objects.filter(to_queue__team=agent2.team).exists()


def test_an_open_demo_case_can_be_escalated_with_the_real_service():
    case = (
        Case.objects.filter(status="open", assignee__isnull=False, queue__tier=1)
        .select_related("assignee", "queue")
        .first()
    )
    assert case is not None
    to_queue = Queue.objects.get(code="technical-t2")
    reason = EscalationReason.objects.get(code="technical-expertise")
    worker = case.assignee

    escalation = case_services.case_escalate(
        case=case,
        by=worker,
        to_queue=to_queue,
        reason=reason,
        customer_needs="A working line.",
        tried="Line test.",
    )

    case.refresh_from_db()
    assert case.queue == to_queue and case.tier == 2
    assert escalation.from_team_id == worker.team_id
    assert Escalation.objects.filter(case=case).count() >= 1
