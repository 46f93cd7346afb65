"""The survey report over the API: the same figures and the same scope as the page.

`period` (week, month, custom) with `date`, or `start` and `end` (YYYY-MM-DD, at most a year,
between 2000 and 2100).
Figures below the minimum n have a null value and `enough_data` false. 403 for anyone who is not
a survey reader; `teams` and `agents` are null where the reader may not see them.
"""

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.accounts.http import AuthedRequest
from rapport.surveys.selectors import reports as selectors


class SurveyEstimateSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text="Null: not enough data.")
    n = serializers.IntegerField()
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    enough_data = serializers.BooleanField()


class SurveyCsatSerializer(serializers.Serializer):
    share = SurveyEstimateSerializer(
        help_text="Share of answers at 4–5 (0…1), Wilson 95% interval."
    )
    mean = SurveyEstimateSerializer(help_text="Mean on 1–5, t 95% interval.")
    top_two = serializers.IntegerField()
    n = serializers.IntegerField()


class SurveyNpsSerializer(serializers.Serializer):
    score = SurveyEstimateSerializer(
        help_text="−100…100, normal 95% interval (multinomial variance)."
    )
    promoters = serializers.IntegerField()
    passives = serializers.IntegerField()
    detractors = serializers.IntegerField()
    n = serializers.IntegerField()


class SurveyComparisonSerializer(serializers.Serializer):
    test = serializers.CharField()
    difference = serializers.FloatField(allow_null=True)
    statistic = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    significant = serializers.BooleanField()


class SurveyGroupTestSerializer(serializers.Serializer):
    comparison = SurveyComparisonSerializer()
    p_adjusted = serializers.FloatField(allow_null=True, help_text="Holm-adjusted across teams.")
    significant = serializers.BooleanField()


class SurveyRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text='Agent rows: "<agent id>:<team id>".')
    name = serializers.CharField(source="label")
    invited = serializers.IntegerField()
    answered = serializers.IntegerField()
    response_rate = SurveyEstimateSerializer()
    low_response = serializers.BooleanField(help_text="Response rate below 10 %: a warning.")
    csat = SurveyCsatSerializer()
    nps = SurveyNpsSerializer()
    ces = SurveyEstimateSerializer(help_text="Mean effort on 1–7, t 95% interval.")
    versus_rest = SurveyGroupTestSerializer(allow_null=True, required=False)
    team = serializers.IntegerField(
        allow_null=True, help_text="Agent rows: the team the answers were credited to."
    )


class SurveyWeekSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    row = SurveyRowSerializer()


class SurveyBiasSerializer(serializers.Serializer):
    measure = serializers.CharField()
    name = serializers.CharField(source="label")
    respondents = SurveyEstimateSerializer()
    non_respondents = SurveyEstimateSerializer()
    effect_size = serializers.FloatField(allow_null=True)
    effect_name = serializers.CharField()
    p_value = serializers.FloatField(allow_null=True)
    differs = serializers.BooleanField()
    verdict = serializers.CharField()


class SurveyChangesSerializer(serializers.Serializer):
    csat = SurveyComparisonSerializer()
    csat_mean = SurveyComparisonSerializer()
    nps = SurveyComparisonSerializer()
    ces = SurveyComparisonSerializer()


class SurveyReportSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    previous_start = serializers.DateField()
    previous_end = serializers.DateField()
    min_n = serializers.IntegerField()
    low_response_threshold = serializers.FloatField()
    center = SurveyRowSerializer()
    previous = SurveyRowSerializer()
    changes = SurveyChangesSerializer()
    by_channel = SurveyRowSerializer(many=True)
    by_contact_type = SurveyRowSerializer(many=True)
    by_team = SurveyRowSerializer(many=True, allow_null=True)
    by_agent = SurveyRowSerializer(many=True, allow_null=True)
    weeks = SurveyWeekSerializer(many=True)
    bias = SurveyBiasSerializer(many=True)


PARAMETERS = [
    OpenApiParameter("period", str, enum=list(selectors.PERIODS), description="Default: month."),
    OpenApiParameter("date", OpenApiTypes.DATE, description="A day in the week or month."),
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day of a custom period."),
    OpenApiParameter(
        "end", OpenApiTypes.DATE, description="Last day (at most a year after start)."
    ),
]


class SurveyReportApi(APIView):
    @extend_schema(
        operation_id="survey_report", parameters=PARAMETERS, responses={200: SurveyReportSerializer}
    )
    def get(self, request: AuthedRequest) -> Response:
        """CSAT, NPS, CES and response rate for a period with n and 95% intervals: center, channel,
        contact type, and teams and agents as the reader's scope allows."""
        query = request.query_params
        start, end = selectors.period_resolve(
            period=query.get("period"),
            date=query.get("date"),
            start=query.get("start"),
            end=query.get("end"),
        )
        report = selectors.report_for(request.user, start=start, end=end)
        return Response(SurveyReportSerializer(report).data)


urls = [path("surveys/report", SurveyReportApi.as_view(), name="api-survey-report")]
