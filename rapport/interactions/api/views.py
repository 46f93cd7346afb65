"""API views of interactions: the signed channel and phone-switch deliveries, the ledger, and
call-record imports. Thin: check, parse, call one service or selector, serialise."""

import json

from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.http import parse_header_parameters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import BaseParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.core.errors import NotFound, ValidationFailed
from rapport.core.permissions import require_roles
from rapport.core.roles import CALL_RECORD_IMPORTERS
from rapport.interactions import selectors, telephony, webhooks
from rapport.interactions.api.filters import InteractionFilter
from rapport.interactions.api.serializers import (
    WEBHOOK_CHANNELS,
    CallEventBatchSerializer,
    CallEventEnvelopeSerializer,
    CallEventsResultSerializer,
    CallRecordImportSerializer,
    CallRecordUploadSerializer,
    ChannelMessageSerializer,
    InteractionDetailSerializer,
    InteractionSerializer,
    MessageReceivedSerializer,
)
from rapport.interactions.choices import Source
from rapport.interactions.services import InboundMessage

ERROR = {"$ref": "#/components/schemas/Error"}
SENDER_KINDS = {"phone": "phone", "email": "email", "handle": "social"}
SENDER_ERRORS = {"invalid_phone", "invalid_email", "invalid_handle"}
DEFAULT_CSV_NAME = "call-records.csv"

SIGNATURE_PARAMETERS = [
    OpenApiParameter(
        webhooks.TIMESTAMP_HEADER,
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=True,
        description="When the delivery was signed, in Unix seconds. Refused when further than "
        "RAPPORT_WEBHOOK_MAX_SKEW_SECONDS (default 300) from our clock.",
    ),
    OpenApiParameter(
        webhooks.DELIVERY_HEADER,
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=True,
        description="Unique per delivery, at most 100 characters. A delivery id seen before on the "
        "same channel is answered 200 with `duplicate: true` and changes nothing.",
    ),
    OpenApiParameter(
        webhooks.SIGNATURE_HEADER,
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=True,
        description="`sha256=` + hex HMAC-SHA256 of `<timestamp>.` + the raw body, keyed with the "
        "channel's secret (RAPPORT_WEBHOOK_SECRET_<CHANNEL>; PHONE for the switch).",
    ),
]
SIGNED_ERRORS = {
    400: OpenApiResponse(ERROR, description="Not JSON, or fields not valid; nothing was stored."),
    401: OpenApiResponse(
        ERROR,
        description="`bad_signature` (missing or wrong signature headers) or "
        "`stale_timestamp` (the timestamp is too far from our clock).",
    ),
    503: OpenApiResponse(
        ERROR, description="`channel_not_configured`: no secret is set for this channel."
    ),
}


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"The body is not valid JSON: {exc}.", code="parse_error") from None


