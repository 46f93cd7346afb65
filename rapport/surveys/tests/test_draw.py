"""The survey draw: reproducible from its seed, blind to what agents record, at the set rate,
with its exclusions and cooldown, made once per contact, and made for contacts nobody wrapped up."""

import datetime
import hashlib
import hmac
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest, kstest

from rapport.access.models import ContactType
from rapport.access.tests.factories import ContactTypeFactory
from rapport.accounts.tests.factories import UserFactory
from rapport.cases.tests.factories import CaseFactory
from rapport.core.errors import Conflict, ValidationFailed
from rapport.core.models import AuditEvent
from rapport.customers.models import ContactPoint, Customer
from rapport.customers.tests.factories import ConsentFactory, ContactPointFactory, CustomerFactory
from rapport.interactions import services as interaction_services
from rapport.interactions.choices import Outcome
from rapport.interactions.models import Interaction
from rapport.surveys import draw
from rapport.surveys.choices import Exclusion, InviteChannel
from rapport.surveys.models import Draw, Invitation
from rapport.surveys.services import draw as services
from rapport.surveys.tests.factories_draw import (
    agent_in_team,
    agent_reply,
    contact,
    customer_with_email,
    customer_with_mobile,
    inbound_email,
    settings_set,
    written_contact,
)

DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)

# --- The ticket -----------------------------------------------------------------------------------


def test_ticket_is_hmac_sha256_of_the_id_under_the_seed():
    digest = hmac.new(b"seed-1", b"42", hashlib.sha256).digest()
    expected = (int.from_bytes(digest[:8], "big") >> 11) / 2**53
    assert draw.ticket("seed-1", 42) == expected
    assert 0 <= draw.ticket("seed-1", 42) < 1
    assert draw.ticket("seed-2", 42) != draw.ticket("seed-1", 42)
    assert draw.ticket("seed-1", 43) != draw.ticket("seed-1", 42)


def test_tickets_are_uniform():
    tickets = [draw.ticket("uniform", i) for i in range(1, 5001)]
    assert kstest(tickets, "uniform").pvalue > 0.001


def test_stratum_and_rate_for(db):
    agent = agent_in_team()
    kind = ContactTypeFactory()
    interaction = contact(agent=agent, contact_type=kind, channel="chat")
    assert draw.stratum_of(interaction) == f"chat/{kind.pk}/{agent.pk}"
    assert draw.stratum_of(contact()) == "phone/-/-"
    row = settings_set(rate=Decimal("0.2"), channel_rates={"chat": "0.5"})
    assert draw.rate_for(row, "chat") == Decimal("0.5")
    assert draw.rate_for(row, "phone") == Decimal("0.2")


# --- Reproducible from the seed -------------------------------------------------------------------


def test_draw_verify_rederives_every_draw_and_finds_a_changed_ticket(db):
    settings_set(rate=Decimal("0.5"), seed="verify-seed")
    draws = [services.draw_for(interaction=contact(agent=agent_in_team())) for _ in range(30)]
    assert any(d.selected for d in draws) and not all(d.selected for d in draws)
    today = timezone.localdate()
    assert services.draw_verify(start=today - 2 * DAY, end=today) == []

    tampered = draws[3]
    Draw.objects.filter(pk=tampered.pk).update(ticket=tampered.ticket / 2)
    flipped = next(d for d in draws if not d.selected)
    Draw.objects.filter(pk=flipped.pk).update(selected=True)
    found = services.draw_verify(start=today - 2 * DAY, end=today)
    assert {m.draw_id for m in found} == {tampered.pk, flipped.pk}
    assert "seed gives" in next(m.reason for m in found if m.draw_id == tampered.pk)


def test_a_rotated_seed_leaves_past_draws_verifiable(db):
    admin = UserFactory(roles=["admin"])
    first = services.draw_for(interaction=contact())
    old_seed = first.seed
    row = services.draw_seed_rotate(by=admin)
    assert row.seed != old_seed
    second = services.draw_for(interaction=contact())
    assert second.seed == row.seed and first.seed == old_seed
    today = timezone.localdate()
    assert services.draw_verify(start=today - 2 * DAY, end=today) == []
    event = AuditEvent.objects.get(action="survey.draw_seed_rotated")
    assert event.detail["to"] == services.seed_fingerprint(row.seed)
    assert row.seed not in str(event.detail)


