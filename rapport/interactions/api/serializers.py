from collections.abc import Mapping

from rest_framework import serializers

from rapport.access.choices import Channel
from rapport.customers.choices import SocialNetwork
from rapport.interactions.choices import CallEventKind, ImportStatus
from rapport.interactions.models import Attachment, CallRecordImport, Interaction, Message
from rapport.interactions.telephony import MAX_EVENTS

WEBHOOK_CHANNELS = (Channel.CHAT, Channel.SMS, Channel.SOCIAL)


# --- Signed deliveries ---------------------------------------------------------------------------


SENDER_KEYS = ("phone", "email", "handle")


class SenderSerializer(serializers.Serializer):
    """Exactly one of phone, email or handle (a handle with its network)."""

    phone = serializers.CharField(max_length=64, required=False)
    email = serializers.CharField(max_length=320, required=False)
    handle = serializers.CharField(max_length=100, required=False)
    network = serializers.ChoiceField(choices=SocialNetwork.choices, required=False)

    def run_validation(self, data=serializers.empty):
        # Reported as `from`, not as the nested `from.non_field_errors`.
        if data is not serializers.empty and data is not None and not isinstance(data, Mapping):
            raise serializers.ValidationError(
                ['Expected an object such as {"phone": "+12125550100"}.']
            )
        return super().run_validation(data)


class ChannelMessageSerializer(serializers.Serializer):
    """A message a customer sent on a chat, SMS or social channel."""

    # `from` is added in get_fields: it is a Python keyword.

    conversation_id = serializers.CharField(
        max_length=255, help_text="Groups messages into one interaction (a chat session, a thread)."
    )
    message_id = serializers.CharField(
        max_length=255, help_text="Unique within the conversation; a replay is a no-op."
    )
    sent_at = serializers.DateTimeField(
        help_text="ISO-8601; without an offset, the site's time zone."
    )
    from_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    to = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        default="",
        help_text="Our touchpoint address (widget id, number, account) the message came to.",
    )
    subject = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    text = serializers.CharField(allow_blank=True, max_length=100_000)
    html = serializers.CharField(required=False, allow_blank=True, default="", max_length=500_000)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = SenderSerializer(help_text="Who sent it.")
        return fields

    def validate(self, attrs):
        sender = attrs["from"]
        given = [key for key in SENDER_KEYS if sender.get(key)]
        if len(given) != 1:
            raise serializers.ValidationError(
                {"from": ["Give exactly one of phone, email or handle (with network)."]}
            )
        if given == ["handle"] and not sender.get("network"):
            raise serializers.ValidationError({"from": {"network": ["Required with a handle."]}})
        if not attrs["text"].strip() and not attrs["html"].strip():
            raise serializers.ValidationError({"text": ["A message needs text or html."]})
        return attrs


class MessageReceivedSerializer(serializers.Serializer):
    interaction = serializers.IntegerField(allow_null=True)
    message = serializers.IntegerField(
        allow_null=True, help_text="Null when this message was stored before."
    )
    customer = serializers.IntegerField(allow_null=True)
    case = serializers.IntegerField(allow_null=True)
    created = serializers.BooleanField(help_text="A new interaction was opened.")
    duplicate = serializers.BooleanField(
        help_text="This delivery or message was received before; nothing changed."
    )


class CallEventSerializer(serializers.Serializer):
    """One phone-switch event. Each event is checked on its own: one that is not valid is listed
    in `rejected` while the others are stored."""

    event_id = serializers.CharField(max_length=100)
    call_id = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=CallEventKind.choices)
    occurred_at = serializers.DateTimeField()
    ani = serializers.CharField(
        max_length=255, required=False, allow_blank=True, help_text="The caller's number."
    )
    dnis = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        help_text="The number dialled: our touchpoint.",
    )
    queue = serializers.CharField(
        max_length=50, required=False, allow_null=True, allow_blank=True, help_text="A queue code."
    )
    agent = serializers.CharField(
        max_length=150,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="The agent's username.",
    )


class CallEventBatchSerializer(serializers.Serializer):
    events = serializers.ListField(child=CallEventSerializer(), min_length=1, max_length=MAX_EVENTS)


class EventListField(serializers.ListField):
    """A list of JSON objects, left as they are: the telephony service checks each event, so
    that one bad event is rejected alone rather than failing the batch."""

    child = serializers.DictField()

    def run_child_validation(self, data):
        errors = [[] if isinstance(item, dict) else ["Expected a JSON object."] for item in data]
        if any(errors):
            raise serializers.ValidationError(errors)  # reported as events[i]
        return list(data)


class CallEventEnvelopeSerializer(serializers.Serializer):
    """What is checked for the whole batch."""

    events = EventListField(min_length=1, max_length=MAX_EVENTS)


class RejectedEventSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position in `events`, from 0.")
    event_id = serializers.CharField()
    code = serializers.CharField(
        help_text="invalid, unknown_agent, unknown_queue, not_stored (send it again)."
    )
    message = serializers.CharField()


class CallEventsResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = RejectedEventSerializer(many=True)
    duplicate = serializers.BooleanField(
        help_text="This delivery was received before; nothing changed."
    )


# --- The ledger ----------------------------------------------------------------------------------


class InteractionSerializer(serializers.ModelSerializer):
    customer_name = serializers.SerializerMethodField()
    agent_name = serializers.SerializerMethodField()

    class Meta:
        model = Interaction
        fields = [
            "id",
            "channel",
            "direction",
            "customer",
            "customer_name",
            "sender",
            "sender_name",
            "agent",
            "agent_name",
            "queue",
            "touchpoint",
            "contact_type",
            "case",
            "outcome",
            "subject",
            "summary",
            "started_at",
            "answered_at",
            "ended_at",
            "wait_seconds",
            "handle_seconds",
            "hold_seconds",
            "wrap_seconds",
            "transfers",
            "wrapped_up_at",
            "source",
            "external_id",
        ]

    def get_customer_name(self, interaction: Interaction) -> str | None:
        customer = interaction.customer
        return customer.display_name if customer is not None else None

    def get_agent_name(self, interaction: Interaction) -> str | None:
        agent = interaction.agent
        return str(agent) if agent is not None else None


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size"]


class MessageSerializer(serializers.ModelSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "side",
            "author",
            "body_text",
            "body_html",
            "sent_at",
            "is_note",
            "attachments",
        ]


class InteractionDetailSerializer(InteractionSerializer):
    messages = MessageSerializer(many=True, read_only=True, source="message_list")

    class Meta(InteractionSerializer.Meta):
        fields = [
            *InteractionSerializer.Meta.fields,
            "relationship_attempt",
            "compliment_received",
            "messages",
        ]


# --- Call-detail-record imports ------------------------------------------------------------------


class CallRecordUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV with the call-record header (see the docs).")


class ImportErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True, help_text="Line in the file, from 1.")
    reason = serializers.CharField()


class CallRecordImportSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=ImportStatus.choices)
    percent_done = serializers.IntegerField(read_only=True)
    errors = ImportErrorSerializer(  # type: ignore[assignment]  # a field named like Serializer.errors
        many=True, read_only=True
    )

    class Meta:
        model = CallRecordImport
        fields = [
            "id",
            "filename",
            "status",
            "uploaded_by",
            "rows_total",
            "rows_done",
            "rows_added",
            "rows_duplicate",
            "rows_failed",
            "percent_done",
            "errors",
            "created_at",
            "finished_at",
        ]
