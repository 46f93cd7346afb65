"""QA samples: drawn by the system, even across an agent's channels, reproducible from the seed,
never giving an agent their own contact to evaluate."""

import datetime
from collections import Counter

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.core.models import AuditEvent
from rapport.interactions.tests.factories import InteractionFactory
from rapport.performance.models import Evaluation
from rapport.performance.selectors.qa import Candidate
from rapport.performance.services import qa as services
from rapport.performance.tests.factories_qa import form_with, team_with_agent

START, END = datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)


def _at(day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2025, 3, day, hour, tzinfo=timezone.get_default_timezone())


def _candidates(sizes: dict[int, dict[str, int]]) -> list[Candidate]:
    """Made-up contacts: sizes[agent][channel] of them, ids in a fixed order."""
    rows, next_id = [], 1
    for agent_id in sorted(sizes):
        for channel in sorted(sizes[agent_id]):
            for _ in range(sizes[agent_id][channel]):
                rows.append(Candidate(next_id, agent_id, channel))
                next_id += 1
    return rows


def _channels(picked: list[int], candidates: list[Candidate]) -> Counter:
    channel_of = {c.interaction_id: c.channel for c in candidates}
    return Counter(channel_of[i] for i in picked)


# --- The pick, as a pure function ----------------------------------------------------------------


def test_the_same_seed_draws_the_same_contacts():
    candidates = _candidates({1: {"phone": 30, "chat": 20, "email": 9}, 2: {"phone": 40}})

    first = services.sample_pick(candidates, per_agent=7, seed=1234)
    again = services.sample_pick(candidates, per_agent=7, seed=1234)
    other = services.sample_pick(candidates, per_agent=7, seed=4321)

    assert first == again
    assert first != other


def test_each_agent_gets_per_agent_contacts_spread_over_their_channels():
    candidates = _candidates({1: {"phone": 10, "chat": 10, "email": 10}, 2: {"chat": 3}})

    picked = services.sample_pick(candidates, per_agent=5, seed=7)

    assert len(picked[1]) == 5 and len(set(picked[1])) == 5
    assert sorted(_channels(picked[1], candidates).values()) == [1, 2, 2]
    assert len(picked[2]) == 3  # all they had


def test_a_short_channel_gives_its_turn_to_the_others():
    candidates = _candidates({1: {"phone": 1, "chat": 10}})

    picked = services.sample_pick(candidates, per_agent=6, seed=3)

    assert _channels(picked[1], candidates) == Counter({"phone": 1, "chat": 5})


