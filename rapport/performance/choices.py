from django.db import models


class GoalArea(models.TextChoices):
    """The company goals every KPI serves."""

    RETENTION = "retention", "Retention"
    REVENUE = "revenue", "Revenue"
    COST = "cost", "Cost"
    CUSTOMER_EXPERIENCE = "customer_experience", "Customer experience"


class Unit(models.TextChoices):
    PERCENT = "percent", "%"
    SECONDS = "seconds", "seconds"
    SCORE = "score", "points"
    MONEY = "money", "currency"
    NPS = "nps", "NPS (−100…100)"


class Better(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class KpiKind(models.TextChoices):
    HARD = "hard", "Hard (counted)"
    SOFT = "soft", "Soft (judged)"


class Formula(models.TextChoices):
    """How a KPI is computed; each has one calculator in kpis.py."""

    FCR = "fcr", "First-contact resolution"
    REPEAT = "repeat", "Repeat-contact rate"
    AHT = "aht", "Average handle time"
    ASA = "asa", "Average speed of answer"
    SERVICE_LEVEL = "service_level", "Service level"
    ABANDONMENT = "abandonment", "Abandonment rate"
    TRANSFER = "transfer", "Transfer rate"
    ESCALATION = "escalation", "Escalation rate"
    SUCCESS = "success", "Successful interactions"
    CSAT = "csat", "CSAT"
    NPS = "nps", "NPS"
    CES = "ces", "Customer effort"
    SAVED = "saved", "Customers saved"
    UPSELL = "upsell", "Upsell conversion"
    REVENUE = "revenue", "Revenue influenced"
    COST_PER_CONTACT = "cost_per_contact", "Cost per contact"
    RELATIONSHIP = "relationship", "Relationship-building attempts"
    COMPLIMENTS = "compliments", "Compliments"
    QA_SCORE = "qa_score", "QA score"


class Period(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"


class Grain(models.TextChoices):
    """What one rollup row sums: one agent's contacts, a team's, or the whole center's."""

    AGENT = "agent", "Agent"
    TEAM = "team", "Team"
    CENTER = "center", "Center"


class GoalStatus(models.TextChoices):
    PROPOSED = "proposed", "Waiting for agreement"
    AGREED = "agreed", "Agreed"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"
    CLOSED = "closed", "Closed"


class QaCategory(models.TextChoices):
    """What a criterion looks at; the soft skills show on scorecards as soft metrics."""

    PROCESS = "process", "Process and accuracy"
    COMPLIANCE = "compliance", "Compliance"
    EMPATHY = "empathy", "Empathy"
    OWNERSHIP = "ownership", "Ownership"
    RELATIONSHIP = "relationship", "Relationship building"


SOFT_SKILLS = (QaCategory.EMPATHY, QaCategory.OWNERSHIP, QaCategory.RELATIONSHIP)


class Answer(models.TextChoices):
    MET = "met", "Met"
    NOT_MET = "not_met", "Not met"
    NOT_APPLICABLE = "na", "Not applicable"


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    VOIDED = "voided", "Voided after dispute"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Upheld (evaluation voided)"
    REJECTED = "rejected", "Rejected (evaluation stands)"


class KudosKind(models.TextChoices):
    KUDOS = "kudos", "Kudos"
    COMPLIMENT = "compliment", "Customer compliment"
