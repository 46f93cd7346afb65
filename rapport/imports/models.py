"""Import jobs: an uploaded file, its column mapping, a dry run, then a background run that
commits in batches and records where it got to, so a run stopped by a killed worker resumes."""

from django.conf import settings
from django.db import models

from rapport.core.models import BaseModel
from rapport.imports.choices import DateFormat, Encoding, FileFormat, JobState, Phase


class ImportJob(BaseModel):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_type = models.CharField(
        max_length=32,
        help_text="Key of a source in rapport.imports.sources (customers, zendesk_tickets …).",
    )
    filename = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/")
    file_format = models.CharField(max_length=8, choices=FileFormat.choices)
    encoding = models.CharField(max_length=12, choices=Encoding.choices, default=Encoding.AUTO)
    delimiter = models.CharField(
        max_length=1, blank=True, help_text="Blank: detected from the first lines."
    )
    date_format = models.CharField(max_length=8, choices=DateFormat.choices, default=DateFormat.ISO)
    default_region = models.CharField(
        max_length=2,
        default="US",
        help_text="Phones without a country code are read as this country's.",
    )
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(
        default=dict, blank=True, help_text="{target field: column header} chosen for this file."
    )
    options = models.JSONField(
        default=dict,
        blank=True,
        help_text="Source-specific choices, e.g. the QA form scores go to.",
    )
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.UPLOADED)
    phase = models.CharField(max_length=8, choices=Phase.choices, blank=True)
    bytes_total = models.BigIntegerField(default=0)
    bytes_done = models.BigIntegerField(default=0)
    rows_seen = models.PositiveIntegerField(default=0)
    rows_added = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_failed = models.PositiveIntegerField(default=0)
    checkpoint_line = models.PositiveIntegerField(
        default=0, help_text="Last line whose batch committed; a resumed run starts after it."
    )
    checkpoint_bytes = models.BigIntegerField(default=0)
    dry_run_summary = models.JSONField(
        default=dict, blank=True, help_text="Counts and a sample of the changes the dry run found."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    resumed = models.PositiveSmallIntegerField(default=0)
    failure = models.CharField(max_length=500, blank=True)
    file_deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the file and the refused rows' text were deleted."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="import_job_state_beat")]

    def __str__(self) -> str:
        return f"{self.source_type}: {self.filename}"


class ImportRowError(models.Model):
    """A row that could not be imported, with its line in the file and the reason in words."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    phase = models.CharField(max_length=8, choices=Phase.choices)
    line = models.PositiveIntegerField()
    reason = models.CharField(max_length=500)
    raw = models.TextField(blank=True, help_text="The row as read, cut to 2,000 characters.")

    class Meta:
        ordering = ["line", "id"]
        indexes = [models.Index(fields=["job", "phase", "line"], name="import_error_job_line")]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "phase", "line"], name="import_error_once_per_line"
            )
        ]

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class SavedMapping(BaseModel):
    """A column mapping kept for the next file of the same kind (same source, similar headers)."""

    source_type = models.CharField(max_length=32)
    name = models.CharField(max_length=100)
    mapping = models.JSONField(default=dict)
    headers = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["source_type", "name"]
        constraints = [
            models.UniqueConstraint(fields=["source_type", "name"], name="saved_mapping_name_once")
        ]

    def __str__(self) -> str:
        return self.name
