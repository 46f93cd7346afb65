from django.db import models


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", "Negative"
    NEUTRAL = "neutral", "Neutral"
    POSITIVE = "positive", "Positive"


class Intent(models.TextChoices):
    """What a customer wants or threatens, found in their own words."""

    CHURN = "churn", "Cancel or leave"
    COMPLAINT = "complaint", "Complaint"
    PURCHASE = "purchase", "Purchase interest"
    LEGAL = "legal", "Regulator or legal threat"
    MANAGER = "manager", "Asks for a manager"
    COMPLIMENT = "compliment", "Compliment"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


class RuleKind(models.TextChoices):
    NEGATIVE_SENTIMENT = "negative_sentiment", "Negative sentiment"
    LOW_SCORE = "low_score", "Low survey score"
    CHURN_INTENT = "churn_intent", "Churn intent"
    REPEAT_CONTACT = "repeat_contact", "Repeat contact"
    COMPLAINT = "complaint", "Complaint"
    ESCALATION = "escalation", "Escalation"
    PUBLIC_COMPLAINT = "public_complaint", "Public complaint"


class AlertState(models.TextChoices):
    OPEN = "open", "New"
    IN_RECOVERY = "in_recovery", "In recovery"
    CLOSED = "closed", "Closed"


class RecoveryOutcome(models.TextChoices):
    SAVED = "saved", "Customer saved"
    RESOLVED = "resolved", "Resolved"
    LOST = "lost", "Customer lost"


class RiskBand(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