@given(
    channels=st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=5),
    per_agent=st.integers(min_value=1, max_value=20),
    seed=st.integers(min_value=0, max_value=2**63 - 1),
)
def test_the_spread_is_even_when_every_channel_has_enough(channels, per_agent, seed):
    need = -(-per_agent // len(channels))  # each channel's fair share, rounded up
    sizes = {name: max(size, need) for name, size in zip("abcde", channels, strict=False)}
    candidates = _candidates({9: sizes})

    picked = services.sample_pick(candidates, per_agent=per_agent, seed=seed)[9]

    counts = [_channels(picked, candidates).get(name, 0) for name in sizes]
    assert len(picked) == per_agent
    assert max(counts) - min(counts) <= 1


# --- Drawing a sample ----------------------------------------------------------------------------


@pytest.fixture
def ledger(make_user):
    """Agent A worked phone, chat and e-mail (5 each), agent B phone only (3), in March; plus
    contacts that must never be drawn. Three QA analysts; the third also works as an agent."""
    _, _, a = team_with_agent()
    _, _, b = team_with_agent()
    analysts = [make_user("qa_analyst"), make_user("qa_analyst"), make_user("qa_analyst", "agent")]
    for channel in ("phone", "chat", "email"):
        for day in range(1, 6):
            InteractionFactory(agent=a, channel=channel, outcome="resolved", started_at=_at(day))
    for day in range(1, 4):
        InteractionFactory(agent=b, channel="phone", outcome="follow_up", started_at=_at(day))
    own = [
        InteractionFactory(agent=analysts[2], channel="chat", outcome="resolved", started_at=_at(d))
        for d in range(1, 5)
    ]
    never = [
        InteractionFactory(agent=a, outcome="abandoned", started_at=_at(2)),
        InteractionFactory(agent=b, outcome="no_answer", started_at=_at(2)),
        InteractionFactory(agent=None, outcome="resolved", started_at=_at(2)),
        InteractionFactory(
            agent=a, outcome="resolved", started_at=_at(28, 12) + datetime.timedelta(days=4)
        ),
        InteractionFactory(
            agent=a, outcome="resolved", started_at=_at(1) - datetime.timedelta(days=1)
        ),
    ]
    return {"a": a, "b": b, "analysts": analysts, "own": own, "never": never}


def _draw(by, *, seed=None, per_agent=4, form=None):
    return services.qa_sample_draw(
        by=by,
        form=form or form_with(10),
        period_start=START,
        period_end=END,
        per_agent=per_agent,
        seed=seed,
    )


def test_a_draw_makes_drafts_per_agent_spread_evenly(ledger):
    sample = _draw(ledger["analysts"][0], seed=99)

    drawn = list(sample.evaluations.select_related("interaction"))
    per_agent = Counter(e.agent_id for e in drawn)
    assert per_agent == {ledger["a"].pk: 4, ledger["b"].pk: 3, ledger["analysts"][2].pk: 4}
    a_channels = Counter(e.interaction.channel for e in drawn if e.agent == ledger["a"])
    assert sorted(a_channels.values()) == [1, 1, 2]
    assert all(e.status == "draft" and e.calibration_id is None for e in drawn)
    assert not {e.interaction_id for e in drawn} & {c.pk for c in ledger["never"]}


def test_drafts_go_to_qa_analysts_in_turn_never_to_the_agent(ledger):
    sample = _draw(ledger["analysts"][0], seed=5)

    drawn = list(sample.evaluations.all())
    assert all(e.evaluator_id != e.agent_id for e in drawn)
    load = Counter(e.evaluator_id for e in drawn)
    assert set(load) == {a.pk for a in ledger["analysts"]}
    assert sorted(load.values()) == [3, 4, 4]  # 11 contacts, as even as can be


def test_the_seed_is_kept_and_redrawing_with_it_picks_the_same(ledger):
    by = ledger["analysts"][0]
    first = _draw(by, seed=2024)
    picked = sorted(first.evaluations.values_list("interaction_id", flat=True))
    Evaluation.objects.filter(sample=first).delete()

    again = _draw(by, seed=2024)

    assert first.seed == again.seed == 2024
    assert sorted(again.evaluations.values_list("interaction_id", flat=True)) == picked


def test_without_a_seed_one_is_made_and_stored(ledger):
    sample = _draw(ledger["analysts"][0])

    assert 0 <= sample.seed < 2**63
    audit = AuditEvent.objects.get(action="performance.qa_sample_drawn")
    assert audit.detail["seed"] == str(sample.seed)
    assert audit.detail["evaluations"] == sample.evaluations.count() == 11


def test_contacts_already_evaluated_are_skipped(ledger):
    by = ledger["analysts"][0]
    first = _draw(by, seed=1, per_agent=50)
    second = _draw(by, seed=1, per_agent=50)

    assert first.evaluations.count() == 15 + 3 + 4
    assert second.evaluations.count() == 0


@pytest.mark.parametrize("role", ["agent", "trainer", "marketer", "executive"])
def test_only_qa_staff_draw(ledger, make_user, role):
    with pytest.raises(PermissionDenied):
        _draw(make_user(role))
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"period_end": START - datetime.timedelta(days=1)},
        {"period_end": START + datetime.timedelta(days=services.SAMPLE_DAYS_MAX)},
        {"per_agent": 0},
        {"per_agent": 51},
        {"seed": -1},
        {"seed": 2**63},
    ],
)
def test_bad_input_is_refused(ledger, change):
    arguments = {
        "by": ledger["analysts"][0],
        "form": form_with(10),
        "period_start": START,
        "period_end": END,
        "per_agent": 4,
        "seed": None,
        **change,
    }

    with pytest.raises(ValidationFailed):
        services.qa_sample_draw(**arguments)


def test_no_active_qa_analyst_means_no_draw(make_user):
    with pytest.raises(ValidationFailed, match="no active QA analyst"):
        _draw(make_user("supervisor"))
