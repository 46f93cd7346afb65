"""What every import source provides. The engine (rapport.imports.engine) reads the file, applies
the job's column mapping and hands each source a batch of mapped rows; the source checks them and
writes the good ones idempotently by (source, external_id).

A source is a module-level instance of a Source subclass registered in sources/__init__.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rapport.imports.choices import DateFormat


class RowError(Exception):
    """A row that cannot be imported; the message is shown beside its line number, so it says
    which field is wrong and why ("date_of_birth: '31/02/1990' is not a date (day first)")."""


@dataclass(frozen=True)
class Field:
    """A field the source can fill. aliases are header spellings (compared case-insensitively
    without spaces, dashes or underscores) that suggest this field in the mapping step."""

    name: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""


@dataclass
class Context:
    """What a source needs besides the row: the job's choices and a cache shared by a run's batches
    (lookups such as users by external id, queues by code). dry_run means: check and report what
    would change, write nothing."""

    job_id: int
    source_label: str  # value written to the target rows' `source` column, e.g. "salesforce"
    date_format: str = DateFormat.ISO
    default_region: str = "US"
    options: dict[str, Any] = field(default_factory=dict)
    dry_run: bool = False
    cache: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Line:
    """One mapped row: its line in the file (1 = the header's line + 1 for the first data row of a
    CSV; the physical line where a record starts) and {field name: text} after the mapping."""

    number: int
    values: dict[str, str]
    raw: str = ""


@dataclass
class Outcome:
    """What a batch did. errors are (line, reason) for rows the source refused; samples are a few
    human-readable changes for the dry run ("add customer Ada Okafor (sf 0035g00000AbCdE)")."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)


class Source:
    key: ClassVar[str]  # e.g. "customers", "salesforce_contacts"
    label: ClassVar[str]  # shown in the source menu
    description: ClassVar[str]  # one paragraph: what the file is and where each row goes
    source_label: ClassVar[str]  # written to target rows' `source`, e.g. "import", "salesforce"
    fields: ClassVar[Sequence[Field]]
    options_form: ClassVar[Any] = None  # a django Form class for source-specific choices, or None
    # The field naming the customer a row is about by their id in the other system, when a row
    # can create one: the engine refuses rows naming someone erased (see person_id).
    person_id_field: ClassVar[str] = ""

    def label_for(self, options: dict[str, Any]) -> str:
        """The `source` a job with these options writes its rows with, and finds them by."""
        return self.source_label

    def person_id(self, line: Line) -> str:
        """The customer's id in `source_label` as stored, read from the row ("" when none)."""
        return (line.values.get(self.person_id_field) or "").strip()

    def process(self, lines: Sequence[Line], ctx: Context) -> Outcome:
        """Check every line, write the good ones (unless ctx.dry_run) idempotently, and report.
        Called inside one transaction per batch; never raises for a bad row (RowError is caught
        per row and reported), only for a failure of the whole batch."""
        raise NotImplementedError
