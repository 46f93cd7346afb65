"""Phone-switch events: one interaction per call with its figures, agent states, screen pops,
out-of-order and replayed events, and batches where some events are bad."""

import datetime
import json
import random
import threading
import time

import pytest
from django.db import connection, transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from rapport.access.tests.factories import QueueFactory, TouchpointFactory
from rapport.accounts import services as account_services
from rapport.accounts.models import AgentStateChange
from rapport.accounts.tests.factories import UserFactory
from rapport.customers.choices import CustomerStatus
from rapport.customers.models import Customer
from rapport.customers.tests.factories import PhoneFactory
from rapport.interactions.models import (
    CallEvent,
    Interaction,
    RejectedInbound,
    ScreenPop,
    WebhookDelivery,
)
from rapport.interactions.telephony import CallEventIn, Rejection, call_events_record, event_parse
from rapport.interactions.webhooks import signed_headers

pytestmark = pytest.mark.django_db

URL = reverse("api-telephony-events")
SECRET = "test-phone-secret"
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
CALLER = "+12125550100"
OUR_NUMBER = "+18005550100"


def at(seconds: float) -> str:
    return (T0 + datetime.timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def event(kind: str, seconds: float, *, call="call-1", event_id=None, **fields) -> dict:
    body = {
        "event_id": event_id or f"{call}-{kind}-{seconds}",
        "call_id": call,
        "kind": kind,
        "occurred_at": at(seconds),
        "ani": CALLER,
        "dnis": OUR_NUMBER,
    }
    body.update(fields)
    return body


def whole_call(agent: str, *, call="call-1") -> list[dict]:
    """Rings at 0, answered at 20, on hold 60–90, ended at 200: wait 20, hold 30, handle 180
    (answered to ended, hold included, as the call-record import counts it)."""
    return [
        event("ringing", 0, call=call, agent=agent),
        event("answered", 20, call=call, agent=agent),
        event("held", 60, call=call),
        event("resumed", 90, call=call),
        event("ended", 200, call=call),
    ]


def send(events, *, delivery="d-1", secret=SECRET, client=None):
    body = json.dumps({"events": events}).encode()
    headers = signed_headers(secret=secret, body=body, delivery_id=delivery)
    return (client or APIClient()).post(
        URL, data=body, content_type="application/json", headers=headers
    )


@pytest.fixture
def agent():
    return UserFactory(username="ana", roles=["agent"])


@pytest.fixture
def touchpoint():
    return TouchpointFactory(
        channel="phone", address=OUR_NUMBER, queue=QueueFactory(code="billing")
    )


def states_of(user) -> list[str]:
    return list(
        AgentStateChange.objects.filter(agent=user, source="telephony")
        .order_by("changed_at", "id")
        .values_list("state", flat=True)
    )


class TestWholeCall:
    def test_a_call_is_one_interaction_with_its_figures(self, agent, touchpoint):
        caller = PhoneFactory(normalised=CALLER, value="(212) 555-0100").customer

        response = send(whole_call("ana"))

        assert response.status_code == 200
        assert response.json() == {
            "accepted": 5,
            "duplicates": 0,
            "rejected": [],
            "duplicate": False,
        }
        call = Interaction.objects.get()
        assert (call.source, call.external_id, call.channel) == ("phone", "call-1", "phone")
        assert (call.wait_seconds, call.hold_seconds, call.handle_seconds) == (20, 30, 180)
        assert (call.started_at, call.answered_at) == (T0, T0 + datetime.timedelta(seconds=20))
        assert call.ended_at == T0 + datetime.timedelta(seconds=200)
        assert (call.customer, call.agent, call.sender) == (caller, agent, CALLER)
        assert (call.touchpoint, call.queue) == (touchpoint, touchpoint.queue)
        assert call.outcome == ""
        assert CallEvent.objects.filter(interaction=call).count() == 5

    def test_the_agent_goes_on_contact_then_into_wrap_up(self, agent, touchpoint):
        send(whole_call("ana"))

        assert states_of(agent) == ["on_contact", "wrap_up"]
        agent.refresh_from_db()
        assert agent.agent_state == "wrap_up"
        assert agent.agent_state_since == T0 + datetime.timedelta(seconds=200)

    def test_the_agent_gets_one_screen_pop(self, agent, touchpoint):
        send(whole_call("ana"))

        pop = ScreenPop.objects.get()
        assert (pop.agent, pop.interaction) == (agent, Interaction.objects.get())

    def test_a_ringing_call_pops_before_it_is_answered(self, agent, touchpoint):
        send([event("ringing", 0, agent="ana")])

        assert ScreenPop.objects.filter(agent=agent).count() == 1
        assert states_of(agent) == []

    def test_a_call_nobody_answered_is_abandoned_after_its_wait(self, touchpoint):
        send([event("ringing", 0), event("ended", 35)])

        call = Interaction.objects.get()
        assert (call.outcome, call.wait_seconds, call.handle_seconds) == ("abandoned", 35, 0)
        assert call.answered_at is None

    def test_a_hold_still_open_when_the_call_ends_counts_until_the_end(self, agent):
        send([event("answered", 0, agent="ana"), event("held", 50), event("ended", 80)])

        call = Interaction.objects.get()
        assert (call.hold_seconds, call.handle_seconds) == (30, 80)

    def test_a_transfer_hands_the_call_to_the_next_agent(self, agent):
        other = UserFactory(username="ben", roles=["agent"])

        send(
            [
                event("answered", 10, agent="ana"),
                event("transferred", 100, agent="ben"),
                event("ended", 160),
            ]
        )

        call = Interaction.objects.get()
        assert (call.transfers, call.agent) == (1, other)
        assert states_of(agent) == ["on_contact", "wrap_up"]
        assert states_of(other) == ["on_contact", "wrap_up"]
        assert set(ScreenPop.objects.values_list("agent__username", flat=True)) == {"ana", "ben"}

    def test_a_named_queue_wins_over_the_touchpoints(self, touchpoint):
        sales = QueueFactory(code="sales")

        send([event("ringing", 0, queue="sales")])

        assert Interaction.objects.get().queue == sales


class TestOutOfOrder:
    def test_answered_before_ringing_gives_the_same_figures(self, agent, touchpoint):
        call = whole_call("ana")

        send([call[1]], delivery="d-1")
        first = Interaction.objects.get()
        assert first.wait_seconds == 0
        send([call[0]], delivery="d-2")
        send(call[2:], delivery="d-3")

        call_row = Interaction.objects.get()
        assert call_row.pk == first.pk
        assert (call_row.started_at, call_row.wait_seconds) == (T0, 20)
        assert (call_row.hold_seconds, call_row.handle_seconds) == (30, 180)
        assert ScreenPop.objects.count() == 1

    def test_a_shuffled_batch_gives_the_same_figures(self, agent, touchpoint):
        events = whole_call("ana")
        random.Random(7).shuffle(events)

        send(events)

        call = Interaction.objects.get()
        assert (call.wait_seconds, call.hold_seconds, call.handle_seconds) == (20, 30, 180)
        assert states_of(agent) == ["on_contact", "wrap_up"]

    def test_an_answer_after_the_end_unmarks_the_abandon(self, agent):
        send([event("ringing", 0), event("ended", 200)], delivery="d-1")
        send([event("answered", 20, agent="ana")], delivery="d-2")

        call = Interaction.objects.get()
        assert (call.outcome, call.wait_seconds, call.handle_seconds) == ("", 20, 180)

    def test_a_state_older_than_the_agents_current_one_does_not_fail_the_event(self, agent):
        later = T0 + datetime.timedelta(hours=1)
        account_services.agent_state_set(agent=agent, state="break", source="ui", at=later)

        response = send(whole_call("ana"))

        assert response.json()["accepted"] == 5
        agent.refresh_from_db()
        assert (agent.agent_state, agent.agent_state_since) == ("break", later)
        assert states_of(agent) == []
        assert Interaction.objects.get().handle_seconds == 180


class TestCaller:
    def test_an_unknown_caller_becomes_a_prospect_for_review(self, touchpoint):
        send([event("ringing", 0, ani="(415) 555-0199")])

        call = Interaction.objects.get()
        assert call.sender == "+14155550199"
        assert call.customer.status == CustomerStatus.PROSPECT
        assert call.customer.needs_review is True
        assert call.customer.contact_points.get().normalised == "+14155550199"

    def test_two_calls_from_one_new_number_make_one_prospect(self, touchpoint):
        send(
            [
                event("ringing", 0, call="a", ani="+14155550199"),
                event("ringing", 5, call="b", ani="+14155550199"),
            ]
        )

        assert Customer.objects.count() == 1
        assert Interaction.objects.filter(customer__isnull=False).count() == 2

    @pytest.mark.parametrize("ani", ["anonymous", "", "unknown", "12"])
    def test_a_withheld_number_gives_a_call_without_a_customer(self, ani, touchpoint):
        response = send([event("ringing", 0, ani=ani)])

        assert response.json()["accepted"] == 1
        call = Interaction.objects.get()
        assert call.customer is None
        assert call.sender == ani
        assert Customer.objects.count() == 0

    def test_an_unknown_dnis_gives_a_call_without_a_touchpoint(self):
        send([event("ringing", 0, dnis="+18005550999")])

        call = Interaction.objects.get()
        assert (call.touchpoint, call.queue) == (None, None)


class TestRejections:
    def test_an_unknown_agent_is_rejected_and_the_rest_of_the_batch_is_stored(self, agent):
        events = [
            event("answered", 0, call="a", agent="ana"),
            event("answered", 0, call="b", agent="nobody"),
            event("ended", 60, call="a"),
        ]

        body = send(events).json()

        assert (body["accepted"], body["duplicates"]) == (2, 0)
        [rejected] = body["rejected"]
        assert (rejected["index"], rejected["event_id"], rejected["code"]) == (
            1,
            "b-answered-0",
            "unknown_agent",
        )
        assert "'nobody'" in rejected["message"]
        assert list(Interaction.objects.values_list("external_id", flat=True)) == ["a"]
        assert RejectedInbound.objects.get().reason.startswith("unknown_agent: ")

    def test_an_unknown_queue_is_rejected(self):
        body = send([event("ringing", 0, queue="nope")]).json()

        assert body["rejected"][0]["code"] == "unknown_queue"
        assert not Interaction.objects.exists()

    def test_events_with_bad_fields_are_rejected_with_every_field_named(self, agent):
        bad = {"event_id": "x-1", "call_id": 5, "kind": "exploded", "occurred_at": "yesterday"}
        events = [bad, event("ringing", 0), {"event_id": "x-3"}]

        body = send(events).json()

        assert body["accepted"] == 1
        first, last = body["rejected"]
        assert (first["index"], first["event_id"], first["code"]) == (0, "x-1", "invalid")
        for name in ("call_id", "kind", "occurred_at"):
            assert name in first["message"]
        assert (last["index"], last["event_id"], last["code"]) == (2, "x-3", "invalid")
        assert Interaction.objects.get().external_id == "call-1"
        assert RejectedInbound.objects.count() == 2

    @pytest.mark.parametrize(
        "bad", [{"event_id": "nul\x00"}, {"ani": "\ud800"}, {"note": "nul \x00 inside"}]
    )
    def test_text_the_database_cannot_store_is_rejected_not_a_500(self, bad):
        body = send(
            [{**event("ringing", 0, call="a"), **bad}, event("ringing", 0, call="b")]
        ).json()

        assert body["accepted"] == 1
        assert body["rejected"][0]["code"] == "invalid"
        assert list(Interaction.objects.values_list("external_id", flat=True)) == ["b"]

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"events": []}, "events"),
            ({"events": "ringing"}, "events"),
            ({"events": [1, event("ringing", 0)]}, "events[0]"),
            ({"calls": []}, "events"),
            ({"events": [event("ringing", i, event_id=str(i)) for i in range(501)]}, "events"),
        ],
    )
    def test_a_body_that_is_not_a_list_of_events_is_a_400_and_stores_nothing(self, payload, field):
        body = json.dumps(payload).encode()
        headers = signed_headers(secret=SECRET, body=body, delivery_id="d-1")

        response = APIClient().post(
            URL, data=body, content_type="application/json", headers=headers
        )

        assert response.status_code == 400
        assert field in response.json()["fields"]
        assert not Interaction.objects.exists()
        assert not WebhookDelivery.objects.exists()
        assert not RejectedInbound.objects.exists()

    def test_malformed_json_is_a_400_and_stores_nothing(self):
        body = b'{"events": [ {"event_id": '
        headers = signed_headers(secret=SECRET, body=body, delivery_id="d-1")

        response = APIClient().post(
            URL, data=body, content_type="application/json", headers=headers
        )

        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"
        assert not WebhookDelivery.objects.exists()


