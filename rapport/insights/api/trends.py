"""What customers say, in the API: aggregates for insight readers, one customer's churn risk for
those who may read that customer, and scoring a text for integrations."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.core.errors import PermissionDenied
from rapport.core.roles import INSIGHT_READERS, has_any_role
from rapport.insights.choices import Intent, RiskBand, Sentiment
from rapport.insights.selectors import trends as selectors
from rapport.insights.services import signals as services
from rapport.insights.text import text_score

MAX_TEXT = 10_000


# --- Trends ---------------------------------------------------------------------------------------


class TrendsQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(
        required=False, default=30, min_value=1, max_value=selectors.MAX_DAYS
    )


class FiguresSerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text="Scored contacts.")
    enough_data = serializers.BooleanField(help_text="n is at least min_n.")
    mean = serializers.FloatField(allow_null=True, help_text="Mean compound, −1 … 1.")
    negative = serializers.IntegerField(help_text="Contacts scored negative.")
    negative_share = serializers.FloatField(allow_null=True, help_text="0 … 1.")
    negative_low = serializers.FloatField(allow_null=True, help_text="Wilson 95% lower bound.")
    negative_high = serializers.FloatField(allow_null=True, help_text="Wilson 95% upper bound.")


class DatedFiguresSerializer(FiguresSerializer):
    day = serializers.DateField(source="label", help_text="The day, or the Monday of the week.")


class GroupFiguresSerializer(FiguresSerializer):
    name = serializers.CharField(source="label")


class IntentCountSerializer(serializers.Serializer):
    intent = serializers.ChoiceField(choices=Intent.choices)
    name = serializers.CharField(source="label")
    n = serializers.IntegerField()
    of = serializers.IntegerField(help_text="Scored contacts in the period.")


class IntentSeriesSerializer(serializers.Serializer):
    intent = serializers.ChoiceField(choices=Intent.choices)
    name = serializers.CharField(source="label")
    counts = serializers.ListField(child=serializers.IntegerField())


class IntentsByWeekSerializer(serializers.Serializer):
    labels = serializers.ListField(child=serializers.DateField())
    totals = serializers.ListField(child=serializers.IntegerField())
    series = IntentSeriesSerializer(many=True)


class TopicCountSerializer(serializers.Serializer):
    topic = serializers.CharField()
    name = serializers.CharField(source="label")
    n = serializers.IntegerField()
    of = serializers.IntegerField()


class BandCountSerializer(serializers.Serializer):
    band = serializers.ChoiceField(choices=RiskBand.choices)
    name = serializers.CharField(source="label")
    n = serializers.IntegerField()


class RiskDistributionSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)
    bands = BandCountSerializer(many=True)


class TrendsSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField()
    min_n = serializers.IntegerField()
    overall = FiguresSerializer()
    by_day = DatedFiguresSerializer(many=True)
    by_week = DatedFiguresSerializer(many=True)
    by_contact_type = GroupFiguresSerializer(many=True)
    by_product = GroupFiguresSerializer(many=True)
    by_channel = GroupFiguresSerializer(many=True)
    intents = IntentCountSerializer(many=True)
    intents_by_week = IntentsByWeekSerializer()
    topics = TopicCountSerializer(many=True)
    risk = RiskDistributionSerializer()


class TrendsApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("days", int, description="The last this many days (default 30).")
        ],
        responses={200: TrendsSerializer},
    )
    def get(self, request: Request) -> Response:
        """Sentiment, intents, topics and churn-risk bands over the last `days` days, by day,
        week, contact type, product held and channel. No figure names a person."""
        query = TrendsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = selectors.period_last(query.validated_data["days"])
        data = selectors.trends_for(request.user, period=period)
        return Response(TrendsSerializer(data).data)


# --- Churn risk -----------------------------------------------------------------------------------


class ComponentSerializer(serializers.Serializer):
    name = serializers.CharField()
    value = serializers.FloatField()
    weight = serializers.FloatField(help_text="Its pull in log-odds at full strength.")
    contribution = serializers.FloatField(help_text="Its pull on this customer, in log-odds.")
    why = serializers.CharField()


class ChurnRiskSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer_id")
    score = serializers.FloatField(help_text="0 … 1.")
    band = serializers.ChoiceField(choices=RiskBand.choices)
    components = ComponentSerializer(many=True)
    computed_at = serializers.DateTimeField()


class CustomerChurnRiskApi(APIView):
    @extend_schema(responses={200: ChurnRiskSerializer})
    def get(self, request: Request, customer_id: int) -> Response:
        """One customer's churn risk, explained by part; computed now if it never was."""
        customer, risk = selectors.churn_risk_of(user=request.user, customer_id=customer_id)
        if risk is None:
            risk = services.churn_risk_update(customer=customer)
        return Response(ChurnRiskSerializer(risk).data)


# --- Scoring a text -------------------------------------------------------------------------------


class ScoreRequestSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=MAX_TEXT,
        allow_blank=True,
        trim_whitespace=False,
        error_messages={"max_length": f"Send at most {MAX_TEXT:,} characters."},
    )


class TextScoreSerializer(serializers.Serializer):
    compound = serializers.FloatField(help_text="−1 (very negative) … +1 (very positive).")
    sentiment = serializers.ChoiceField(choices=Sentiment.choices)
    intents = serializers.ListField(child=serializers.ChoiceField(choices=Intent.choices))
    topics = serializers.ListField(child=serializers.CharField())
    explanation = serializers.DictField(
        help_text="The words and phrases that moved the score, with their weights, and the "
        "phrases each intent and topic matched."
    )
    words = serializers.IntegerField()


class ScoreApi(APIView):
    @extend_schema(request=ScoreRequestSerializer, responses={200: TextScoreSerializer})
    def post(self, request: Request) -> Response:
        """Sentiment, intents and topics of a text, explained (nothing is stored)."""
        if not has_any_role(request.user, INSIGHT_READERS):
            raise PermissionDenied("Only insight readers may score texts.")
        body = ScoreRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        score = text_score(body.validated_data["text"])
        return Response(TextScoreSerializer(score).data, status=status.HTTP_200_OK)


urls = [
    path("insights/trends", TrendsApi.as_view(), name="api-insights-trends"),
    path("insights/score", ScoreApi.as_view(), name="api-insights-score"),
    path(
        "customers/<int:customer_id>/churn-risk",
        CustomerChurnRiskApi.as_view(),
        name="api-customer-churn-risk",
    ),
]
