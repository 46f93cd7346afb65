from django.db import models


class PairStatus(models.TextChoices):
    OPEN = "open", "Waiting for review"
    MERGED = "merged", "Merged"
    DISMISSED = "dismissed", "Not the same customer"
    UNDONE = "undone", "Merge undone"


class FoundBy(models.TextChoices):
    SCORING = "scoring", "Blocking and field scoring"
    SPLINK = "splink", "Batch linkage (splink)"


class RunState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
