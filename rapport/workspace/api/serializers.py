"""Shapes of the desktop API, for the OpenAPI description. The views build these payloads as
plain dicts from `values()` rows: the screen pop is on the phone system's hot path."""

from rest_framework import serializers

from rapport.customers.api.serializers import CustomerSummarySerializer


class AgentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()


class ContactTypeRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class CaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(help_text="C-<id>, as quoted in e-mail subjects.")


class TimelineContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.CharField()
    direction = serializers.CharField()
    started_at = serializers.DateTimeField()
    subject = serializers.CharField()
    summary = serializers.CharField()
    outcome = serializers.CharField(help_text="Empty until the contact is wrapped up.")
    agent = AgentRefSerializer(allow_null=True)
    contact_type = ContactTypeRefSerializer(allow_null=True)
    case = CaseRefSerializer(allow_null=True)


class OpenCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    subject = serializers.CharField()
    status = serializers.CharField()
    priority = serializers.CharField()
    resolution_due = serializers.DateTimeField(allow_null=True)


class ScreenPopSerializer(serializers.Serializer):
    customer = CustomerSummarySerializer()
    interactions = TimelineContactSerializer(many=True, help_text="The last 20, newest first.")
    open_cases = OpenCaseSerializer(many=True)
    open_cases_truncated = serializers.BooleanField(
        help_text="True when the customer has more open cases than listed."
    )


class TimelinePageSerializer(serializers.Serializer):
    results = TimelineContactSerializer(many=True)
    before = serializers.CharField(
        allow_null=True, help_text="Pass as `before` for the next, older page; null on the last."
    )
    next = serializers.CharField(allow_null=True, help_text="The next page's URL.")