# --- Once per contact -----------------------------------------------------------------------------


def test_draw_for_is_made_once_and_a_replay_changes_nothing(db):
    settings_set(rate=Decimal("1"))
    interaction = contact(agent=agent_in_team())
    first = services.draw_for(interaction=interaction)
    assert first.selected and Invitation.objects.filter(draw=first).count() == 1
    settings_set(rate=Decimal("0"), seed="another")
    again = services.draw_for(interaction=interaction)
    assert again.pk == first.pk
    assert (again.seed, again.ticket, again.selected) == (first.seed, first.ticket, True)
    assert Draw.objects.filter(interaction=interaction).count() == 1
    assert Invitation.objects.filter(interaction=interaction).count() == 1


def test_wrapping_up_draws_the_contact(db):
    settings_set(rate=Decimal("1"))
    agent = agent_in_team()
    interaction = contact(agent=agent)
    interaction_services.wrap_up(
        interaction=interaction,
        by=agent,
        contact_type=ContactTypeFactory(),
        outcome=Outcome.RESOLVED,
        relationship_attempt=True,
        compliment_received=False,
    )
    decision = Draw.objects.get(interaction=interaction)
    assert decision.selected and decision.invitation.channel == InviteChannel.EMAIL


# --- At the rate ----------------------------------------------------------------------------------


def _many_contacts(count: int, channel: str) -> list[Interaction]:
    customers = Customer.objects.bulk_create(
        [Customer(first_name="C", last_name=str(i), status="customer") for i in range(count)]
    )
    ContactPoint.objects.bulk_create(
        [
            ContactPoint(
                customer=c,
                kind="email",
                value=f"{channel}{c.pk}@example.com",
                normalised=f"{channel}{c.pk}@example.com",
            )
            for c in customers
        ]
    )
    started = timezone.now() - datetime.timedelta(hours=3)
    return Interaction.objects.bulk_create(
        [
            Interaction(
                customer=c,
                channel=channel,
                started_at=started,
                answered_at=started,
                ended_at=started + datetime.timedelta(minutes=4),
                handle_seconds=240,
            )
            for c in customers
        ]
    )


def test_the_share_invited_matches_the_rate_on_2000_contacts(db):
    settings_set(rate=Decimal("0.2"), channel_rates={"chat": "0.5"})
    _many_contacts(1500, "phone")
    _many_contacts(500, "chat")
    # A day later: the chats nobody wrapped up have been idle for their channel's time too.
    made = services.draws_sweep(since=timezone.now() - 2 * DAY, now=timezone.now() + DAY)
    assert made == 2000
    for channel, rate, n in (("phone", 0.2, 1500), ("chat", 0.5, 500)):
        rows = Draw.objects.filter(interaction__channel=channel)
        assert rows.count() == n and not rows.exclude(excluded="").exists()
        invited = rows.filter(selected=True).count()
        assert binomtest(invited, n, rate).pvalue > 0.001, (channel, invited, n)
        assert Invitation.objects.filter(interaction__channel=channel).count() == invited
        assert {str(r) for r in rows.values_list("rate", flat=True).distinct()} == {f"{rate:.3f}"}


# --- Exclusions and cooldown ----------------------------------------------------------------------


def _excluded(interaction: Interaction) -> str:
    return services.draw_for(interaction=interaction).excluded


def test_exclusions_by_rule(db):
    settings_set(rate=Decimal("1"))
    kind: ContactType = ContactTypeFactory()
    settings_set().excluded_contact_types.set([kind])
    agent = agent_in_team()
    assert _excluded(_no_customer()) == Exclusion.NO_CUSTOMER
    assert _excluded(contact(agent=agent, direction="outbound")) == Exclusion.OUTBOUND
    abandoned = contact(outcome=Outcome.ABANDONED, answered_at=None, handle_seconds=0, agent=None)
    assert _excluded(abandoned) == Exclusion.NOT_HANDLED
    # An agent calling a handled contact "abandoned" excludes nothing: the switch saw it answered.
    assert _excluded(contact(agent=agent, outcome=Outcome.ABANDONED)) == ""
    assert _excluded(contact(agent=agent, contact_type=kind)) == Exclusion.CONTACT_TYPE
    assert _excluded(contact(agent=agent, customer=CustomerFactory())) == Exclusion.NO_ADDRESS
    landline = customer_with_mobile(label="home")
    ContactPoint.objects.filter(customer=landline).update(normalised="+442079460000")
    assert _excluded(contact(agent=agent, customer=landline)) == Exclusion.NO_ADDRESS


