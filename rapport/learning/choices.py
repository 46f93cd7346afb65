from django.db import models


class AssignmentSource(models.TextChoices):
    GAP = "gap", "Measured gap"
    PATH = "path", "New-hire path"
    MANUAL = "manual", "Assigned by a trainer"


class AssignmentStatus(models.TextChoices):
    PROPOSED = "proposed", "Waiting for a trainer"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    DISMISSED = "dismissed", "Dismissed"


OPEN_ASSIGNMENT = (
    AssignmentStatus.PROPOSED,
    AssignmentStatus.ASSIGNED,
    AssignmentStatus.IN_PROGRESS,
)


class GapSource(models.TextChoices):
    KPI = "kpi", "KPI below target"
    QA_CRITERION = "qa_criterion", "QA criterion missed"
    PREVENTABLE_ESCALATIONS = "preventable", "Preventable escalations"


class GapMode(models.TextChoices):
    AUTO = "auto", "Assign automatically"
    CONFIRM = "confirm", "Propose; a trainer confirms"


class ActivityKind(models.TextChoices):
    """What idle time can bring, in the order it is offered."""

    BRIEFING = "briefing", "Overdue briefing"
    REVIEW = "review", "Review questions"
    MODULE = "module", "Assigned module"
    POLL = "poll", "Feedback poll"


ACTIVITY_ORDER = [
    ActivityKind.BRIEFING,
    ActivityKind.REVIEW,
    ActivityKind.MODULE,
    ActivityKind.POLL,
]


class ActivityStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused by a contact"
    DONE = "done", "Done"
    TIMED_OUT = "timed_out", "Time box ran out"
    SKIPPED = "skipped", "Skipped"


OPEN_ACTIVITY = (ActivityStatus.ACTIVE, ActivityStatus.PAUSED)
