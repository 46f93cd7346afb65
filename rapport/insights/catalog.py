"""What Rapport ships with for recovery: the default alert rules and root causes. Admins change
thresholds, severities and wording afterwards in the admin.

`defaults_ensure()` creates whatever of it is missing and leaves the rest alone; migration 0002
runs it with the historical models, the demo load and the tests with the current ones.
"""

from django.apps import apps as current_apps

# How soon recovery must call back, by the rule's severity (hours).
CALLBACK_HOURS = {"critical": 4, "high": 24, "medium": 48, "low": 72}

# name, kind, severity, threshold, window_days
RULES = [
    ("Negative sentiment", "negative_sentiment", "high", -0.5, None),
    ("Low survey score", "low_score", "high", 2, None),
    ("Churn intent", "churn_intent", "critical", None, None),
    ("Repeat contact within 7 days", "repeat_contact", "medium", None, 7),
    ("Complaint", "complaint", "high", None, None),
    ("Escalation", "escalation", "medium", None, None),
    ("Public complaint", "public_complaint", "critical", None, None),
]

# Skills a root cause points to: the learning gap to train.
SKILLS = [
    ("Product knowledge", "Knows the products, their terms and how they work."),
    ("Empathy", "Acknowledges how the customer feels and owns the problem."),
    ("Policy knowledge", "Knows the rules and processes and explains them plainly."),
]

# name, description, skill name (or None when the cause is not a learning gap)
ROOT_CAUSES = [
    ("Process or policy", "A rule or process let the customer down.", None),
    ("Product fault", "The product or service did not work as promised.", None),
    (
        "Agent knowledge gap",
        "The agent did not know the answer or gave a wrong one.",
        "Product knowledge",
    ),
    ("Agent behaviour", "How the agent spoke or acted with the customer.", "Empathy"),
    ("Long wait", "The customer waited too long to reach us or for an answer.", None),
    ("Billing error", "The customer was charged wrongly.", None),
    (
        "Repeat contact — not resolved first time",
        "The customer had to come back because the first contact did not settle it.",
        "Policy knowledge",
    ),
]


def defaults_ensure(apps=current_apps) -> None:
    AlertRule = apps.get_model("insights", "AlertRule")
    for name, kind, severity, threshold, window_days in RULES:
        if not AlertRule.objects.filter(kind=kind).exists():
            AlertRule.objects.create(
                name=name,
                kind=kind,
                severity=severity,
                threshold=threshold,
                window_days=window_days,
                callback_hours=CALLBACK_HOURS[severity],
            )
    Skill = apps.get_model("accounts", "Skill")
    skills = {
        name: Skill.objects.get_or_create(name=name, defaults={"description": description})[0]
        for name, description in SKILLS
    }
    RootCause = apps.get_model("insights", "RootCause")
    for name, description, skill_name in ROOT_CAUSES:
        RootCause.objects.get_or_create(
            name=name,
            defaults={"description": description, "skill": skills.get(skill_name or "")},
        )
