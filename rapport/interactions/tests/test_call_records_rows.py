"""The row check of the call-record import, on its own: whatever text a row holds, it either
becomes a consistent record or a RowError, never another exception."""

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.interactions import call_records
from rapport.interactions.call_records import CallRecord, PhoneKeys, RowError, parse_row

QUEUES = {"billing": 1, "gone": None}
AGENTS = {"ana": 7}
PHONES = PhoneKeys(region="US")
ZONE = datetime.UTC

# A plausible row with a few columns replaced by arbitrary or tricky text, so examples get past
# the first checks and reach the later ones; plus rows of any length and content.
tricky = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " 7 ",
            "-5",
            "1.5",
            "²",
            "١٢",
            "1_000",
            "3000000000",
            "+0",
            "+" + "9" * 20,
            "(212) 555-0100",
            "anonymous",
            "9999-12-31T23:59:59-12:00",
            "0001-01-01T00:00:00+12:00",
            "2026-03-02",
            "x" * 300,
            "OUTBOUND",
            "Abandoned",
            "gone",
        ]
    ),
)


@st.composite
def rows(draw) -> list[str]:
    started = draw(st.datetimes(timezones=st.sampled_from([datetime.UTC, None])))
    wait = datetime.timedelta(seconds=draw(st.integers(-10, 10**6)))
    talk = datetime.timedelta(seconds=draw(st.integers(-10, 10**6)))
    answered = ""
    try:
        answered = draw(st.sampled_from(["", (started + wait).isoformat()]))
        ended = (started + wait + talk).isoformat()
    except OverflowError:
        ended = "9999-12-31T23:59:59"
    fields = [
        draw(st.sampled_from(["call-1", "c-2"])),
        draw(st.sampled_from(["inbound", "outbound"])),
        draw(st.sampled_from(["+12125550100", "(212) 555-0100", "", "anonymous"])),
        draw(st.sampled_from(["+18005550100", "5000"])),
        draw(st.sampled_from(["", "billing"])),
        draw(st.sampled_from(["", "ana"])),
        started.isoformat(),
        answered,
        ended,
        str(draw(st.integers(0, 3600))),
        draw(st.sampled_from(["", "30"])),
        str(draw(st.integers(0, 5))),
        draw(st.sampled_from(["", "resolved", "abandoned"])),
    ]
    for column, text in draw(st.lists(st.tuples(st.integers(0, 12), tricky), max_size=3)):
        fields[column] = text
    return fields


any_row = st.one_of(rows(), st.lists(st.text(), max_size=20))


def check(fields: list[str]) -> CallRecord | None:
    try:
        return parse_row(fields, line=2, queues=QUEUES, agents=AGENTS, phones=PHONES, zone=ZONE)
    except RowError as exc:
        assert str(exc)
        return None


@settings(max_examples=400, deadline=None)
@given(any_row)
def test_a_row_is_a_record_or_a_row_error_and_nothing_else(fields):
    record = check(fields)

    if record is not None:
        assert record.call_id and len(record.call_id) <= call_records.MAX_TEXT
        assert record.direction in {"inbound", "outbound"}
        assert record.started_at <= record.ended_at
        assert record.started_at.tzinfo is not None
        if record.answered_at is not None:
            assert record.started_at <= record.answered_at <= record.ended_at
        durations = (
            record.wait_seconds,
            record.handle_seconds,
            record.hold_seconds,
            record.wrap_seconds,
        )
        assert all(0 <= s <= call_records.MAX_SECONDS for s in durations)
        assert 0 <= record.transfers <= call_records.MAX_TRANSFERS
        assert record.queue_id in {None, 1} and record.agent_id in {None, 7}
        assert len(record.sender) <= call_records.MAX_TEXT


@given(st.text(max_size=40))
def test_a_number_that_cannot_be_read_has_no_key_and_an_e164_number_is_its_own_key(raw):
    key = PHONES.key(raw)

    assert key is None or (key.startswith("+") and key[1:].isdigit())
    if call_records.E164.fullmatch(raw):
        assert key == raw
