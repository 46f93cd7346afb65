"""Each shipped alert rule fires on a contact that matches it and not on one that does not."""

import datetime as dt

import pytest
from django.utils import timezone

from rapport.access.tests.factories import ContactTypeFactory
from rapport.customers.tests.factories import CustomerFactory
from rapport.insights.models import Alert, AlertRule
from rapport.insights.services import alerts
from rapport.insights.tests.alert_helpers import ANGRY, CALM, CHURN, COMPLAINT, NEUTRAL, contact

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def kinds(alert: Alert | None) -> set[str]:
    return {reason["kind"] for reason in alert.reasons} if alert else set()


def evaluate(interaction) -> Alert | None:
    return alerts.alerts_evaluate_interaction(interaction=interaction)


def test_the_shipped_rules_are_there_with_their_severities():
    rules = {rule.kind: rule for rule in AlertRule.objects.all()}
    assert (rules["negative_sentiment"].threshold, rules["negative_sentiment"].severity) == (
        -0.5,
        "high",
    )
    assert (rules["low_score"].threshold, rules["low_score"].severity) == (2, "high")
    assert rules["churn_intent"].severity == rules["public_complaint"].severity == "critical"
    assert rules["repeat_contact"].window_days == 7
    assert {rules[k].callback_hours for k in ("churn_intent", "public_complaint")} == {4}
    assert rules["complaint"].callback_hours == 24
    assert rules["escalation"].callback_hours == 48


def test_negative_sentiment_fires_on_angry_words_and_not_on_calm_ones():
    assert "negative_sentiment" in kinds(evaluate(contact(ANGRY)))
    assert evaluate(contact(CALM)) is None


def test_negative_sentiment_follows_the_admins_threshold():
    AlertRule.objects.filter(kind="negative_sentiment").update(threshold=-0.99)
    assert "negative_sentiment" not in kinds(evaluate(contact(ANGRY)))


def test_churn_intent_fires_when_the_customer_speaks_of_leaving():
    alert = evaluate(contact(CHURN))
    assert "churn_intent" in kinds(alert)
    assert alert is not None and alert.severity == "critical"
    assert "churn_intent" not in kinds(evaluate(contact(NEUTRAL)))


def test_complaint_fires_on_a_complaint():
    assert "complaint" in kinds(evaluate(contact(COMPLAINT)))
    assert evaluate(contact(NEUTRAL)) is None


def test_repeat_contact_fires_when_a_resolution_did_not_hold():
    customer = CustomerFactory()
    now = timezone.now()
    contact(NEUTRAL, customer=customer, at=now - 3 * DAY, outcome="resolved")
    again = contact(NEUTRAL, customer=customer, at=now)

    alert = evaluate(again)

    assert kinds(alert) == {"repeat_contact"}
    assert alert is not None and alert.severity == "medium"
    assert "3 day(s) after a contact closed as resolved" in alert.reasons[0]["text"]


def test_repeat_contact_does_not_fire_outside_the_window_or_for_another_customer():
    customer = CustomerFactory()
    now = timezone.now()
    contact(NEUTRAL, customer=customer, at=now - 8 * DAY, outcome="resolved")
    contact(NEUTRAL, at=now - DAY, outcome="resolved")  # someone else
    assert evaluate(contact(NEUTRAL, customer=customer, at=now)) is None


def test_repeat_contact_needs_the_customer_to_come_back_not_us_to_call():
    customer = CustomerFactory()
    now = timezone.now()
    contact(NEUTRAL, customer=customer, at=now - DAY, direction="outbound", outcome="resolved")
    assert evaluate(contact(NEUTRAL, customer=customer, at=now)) is None


def test_a_promised_follow_up_or_another_reason_is_not_a_failed_resolution():
    customer = CustomerFactory()
    billing, fault = ContactTypeFactory(), ContactTypeFactory()
    now = timezone.now()
    contact(NEUTRAL, customer=customer, at=now - 2 * DAY, outcome="follow_up")
    contact(NEUTRAL, customer=customer, at=now - DAY, outcome="resolved", contact_type=billing)

    assert evaluate(contact(NEUTRAL, customer=customer, at=now, contact_type=fault)) is None
    assert "repeat_contact" in kinds(
        evaluate(contact(NEUTRAL, customer=customer, at=now, contact_type=billing))
    )


@pytest.mark.parametrize("outcome", ["escalated", "transferred"])
def test_escalation_fires_on_an_escalated_or_transferred_outcome(outcome):
    assert "escalation" in kinds(evaluate(contact(NEUTRAL, outcome=outcome)))


def test_escalation_does_not_fire_on_a_resolved_contact():
    assert evaluate(contact(NEUTRAL, outcome="resolved")) is None


def test_public_complaint_fires_on_a_social_complaint():
    alert = evaluate(contact(COMPLAINT, channel="social"))
    assert {"public_complaint", "complaint"} <= kinds(alert)
    assert alert is not None and alert.severity == "critical"


def test_public_complaint_fires_on_negative_social_words_without_a_complaint():
    assert "public_complaint" in kinds(evaluate(contact(ANGRY, channel="social")))


def test_public_complaint_does_not_fire_on_the_phone_or_on_praise():
    assert "public_complaint" not in kinds(evaluate(contact(COMPLAINT, channel="phone")))
    assert evaluate(contact(CALM, channel="social")) is None


def test_a_retired_rule_does_not_fire():
    AlertRule.objects.filter(kind="complaint").update(is_active=False)
    assert evaluate(contact(COMPLAINT)) is None


@pytest.mark.parametrize(
    ("score", "scale", "fires"),
    [
        (1, "csat", True),
        (2, "csat", True),
        (3, "csat", False),
        (5, "csat", False),
        (0, "nps", True),
        (2, "nps", True),
        (6, "nps", False),
        (1, "ces", True),
        (5, "ces", False),
    ],
)
def test_low_score_fires_at_or_below_the_threshold(score, scale, fires):
    interaction = contact(NEUTRAL)
    alert = alerts.alert_raise_for_score(
        source_key=f"response:{score}{scale}",
        interaction=interaction,
        score=score,
        scale=scale,
        verbatim="Nobody called me back.",
    )
    assert (alert is not None) is fires
    if fires:
        assert alert is not None
        assert kinds(alert) == {"low_score"} and alert.severity == "high"
        assert "Nobody called me back." in alert.reasons[0]["text"]
        assert alert.customer_id == interaction.customer_id


def test_a_score_outside_its_scale_is_refused():
    from rapport.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        alerts.alert_raise_for_score(
            source_key="response:1", interaction=None, score=9, scale="csat", verbatim=""
        )
    assert not Alert.objects.exists()


def test_a_question_without_a_score_scale_never_raises():
    alert = alerts.alert_raise_for_score(
        source_key="response:2", interaction=None, score=1, scale="text", verbatim=""
    )
    assert alert is None


def test_escalation_fires_on_a_transferred_call_before_wrap_up():
    alert = evaluate(contact(NEUTRAL, channel="phone", outcome="open", transfers=2))
    assert alert is not None and kinds(alert) == {"escalation"}
    assert alert.reasons[0]["text"] == "The contact was transferred 2 time(s)."