class TestReplays:
    def test_a_replayed_event_in_a_new_delivery_changes_nothing(self, agent, touchpoint):
        events = whole_call("ana")
        send(events, delivery="d-1")
        before = Interaction.objects.get()

        body = send([{**events[2], "occurred_at": at(10)}], delivery="d-2").json()

        assert (body["accepted"], body["duplicates"], body["duplicate"]) == (0, 1, False)
        after = Interaction.objects.get()
        assert (after.hold_seconds, after.updated_at) == (before.hold_seconds, before.updated_at)
        assert CallEvent.objects.count() == 5
        assert states_of(agent) == ["on_contact", "wrap_up"]

    def test_a_replayed_delivery_changes_nothing(self, agent, touchpoint):
        events = whole_call("ana")
        send(events[:2], delivery="d-1")

        body = send(events, delivery="d-1").json()

        assert body == {"accepted": 0, "duplicates": 5, "rejected": [], "duplicate": True}
        assert CallEvent.objects.count() == 2
        assert WebhookDelivery.objects.get().delivery_id == "d-1"

    def test_the_same_event_twice_in_one_batch_is_stored_once(self, touchpoint):
        ringing = event("ringing", 0)

        body = send([ringing, ringing]).json()

        assert (body["accepted"], body["duplicates"]) == (1, 1)
        assert CallEvent.objects.count() == 1


