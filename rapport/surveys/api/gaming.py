"""Gaming flags over the API, for QA analysts and admins (403 for everyone else): the list with
filters, one flag with its evidence, and the review (confirm or dismiss with a note)."""

import django_filters
from django import forms
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.accounts.http import AuthedRequest
from rapport.surveys.choices import FlagState, GamingCheck
from rapport.surveys.models import GamingFlag
from rapport.surveys.selectors import gaming as selectors
from rapport.surveys.services import gaming as services


class IsGamingReviewer(BasePermission):
    message = "Only QA analysts and admins review gaming flags."

    def has_permission(self, request, view) -> bool:
        return selectors.may_review(request.user)


class IdFilter(django_filters.NumberFilter):
    """A row id in the database's range; anything else is a 400, not a 500."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", selectors.MAX_ID)
        super().__init__(*args, **kwargs)


class FlagFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=FlagState.choices)
    kind = django_filters.ChoiceFilter(choices=GamingCheck.choices)
    agent = IdFilter(field_name="agent_id")

    class Meta:
        model = GamingFlag
        form = forms.Form
        fields = ["state", "kind", "agent"]


class FlagSerializer(serializers.ModelSerializer):
    agent_name = serializers.CharField(source="agent")
    team = serializers.IntegerField(source="agent.team_id", allow_null=True)
    reviewed_by_name = serializers.CharField(source="reviewed_by", default=None, allow_null=True)

    class Meta:
        model = GamingFlag
        fields = [
            "id",
            "kind",
            "agent",
            "agent_name",
            "team",
            "period_start",
            "period_end",
            "statistic",
            "p_value",
            "explanation",
            "state",
            "reviewed_by",
            "reviewed_by_name",
            "reviewed_at",
            "review_note",
            "created_at",
            "updated_at",
        ]


class FlagDetailSerializer(FlagSerializer):
    evidence = serializers.JSONField(
        help_text="The data behind the finding: ids, counts, expected."
    )

    class Meta(FlagSerializer.Meta):
        fields = [*FlagSerializer.Meta.fields, "evidence"]


# What a review may decide (an API enum of its own: the flag's states less "open").
REVIEW_DECISIONS = [
    (FlagState.CONFIRMED.value, "Confirmed"),
    (FlagState.DISMISSED.value, "Dismissed"),
]


class ReviewSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=REVIEW_DECISIONS)
    note = serializers.CharField(
        max_length=services.NOTE_MAX, help_text="Why; kept with the review."
    )


class FlagListApi(generics.ListAPIView):
    """Gaming flags, newest period first; filter by state, check (kind) or agent."""

    serializer_class = FlagSerializer
    filterset_class = FlagFilter
    permission_classes = [IsGamingReviewer]

    def get_queryset(self):
        return selectors.flags_for(self.request.user)


class FlagDetailApi(APIView):
    permission_classes = [IsGamingReviewer]

    @extend_schema(responses={200: FlagDetailSerializer})
    def get(self, request: AuthedRequest, flag_id: int) -> Response:
        """One flag with its explanation and evidence."""
        flag = selectors.flag_get_for(request.user, flag_id=flag_id)
        return Response(FlagDetailSerializer(flag).data)


class FlagReviewApi(APIView):
    permission_classes = [IsGamingReviewer]

    @extend_schema(request=ReviewSerializer, responses={200: FlagDetailSerializer})
    def post(self, request: AuthedRequest, flag_id: int) -> Response:
        """Confirm or dismiss a flag, with a note saying why (audited)."""
        flag = selectors.flag_get_for(request.user, flag_id=flag_id)
        payload = ReviewSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.gaming_flag_review(
            flag=flag,
            by=request.user,
            state=payload.validated_data["state"],
            note=payload.validated_data["note"],
        )
        fresh = selectors.flag_get_for(request.user, flag_id=flag_id)
        return Response(FlagDetailSerializer(fresh).data)


urls = [
    path("surveys/gaming-flags", FlagListApi.as_view(), name="api-gaming-flags"),
    path("surveys/gaming-flags/<int:flag_id>", FlagDetailApi.as_view(), name="api-gaming-flag"),
    path(
        "surveys/gaming-flags/<int:flag_id>/review",
        FlagReviewApi.as_view(),
        name="api-gaming-flag-review",
    ),
]
