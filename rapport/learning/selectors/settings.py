"""The center's learning settings: one row, made with defaults the first time it is asked for;
and who counts as a new hire (one rule for learning paths and time-to-proficiency cohorts)."""

import datetime

from rapport.learning.models import LearningSettings

# A new hire is someone who started on or after today minus this many days (and not after
# today): new-hire learning paths reach them, and time-to-proficiency cohorts count them.
NEW_HIRE_DAYS = 180


def learning_settings() -> LearningSettings:
    row = LearningSettings.objects.order_by("pk").first()
    return row if row is not None else LearningSettings.objects.create()


def new_hire_since(today: datetime.date) -> datetime.date:
    """The earliest first day of a new hire on `today` (inclusive)."""
    return today - datetime.timedelta(days=NEW_HIRE_DAYS)
