"""The gaming checks on a simulated center: twelve agents, several hundred contacts and responses
from a fixed seed; five agents each game in one way and seven do not. Each check must flag exactly
its gaming agent and none of the honest ones."""

import datetime
import random
import secrets

import pytest
from rest_framework.test import APIClient

from rapport.access.tests.factories import ContactTypeFactory
from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.core.models import AuditEvent
from rapport.customers.models import Customer
from rapport.demo import phrases
from rapport.insights.models import InteractionSignal
from rapport.interactions.models import Interaction, Message
from rapport.surveys import draw as survey_draw
from rapport.surveys import gaming
from rapport.surveys.choices import Exclusion, FlagState, GamingCheck, InvitationState
from rapport.surveys.models import Draw, GamingFlag, Invitation, Response, Survey
from rapport.surveys.services import gaming as services

START, END = datetime.date(2025, 3, 3), datetime.date(2025, 3, 30)
SEED = "simulated-center-seed"
RATE = "0.600"
# Share of top-two-box answers per (channel, contact type) cell in the honest center.
CELL_TOP = {
    ("phone", "billing"): 0.75,
    ("phone", "fault"): 0.50,
    ("email", "billing"): 0.65,
    ("email", "fault"): 0.40,
    ("chat", "billing"): 0.80,
    ("chat", "fault"): 0.55,
    ("phone", "courtesy"): 0.7,
    ("email", "courtesy"): 0.7,
    ("chat", "courtesy"): 0.7,
}
# What honest agents write, including lines that share words with begging (score, rate, 5, 10).
HONEST_LINES = [
    "Thanks for calling, is there anything else I can help with today?",
    "I have reset the card; you may receive a short survey about this contact.",
    "I will mark the fault as resolved once the engineer confirms.",
    "Sorry for the wait, I can see the payment now.",
    "Your bill for March is 42.10 and it is due on the 10th.",
    "Could you give me a five minute window tomorrow morning for the engineer?",
    "Please mark the e-mail as not spam so our replies reach you.",
    "The technician will not need anything less than 10 minutes on site.",
    "The offer includes two nights in 5-star hotels.",
    "If you get a survey, any feedback is welcome.",
    "The survey result was good news for the new opening hours.",
    "Please rate your experience in the survey honestly.",
    "I'll mark the case as resolved.",
]
# Realistic honest sentences the begging patterns must leave alone.
NOT_BEGGING = [
    *HONEST_LINES,
    "You may receive a short survey about this contact.",
    "The rate on your loan is 5 percent.",
    "Please score the call when the survey arrives.",
    "Can you give me a 10-digit reference?",
    "Please give us 5 minutes while I check.",
    "A 10% discount would help you this month.",
    "I will mark this call as high priority.",
    "Our app is rated 5 stars in the store.",
    "Please press 5 for billing.",
    "Could you give me a second?",
    "Anything less than 5 days is fine for the refund.",
    "",
]
BEGGING_LINES = [
    "If you get a survey, please give me a 10!",
    "Only a 10 counts for me, so please score me high on the survey.",
    "Could you rate me 5 stars when the survey comes?",
    "If you receive a survey, anything lower than a 10 is a fail for me.",
]
GAMERS = {
    GamingCheck.BEGGING: "beggar",
    GamingCheck.CLUSTERING: "cluster",
    GamingCheck.CONTRADICTION: "contra",
    GamingCheck.IMPROBABLE: "lucky",
    GamingCheck.SUPPRESSION: "closer",
}
HONEST = [f"honest{i}" for i in range(1, 8)]
FIRST_CONTACT_ID = 9_000_000


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"


def _clip(value: float) -> float:
    return max(-1.0, min(1.0, value))