class SignedDeliveryApi(APIView):
    """A sender that proves itself with the channel's signature, not with a user's token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    # The body is read raw (the signature covers its bytes); this only documents it as JSON.
    parser_classes = [JSONParser]

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if response.status_code == status.HTTP_401_UNAUTHORIZED:
            response["WWW-Authenticate"] = f'HMAC-SHA256 header="{webhooks.SIGNATURE_HEADER}"'
        return response


class ChannelMessageApi(SignedDeliveryApi):
    @extend_schema(
        operation_id="channel_message_receive",
        auth=[],
        parameters=[
            OpenApiParameter("channel", str, OpenApiParameter.PATH, enum=list(WEBHOOK_CHANNELS)),
            *SIGNATURE_PARAMETERS,
        ],
        request=ChannelMessageSerializer,
        responses={
            201: MessageReceivedSerializer,
            200: OpenApiResponse(
                MessageReceivedSerializer,
                description="A replay (of the delivery, or of the conversation's message id): "
                "`duplicate` is true and nothing changed.",
            ),
            404: OpenApiResponse(ERROR, description="Not a webhook channel."),
            **SIGNED_ERRORS,
        },
    )
    def post(self, request: Request, channel: str) -> Response:
        """A message a customer sent on chat, SMS or social, signed by the provider. The sender
        is matched to a customer by phone, e-mail or handle; an unknown sender becomes a prospect
        for review. A sender that is not a valid contact point is refused (400) and kept for an
        admin among the rejected messages."""
        if channel not in WEBHOOK_CHANNELS:
            raise NotFound(f"'{channel}' is not a webhook channel: use chat, sms or social.")
        body = request.body
        delivery_id = webhooks.delivery_verify(channel=channel, headers=request.headers, body=body)
        payload = ChannelMessageSerializer(data=_json(body))
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        sender_key, sender = next(
            (k, v) for k, v in data["from"].items() if k in SENDER_KINDS and v
        )
        inbound = InboundMessage(
            channel=channel,
            source=Source(channel),
            conversation_id=data["conversation_id"],
            message_id=data["message_id"],
            sender_kind=SENDER_KINDS[sender_key],
            sender=sender,
            sender_network=data["from"].get("network", ""),
            sender_name=data["from_name"],
            sent_at=data["sent_at"],
            touchpoint=data["to"],
            subject=data["subject"],
            text=data["text"],
            html=data["html"],
        )
        try:
            received = webhooks.message_deliver(
                delivery_id=delivery_id, inbound=inbound, detail=body.decode(errors="replace")
            )
        except ValidationFailed as exc:
            if exc.code not in SENDER_ERRORS:
                raise
            raise ValidationFailed(
                f"The sender is not valid: {exc.message}",
                code=exc.code,
                fields={f"from.{sender_key}": exc.fields.get("value") or [exc.message]},
            ) from None
        body_out: dict[str, object]
        if received is None:
            body_out = {
                "interaction": None,
                "message": None,
                "customer": None,
                "case": None,
                "created": False,
                "duplicate": True,
            }
            return Response(MessageReceivedSerializer(body_out).data)
        interaction = received.interaction
        body_out = {
            "interaction": interaction.pk,
            "message": received.message.pk if received.message else None,
            "customer": interaction.customer_id,
            "case": interaction.case_id,
            "created": received.created,
            "duplicate": received.message is None,
        }
        return Response(
            MessageReceivedSerializer(body_out).data,
            status=status.HTTP_200_OK if received.message is None else status.HTTP_201_CREATED,
        )


class TelephonyEventsApi(SignedDeliveryApi):
    @extend_schema(
        operation_id="telephony_events_record",
        auth=[],
        parameters=SIGNATURE_PARAMETERS,
        request=CallEventBatchSerializer,
        responses={200: CallEventsResultSerializer, **SIGNED_ERRORS},
    )
    def post(self, request: Request) -> Response:
        """A batch of 1–500 phone-switch events, signed with the phone secret. Each event is
        checked on its own: one that is not valid (or names an unknown agent or queue) is listed
        in `rejected` while the others are stored. An event id stored before is counted in
        `duplicates` and changes nothing. A body that is not a list of events is a 400."""
        body = request.body
        delivery_id = webhooks.delivery_verify(channel="phone", headers=request.headers, body=body)
        envelope = CallEventEnvelopeSerializer(data=_json(body))
        envelope.is_valid(raise_exception=True)
        events = envelope.validated_data["events"]
        result = telephony.call_events_deliver(delivery_id=delivery_id, events=events)
        body_out: dict[str, object]
        if result is None:
            body_out = {"accepted": 0, "duplicates": len(events), "rejected": [], "duplicate": True}
        else:
            body_out = {
                "accepted": result.accepted,
                "duplicates": result.duplicates,
                "rejected": [vars(r) for r in result.rejected],
                "duplicate": False,
            }
        return Response(body_out)


class InteractionCursorPagination(CursorPagination):
    """Newest first, by keyset: the ledger is too large to count or to skip through by offset."""

    ordering = ("-started_at", "-id")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        # A cursor is only base64: one edited by hand must be a 404 like any bad cursor, not
        # a time the database is asked to compare with.
        if cursor is not None and cursor.position is not None:
            try:
                position = parse_datetime(str(cursor.position))
            except ValueError:
                position = None
            if position is None:
                raise exceptions.NotFound(self.invalid_cursor_message)
        return cursor


class InteractionListApi(generics.ListAPIView):
    """Contacts on every channel, newest first, for those who read conversations (agents,
    supervisors, QA analysts, admins); anyone else gets an empty list. Follow `next` to page."""

    serializer_class = InteractionSerializer
    filterset_class = InteractionFilter
    pagination_class = InteractionCursorPagination

    def get_queryset(self):
        return selectors.interactions_for(user=self.request.user)


class InteractionDetailApi(APIView):
    @extend_schema(responses={200: InteractionDetailSerializer})
    def get(self, request: Request, interaction_id: int) -> Response:
        """One contact with what each side said, notes and attachment details."""
        interaction = selectors.interaction_get_for(
            user=request.user, interaction_id=interaction_id
        )
        interaction.message_list = list(selectors.messages_of(interaction=interaction))  # type: ignore[attr-defined]
        return Response(InteractionDetailSerializer(interaction).data)


class CsvParser(BaseParser):
    """A CSV file sent as the whole body; the importer reads the bytes."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:  # type: ignore[override]  # the CSV stays bytes
        return stream.read() if stream is not None else b""


