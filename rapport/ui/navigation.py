"""The main menu. Each entry names the roles that see it; apps add entries as they arrive."""

from dataclasses import dataclass

from rapport.core.roles import (
    ALERT_WORKERS,
    BRIEFING_AUTHORS,
    CALL_RECORD_IMPORTERS,
    CASE_WORKERS,
    CHURN_RISK_READERS,
    CONVERSATION_READERS,
    CUSTOMER_READERS,
    ESCALATION_ANALYSTS,
    GAMING_REVIEWERS,
    GOAL_PARTIES,
    IDENTITY_STEWARDS,
    IMPACT_READERS,
    IMPORTERS,
    INSIGHT_READERS,
    LEARNING_AUTHORS,
    LEARNING_TRACKERS,
    PEOPLE_READERS,
    POLL_AUTHORS,
    POLL_RESULT_READERS,
    QA_READERS,
    SCORECARD_READERS,
    SURVEY_ADMINS,
    SURVEY_READERS,
    Role,
)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    section: str
    menu: str = ""  # items sharing a menu name fold into one drop-down


VOICE = "Customer voice"
LEARNING = "Learning"
DATA = "Data"
EVERYONE = frozenset(Role.values)

NAVIGATION: list[NavItem] = [
    NavItem("Desktop", "workspace:desktop", frozenset(CASE_WORKERS), "desktop"),
    NavItem("Cases", "cases:list", frozenset(CONVERSATION_READERS), "cases"),
    NavItem("Customers", "customers:search", frozenset(CUSTOMER_READERS), "customers"),
    NavItem("Households", "customers:households", frozenset(CUSTOMER_READERS), "households"),
    NavItem("Products", "customers:products", frozenset(CUSTOMER_READERS), "products"),
    NavItem("KPIs", "performance:wall", frozenset(Role.values), "kpis", "Performance"),
    NavItem(
        "Scorecard",
        "performance:my_scorecard",
        frozenset(SCORECARD_READERS),
        "scorecard",
        "Performance",
    ),
    NavItem("Goals", "performance:goals", frozenset(GOAL_PARTIES), "goals", "Performance"),
    NavItem("QA", "performance:qa", frozenset(QA_READERS), "qa", "Performance"),
    NavItem("Kudos", "performance:recognition", frozenset(Role.values), "kudos", "Performance"),
    NavItem("Alerts", "insights:alerts", frozenset(ALERT_WORKERS), "alerts", VOICE),
    NavItem(
        "Recovery report",
        "insights:recovery_report",
        frozenset(ALERT_WORKERS),
        "recovery",
        VOICE,
    ),
    NavItem("What customers say", "insights:trends", frozenset(INSIGHT_READERS), "insights", VOICE),
    NavItem(
        "Churn risk", "insights:churn_risk", frozenset(CHURN_RISK_READERS), "churn-risk", VOICE
    ),
    NavItem("Survey report", "surveys:report", frozenset(SURVEY_READERS), "survey-report", VOICE),
    NavItem("Survey gaming", "surveys:gaming", frozenset(GAMING_REVIEWERS), "gaming", VOICE),
    NavItem("Surveys", "surveys:survey_list", frozenset(SURVEY_ADMINS), "surveys", VOICE),
    NavItem("Draw settings", "surveys:draw_settings", frozenset(SURVEY_ADMINS), "draw", VOICE),
    NavItem("Invitations", "surveys:invitations", frozenset(SURVEY_ADMINS), "invitations", VOICE),
    NavItem("My learning", "learning:mine", EVERYONE, "my-learning", LEARNING),
    NavItem("My briefings", "briefings:mine", EVERYONE, "my-briefings", LEARNING),
    NavItem("Feedback polls", "briefings:polls", EVERYONE, "polls", LEARNING),
    NavItem("Briefings", "briefings:manage", frozenset(BRIEFING_AUTHORS), "briefings", LEARNING),
    NavItem(
        "Read & understood",
        "briefings:dashboard",
        frozenset(BRIEFING_AUTHORS),
        "briefing-dashboard",
        LEARNING,
    ),
    NavItem(
        "Write polls", "briefings:poll_manage", frozenset(POLL_AUTHORS), "poll-manage", LEARNING
    ),
    NavItem(
        "Poll results",
        "briefings:poll_results_list",
        frozenset(POLL_RESULT_READERS),
        "poll-results",
        LEARNING,
    ),
    NavItem("Modules", "learning:modules", frozenset(LEARNING_AUTHORS), "modules", LEARNING),
    NavItem(
        "Assignments",
        "learning:assignments",
        frozenset(LEARNING_TRACKERS),
        "assignments",
        LEARNING,
    ),
    NavItem(
        "Proficiency",
        "learning:proficiency",
        frozenset(LEARNING_TRACKERS),
        "proficiency",
        LEARNING,
    ),
    NavItem("Retention", "learning:retention", frozenset(LEARNING_TRACKERS), "retention", LEARNING),
    NavItem("Training impact", "learning:impact", frozenset(IMPACT_READERS), "impact", LEARNING),
    NavItem(
        "Escalations", "cases:escalation_analysis", frozenset(ESCALATION_ANALYSTS), "escalations"
    ),
    NavItem(
        "Call records",
        "interactions:call_record_imports",
        frozenset(CALL_RECORD_IMPORTERS),
        "call-records",
    ),
    NavItem("Imports", "imports:jobs", frozenset(IMPORTERS), "imports", DATA),
    NavItem("Duplicates", "identity:queue", frozenset(IDENTITY_STEWARDS), "duplicates", DATA),
    NavItem("Merges", "identity:merges", frozenset(IDENTITY_STEWARDS), "merges", DATA),
    NavItem("Rejected messages", "interactions:rejected", frozenset({Role.ADMIN}), "rejected"),
    NavItem("People", "accounts:people", frozenset(PEOPLE_READERS), "people"),
    NavItem("Audit", "audit", frozenset({Role.ADMIN}), "audit"),
    NavItem("Security", "accounts:security", frozenset({Role.ADMIN}), "security"),
    NavItem("API", "api-docs", frozenset(Role.values), "api"),
]