class Center:
    """Builds the simulated center with bulk inserts (the checks read rows, not services)."""

    def __init__(self, seed: int = 20250303):
        self.rng = random.Random(seed)
        self.survey = Survey.objects.get_or_create(name="Simulated")[0]
        self.types = {
            code: ContactTypeFactory(code=f"sim-{code}", name=f"Sim {code}")
            for code in ("billing", "fault", "courtesy")
        }
        teams = [TeamFactory(supervisor=UserFactory(roles=["supervisor"])) for _ in range(3)]
        names = [*HONEST, *GAMERS.values()]
        self.agents = {
            name: UserFactory(username=name, first_name=name.title(), last_name="Sim",
                              roles=["agent"], team=teams[i % 3])
            for i, name in enumerate(names)
        }  # fmt: skip
        self.by_id = {agent.pk: name for name, agent in self.agents.items()}

    def build(self, per_agent: int = 80) -> "Center":
        rng = self.rng
        contacts = []
        for name, agent in self.agents.items():
            mix = ["phone"] * 5 + ["email"] * 3 + ["chat"] * 2
            fault_share = 0.3 + 0.4 * rng.random()  # each agent's own mix of reasons
            for _ in range(per_agent):
                courtesy = rng.random() < (0.35 if name == "closer" else 0.05)
                kind = (
                    "courtesy"
                    if courtesy
                    else ("fault" if rng.random() < fault_share else "billing")
                )
                contacts.append((name, agent, rng.choice(mix), kind))
        customers = Customer.objects.bulk_create(
            [Customer(first_name=f"C{i}", last_name="Sim", status="customer") for i in range(len(contacts))]
        )  # fmt: skip
        # Fixed ids: the draw's ticket is keyed on the contact's id, so the simulated sample is
        # the same on every database and in every order the tests run.
        interactions = Interaction.objects.bulk_create(
            [
                self._interaction(c, customer, FIRST_CONTACT_ID + index)
                for index, (c, customer) in enumerate(zip(contacts, customers, strict=True))
            ]
        )
        self.interactions = list(zip(contacts, interactions, strict=True))
        self._draws_and_answers()
        self._messages()
        return self

    def _interaction(self, contact, customer, pk: int) -> Interaction:
        _, agent, channel, kind = contact
        day = START + datetime.timedelta(days=self.rng.randrange((END - START).days + 1))
        started = datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)
        started += datetime.timedelta(minutes=self.rng.randrange(480))
        return Interaction(
            pk=pk,
            customer=customer,
            agent=agent,
            channel=channel,
            contact_type=self.types[kind],
            started_at=started,
            answered_at=started,
            handle_seconds=self.rng.randint(120, 900),
            outcome="resolved" if self.rng.random() < 0.7 else "follow_up",
        )

    def _draws_and_answers(self) -> None:
        draws = []
        for (_, agent, _, kind), interaction in self.interactions:
            excluded = Exclusion.CONTACT_TYPE if kind == "courtesy" else ""
            ticket = survey_draw.ticket(SEED, interaction.pk)
            draws.append(
                Draw(
                    interaction=interaction,
                    agent=agent,
                    day=interaction.started_at.date(),
                    stratum=f"{interaction.channel}/{kind}/{agent.pk}",
                    seed=SEED,
                    rate=RATE,
                    ticket=ticket,
                    excluded=excluded,
                    selected=survey_draw.selected(
                        ticket_value=ticket, rate=float(RATE), excluded=excluded
                    ),
                    drawn_at=interaction.started_at,
                )
            )
        Draw.objects.bulk_create(draws)
        selected = [
            (contact, interaction, d)
            for (contact, interaction), d in zip(self.interactions, draws, strict=True)
            if d.selected
        ]
        invitations = [self._invitation(interaction, d) for _, interaction, d in selected]
        Invitation.objects.bulk_create(invitations)
        answered = [
            (contact, invitation)
            for (contact, _, _), invitation in zip(selected, invitations, strict=True)
            if invitation.state == InvitationState.ANSWERED
        ]
        self._responses(answered)

    def _invitation(self, interaction: Interaction, d: Draw) -> Invitation:
        roll = self.rng.random()
        state = (
            InvitationState.FAILED
            if roll < 0.03
            else InvitationState.ANSWERED
            if roll < 0.68
            else InvitationState.EXPIRED
        )
        return Invitation(
            draw=d,
            survey=self.survey,
            interaction=interaction,
            customer_id=interaction.customer_id,
            agent=interaction.agent,
            team_id=interaction.agent.team_id,
            channel="email",
            address=f"c{interaction.customer_id}@example.com",
            nonce=secrets.token_hex(16),
            state=state,
            sent_at=None if state == InvitationState.FAILED else interaction.started_at,
            expires_at=interaction.started_at + datetime.timedelta(days=7),
        )

    def _responses(self, answered) -> None:
        rows, signals = [], []
        per_agent: dict[str, int] = {}
        carriers = [_hex(self.rng) for _ in range(4)]
        for (name, agent, channel, kind), invitation in answered:
            count = per_agent[name] = per_agent.get(name, 0) + 1
            top = CELL_TOP[(channel, kind)]
            csat, sentiment, signal = self._score(name, count, top)
            device = _hex(self.rng)
            network = self.rng.choice(carriers) if self.rng.random() < 0.25 else _hex(self.rng)
            if name == "cluster" and count <= 7:
                device, network = "dev-cluster-01", "net-cluster-01"
            rows.append(
                Response(
                    invitation=invitation,
                    survey=self.survey,
                    interaction=invitation.interaction,
                    agent=agent,
                    team_id=agent.team_id,
                    day=invitation.draw.day,
                    channel=channel,
                    contact_type=self.types[kind],
                    csat=csat,
                    nps=self.rng.choice([9, 10]) if csat >= 4 else self.rng.randint(0, 8),
                    ces=self.rng.randint(3, 7),
                    sentiment=sentiment,
                    device=device,
                    network=network,
                )
            )
            if signal is not None:
                signals.append((invitation.interaction, signal))
        Response.objects.bulk_create(rows)
        InteractionSignal.objects.bulk_create(
            InteractionSignal(
                interaction=interaction,
                customer_id=interaction.customer_id,
                day=interaction.started_at.date(),
                channel=interaction.channel,
                compound=compound,
                sentiment="negative" if compound < 0 else "positive",
                scored_at=interaction.started_at,
            )
            for interaction, compound in signals
        )
        self.responses = rows

    def _score(self, name: str, count: int, top: float) -> tuple[int, float | None, float | None]:
        """CSAT, the verbatim's sentiment and the conversation's, for one answer."""
        rng = self.rng
        if name == "contra" and count <= 12:
            # A flattering score after a conversation the customer found bad; half of them only
            # the conversation's sentiment shows.
            return 5, (-0.7 if count % 2 else None), (None if count % 2 else -0.8)
        if name == "lucky":
            top = 0.98
        elif name == "contra":
            top *= 0.5
        csat = rng.choice([4, 5]) if rng.random() < top else rng.choice([1, 2, 3])
        if csat >= 4:
            sentiment = -0.6 if rng.random() < 0.02 else _clip(rng.gauss(0.45, 0.25))
        elif csat <= 2:
            sentiment = _clip(rng.gauss(-0.45, 0.25))
        else:
            sentiment = _clip(rng.gauss(0.0, 0.3))
        signal = _clip(sentiment + rng.gauss(0, 0.1)) if rng.random() < 0.5 else None
        return csat, (sentiment if rng.random() < 0.8 else None), signal

    def _messages(self) -> None:
        messages = []
        begged = 0
        for (name, agent, _, _), interaction in self.interactions:
            if name == "beggar" and begged < 10:
                text = BEGGING_LINES[begged % len(BEGGING_LINES)]
                begged += 1
            elif self.rng.random() < 0.4:
                text = self.rng.choice(HONEST_LINES)
            else:
                continue
            messages.append(
                Message(interaction=interaction, side="agent", author=agent, body_text=text,
                        sent_at=interaction.started_at + datetime.timedelta(minutes=2))
            )  # fmt: skip
            messages.append(
                Message(interaction=interaction, side="customer",
                        body_text="Please rate me as a priority, the survey said top service!",
                        sent_at=interaction.started_at + datetime.timedelta(minutes=1))
            )  # fmt: skip
        Message.objects.bulk_create(messages)


