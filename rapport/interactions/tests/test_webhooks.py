"""Signed chat/SMS/social deliveries: the signature, its age, replays, channels that are not
configured, and what a bad body or a bad sender does (and does not) store."""

import hashlib
import hmac
import json
import time

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from rapport.access.tests.factories import QueueFactory
from rapport.core.errors import ValidationFailed
from rapport.customers.choices import CustomerStatus
from rapport.customers.tests.factories import ContactPointFactory
from rapport.interactions.models import (
    Interaction,
    Message,
    RejectedInbound,
    WebhookDelivery,
)
from rapport.interactions.webhooks import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    delivery_verify,
    sign,
    signed_headers,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def queue():
    """Cases (opened for SMS and social messages) need a queue to land in."""
    return QueueFactory()


def url(channel: str = "chat") -> str:
    return reverse("api-channel-messages", args=[channel])


def message(**fields) -> dict:
    body = {
        "conversation_id": "conv-1",
        "message_id": "msg-1",
        "sent_at": "2026-03-02T09:00:00Z",
        "from": {"email": "Zoe@Example.com"},
        "from_name": "Zoë Ward",
        "text": "My bill is wrong again.",
    }
    body.update(fields)
    return body


def post(payload, *, channel="chat", delivery="d-1", secret=None, timestamp=None, headers=None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    if headers is None:
        headers = signed_headers(
            secret=secret or f"test-{channel}-secret",
            body=body,
            delivery_id=delivery,
            timestamp=timestamp,
        )
    return APIClient().post(
        url(channel), data=body, content_type="application/json", headers=headers
    )


def nothing_stored() -> bool:
    return not (
        Interaction.objects.exists()
        or Message.objects.exists()
        or WebhookDelivery.objects.exists()
        or RejectedInbound.objects.exists()
    )


def test_sign_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(b"s3cret", b"1767225600.{}", hashlib.sha256).hexdigest()

    assert sign(secret="s3cret", timestamp=1767225600, body=b"{}") == f"sha256={expected}"


class TestAccepted:
    def test_a_message_from_a_new_sender_makes_a_prospect_and_an_interaction(self):
        response = post(message())

        assert response.status_code == 201
        body = response.json()
        interaction = Interaction.objects.get()
        assert body == {
            "interaction": interaction.pk,
            "message": Message.objects.get().pk,
            "customer": interaction.customer_id,
            "case": None,  # chat is real time: the agent links it at wrap-up
            "created": True,
            "duplicate": False,
        }
        assert (interaction.channel, interaction.source, interaction.external_id) == (
            "chat",
            "chat",
            "conv-1",
        )
        assert interaction.customer.status == CustomerStatus.PROSPECT
        assert interaction.customer.needs_review is True
        assert Message.objects.get().side == "customer"

    def test_a_known_sender_is_matched(self):
        point = ContactPointFactory(value="zoe@example.com")

        body = post(message()).json()

        assert body["customer"] == point.customer_id

    def test_an_sms_opens_a_case(self):
        body = post(message(**{"from": {"phone": "(212) 555-0100"}}), channel="sms").json()

        assert body["case"] is not None
        assert Interaction.objects.get().sender == "(212) 555-0100"

    def test_a_social_message_needs_the_handles_network(self):
        ok = post(message(**{"from": {"handle": "@zoe", "network": "x"}}), channel="social")
        missing = post(message(**{"from": {"handle": "@zoe"}}), channel="social", delivery="d-2")

        assert ok.status_code == 201
        assert missing.status_code == 400
        assert "from.network" in missing.json()["fields"]

    def test_a_next_message_joins_the_conversation(self):
        post(message())

        response = post(message(message_id="msg-2", text="Still wrong."), delivery="d-2")

        assert response.status_code == 201
        assert response.json()["created"] is False
        assert Interaction.objects.count() == 1
        assert Message.objects.count() == 2

    def test_a_timestamp_inside_the_allowed_skew_is_accepted(self, settings):
        timestamp = int(time.time()) - settings.RAPPORT_WEBHOOK_MAX_SKEW_SECONDS + 5

        assert post(message(), timestamp=timestamp).status_code == 201


class TestSignature:
    def test_a_wrong_signature_is_a_401_and_stores_nothing(self):
        response = post(message(), secret="not-the-secret")

        assert response.status_code == 401
        assert response.json()["code"] == "bad_signature"
        assert response["WWW-Authenticate"].startswith("HMAC-SHA256")
        assert nothing_stored()

    def test_a_body_changed_after_signing_is_refused(self):
        headers = signed_headers(
            secret="test-chat-secret", body=json.dumps(message()).encode(), delivery_id="d-1"
        )

        response = post(message(text="Something else."), headers=headers)

        assert response.status_code == 401
        assert nothing_stored()

    @pytest.mark.parametrize("missing", [TIMESTAMP_HEADER, DELIVERY_HEADER, SIGNATURE_HEADER])
    def test_a_missing_header_is_a_401_naming_it(self, missing):
        body = json.dumps(message()).encode()
        headers = signed_headers(secret="test-chat-secret", body=body, delivery_id="d-1")
        del headers[missing]

        response = post(body, headers=headers)

        assert response.status_code == 401
        assert response.json()["code"] == "bad_signature"
        assert missing in response.json()["message"]
        assert nothing_stored()

    def test_a_timestamp_that_is_not_a_number_is_a_401(self):
        body = json.dumps(message()).encode()
        headers = signed_headers(secret="test-chat-secret", body=body, delivery_id="d-1")
        headers[TIMESTAMP_HEADER] = "yesterday"

        assert post(body, headers=headers).status_code == 401

    @pytest.mark.parametrize("offset", [-301, 301, -86400])
    def test_an_old_or_future_timestamp_is_stale(self, offset):
        response = post(message(), timestamp=int(time.time()) + offset)

        assert response.status_code == 401
        assert response.json()["code"] == "stale_timestamp"
        assert nothing_stored()

    def test_another_channels_secret_does_not_sign_this_one(self):
        response = post(message(), channel="sms", secret="test-chat-secret")

        assert response.status_code == 401

    def test_a_channel_without_a_secret_is_a_503(self, settings):
        settings.RAPPORT_WEBHOOK_SECRETS = {**settings.RAPPORT_WEBHOOK_SECRETS, "chat": ""}

        response = post(message())

        assert response.status_code == 503
        assert response.json()["code"] == "channel_not_configured"
        assert "RAPPORT_WEBHOOK_SECRET_CHAT" in response.json()["message"]
        assert nothing_stored()

    @pytest.mark.parametrize("channel", ["email", "phone", "fax"])
    def test_a_channel_that_takes_no_webhooks_is_a_404(self, channel):
        response = post(message(), channel=channel, secret="test-chat-secret")

        assert response.status_code == 404

    def test_a_delivery_id_longer_than_100_characters_is_a_400(self):
        response = post(message(), delivery="d" * 101)

        assert response.status_code == 400
        assert nothing_stored()

    def test_a_session_or_token_is_not_needed_and_not_enough(self, api_for):
        api, _ = api_for("admin")

        response = api.post(url(), data=message(), format="json")

        assert response.status_code == 401
        assert nothing_stored()


class TestReplays:
    def test_a_replayed_delivery_is_a_200_duplicate_and_changes_nothing(self):
        post(message())

        response = post(message(message_id="msg-2"))

        assert response.status_code == 200
        assert response.json()["duplicate"] is True
        assert Message.objects.count() == 1
        assert WebhookDelivery.objects.count() == 1

    def test_the_same_delivery_id_on_another_channel_is_another_delivery(self):
        post(message())

        response = post(message(), channel="sms")

        assert response.status_code == 201
        assert WebhookDelivery.objects.count() == 2

    def test_a_replayed_message_in_a_new_delivery_is_a_duplicate(self):
        first = post(message()).json()

        response = post(message(), delivery="d-2")

        assert response.status_code == 200
        body = response.json()
        assert (body["duplicate"], body["message"], body["interaction"]) == (
            True,
            None,
            first["interaction"],
        )
        assert Message.objects.count() == 1


class TestRefused:
    def test_malformed_json_is_a_400_and_stores_nothing(self):
        response = post(b'{"conversation_id": "c-1", ')

        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"
        assert nothing_stored()

    def test_wrong_types_are_a_400_naming_each_field_and_store_nothing(self):
        payload = {
            "conversation_id": ["c"],
            "sent_at": "last tuesday",
            "from": "zoe@example.com",
            "text": {"body": "hi"},
        }

        response = post(payload)

        assert response.status_code == 400
        fields = response.json()["fields"]
        assert {"conversation_id", "message_id", "sent_at", "from", "text"} <= set(fields)
        assert nothing_stored()

    @pytest.mark.parametrize("text", ["nul \x00 inside", "lone \ud800 surrogate"])
    def test_text_the_database_cannot_store_is_a_400(self, text):
        response = post(message(text=text))

        assert response.status_code == 400
        assert "text" in response.json()["fields"]
        assert nothing_stored()

    def test_a_body_that_is_not_an_object_is_a_400(self):
        response = post([message()])

        assert response.status_code == 400
        assert nothing_stored()

    def test_a_sender_with_two_contact_points_is_a_400(self):
        response = post(message(**{"from": {"email": "a@example.com", "phone": "+12125550100"}}))

        assert response.status_code == 400
        assert "from" in response.json()["fields"]

    def test_a_message_without_text_or_html_is_a_400(self):
        response = post(message(text=" "))

        assert response.status_code == 400
        assert "text" in response.json()["fields"]

    def test_an_invalid_sender_is_a_400_with_the_reason_and_is_kept_for_review(self):
        response = post(message(**{"from": {"phone": "12"}}), channel="sms")

        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid_phone"
        assert "'12' is not a valid phone number" in body["message"]
        assert "from.phone" in body["fields"]
        rejected = RejectedInbound.objects.get()
        assert (rejected.channel, rejected.reason) == ("sms", "'12' is not a valid phone number.")
        assert '"conv-1"' in rejected.detail
        assert not Interaction.objects.exists()
        assert not WebhookDelivery.objects.exists()  # a corrected resend is not a replay

    def test_an_invalid_sender_resent_after_correction_is_accepted(self):
        post(message(**{"from": {"phone": "12"}}), channel="sms")

        response = post(message(**{"from": {"phone": "+12125550100"}}), channel="sms")

        assert response.status_code == 201


@pytest.mark.parametrize("delivery_id", ["   ", "abc\x00def", "tab\there"])
def test_a_delivery_id_that_is_blank_or_not_printable_is_refused(delivery_id):
    body = b'{"events": []}'
    headers = signed_headers(secret="test-phone-secret", body=body, delivery_id="x")
    headers[DELIVERY_HEADER] = delivery_id

    with pytest.raises(ValidationFailed, match="printable"):
        delivery_verify(channel="phone", headers=headers, body=body)
