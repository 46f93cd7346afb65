"""The roles people hold. A role is a Django group of the same name, so admins manage them in one place."""

from collections.abc import Iterable

from django.db import models


class Role(models.TextChoices):
    AGENT = "agent", "Agent"
    SUPERVISOR = "supervisor", "Supervisor"
    TRAINER = "trainer", "Trainer"
    QA_ANALYST = "qa_analyst", "QA analyst"
    MARKETER = "marketer", "Marketer"
    EXECUTIVE = "executive", "Executive"
    ADMIN = "admin", "Admin"


# Who may read individual customer records (profile, household, products, contact points).
# Trainers and executives work from aggregates and never need a person's details.
CUSTOMER_READERS = frozenset(
    {Role.AGENT, Role.SUPERVISOR, Role.QA_ANALYST, Role.MARKETER, Role.ADMIN}
)
# Who may change customer records.
CUSTOMER_EDITORS = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
# Who may export customer lists (every export is audited).
CUSTOMER_EXPORTERS = frozenset({Role.MARKETER, Role.ADMIN})
# Who may read what customers and agents said (interactions, messages) and the cases around them.
# Everyone who serves a customer sees the whole history, so nobody asks the customer to repeat it.
CONVERSATION_READERS = frozenset({Role.AGENT, Role.SUPERVISOR, Role.QA_ANALYST, Role.ADMIN})
# Who may work cases (reply, wrap up, assign, escalate); each case also checks the person's team.
CASE_WORKERS = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
# Who may read escalation figures (aggregates, no customer details).
ESCALATION_ANALYSTS = frozenset(
    {Role.SUPERVISOR, Role.QA_ANALYST, Role.TRAINER, Role.EXECUTIVE, Role.ADMIN}
)
# Who may upload call-detail records from the phone switch.
CALL_RECORD_IMPORTERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
# Who evaluates contacts for quality: draws samples, scores, runs calibration sessions.
QA_EVALUATORS = frozenset({Role.QA_ANALYST, Role.SUPERVISOR, Role.ADMIN})
# Who sees a QA page at all (agents see their own evaluations and dispute them).
QA_READERS = frozenset({Role.AGENT, Role.QA_ANALYST, Role.SUPERVISOR, Role.ADMIN})
# Who agrees goals: an agent and the supervisor of the agent's team (admins read them).
GOAL_PARTIES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
# Who has a scorecard page to open (their own, or their team's).
SCORECARD_READERS = frozenset(
    {Role.AGENT, Role.SUPERVISOR, Role.TRAINER, Role.EXECUTIVE, Role.ADMIN}
)
# Who designs surveys and sets how contacts are drawn for them.
SURVEY_ADMINS = frozenset({Role.ADMIN})
# Who reads survey figures (center, channel, contact type; teams and agents as scope allows).
SURVEY_READERS = frozenset(
    {Role.SUPERVISOR, Role.QA_ANALYST, Role.TRAINER, Role.EXECUTIVE, Role.ADMIN}
)
# Who reviews gaming flags. Supervisors are not among them: their teams' scores are what is checked.
GAMING_REVIEWERS = frozenset({Role.QA_ANALYST, Role.ADMIN})
# Who reads what customers say in aggregate (sentiment, intents, topics by product and reason).
INSIGHT_READERS = frozenset(
    {Role.SUPERVISOR, Role.QA_ANALYST, Role.TRAINER, Role.MARKETER, Role.EXECUTIVE, Role.ADMIN}
)
# Who sees customers ranked by churn risk.
CHURN_RISK_READERS = frozenset({Role.SUPERVISOR, Role.MARKETER, Role.ADMIN})
# Who works alerts: supervisors their teams', admins all, an agent the recoveries they own.
ALERT_WORKERS = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
# Who writes briefings and follows who has read and understood them (supervisors: their teams).
BRIEFING_AUTHORS = frozenset({Role.TRAINER, Role.SUPERVISOR, Role.ADMIN})
# Who asks agents about planned changes (feature-feedback polls).
POLL_AUTHORS = frozenset({Role.TRAINER, Role.ADMIN})
# Who reads poll results by team and role (answers are never shown with a name).
POLL_RESULT_READERS = frozenset({Role.SUPERVISOR, Role.TRAINER, Role.EXECUTIVE, Role.ADMIN})
# Who writes learning content: modules, new-hire paths, the rules that assign from gaps.
LEARNING_AUTHORS = frozenset({Role.TRAINER, Role.ADMIN})
# Who follows assignments and proficiency of agents (supervisors: their teams').
LEARNING_TRACKERS = frozenset({Role.TRAINER, Role.SUPERVISOR, Role.ADMIN})
# Who reads training impact and time to proficiency (aggregates of groups, never one person).
IMPACT_READERS = frozenset({Role.TRAINER, Role.EXECUTIVE, Role.ADMIN})
# Who may list people and their state.
PEOPLE_READERS = frozenset({Role.SUPERVISOR, Role.ADMIN})

# Who runs import jobs (any source: customers, other CRMs' exports, call records, QA, WFM,
# revenue) and keeps saved column mappings. Imports write across the whole database, so admins.
IMPORTERS = frozenset({Role.ADMIN})
# Who reviews likely duplicate customers, merges them, undoes merges and sets the confidence
# above which merging happens without review.
IDENTITY_STEWARDS = frozenset({Role.ADMIN})


def roles_of(user) -> frozenset[str]:
    """The role keys of a user, cached on the instance for the life of the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_rapport_roles", None)
    if cached is None:
        if "groups" in getattr(user, "_prefetched_objects_cache", {}):
            names = {group.name for group in user.groups.all()}
        else:
            names = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            names.add(Role.ADMIN)
        cached = frozenset(names & set(Role.values))
        user._rapport_roles = cached
    return cached


def has_any_role(user, roles: Iterable[str]) -> bool:
    return bool(roles_of(user) & frozenset(roles))


def is_admin(user) -> bool:
    return Role.ADMIN in roles_of(user)