@pytest.fixture
def center(db) -> Center:
    return Center().build()


@pytest.fixture
def qa(db):
    return UserFactory(roles=["qa_analyst"])


def _flagged(flags, center: Center) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {kind: set() for kind in GamingCheck.values}
    for flag in flags:
        found[flag.kind].add(center.by_id[flag.agent_id])
    return found


def test_each_check_flags_exactly_its_gaming_agent(center, qa):
    flags = services.gaming_checks_run(start=START, end=END, by=qa)
    found = _flagged(flags, center)
    for kind, gamer in GAMERS.items():
        assert found[kind] == {gamer}, (kind, found[kind])
    assert not set().union(*found.values()) & set(HONEST)


def test_flags_explain_themselves_with_the_data_behind_them(center, qa):
    flags = {f.kind: f for f in services.gaming_checks_run(start=START, end=END, by=qa)}
    begging = flags[GamingCheck.BEGGING]
    assert "asked customers for a score in 10 message(s) on 10 contact(s)" in begging.explanation
    message_ids = [m["message_id"] for m in begging.evidence["messages"]]
    assert set(Message.objects.filter(pk__in=message_ids).values_list("side", flat=True)) == {
        "agent"
    }
    cluster = flags[GamingCheck.CLUSTERING].evidence["clusters"]
    assert {c["hash"] for c in cluster} == {"dev-cluster-01", "net-cluster-01"}
    assert all(c["responses"] == 7 and len(c["response_ids"]) == 7 for c in cluster)
    contra = flags[GamingCheck.CONTRADICTION]
    assert contra.evidence["contradicting"] == 12
    assert len(contra.evidence["response_ids"]) == 12
    assert "12 of" in contra.explanation and "expected" in contra.explanation
    improbable = flags[GamingCheck.IMPROBABLE]
    assert improbable.evidence["observed_top_two"] > improbable.evidence["expected_top_two"]
    assert improbable.p_value is not None and improbable.p_value < gaming.ALPHA
    closer = flags[GamingCheck.SUPPRESSION].evidence["exclusions"]
    assert closer["excluded"] > 3 * closer["expected"]
    assert set(closer["by_reason"]) == {Exclusion.CONTACT_TYPE}
    run = AuditEvent.objects.get(action="survey.gaming_checks_run")
    assert run.actor == qa and run.detail["flags"] == len(flags)