def _no_customer() -> Interaction:
    interaction = contact()
    Interaction.objects.filter(pk=interaction.pk).update(customer=None)
    interaction.refresh_from_db()
    return interaction


def test_declined_surveys_newest_consent_per_channel(db):
    settings_set(rate=Decimal("1"))
    now = timezone.now()
    declined = customer_with_email()
    ConsentFactory(
        customer=declined, channel="email", purpose="surveys", granted=False, recorded_at=now - DAY
    )
    assert _excluded(contact(customer=declined)) == Exclusion.NO_CONSENT

    changed_mind = customer_with_email()
    ConsentFactory(
        customer=changed_mind,
        channel="email",
        purpose="surveys",
        granted=False,
        recorded_at=now - 3 * DAY,
    )
    ConsentFactory(
        customer=changed_mind,
        channel="email",
        purpose="surveys",
        granted=True,
        recorded_at=now - DAY,
    )
    assert _excluded(contact(customer=changed_mind)) == ""

    # Declined by e-mail, not by SMS: invited by SMS to the mobile.
    both = customer_with_mobile()
    ContactPointFactory(customer=both, kind="email")
    ConsentFactory(
        customer=both, channel="email", purpose="surveys", granted=False, recorded_at=now - DAY
    )
    decision = services.draw_for(interaction=contact(customer=both))
    assert decision.selected and decision.invitation.channel == InviteChannel.SMS
    # Marketing refusals are not survey refusals.
    marketing = customer_with_email()
    ConsentFactory(
        customer=marketing,
        channel="email",
        purpose="marketing",
        granted=False,
        recorded_at=now - DAY,
    )
    assert _excluded(contact(customer=marketing)) == ""


def test_cooldown_counts_contacts_that_started_within_the_window(db):
    settings_set(rate=Decimal("1"), cooldown_days=30)
    customer = customer_with_email()
    old = services.draw_for(interaction=contact(customer=customer, ago=45 * DAY))
    assert old.selected
    recent = services.draw_for(interaction=contact(customer=customer, ago=10 * DAY))
    assert recent.selected  # 35 days after the first: out of its window
    latest = services.draw_for(interaction=contact(customer=customer, ago=2 * DAY))
    assert latest.excluded == Exclusion.COOLDOWN and not latest.selected


def test_an_earlier_contact_is_settled_first_whatever_the_wrap_up_order(db):
    settings_set(rate=Decimal("1"), cooldown_days=30)
    customer = customer_with_email()
    earlier = contact(customer=customer, ago=3 * DAY)
    later = contact(customer=customer, ago=1 * DAY)
    later_draw = services.draw_for(interaction=later)  # the later one is wrapped up first
    earlier_draw = Draw.objects.get(interaction=earlier)
    assert earlier_draw.selected and later_draw.excluded == Exclusion.COOLDOWN


def test_history_beyond_the_horizon_is_never_drawn_nor_invited_late(db):
    settings_set(rate=Decimal("1"), cooldown_days=30)
    customer = customer_with_email()
    # Contacts from before surveys were switched on, each within the previous one's cooldown.
    history = [contact(customer=customer, ago=days * DAY) for days in (60, 40, 20, 10)]

    today = services.draw_for(interaction=contact(customer=customer, ago=draw.DRAW_HORIZON / 2))

    assert today.selected  # the one within the horizon is drawn, and only it
    assert not Draw.objects.filter(interaction__in=history).exists()
    assert Invitation.objects.filter(customer=customer).count() == 1


# --- Contacts nobody wrapped up -------------------------------------------------------------------