class CallRecordImportListApi(APIView):
    parser_classes = [MultiPartParser, CsvParser]

    @extend_schema(
        request={
            "multipart/form-data": CallRecordUploadSerializer,
            "text/csv": OpenApiTypes.STR,
        },
        responses={
            201: CallRecordImportSerializer,
            415: OpenApiResponse(ERROR, description="Send multipart/form-data or text/csv."),
        },
    )
    def post(self, request: Request) -> Response:
        """Upload a call-detail-record CSV (supervisors and admins): as the multipart field
        `file`, or as a text/csv body (name it with Content-Disposition: attachment;
        filename=…). The rows are imported in the background; follow the import's status."""
        require_roles(request.user, CALL_RECORD_IMPORTERS, action="import call records")
        data = request.data
        if isinstance(data, bytes):
            content, filename = data, _disposition_filename(request)
        else:
            upload = data.get("file")
            if upload is None or not hasattr(upload, "read"):
                raise ValidationFailed(
                    "Attach the CSV as the field 'file'.", fields={"file": ["Required."]}
                )
            content, filename = upload.read(), upload.name or DEFAULT_CSV_NAME
        if not content:
            raise ValidationFailed("The file is empty.", fields={"file": ["The file is empty."]})
        # Imported here: the importer is its own module and is loaded only when a file comes in.
        from rapport.interactions import call_records

        record = call_records.call_records_import(
            by=request.user, filename=filename[:255], content=content
        )
        record.refresh_from_db()
        location = reverse("api-call-record-import", args=[record.pk])
        return Response(
            CallRecordImportSerializer(record).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


def _disposition_filename(request: Request) -> str:
    header = request.headers.get("Content-Disposition", "")
    if header:
        _, params = parse_header_parameters(header)
        name = params.get("filename", "").replace("\\", "/").rsplit("/", 1)[-1]
        name = "".join(ch for ch in name if ch.isprintable())
        if name:
            return name
    return DEFAULT_CSV_NAME


class CallRecordImportDetailApi(APIView):
    @extend_schema(responses={200: CallRecordImportSerializer})
    def get(self, request: Request, import_id: int) -> Response:
        """An import's status and counts, and each refused row with its line number."""
        record = selectors.call_record_import_get_for(user=request.user, import_id=import_id)
        return Response(CallRecordImportSerializer(record).data)