def test_running_again_updates_and_never_doubles(center, qa):
    first = services.gaming_checks_run(start=START, end=END, by=qa)
    reviewed = first[0]
    services.gaming_flag_review(flag=reviewed, by=qa, state=FlagState.DISMISSED, note="Known.")
    GamingFlag.objects.filter(pk=first[1].pk).update(explanation="stale", statistic=-1)
    second = services.gaming_checks_run(start=START, end=END, by=qa)
    assert sorted(f.pk for f in second) == sorted(f.pk for f in first)
    assert GamingFlag.objects.count() == len(first)
    reviewed.refresh_from_db()
    assert reviewed.state == FlagState.DISMISSED and reviewed.review_note == "Known."
    assert GamingFlag.objects.get(pk=first[1].pk).explanation != "stale"


def test_an_open_flag_whose_finding_is_gone_is_removed(center, qa):
    services.gaming_checks_run(start=START, end=END, by=qa)
    beggar = center.agents["beggar"]
    Message.objects.filter(author=beggar, body_text__in=BEGGING_LINES).delete()
    services.gaming_checks_run(start=START, end=END, by=qa)
    assert not GamingFlag.objects.filter(kind=GamingCheck.BEGGING).exists()


def test_a_draw_changed_after_the_fact_is_flagged(center, qa):
    honest = center.agents["honest3"]
    draw = Draw.objects.filter(agent=honest, selected=True).first()
    Draw.objects.filter(pk=draw.pk).update(selected=False)
    flags = services.gaming_checks_run(start=START, end=END, by=qa)
    mine = [f for f in flags if f.agent_id == honest.pk]
    assert [f.kind for f in mine] == [GamingCheck.SUPPRESSION]
    assert mine[0].evidence["unverified_draws"] == [draw.pk]
    assert "no longer re-derive" in mine[0].explanation


def test_below_the_minimum_n_nobody_is_flagged(db, qa):
    small = Center(seed=5).build(per_agent=6)
    flags = services.gaming_checks_run(start=START, end=END, by=qa)
    # Begging needs two contacts (the words are the evidence) and a cluster needs only three
    # customers on one device; every check that needs a sample stays silent, and no honest agent
    # is flagged by anything.
    small_enough = {GamingCheck.BEGGING, GamingCheck.CLUSTERING}
    assert {f.kind for f in flags} <= small_enough
    assert {small.by_id[f.agent_id] for f in flags} <= {GAMERS[kind] for kind in small_enough}


def test_period_is_checked(db):
    with pytest.raises(ValidationFailed):
        services.gaming_checks_run(start=END, end=START)
    with pytest.raises(ValidationFailed):
        services.gaming_checks_run(start=START, end=START + datetime.timedelta(days=400))
    last = datetime.date(9999, 12, 31)
    with pytest.raises(ValidationFailed, match="between 2000 and 2100"):
        services.gaming_checks_run(start=last - datetime.timedelta(days=6), end=last)
    with pytest.raises(ValidationFailed):
        services.gaming_checks_run(start=datetime.date(1, 1, 1), end=datetime.date(1, 1, 3))
    assert not AuditEvent.objects.filter(action="survey.gaming_checks_run").exists()