def test_sweep_draws_contacts_never_wrapped_up_after_the_grace_period(db):
    settings_set(rate=Decimal("1"))
    now = timezone.now()
    ended_long_ago = contact(ago=datetime.timedelta(hours=2))
    just_ended = contact(
        started_at=now - datetime.timedelta(minutes=8),
        ended_at=now - datetime.timedelta(minutes=3),
    )
    never_ended = contact(ended_at=None, ago=3 * DAY)
    still_open = contact(ended_at=None, ago=datetime.timedelta(hours=5))
    made = services.draws_sweep(since=now - 7 * DAY)
    drawn = set(Draw.objects.values_list("interaction_id", flat=True))
    assert {ended_long_ago.pk, never_ended.pk} <= drawn
    assert just_ended.pk not in drawn and still_open.pk not in drawn
    assert made == 2
    assert services.draws_sweep(since=now - 7 * DAY) == 0  # a second sweep is a no-op
    later = now + datetime.timedelta(minutes=20)
    assert services.draws_sweep(since=now - 7 * DAY, now=later) == 1
    assert Draw.objects.filter(interaction=just_ended, selected=True).exists()


# --- Written contacts nobody wrapped up ------------------------------------------------------------


def test_an_email_not_wrapped_up_waits_for_its_idle_time_then_is_drawn_with_who_replied(db):
    settings_set(rate=Decimal("1"))
    agent = agent_in_team()
    customer = customer_with_email()
    now = timezone.now()
    email = inbound_email(customer=customer, sent_at=now - 25 * MINUTE)
    assert email.agent_id is None and email.ended_at == now - 25 * MINUTE
    point = customer.contact_points.get(kind="email")
    interaction_services.outbound_email_send(
        by=agent, customer=customer, to=point.value, subject="Re: My bill", text="Fixed it.",
        in_reply_to=email.external_id,
    )  # fmt: skip
    # Twenty-five minutes on, only the (outbound, excluded) reply is drawn; the e-mail waits.
    assert services.draws_sweep(since=now - DAY) == 1
    assert Draw.objects.get(interaction__direction="outbound").excluded == Exclusion.OUTBOUND
    assert not Draw.objects.filter(interaction=email).exists()
    assert not services.draw_due(interaction=email)
    with pytest.raises(Conflict):
        services.draw_for(interaction=email)
    assert services.draws_sweep(since=now - DAY, now=now + 2 * DAY) == 0  # e-mail: three days
    assert services.draws_sweep(since=now - DAY, now=now + 3 * DAY) == 1
    decision = Draw.objects.get(interaction=email)
    assert decision.selected and decision.excluded == ""
    assert decision.agent == agent and decision.stratum == f"email/-/{agent.pk}"
    assert (decision.invitation.agent, decision.invitation.team) == (agent, agent.team)
    # Wrapping up afterwards, however it is labelled, changes nothing.
    interaction_services.wrap_up(
        interaction=email, by=agent_in_team(), contact_type=ContactTypeFactory(),
        outcome=Outcome.ABANDONED, relationship_attempt=False, compliment_received=False,
    )  # fmt: skip
    assert Draw.objects.get(interaction=email) == decision
    assert Draw.objects.filter(interaction=email, selected=True, agent=agent).exists()


def test_written_contacts_are_handled_when_anyone_took_them_never_by_a_missing_agent(db):
    settings_set(rate=Decimal("1"))
    agent = agent_in_team()
    replied_chat = written_contact(channel="chat", ago=2 * DAY)
    agent_reply(replied_chat, agent)
    assigned_sms = written_contact(channel="sms", ago=2 * DAY, agent=agent)
    untouched_email = written_contact(channel="email", ago=4 * DAY)
    in_a_case = written_contact(channel="social", ago=4 * DAY, case=CaseFactory())
    # The customer's next message came by chat, threaded into the case, and the agent answered it.
    later_on_case = written_contact(
        channel="chat", ago=3 * DAY, case=in_a_case.case, customer=in_a_case.customer
    )
    agent_reply(later_on_case, agent)
    services.draws_sweep(since=timezone.now() - 7 * DAY)
    drawn = {d.interaction_id: d for d in Draw.objects.all()}
    assert drawn[replied_chat.pk].excluded == "" and drawn[replied_chat.pk].agent == agent
    assert drawn[assigned_sms.pk].excluded == "" and drawn[assigned_sms.pk].agent == agent
    # Nobody at the center ever took it: the ledger says so, not the missing agent.
    assert drawn[untouched_email.pk].excluded == Exclusion.NOT_HANDLED
    assert drawn[untouched_email.pk].agent is None
    # The agent answered on the case the message was threaded into.
    assert drawn[in_a_case.pk].agent == agent and drawn[in_a_case.pk].excluded == ""


