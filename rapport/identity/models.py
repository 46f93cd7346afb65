"""Identity resolution: pairs of customers that look like one person, why they look alike, and
merges that keep enough to be undone."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from rapport.core.models import BaseModel
from rapport.identity.choices import FoundBy, PairStatus, RunState

CONFIDENCE = [MinValueValidator(0), MaxValueValidator(1)]


class IdentitySettings(BaseModel):
    """One row: the confidences an admin sets. Nothing merges without review below auto_merge_at;
    with auto_merge_at empty nothing merges without review at all."""

    review_at = models.FloatField(
        default=0.8,
        validators=CONFIDENCE,
        help_text="Pairs at or above this go to the review queue.",
    )
    auto_merge_at = models.FloatField(
        null=True,
        blank=True,
        validators=CONFIDENCE,
        help_text="Pairs at or above this merge without review. Empty: never.",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "identity settings"

    def __str__(self) -> str:
        return f"review ≥ {self.review_at}, auto-merge ≥ {self.auto_merge_at or 'never'}"


class MatchRun(BaseModel):
    """One batch search for duplicates over all customers (a background task with progress)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    engine = models.CharField(max_length=8, choices=FoundBy.choices, default=FoundBy.SPLINK)
    state = models.CharField(max_length=8, choices=RunState.choices, default=RunState.QUEUED)
    stage = models.CharField(max_length=100, blank=True, help_text="What the run is doing now.")
    percent = models.PositiveSmallIntegerField(default=0)
    customers = models.PositiveIntegerField(default=0)
    comparisons = models.BigIntegerField(default=0)
    pairs_found = models.PositiveIntegerField(default=0)
    merged = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failure = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"match run {self.pk} ({self.state})"


class MatchPair(BaseModel):
    """Two customers that may be one person; left has the lower id. The explanation lists each
    compared field, how alike the two values are and what that added to the score."""

    left = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(validators=CONFIDENCE)
    explanation = models.JSONField(default=list)
    found_by = models.CharField(max_length=8, choices=FoundBy.choices)
    run = models.ForeignKey(
        MatchRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="pairs"
    )
    status = models.CharField(max_length=10, choices=PairStatus.choices, default=PairStatus.OPEN)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["left", "right"], name="match_pair_once"),
            models.CheckConstraint(condition=Q(left__lt=F("right")), name="match_pair_ordered"),
        ]
        indexes = [models.Index(fields=["status", "-score"], name="match_pair_queue")]

    def __str__(self) -> str:
        return f"{self.left_id} ~ {self.right_id} ({self.score:.2f})"


class CustomerMerge(BaseModel):
    """One merge: what moved from the merged customer to the survivor, so it can be undone."""

    survivor = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    pair = models.ForeignKey(
        MatchPair, null=True, blank=True, on_delete=models.SET_NULL, related_name="merges"
    )
    automatic = models.BooleanField(default=False)
    score = models.FloatField(null=True, blank=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moved = models.JSONField(
        default=dict, help_text='{"app_label.model.field": [row ids moved to the survivor]}'
    )
    survivor_before = models.JSONField(
        default=dict, help_text="Survivor fields the merge filled in, with their earlier values."
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"
