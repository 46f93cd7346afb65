from django.db import models


class QuestionKind(models.TextChoices):
    CSAT = "csat", "Satisfaction (1–5)"
    NPS = "nps", "Likelihood to recommend (0–10)"
    CES = "ces", "Ease (1–7)"
    RATING = "rating", "Rating (1–5)"
    CHOICE = "choice", "One choice"
    TEXT = "text", "Free text"


# The scale of each scored question: (lowest, highest).
SCALES = {
    QuestionKind.CSAT: (1, 5),
    QuestionKind.NPS: (0, 10),
    QuestionKind.CES: (1, 7),
    QuestionKind.RATING: (1, 5),
}


class InviteChannel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"


class InvitationState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Could not be sent"
    OPENED = "opened", "Opened"
    ANSWERED = "answered", "Answered"
    EXPIRED = "expired", "Expired"


class Exclusion(models.TextChoices):
    """Why a contact could not be part of the draw; decided by rule, never by the agent."""

    NONE = "", "Eligible"
    NO_CUSTOMER = "no_customer", "No known customer"
    NOT_HANDLED = "not_handled", "Not handled (abandoned or no answer)"
    CONTACT_TYPE = "contact_type", "Contact type excluded"
    NO_CONSENT = "no_consent", "Customer declined surveys"
    NO_ADDRESS = "no_address", "No e-mail or mobile to invite"
    COOLDOWN = "cooldown", "Invited recently (cooldown)"
    OUTBOUND = "outbound", "Outbound contact"


class GamingCheck(models.TextChoices):
    SUPPRESSION = "suppression", "Draw deviation (suppression or closing pattern)"
    BEGGING = "begging", "Survey begging"
    CONTRADICTION = "contradiction", "Score contradicts what the customer said"
    CLUSTERING = "clustering", "Responses clustered on one device or network"
    IMPROBABLE = "improbable", "Improbable score distribution"


class FlagState(models.TextChoices):
    OPEN = "open", "To review"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"