def test_an_email_wrapped_up_within_its_idle_time_is_drawn_at_wrap_up_as_recorded(db):
    settings_set(rate=Decimal("1"))
    excluded_kind: ContactType = ContactTypeFactory()
    kind: ContactType = ContactTypeFactory()
    settings_set().excluded_contact_types.set([excluded_kind])
    agent = agent_in_team()
    now = timezone.now()
    first = inbound_email(customer=customer_with_email(), sent_at=now - 25 * MINUTE)
    second = inbound_email(customer=customer_with_email(), sent_at=now - 25 * MINUTE)
    for email, recorded in ((first, kind), (second, excluded_kind)):
        interaction_services.wrap_up(
            interaction=email, by=agent, contact_type=recorded, outcome=Outcome.RESOLVED,
            relationship_attempt=True, compliment_received=False,
        )  # fmt: skip
    one, two = Draw.objects.get(interaction=first), Draw.objects.get(interaction=second)
    assert one.selected and one.agent == agent and one.stratum == f"email/{kind.pk}/{agent.pk}"
    assert two.excluded == Exclusion.CONTACT_TYPE and not two.selected


def test_a_later_call_waits_for_the_customers_open_email_so_wrap_up_order_moves_nothing(db):
    settings_set(rate=Decimal("1"), cooldown_days=30)
    agent = agent_in_team()
    customer = customer_with_email()
    now = timezone.now()
    email = inbound_email(customer=customer, sent_at=now - 3 * 60 * MINUTE)
    call = contact(customer=customer, agent=agent, ago=60 * MINUTE)
    interaction_services.wrap_up(
        interaction=call, by=agent, contact_type=ContactTypeFactory(), outcome=Outcome.RESOLVED,
        relationship_attempt=False, compliment_received=False,
    )  # fmt: skip
    # The open e-mail is not drawn early, and the call waits for it rather than skip ahead.
    assert not Draw.objects.exists()
    assert services.draws_sweep(since=now - DAY) == 0
    agent_reply(email, agent)
    services.draws_sweep(since=now - DAY, now=now + 3 * DAY)
    assert Draw.objects.get(interaction=email).selected
    assert Draw.objects.get(interaction=call).excluded == Exclusion.COOLDOWN


# --- Independent of what agents do ----------------------------------------------------------------

BEHAVIOUR = st.fixed_dictionaries(
    {
        # Wrapped up before the clock's first sweep, after the sweep that drew it, or never.
        "wrap": st.sampled_from(["early", "late", "never"]),
        "outcome": st.sampled_from(
            [o for o in Outcome.values if o]  # including abandoned and no answer
        ),
        "compliment": st.booleans(),
        # Any note an agent can type; the web refuses NUL characters before they reach a service.
        "note": st.text(st.characters(codec="utf-8", blacklist_characters="\x00"), max_size=40),
    }
)
CONTACT = st.fixed_dictionaries(
    {
        "channel": st.sampled_from(["phone", "email", "chat"]),
        # Half of them recent, so some are still within their idle time at the first sweep; all
        # within the draw's horizon (older ones are history, `test_history_beyond_the_horizon…`).
        "days": st.integers(0, 2) | st.integers(3, draw.DRAW_HORIZON.days - 1),
        "excluded_type": st.booleans(),
    }
)


def _expected(
    interactions: list[Interaction], seed: str, rate: float, cooldown: int, excluded: set[int]
) -> set[int]:
    """The draw worked out from seed, ids, start times and the rules' facts alone: what no agent
    can change."""
    chosen: set[int] = set()
    last_start: dict[int | None, datetime.datetime] = {}
    for interaction in sorted(interactions, key=lambda i: (i.started_at, i.pk)):
        if interaction.pk in excluded:
            continue
        previous = last_start.get(interaction.customer_id)
        cooling = previous is not None and interaction.started_at - previous <= cooldown * DAY
        if not cooling and draw.ticket(seed, interaction.pk) < rate:
            chosen.add(interaction.pk)
            last_start[interaction.customer_id] = interaction.started_at
    return chosen


