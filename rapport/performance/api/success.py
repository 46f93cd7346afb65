"""The success definition in the API: its versions, and two published versions compared."""

import datetime

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.core.errors import ValidationFailed
from rapport.performance import selectors as performance_selectors
from rapport.performance import stats
from rapport.performance.models import SuccessDefinition
from rapport.performance.selectors import success as selectors

ID_RANGE = {"min_value": 1, "max_value": 2**63 - 1}
MAX_DAYS = 3 * 366
DEFAULT_DAYS = 8 * 7


class SuccessDefinitionSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()
    in_words = serializers.SerializerMethodField()
    published_by_name = serializers.SerializerMethodField()

    class Meta:
        model = SuccessDefinition
        fields = [
            "id",
            "version",
            "name",
            "notes",
            "status",
            "effective_from",
            "require_resolved",
            "repeat_window_days",
            "forbid_escalation",
            "forbid_transfer",
            "min_survey_score",
            "in_words",
            "published_by",
            "published_by_name",
            "published_at",
            "created_at",
        ]

    def get_status(self, definition: SuccessDefinition) -> str:
        return "draft" if definition.is_draft else "published"

    def get_in_words(self, definition: SuccessDefinition) -> list[str]:
        return selectors.success_parts_in_words(definition)

    def get_published_by_name(self, definition: SuccessDefinition) -> str:
        person = definition.published_by
        return (person.get_full_name() or person.username) if person else ""


class SuccessDefinitionListApi(generics.ListAPIView):
    """Every version, newest first, with its parts (drafts only for admins). Company policy: any
    signed-in person may read it."""

    serializer_class = SuccessDefinitionSerializer

    def get_queryset(self):
        return selectors.success_definitions_for(viewer=self.request.user)


class CompareQuerySerializer(serializers.Serializer):
    """Versions by their numbers (v1, v2 …), as people name them."""

    first = serializers.IntegerField(**ID_RANGE)  # type: ignore[arg-type]
    second = serializers.IntegerField(**ID_RANGE)  # type: ignore[arg-type]
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, attrs):
        if attrs["first"] == attrs["second"]:
            raise serializers.ValidationError(
                {"second": ["Choose another version to compare with."]}
            )
        end = attrs.get("end") or selectors.success_latest_day() or timezone.localdate()
        room = (end - datetime.date.min).days  # the calendar's first days have no 8 weeks before
        start = attrs.get("start") or end - datetime.timedelta(days=min(DEFAULT_DAYS - 1, room))
        if start > end:
            raise serializers.ValidationError({"end": ["The end comes before the start."]})
        if (end - start).days >= MAX_DAYS:
            raise serializers.ValidationError({"start": [f"Choose at most {MAX_DAYS} days."]})
        return {**attrs, "start": start, "end": end}


class EstimateSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    name = serializers.CharField()
    rate = serializers.FloatField(allow_null=True, help_text="Percent of judged contacts.")
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    n = serializers.IntegerField(help_text="Contacts judged.")
    enough_data = serializers.BooleanField()


class ComparisonSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    first = EstimateSerializer()
    second = EstimateSerializer()
    first_only = serializers.IntegerField(
        help_text="Contacts only the first version calls a success."
    )
    second_only = serializers.IntegerField(
        help_text="Contacts only the second version calls a success."
    )
    p_value = serializers.FloatField(allow_null=True, help_text="McNemar's test.")
    significant = serializers.BooleanField()


def _estimate(definition: SuccessDefinition, estimate: stats.Estimate) -> dict:
    return {
        "version": definition.version,
        "name": definition.name,
        "rate": estimate.value,
        "ci_low": estimate.ci_low,
        "ci_high": estimate.ci_high,
        "n": estimate.n,
        "enough_data": estimate.enough_data,
    }


def _published(published: list[SuccessDefinition], field: str, version: int) -> SuccessDefinition:
    found = next((d for d in published if d.version == version), None)
    if found is None:
        raise ValidationFailed(
            "Compare published versions only.", fields={field: [f"No published version {version}."]}
        )
    return found


class SuccessCompareApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "first", int, required=True, description="A published version's number."
            ),
            OpenApiParameter("second", int, required=True, description="Another one's number."),
            OpenApiParameter("start", datetime.date, description="Default: 8 weeks before end."),
            OpenApiParameter("end", datetime.date, description="Default: the latest day judged."),
        ],
        responses={200: ComparisonSerializer},
    )
    def get(self, request: Request) -> Response:
        """The same contacts judged by two published versions: each success rate with n and a
        Wilson interval, and whether the difference is significant (two-proportion z test)."""
        query = CompareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        published = selectors.success_published()
        result = performance_selectors.success_versions_compare(
            first=_published(published, "first", data["first"]),
            second=_published(published, "second", data["second"]),
            start=data["start"],
            end=data["end"],
        )
        body = {
            "start": result.start,
            "end": result.end,
            "first": _estimate(result.first, result.first_rate),
            "second": _estimate(result.second, result.second_rate),
            "first_only": result.first_only,
            "second_only": result.second_only,
            "p_value": result.change.p_value,
            "significant": result.change.significant,
        }
        return Response(ComparisonSerializer(body).data)


urls = [
    path(
        "success-definitions/",
        SuccessDefinitionListApi.as_view(),
        name="api-success-definitions",
    ),
    path("success-definitions/compare", SuccessCompareApi.as_view(), name="api-success-compare"),
]
