"""WFM cells on their own: words for activities and states, and adherence minutes, read as ours
or refused with a reason that names the cell."""

from hypothesis import given
from hypothesis import strategies as st

from rapport.accounts.choices import AgentState, ScheduledActivity
from rapport.imports.sources.base import Line, RowError
from rapport.imports.sources.wfm import ACTIVITY_WORDS, STATE_WORDS, _adherent, _word

words = st.one_of(
    st.text(max_size=20),
    st.sampled_from([*ACTIVITY_WORDS, *STATE_WORDS, "Not-Ready", " LOGGED_OUT ", "P T O"]),
)
cells = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["", "0", "450", "480", "1441", "91.5%", "91,5", "100", "-3", "1e30"]),
)


@given(text=words)
def test_any_word_is_an_activity_and_a_state_or_a_reason(text):
    for name, table, ours in (
        ("activity", ACTIVITY_WORDS, ScheduledActivity.values),
        ("state", STATE_WORDS, AgentState.values),
    ):
        try:
            assert _word(text, name, table, ours) in ours
        except RowError as exc:
            assert str(exc).startswith(f"{name} ")


def test_wfm_spellings_are_read_whatever_their_case_and_dashes():
    activities = ScheduledActivity.values
    assert _word("Team-Meeting", "activity", ACTIVITY_WORDS, activities) == "meeting"
    assert _word(" LOGGED_OUT ", "state", STATE_WORDS, AgentState.values) == "offline"
    assert _word("Not Ready", "state", STATE_WORDS, AgentState.values) == "break"


@given(scheduled=st.integers(0, 1440), minutes=cells, percent=cells)
def test_adherent_minutes_lie_within_the_scheduled_ones_or_say_why(scheduled, minutes, percent):
    line = Line(number=2, values={"adherent_minutes": minutes, "adherence_percent": percent})
    try:
        found = _adherent(line, scheduled)
    except RowError as exc:
        assert str(exc).split(" ")[0] in {"adherent_minutes", "adherence_percent"}
        return
    assert 0 <= found <= scheduled
