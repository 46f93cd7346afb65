"""Forms of the import pages: they parse and label; the services decide. The upload checks
(extension, size, region) are plain functions so the API applies the same ones."""

from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

import phonenumbers
from django import forms
from django.template.defaultfilters import filesizeformat

from rapport.imports.choices import DateFormat, Encoding, JobState
from rapport.imports.services.jobs import EXTENSIONS
from rapport.imports.sources import all_sources
from rapport.imports.sources.base import Field, Source
from rapport.ui.forms import StyledFormMixin

# Big enough for a few million customer rows; the file goes to disk while it uploads.
MAX_UPLOAD_BYTES = 256 * 1024 * 1024
ACCEPT = ",".join(EXTENSIONS)
DELIMITERS = [
    ("", "Detect from the first lines"),
    (",", "Comma ( , )"),
    (";", "Semicolon ( ; )"),
    ("\t", "Tab"),
    ("|", "Pipe ( | )"),
]
NOT_IMPORTED = "— not imported —"
OPTIONS_PREFIX = "options"
SAVE_AS_MAX = 100


def file_format_of(filename: str) -> str:
    """The format an upload's extension names, or "" when it names none Rapport reads."""
    return EXTENSIONS.get(PurePath(filename or "").suffix.lower(), "")


def upload_problem(upload) -> str:
    """Why an uploaded file cannot be taken, in words, or "" when it can."""
    if not file_format_of(upload.name):
        return (
            "Rapport reads CSV (.csv, .tsv, .txt), Excel (.xlsx) and JSON lines (.jsonl) files; "
            "the file's name must end in one of these."
        )
    if upload.size == 0:
        return "The file is empty."
    if upload.size > MAX_UPLOAD_BYTES:
        return (
            f"The file is {filesizeformat(upload.size)}; split it into files of at most "
            f"{filesizeformat(MAX_UPLOAD_BYTES)}."
        )
    return ""


def region_problem(code: str) -> str:
    if code.upper() not in phonenumbers.SUPPORTED_REGIONS:
        return f"{code!r} is not a two-letter country code phone numbers know (US, GB, DE …)."
    return ""


def options_form_for(source: Source, data=None, *, initial: dict | None = None):
    """The source's own form for its choices (prefixed, so its names cannot meet ours)."""
    if source.options_form is None:
        return None
    return source.options_form(data, prefix=OPTIONS_PREFIX, initial=initial or {})


def options_given(form) -> dict[str, Any] | None:
    """The options as they were entered, by their own names: the service cleans them itself
    (the job keeps what the source's form makes of them)."""
    if form is None:
        return None
    return {
        name: field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        for name, field in form.fields.items()
    }


def _source_choices() -> list[tuple[str, str]]:
    return [("", "Choose what the file holds"), *((s.key, s.label) for s in all_sources())]


class UploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label="File",
        help_text=(
            "CSV (comma, semicolon, tab or pipe separated), Excel (.xlsx, first sheet) or JSON "
            f"lines, at most {filesizeformat(MAX_UPLOAD_BYTES)}. The first row names the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    source_type = forms.ChoiceField(label="What the file holds", choices=())
    encoding = forms.ChoiceField(
        label="Text encoding", choices=Encoding.choices, initial=Encoding.AUTO, required=False
    )
    delimiter = forms.ChoiceField(
        label="Column separator (CSV)", choices=DELIMITERS, initial="", required=False
    )
    date_format = forms.ChoiceField(
        label="Dates in the file",
        choices=DateFormat.choices,
        initial=DateFormat.ISO,
        help_text="03/04/2025 means different days in different countries: say which is meant.",
    )
    default_region = forms.CharField(
        label="Country of phone numbers without a country code",
        max_length=2,
        min_length=2,
        initial="US",
        help_text="Two letters: US, GB, DE, FR …",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source_type"].choices = _source_choices()  # type: ignore[attr-defined]

    def clean_encoding(self) -> str:
        return self.cleaned_data["encoding"] or Encoding.AUTO

    def clean_file(self):
        upload = self.cleaned_data["file"]
        problem = upload_problem(upload)
        if problem:
            raise forms.ValidationError(problem)
        return upload

    def clean_default_region(self) -> str:
        code = self.cleaned_data["default_region"].strip().upper()
        problem = region_problem(code)
        if problem:
            raise forms.ValidationError(problem)
        return code


class MappingForm(StyledFormMixin, forms.Form):
    """One select per field of the source, offering the file's columns; then the reading
    choices and an optional name to keep the mapping for the next file of this kind."""

    date_format = forms.ChoiceField(label="Dates in the file", choices=DateFormat.choices)
    default_region = forms.CharField(
        label="Country of phone numbers without a country code",
        max_length=2,
        min_length=2,
        help_text="Two letters: US, GB, DE, FR …",
    )
    save_as = forms.CharField(
        label="Save this mapping as",
        max_length=SAVE_AS_MAX,
        required=False,
        help_text="Optional. A name, to apply the same columns to the next file of this kind.",
    )

    def __init__(
        self,
        *args,
        source: Source,
        headers: Sequence[str],
        mapping: dict[str, str] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.source = source
        columns = [(h, h) for h in dict.fromkeys(headers) if h.strip()]
        chosen = mapping or {}
        for field in source.fields:
            self.fields[self.name_of(field.name)] = forms.ChoiceField(
                label=field.label,
                required=field.required,
                help_text=field.help,
                choices=[("", NOT_IMPORTED), *columns],
                initial=chosen.get(field.name, ""),
                error_messages={
                    "required": f"{field.label} is required: choose the column that holds it.",
                    "invalid_choice": "That column is not in the file.",
                },
            )
        # Field selects first, in the source's order; the reading choices after them.
        self.order_fields([self.name_of(f.name) for f in source.fields])
        for field in source.fields:  # added after StyledFormMixin styled the declared ones
            self.fields[self.name_of(field.name)].widget.attrs["class"] = "form-select"

    @staticmethod
    def name_of(field_name: str) -> str:
        return f"map_{field_name}"

    def rows(self) -> list[tuple[Field, forms.BoundField]]:
        return [(field, self[self.name_of(field.name)]) for field in self.source.fields]

    def reading_fields(self) -> list[forms.BoundField]:
        return [self["date_format"], self["default_region"], self["save_as"]]

    def clean_default_region(self) -> str:
        code = self.cleaned_data["default_region"].strip().upper()
        problem = region_problem(code)
        if problem:
            raise forms.ValidationError(problem)
        return code

    def mapping(self) -> dict[str, str]:
        """{field: column} for the fields given a column."""
        found = {}
        for field in self.source.fields:
            column = self.cleaned_data.get(self.name_of(field.name)) or ""
            if column:
                found[field.name] = column
        return found


class JobFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label="File name", required=False, max_length=100)
    state = forms.ChoiceField(
        label="State", required=False, choices=[("", "Any state"), *JobState.choices]
    )
    source = forms.ChoiceField(label="Source", required=False, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Any source"), *((s.key, s.label) for s in all_sources())]
        self.fields["source"].choices = choices  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs["type"] = "search"
