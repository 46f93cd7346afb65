from django.db import models


class BriefingStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class PollStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class PollQuestionKind(models.TextChoices):
    RATING = "rating", "Rating (1–5)"
    CHOICE = "choice", "One choice"
    TEXT = "text", "Free text"


# The scale of a poll's rating question.
RATING_MIN, RATING_MAX = 1, 5