def _scenario_contact(spec: dict, index: int, customer, agent, kinds) -> Interaction:
    """A handled inbound contact whose contact type is known from routing; a written one was
    answered by the agent (in the chat, or by a threaded e-mail) but carries no agent itself."""
    ago = spec["days"] * DAY + index * MINUTE + 30 * MINUTE
    kind = kinds[1] if spec["excluded_type"] else kinds[0]
    if spec["channel"] == "phone":
        return contact(customer=customer, agent=agent, ago=ago, contact_type=kind)
    written = written_contact(
        channel=spec["channel"], customer=customer, ago=ago, contact_type=kind
    )
    agent_reply(written, agent)
    return written


def _behave(interaction: Interaction, agent, kind, behaviour: dict, when: str) -> None:
    if when == "early" and behaviour["note"].strip():
        interaction_services.call_note_add(
            interaction=interaction, by=agent, text=behaviour["note"]
        )
    if behaviour["wrap"] == when:
        interaction.refresh_from_db()
        interaction_services.wrap_up(
            interaction=interaction,
            by=agent,
            contact_type=kind,
            outcome=behaviour["outcome"],
            relationship_attempt=False,
            compliment_received=behaviour["compliment"],
        )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_selected_set_does_not_depend_on_what_agents_record(db, data):
    with transaction.atomic():
        settings_set(rate=Decimal("0.5"), cooldown_days=30, seed="independence")
        agent = agent_in_team()
        kinds: tuple[ContactType, ContactType] = (ContactTypeFactory(), ContactTypeFactory())
        settings_set().excluded_contact_types.set([kinds[1]])
        customers = [customer_with_email() for _ in range(4)]
        specs = data.draw(st.lists(CONTACT, min_size=12, max_size=12))
        contacts = [
            _scenario_contact(spec, i, customers[i % 4], agent, kinds)
            for i, spec in enumerate(specs)
        ]
        kind_of = {c.pk: c.contact_type for c in contacts}
        behaviours = {c.pk: data.draw(BEHAVIOUR) for c in contacts}
        now = timezone.now()
        # Early wrap-ups in any order, the clock's sweep somewhere among them; then the sweep once
        # every contact has been idle long enough; then the late wrap-ups, then the clock again.
        order = data.draw(st.permutations([*contacts, None]))
        for interaction in order:
            if interaction is None:
                services.draws_sweep(since=now - 100 * DAY)
            else:
                _behave(
                    interaction, agent, kind_of[interaction.pk], behaviours[interaction.pk], "early"
                )
        services.draws_sweep(since=now - 100 * DAY, now=now + 4 * DAY)
        for interaction in data.draw(st.permutations(contacts)):
            _behave(interaction, agent, kind_of[interaction.pk], behaviours[interaction.pk], "late")
        services.draws_sweep(since=now - 100 * DAY, now=now + 4 * DAY)

        rows = Draw.objects.filter(interaction__in=contacts)
        assert rows.count() == len(contacts)
        excluded = {c.pk for c, spec in zip(contacts, specs, strict=True) if spec["excluded_type"]}
        assert set(rows.filter(excluded=Exclusion.CONTACT_TYPE).values_list(
            "interaction_id", flat=True)) == excluded  # fmt: skip
        assert not rows.filter(excluded=Exclusion.NOT_HANDLED).exists()
        assert not rows.filter(agent__isnull=True).exists()  # who had it is always named
        selected = set(rows.filter(selected=True).values_list("interaction_id", flat=True))
        assert selected == _expected(contacts, "independence", 0.5, 30, excluded)
        transaction.set_rollback(True)


def test_settings_update_is_validated_and_audited(db):
    admin = UserFactory(roles=["admin"])
    with pytest.raises(ValidationFailed) as refused:
        services.draw_settings_update(by=admin, rate="1.5")
    assert "rate" in refused.value.fields
    with pytest.raises(ValidationFailed):
        services.draw_settings_update(by=admin, channel_rates={"pigeon": "0.1"})
    row = services.draw_settings_update(
        by=admin, rate="0.35", channel_rates={"chat": "0.5"}, cooldown_days=14
    )
    assert row.rate == Decimal("0.350") and row.channel_rates == {"chat": "0.500"}
    event = AuditEvent.objects.get(action="survey.draw_settings_changed")
    assert event.detail["rate"] == {"from": "0.200", "to": "0.350"}
    assert event.detail["cooldown_days"]["to"] == 14
