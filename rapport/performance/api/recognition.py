"""API of recognition: kudos and customers' compliments (public praise, readable by everyone
signed in; a compliment names its channel, never the customer), and giving kudos."""

from typing import Any

import django_filters
from django import forms
from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from rapport.access.choices import Channel
from rapport.accounts.http import AuthedRequest
from rapport.core.errors import NotFound, ValidationFailed
from rapport.interactions import selectors as interaction_selectors
from rapport.performance.api.goals import MAX_ID, IdFilter
from rapport.performance.choices import KudosKind
from rapport.performance.models import Kudos
from rapport.performance.selectors import recognition as selectors
from rapport.performance.services import recognition as services


class KudosFilter(django_filters.FilterSet):
    agent = IdFilter(field_name="agent_id")
    kind = django_filters.ChoiceFilter(choices=KudosKind.choices)

    class Meta:
        model = Kudos
        form = forms.Form
        fields = ["agent", "kind"]


class KudosSerializer(serializers.ModelSerializer):
    agent_name = serializers.CharField(source="agent")
    team = serializers.IntegerField(source="agent.team_id", allow_null=True)
    given_by_name = serializers.CharField(source="given_by", default=None, allow_null=True)
    channel = serializers.SerializerMethodField(
        help_text="For a compliment: the channel of the contact it came on."
    )

    class Meta:
        model = Kudos
        fields = [
            "id",
            "agent",
            "agent_name",
            "team",
            "kind",
            "message",
            "given_by",
            "given_by_name",
            "channel",
            "created_at",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=Channel.choices, allow_null=True))
    def get_channel(self, kudos: Kudos) -> Any:
        return getattr(kudos, "contact_channel", None) or None


class KudosCreateSerializer(serializers.Serializer):
    agent = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="An active agent.")
    message = serializers.CharField(
        max_length=2000, help_text="3 to 500 characters once spaces are tidied."
    )
    interaction = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="A contact of that agent the kudos are about (optional).",
    )


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


class KudosListApi(generics.ListAPIView):
    """Kudos and compliments across the center, newest first; `agent` narrows to one agent."""

    serializer_class = KudosSerializer
    filterset_class = KudosFilter

    def get_queryset(self):
        return selectors.kudos_all()

    @extend_schema(request=KudosCreateSerializer, responses={201: KudosSerializer})
    def post(self, request: AuthedRequest) -> Response:
        """Give an agent kudos. Anyone on the staff may, except to themselves."""
        payload = KudosCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        agent = selectors.agents_active().filter(pk=data["agent"]).first()
        if agent is None:
            raise _invalid("agent", "No such active agent.")
        interaction = None
        if data.get("interaction"):
            try:
                interaction = interaction_selectors.interaction_get_for(
                    user=request.user, interaction_id=data["interaction"]
                )
            except NotFound:
                raise _invalid("interaction", "No such contact.") from None
        kudos = services.kudos_give(
            by=request.user, agent=agent, message=data["message"], interaction=interaction
        )
        body = KudosSerializer(selectors.kudos_all().get(pk=kudos.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


urls = [path("kudos/", KudosListApi.as_view(), name="api-kudos")]
