from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rapport.access.choices import Channel, Priority
from rapport.cases import selectors
from rapport.cases.choices import CaseStatus
from rapport.cases.models import Case, Escalation, EscalationReason


class ClockSerializer(serializers.Serializer):
    clock = serializers.CharField()
    due = serializers.DateTimeField()
    done_at = serializers.DateTimeField(allow_null=True)
    state = serializers.ChoiceField(
        choices=["met", "missed", "stopped", "paused", "running", "warning", "overdue"]
    )
    breached = serializers.BooleanField()


class CaseListSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    customer_name = serializers.CharField(
        source="customer.display_name", default=None, allow_null=True
    )
    queue_name = serializers.CharField(source="queue.name")
    team = serializers.IntegerField(source="queue.team_id")
    assignee_name = serializers.CharField(source="assignee", default=None, allow_null=True)
    sla = serializers.SerializerMethodField(help_text="The case's SLA clocks, if it has any.")

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "subject",
            "status",
            "priority",
            "channel",
            "customer",
            "customer_name",
            "contact_type",
            "queue",
            "queue_name",
            "team",
            "tier",
            "assignee",
            "assignee_name",
            "opened_at",
            "first_response_due",
            "first_responded_at",
            "resolution_due",
            "resolved_at",
            "closed_at",
            "paused_at",
            "sla",
        ]

    @extend_schema_field(ClockSerializer(many=True))
    def get_sla(self, case: Case) -> Any:
        return ClockSerializer(selectors.sla_clocks(case), many=True).data


class EscalationSerializer(serializers.ModelSerializer):
    reason_name = serializers.CharField(source="reason.name")
    from_queue_name = serializers.CharField(source="from_queue.name")
    to_queue_name = serializers.CharField(source="to_queue.name")

    class Meta:
        model = Escalation
        fields = [
            "id",
            "case",
            "reason",
            "reason_name",
            "preventable",
            "customer_needs",
            "tried",
            "promised",
            "from_queue",
            "from_queue_name",
            "from_tier",
            "to_queue",
            "to_queue_name",
            "to_tier",
            "escalated_by",
            "from_team",
            "to_agent",
            "interaction",
            "contact_type",
            "escalated_at",
            "received_at",
        ]


class CaseSerializer(CaseListSerializer):
    escalations = EscalationSerializer(
        many=True, read_only=True, source="chain", help_text="The escalation chain, oldest first."
    )
    interactions = serializers.ListField(
        child=serializers.IntegerField(),
        source="interaction_ids",
        read_only=True,
        help_text="Every contact in the case, oldest first.",
    )

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "description",
            "opened_by",
            "escalations",
            "interactions",
        ]


class CaseCreateSerializer(serializers.Serializer):
    customer = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**63 - 1
    )
    subject = serializers.CharField(max_length=255)
    channel = serializers.ChoiceField(choices=Channel.choices)
    contact_type = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**63 - 1
    )
    description = serializers.CharField(required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(
        choices=Priority.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Empty: the priority routing gives.",
    )


class EscalateSerializer(serializers.Serializer):
    to_queue = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    reason = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="An id from /escalation-reasons/."
    )
    customer_needs = serializers.CharField(max_length=5000, help_text="What the customer needs.")
    tried = serializers.CharField(max_length=5000, help_text="What was tried already.")
    promised = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        default="",
        help_text="What the customer was promised, and by when.",
    )
    to_agent = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="A person of the receiving team; empty leaves it in their queue.",
    )
    interaction = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="The contact of this case during which it was escalated.",
    )


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices)


class AssignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="You, or a person of the team owning the case's queue; null puts it back in the queue.",
    )


class EscalationReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = EscalationReason
        fields = ["id", "code", "name", "preventable", "is_active"]