class TestSignature:
    def test_the_chat_secret_does_not_sign_phone_events(self):
        response = send([event("ringing", 0)], secret="test-chat-secret")

        assert response.status_code == 401
        assert response.json()["code"] == "bad_signature"
        assert not CallEvent.objects.exists()

    def test_an_unconfigured_switch_is_a_503(self, settings):
        settings.RAPPORT_WEBHOOK_SECRETS = {**settings.RAPPORT_WEBHOOK_SECRETS, "phone": ""}

        response = send([event("ringing", 0)])

        assert response.status_code == 503
        assert response.json()["code"] == "channel_not_configured"


class TestService:
    def test_a_batch_of_new_calls_costs_the_same_for_any_number_of_calls(
        self, touchpoint, django_assert_max_num_queries
    ):
        """20 known callers × 5 events: lookups once per batch, rows and agent moves in bulk."""
        agents = [UserFactory(username=f"agent-{n}", roles=["agent"]) for n in range(20)]
        events = []
        for n, user in enumerate(agents):
            PhoneFactory(normalised=f"+1617555{n:04d}")
            events += [
                {**e, "ani": f"+1617555{n:04d}"} for e in whole_call(user.username, call=f"c-{n}")
            ]

        with django_assert_max_num_queries(20):
            result = call_events_record(events=events)

        assert (result.accepted, result.rejected) == (100, [])
        assert Interaction.objects.filter(customer__isnull=False).count() == 20

    def test_a_batch_that_continues_known_calls_costs_the_same_for_any_number_of_calls(
        self, touchpoint, django_assert_max_num_queries
    ):
        agents = [UserFactory(username=f"agent-{n}", roles=["agent"]) for n in range(20)]
        calls = [whole_call(user.username, call=f"c-{n}") for n, user in enumerate(agents)]
        call_events_record(events=[call[0] for call in calls])

        with django_assert_max_num_queries(20):
            result = call_events_record(events=[e for call in calls for e in call[1:]])

        assert result.accepted == 80
        assert set(Interaction.objects.values_list("handle_seconds", flat=True)) == {180}


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@hypothesis_settings(deadline=None)  # the machine's load, not the parser, sets the pace
@given(
    st.fixed_dictionaries(
        {},
        optional={
            name: JSON_VALUES
            | st.sampled_from(["ringing", "ended", "2026-03-02T09:00:00Z", "+12125550100", ""])
            for name in (
                "event_id",
                "call_id",
                "kind",
                "occurred_at",
                "ani",
                "dnis",
                "queue",
                "agent",
            )
        },
    )
)
def test_parsing_any_event_gives_an_event_or_a_rejection_naming_a_reason(raw):
    parsed = event_parse(index=3, raw=raw)

    assert isinstance(parsed, CallEventIn | Rejection)
    if isinstance(parsed, Rejection):
        assert (parsed.index, parsed.code) == (3, "invalid")
        assert parsed.message
    else:
        assert parsed.event_id and parsed.call_id and parsed.occurred_at.tzinfo is not None