# --- The pure checks on hand-made rows ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        *BEGGING_LINES,
        *phrases.SURVEY_BEGGING,  # the demo's begging agent must stay findable
        "Give me a 10 on the survey.",
        "Please rate me 5 stars.",
        "A 10 would really help me.",
        "If you get a survey, please score us highly.",
        "Only a 10 counts.",
        "rate me well please",
        "Five stars would mean a lot to me",
        "Could you leave us 5 stars?",
        "A good rating would really help me.",
        "anything less than a 10 hurts me",
        "If the survey comes, please choose 'very satisfied'.",
        "A great review would help me a lot.",
    ],
)
def test_begging_phrases_are_found(text):
    assert gaming.begging_matches(text)
    # The database narrows messages with these words before the patterns run.
    assert any(word in text.lower() for word in gaming.BEGGING_WORDS)


@pytest.mark.parametrize("text", NOT_BEGGING)
def test_ordinary_words_are_not_begging(text):
    assert gaming.begging_matches(text) == []


def _message(i: int, agent: int, contact: int, text: str) -> gaming.AgentMessage:
    return gaming.AgentMessage(i, agent, contact, text)


def test_one_begging_contact_is_not_a_flag_two_are():
    plea = "If you get a survey, please give me a 10!"
    once = [_message(1, 1, 100, plea), _message(2, 1, 100, "Only a 10 counts for me.")]
    assert gaming.begging_check(once, names={}) == []
    twice = [*once, _message(3, 1, 101, plea)]
    [finding] = gaming.begging_check(twice, names={1: "Bea"})
    assert finding.agent_id == 1 and finding.p_value is None
    assert finding.explanation.startswith("Bea asked customers for a score in 3 message(s) on 2")
    assert [m["message_id"] for m in finding.evidence["messages"]] == [1, 2, 3]


def _draws(
    agent: int, n: int, lost: int, start_id: int, how: str | None = None
) -> list[gaming.DrawRow]:
    return [
        gaming.DrawRow(start_id + i, agent, start_id + i, "phone", "", True,
                       how if i < lost else gaming.SENT)
        for i in range(n)
    ]  # fmt: skip


def test_lost_invitations_are_flagged_against_the_rest():
    rows = _draws(1, 40, 15, 0)
    for agent in range(2, 10):
        rows += _draws(agent, 40, 1, agent * 1000)
    findings = gaming.suppression_check(rows, names={1: "Sam"})
    assert [f.agent_id for f in findings] == [1]
    evidence = findings[0].evidence["lost_invitations"]
    assert evidence["lost"] == 15 and len(evidence["draw_ids"]) == 15
    assert findings[0].explanation.startswith("Sam: 15 of 40 contacts the draw selected")


def test_an_invitation_never_sent_is_lost_a_queued_one_is_not():
    rows = _draws(1, 40, 15, 0, gaming.NOT_SENT) + _draws(2, 40, 15, 100, gaming.PENDING)
    for agent in range(3, 10):
        rows += _draws(agent, 40, 1, agent * 1000, gaming.NOT_SENT)
    findings = gaming.suppression_check(rows, names={})
    assert [f.agent_id for f in findings] == [1]


def test_lost_invitations_below_the_minimum_are_not_tested():
    rows = _draws(1, gaming.MIN_SELECTED - 1, gaming.MIN_SELECTED - 1, 0)
    for agent in range(2, 10):
        rows += _draws(agent, 40, 0, agent * 1000)
    assert gaming.suppression_check(rows, names={}) == []


def _handled(agent: int, n: int, excluded: str, start_id: int) -> list[gaming.DrawRow]:
    return [
        gaming.DrawRow(start_id + i, agent, start_id + i, "phone", excluded, False, None)
        for i in range(n)
    ]


