from django.db import models


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV (comma, semicolon, tab or pipe separated)"
    XLSX = "xlsx", "Excel workbook (.xlsx, first sheet)"
    JSONL = "jsonl", "JSON lines (one object per line)"


class Encoding(models.TextChoices):
    AUTO = "auto", "Detect (UTF-8 with or without BOM, else CP1252)"
    UTF8 = "utf-8", "UTF-8"
    UTF8_SIG = "utf-8-sig", "UTF-8 with BOM"
    LATIN1 = "latin-1", "Latin-1 (ISO-8859-1)"
    CP1252 = "cp1252", "Windows-1252"


class DateFormat(models.TextChoices):
    """Dates such as 03/04/2025 are ambiguous, so the person importing says which order is meant."""

    ISO = "iso", "ISO 8601 (2025-04-03, 2025-04-03T14:05:00Z)"
    DMY = "dmy", "Day first (03/04/2025, 03.04.2025)"
    MDY = "mdy", "Month first (04/03/2025)"
    YMD = "ymd", "Year first with slashes (2025/04/03)"


class JobState(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded — map the columns"
    CHECKING = "checking", "Dry run in progress"
    CHECKED = "checked", "Dry run done — ready to import"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


ACTIVE_STATES = frozenset({JobState.CHECKING, JobState.QUEUED, JobState.RUNNING})
FINISHED_STATES = frozenset({JobState.DONE, JobState.CANCELLED, JobState.FAILED})


class Phase(models.TextChoices):
    DRY_RUN = "dry_run", "Dry run"
    RUN = "run", "Import"
