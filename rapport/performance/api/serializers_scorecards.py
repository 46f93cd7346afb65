"""Shapes of the KPI registry and scorecard answers. Percentages are on a 0–100 scale and every
figure is rounded to two decimals; a figure without enough data is null with its n and state."""

from rest_framework import serializers

from rapport.access.choices import Channel
from rapport.performance.choices import Better, GoalArea, KpiKind, Period, QaCategory, Unit

STATES = ["ok", "not_enough_data", "no_data_yet"]


class KpiSurveyEstimateSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text="Null without enough data.")
    n = serializers.IntegerField(help_text="Observations the figure rests on.")
    ci_low = serializers.FloatField(allow_null=True, help_text="95% interval, lower bound.")
    ci_high = serializers.FloatField(allow_null=True, help_text="95% interval, upper bound.")


class KpiSurveyFiguresSerializer(serializers.Serializer):
    invited = serializers.IntegerField(help_text="Customers invited to answer (invitations sent).")
    answered = serializers.IntegerField(help_text="Of them, how many answered this question.")
    response_rate = KpiSurveyEstimateSerializer(
        help_text="Answered ÷ invited, in %; n is the invited."
    )
    low_response = serializers.BooleanField(
        help_text="The response rate is under 10 %: the figure may not speak for non-respondents."
    )
    warning = serializers.CharField(allow_blank=True)
    mean = KpiSurveyEstimateSerializer(
        allow_null=True, help_text="CSAT only: the mean answer on 1–5."
    )


class FigureSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True)
    n = serializers.IntegerField(help_text="Observations the figure rests on.")
    ci_low = serializers.FloatField(allow_null=True, help_text="95% interval, lower bound.")
    ci_high = serializers.FloatField(allow_null=True, help_text="95% interval, upper bound.")
    state = serializers.ChoiceField(choices=STATES)
    note = serializers.CharField(allow_blank=True, help_text="Why there is no figure yet.")
    on_target = serializers.BooleanField(allow_null=True)
    survey = KpiSurveyFiguresSerializer(
        allow_null=True, help_text="Survey KPIs only: the response rate behind the figure."
    )


class TrendPointSerializer(FigureSerializer):
    start = serializers.DateField()
    end = serializers.DateField()


class KpiSerializer(serializers.Serializer):
    key = serializers.SlugField()
    name = serializers.CharField()
    definition = serializers.CharField()
    computation = serializers.CharField()
    unit = serializers.ChoiceField(choices=Unit.choices)
    better = serializers.ChoiceField(choices=Better.choices)
    target = serializers.FloatField(allow_null=True)
    owner = serializers.CharField(allow_null=True, help_text="Username of the KPI's owner.")
    goal = serializers.ChoiceField(choices=GoalArea.choices)
    channel = serializers.ChoiceField(
        choices=Channel.choices, allow_null=True, help_text="Only this channel; null: all."
    )
    kind = serializers.ChoiceField(choices=KpiKind.choices)
    value = FigureSerializer(help_text="The whole center's figure for the period.")


class KpiDetailSerializer(KpiSerializer):
    period = serializers.ChoiceField(choices=Period.choices)
    start = serializers.DateField()
    end = serializers.DateField()
    trend = TrendPointSerializer(many=True, help_text="The last 12 periods, oldest first.")


class KpiListSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=Period.choices)
    start = serializers.DateField()
    end = serializers.DateField()
    results = KpiSerializer(many=True)


class ScorecardKpiSerializer(serializers.Serializer):
    key = serializers.SlugField()
    name = serializers.CharField()
    unit = serializers.ChoiceField(choices=Unit.choices)
    kind = serializers.ChoiceField(choices=KpiKind.choices)
    value = serializers.FloatField(allow_null=True)
    n = serializers.IntegerField()
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    state = serializers.ChoiceField(choices=STATES)
    note = serializers.CharField(allow_blank=True)
    survey = KpiSurveyFiguresSerializer(
        allow_null=True, help_text="Survey KPIs only: the response rate behind the figure."
    )
    target = serializers.FloatField(allow_null=True)
    on_target = serializers.BooleanField(allow_null=True)
    previous_value = serializers.FloatField(
        allow_null=True, help_text="The previous period's figure (null without enough data)."
    )
    change_significant = serializers.BooleanField(
        help_text="The change from the previous period is beyond noise (two-sided, 5%)."
    )


class SoftSkillSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=QaCategory.choices)
    value = serializers.FloatField(allow_null=True, help_text="Share of criteria met, in %.")
    n = serializers.IntegerField()
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ScorecardSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=Period.choices)
    start = serializers.DateField()
    end = serializers.DateField()
    kpis = ScorecardKpiSerializer(many=True)
    soft_skills = SoftSkillSerializer(many=True)


class AgentScorecardSerializer(ScorecardSerializer):
    agent = NamedSerializer()


class TeamScorecardSerializer(ScorecardSerializer):
    team = NamedSerializer()