def test_closing_contacts_under_an_excluded_type_is_flagged_but_making_call_backs_is_not():
    rows = _handled(1, 30, Exclusion.CONTACT_TYPE, 0) + _handled(2, 30, Exclusion.OUTBOUND, 100)
    for agent in range(3, 10):
        rows += _handled(agent, 28, "", agent * 1000) + _handled(
            agent, 2, "cooldown", agent * 1000 + 50
        )

    findings = gaming.suppression_check(rows, names={})

    assert [f.agent_id for f in findings] == [1]
    assert findings[0].evidence["exclusions"]["by_reason"] == {Exclusion.CONTACT_TYPE: 30}


@pytest.mark.parametrize("reason", [Exclusion.NO_CONSENT, Exclusion.NO_ADDRESS])
def test_declined_consents_and_removed_addresses_are_steerable(reason):
    # Compared over the channel mix: agent 1 has many on phone, where the rest have few; agent 2
    # has as many on SMS as everyone there, which is no deviation.
    rows = _handled(1, 15, reason, 0) + _handled(1, 15, "", 50)
    rows += [
        gaming.DrawRow(200 + i, 2, 200 + i, "sms", reason if i < 10 else "", False, None)
        for i in range(30)
    ]
    for agent in range(3, 10):
        rows += _handled(agent, 28, "", agent * 1000) + _handled(
            agent, 1, reason, agent * 1000 + 50
        )
        rows += [
            gaming.DrawRow(agent * 1000 + 100 + i, agent, agent * 1000 + 100 + i, "sms",
                           reason if i < 10 else "", False, None)
            for i in range(30)
        ]  # fmt: skip

    findings = gaming.suppression_check(rows, names={1: "Sam"})

    assert [f.agent_id for f in findings] == [1]
    assert findings[0].evidence["exclusions"]["by_reason"] == {reason: 15}
    assert "no consent, no address" in findings[0].explanation


def _response(i: int, agent: int, **fields) -> gaming.ResponseRow:
    values = {"customer_id": i, "channel": "phone", "contact_type_id": 1}
    values.update(fields)
    return gaming.ResponseRow(i, agent, **values)


def test_the_conversation_sentiment_counts_where_the_verbatim_is_silent():
    row = _response(1, 1, csat=5, interaction_sentiment=-0.8)
    assert gaming.contradicts_high(row)
    assert not gaming.contradicts_high(_response(2, 1, csat=5, interaction_sentiment=-0.2))
    assert gaming.contradicts_high(_response(3, 1, nps=10, verbatim_sentiment=-0.5))
    assert gaming.contradicts_low(_response(4, 1, csat=1, verbatim_sentiment=0.7))


def test_a_shared_network_everyone_uses_is_not_a_cluster():
    rows = []
    for agent in range(1, 9):
        for i in range(30):
            rid = agent * 100 + i
            network = "carrier" if i % 3 == 0 else f"n{rid}"
            rows.append(_response(rid, agent, csat=5, network=network, device=f"d{rid}"))
    assert gaming.clustering_check(rows, names={}) == []


# --- Reviewing ------------------------------------------------------------------------------------


def _flag(agent=None) -> GamingFlag:
    return GamingFlag.objects.create(
        kind=GamingCheck.BEGGING,
        agent=agent or UserFactory(roles=["agent"], team=TeamFactory()),
        period_start=START,
        period_end=END,
        statistic=2,
        explanation="Asked for a 10 twice.",
        evidence={"messages": []},
    )


def test_qa_confirms_a_flag_with_a_note_and_it_is_audited(qa):
    flag = _flag()
    reviewed = services.gaming_flag_review(
        flag=flag, by=qa, state=FlagState.CONFIRMED, note="Heard it."
    )
    assert (reviewed.state, reviewed.reviewed_by, reviewed.review_note) == (
        FlagState.CONFIRMED, qa, "Heard it."
    )  # fmt: skip
    assert reviewed.reviewed_at is not None
    event = AuditEvent.objects.get(action="survey.gaming_flag_review")
    assert event.detail["to"] == FlagState.CONFIRMED and event.target_id == str(flag.pk)


@pytest.mark.parametrize("role", ["supervisor", "agent", "trainer", "executive"])
def test_only_reviewers_may_review(db, role):
    flag = _flag()
    with pytest.raises(PermissionDenied):
        services.gaming_flag_review(
            flag=flag, by=UserFactory(roles=[role]), state=FlagState.DISMISSED, note="x"
        )
    flag.refresh_from_db()
    assert flag.state == FlagState.OPEN and flag.reviewed_by is None