def _meanwhile(work, *, hold: float = 0.5) -> threading.Thread:
    """Run `work` in another transaction that commits `hold` seconds after it has written."""
    written = threading.Event()

    def run():
        with transaction.atomic():
            work()
            written.set()
            time.sleep(hold)
        connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    written.wait(5)
    return thread


ON_POSTGRES = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs two concurrent transactions"
)


@ON_POSTGRES
@pytest.mark.django_db(transaction=True)
def test_a_batch_waits_for_a_concurrent_batch_with_the_same_call_and_skips_its_event():
    TouchpointFactory(channel="phone", address=OUR_NUMBER)
    events = [event("ringing", 0, call="a"), event("ringing", 0, call="b")]
    other = _meanwhile(lambda: call_events_record(events=[events[1]]))

    started = time.monotonic()
    result = call_events_record(events=events)
    waited = time.monotonic() - started
    other.join()

    assert waited > 0.3  # it waited for the other batch instead of colliding with it
    assert (result.accepted, result.duplicates, result.rejected) == (1, 1, [])
    assert sorted(Interaction.objects.values_list("external_id", flat=True)) == ["a", "b"]
    assert CallEvent.objects.count() == 2


@ON_POSTGRES
@pytest.mark.django_db(transaction=True)
def test_when_the_bulk_write_collides_each_event_is_stored_on_its_own():
    """A call-record import stores call "b" while the batch writes: the batch's insert of "b"
    fails on the unique call id, the batch is retried event by event, and both events are kept,
    the second on the call the import made."""
    TouchpointFactory(channel="phone", address=OUR_NUMBER)
    events = [event("ringing", 0, call="a"), event("answered", 10, call="b")]
    other = _meanwhile(
        lambda: Interaction.objects.create(
            source="phone", external_id="b", channel="phone", started_at=T0, wait_seconds=9
        )
    )

    result = call_events_record(events=events)
    other.join()

    assert (result.accepted, result.duplicates, result.rejected) == (2, 0, [])
    imported = Interaction.objects.get(external_id="b")
    assert (imported.wait_seconds, imported.answered_at) == (
        10,
        T0 + datetime.timedelta(seconds=10),
    )
    assert CallEvent.objects.get(event_id=events[1]["event_id"]).interaction == imported


@ON_POSTGRES
@pytest.mark.django_db(transaction=True)
def test_an_event_id_taken_meanwhile_under_another_call_is_a_duplicate():
    """The switch reused an event id on another call: the two batches lock different calls, so
    the write meets the other's id in the unique index; only that event is left out."""
    events = [event("ringing", 0, call="a"), event("ringing", 0, call="b", event_id="reused")]
    other = _meanwhile(
        lambda: call_events_record(events=[event("ringing", 0, call="c", event_id="reused")])
    )

    result = call_events_record(events=events)
    other.join()

    assert (result.accepted, result.duplicates, result.rejected) == (1, 1, [])
    assert sorted(Interaction.objects.values_list("external_id", flat=True)) == ["a", "c"]
    assert CallEvent.objects.get(event_id="reused").call_id == "c"
