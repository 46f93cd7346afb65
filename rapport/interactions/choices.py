from django.db import models


class Direction(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"


class Side(models.TextChoices):
    """Who said it. The customer's words are kept apart from ours, so analysis reads only theirs."""

    CUSTOMER = "customer", "Customer"
    AGENT = "agent", "Agent"
    SYSTEM = "system", "System"


class Outcome(models.TextChoices):
    OPEN = "", "Not wrapped up"
    RESOLVED = "resolved", "Resolved"
    FOLLOW_UP = "follow_up", "Follow-up needed"
    ESCALATED = "escalated", "Escalated"
    TRANSFERRED = "transferred", "Transferred"
    INFORMATION = "information", "Information given"
    SALE = "sale", "Sale made"
    ABANDONED = "abandoned", "Abandoned"
    NO_ANSWER = "no_answer", "No answer"


# What the agent records about an offer at wrap-up (upsell conversion, revenue influenced).
OFFER_NONE, OFFER_DECLINED, OFFER_ACCEPTED = "none", "declined", "accepted"
OFFER_CHOICES = {
    OFFER_NONE: "No offer made",
    OFFER_DECLINED: "Offered, declined",
    OFFER_ACCEPTED: "Offered, accepted",
}


class Source(models.TextChoices):
    """Where a row came from; (source, external_id) is unique so a replay changes nothing."""

    DESK = "desk", "Entered on the desktop"
    EMAIL = "email", "E-mail (listener or IMAP)"
    CHAT = "chat", "Chat webhook"
    SMS = "sms", "SMS webhook"
    SOCIAL = "social", "Social webhook"
    PHONE = "phone", "Phone switch (events or call records)"
    DEMO = "demo", "Demo data"


class RevenueEventKind(models.TextChoices):
    """Billing events that give "revenue influenced" and "customers saved" their inputs."""

    ORDER = "order", "Order"
    CANCELLATION = "cancellation", "Cancellation"
    RETENTION_ACCEPTED = "retention_accepted", "Retention offer accepted"


class CallEventKind(models.TextChoices):
    RINGING = "ringing", "Ringing"
    ANSWERED = "answered", "Answered"
    HELD = "held", "Held"
    RESUMED = "resumed", "Resumed"
    TRANSFERRED = "transferred", "Transferred"
    ENDED = "ended", "Ended"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