@pytest.mark.parametrize(("state", "note"), [("open", "why"), ("confirmed", "  "), ("bogus", "x")])
def test_a_review_needs_a_decision_and_a_note(qa, state, note):
    flag = _flag()
    with pytest.raises(ValidationFailed):
        services.gaming_flag_review(flag=flag, by=qa, state=state, note=note)
    flag.refresh_from_db()
    assert flag.state == FlagState.OPEN


def test_api_review_by_qa_and_refusal_for_others(db, qa):
    flag = _flag()
    url = f"/api/v1/surveys/gaming-flags/{flag.pk}/review"
    for role in ("supervisor", "agent"):
        client = APIClient()
        client.force_authenticate(UserFactory(roles=[role]))
        assert (
            client.post(url, {"state": "confirmed", "note": "x"}, format="json").status_code == 403
        )
        assert client.get("/api/v1/surveys/gaming-flags").status_code == 403
    client = APIClient()
    client.force_authenticate(qa)
    assert client.post(url, {"state": "maybe", "note": "x"}, format="json").status_code == 400
    response = client.post(url, {"state": "dismissed", "note": "Misheard."}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "dismissed"
    listed = client.get("/api/v1/surveys/gaming-flags?state=dismissed").json()
    assert [row["id"] for row in listed["results"]] == [flag.pk]
    assert client.get("/api/v1/surveys/gaming-flags?state=open").json()["results"] == []
    detail = client.get(f"/api/v1/surveys/gaming-flags/{flag.pk}").json()
    assert detail["evidence"] == {"messages": []}
    assert client.get("/api/v1/surveys/gaming-flags/999999").status_code == 404


def test_pages_for_reviewers_only(client, db, qa):
    flag = _flag()
    for role in ("supervisor", "agent", "executive"):
        client.force_login(UserFactory(roles=[role]))
        assert client.get("/surveys/gaming/").status_code == 403
        assert client.get(f"/surveys/gaming/{flag.pk}/").status_code == 403
    client.force_login(qa)
    page = client.get("/surveys/gaming/")
    assert page.status_code == 200 and "Asked for a 10 twice." in page.content.decode()
    detail = client.get(f"/surveys/gaming/{flag.pk}/")
    assert detail.status_code == 200
    refused = client.post(f"/surveys/gaming/{flag.pk}/", {"state": "confirmed", "note": ""})
    assert refused.status_code == 400
    saved = client.post(f"/surveys/gaming/{flag.pk}/", {"state": "confirmed", "note": "Yes."})
    assert saved.status_code == 302
    flag.refresh_from_db()
    assert flag.state == FlagState.CONFIRMED


def test_run_checks_now_from_the_page(client, center, qa):
    client.force_login(qa)
    bad = client.post("/surveys/gaming/run/", {"start": "2025-03-30", "end": "2025-03-01"})
    assert bad.status_code == 400 and not GamingFlag.objects.exists()
    far = client.post("/surveys/gaming/run/", {"start": "9999-12-25", "end": "9999-12-31"})
    assert far.status_code == 400 and "between 2000 and 2100" in far.content.decode()
    assert not GamingFlag.objects.exists()
    response = client.post(
        "/surveys/gaming/run/", {"start": START.isoformat(), "end": END.isoformat()}
    )
    assert response.status_code == 302
    assert GamingFlag.objects.count() == len(GAMERS)
    flag = GamingFlag.objects.get(kind=GamingCheck.CONTRADICTION)
    detail = client.get(f"/surveys/gaming/{flag.pk}/").content.decode()
    response_id = flag.evidence["response_ids"][0]
    interaction = Response.objects.get(pk=response_id).interaction_id
    assert f'href="/interactions/{interaction}/"' in detail


@pytest.mark.parametrize(
    "args",
    [
        ["--start", "9999-12-25", "--end", "9999-12-31"],
        ["--end", "9999-12-31"],
        ["--end", "0001-01-05"],
        ["--start", "2025-03-30", "--end", "2025-03-01"],
    ],
)
def test_management_command_refuses_bad_periods(db, args):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("survey_gaming_checks", *args)


def test_management_command_runs_the_checks(center):
    from django.core.management import call_command

    call_command("survey_gaming_checks", "--start", START.isoformat(), "--end", END.isoformat())
    assert GamingFlag.objects.count() == len(GAMERS)
