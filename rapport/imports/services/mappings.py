"""Column mappings: suggestions from a file's headers, checks of a chosen mapping, and mappings
kept for the next file of the same kind."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

from rapport.core.audit import audit_record
from rapport.core.errors import ValidationFailed
from rapport.imports.models import SavedMapping
from rapport.imports.sources import source_for
from rapport.imports.sources.base import Source

IGNORED = re.compile(r"[\s_\-]+")


def header_key(text: str) -> str:
    """How headers and aliases are compared: case-insensitive, without spaces, dashes or
    underscores ("Postal-Code", "postal_code" and "POSTAL CODE" are one)."""
    return IGNORED.sub("", text).casefold()


def source_or_invalid(source_type: str) -> Source:
    try:
        return source_for(source_type)
    except KeyError:
        raise ValidationFailed(
            f"There is no import source named {source_type!r}.",
            fields={"source_type": ["Choose a source from the list."]},
        ) from None


def mapping_suggest(*, source_type: str, headers: list[str]) -> dict[str, str]:
    """{field: header} for the fields a header can be found for. A saved mapping whose columns
    the file has wins; the fields it leaves out, and every field when none fits, are matched by
    name, label and aliases."""
    source = source_or_invalid(source_type)
    saved = saved_mapping_matching(source_type=source_type, headers=headers)
    suggestion = dict(saved.mapping) if saved is not None else {}
    used = set(suggestion.values())
    by_key = {header_key(header): header for header in reversed(headers)}
    for field in source.fields:
        if field.name in suggestion:
            continue
        for spelling in (field.name, field.label, *field.aliases):
            header = by_key.get(header_key(spelling))
            if header is not None and header not in used:
                suggestion[field.name] = header
                used.add(header)
                break
    return suggestion


def saved_mapping_matching(*, source_type: str, headers: Sequence[str]) -> SavedMapping | None:
    """The saved mapping for this source whose mapped columns are all in the file: the one with
    the same columns if there is one, else the one sharing most columns, newest first."""
    present = {header_key(header): header for header in headers}
    best: tuple[tuple[bool, int], SavedMapping] | None = None
    for saved in SavedMapping.objects.filter(source_type=source_type).order_by("-updated_at"):
        mapped = [header for header in (saved.mapping or {}).values() if header]
        if not mapped or any(header_key(header) not in present for header in mapped):
            continue
        saved_keys = {header_key(header) for header in saved.headers or mapped}
        rank = (saved_keys == set(present), len(saved_keys & set(present)))
        if best is None or rank > best[0]:
            best = (rank, saved)
    if best is None:
        return None
    saved = best[1]
    # The file may spell a column differently ("Zip" for "ZIP"): use the file's spelling.
    saved.mapping = {
        field: present[header_key(header)] for field, header in saved.mapping.items() if header
    }
    return saved


def mapping_check(*, source: Source, mapping: dict[str, str], headers: Sequence[str]) -> dict:
    """The mapping cleaned ({field: header}, unmapped fields left out), or ValidationFailed
    naming every field that is wrong."""
    if not isinstance(mapping, dict):
        raise ValidationFailed("The column mapping must be {field: column}.")
    known = {field.name for field in source.fields}
    problems: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for name, header in mapping.items():
        if name not in known:
            problems[str(name)] = [f"{source.label} has no field {name!r}."]
        elif header and header not in headers:
            problems[name] = [f"The file has no column {header!r}."]
        elif header:
            cleaned[name] = header
    for field in source.fields:
        if field.required and field.name not in cleaned and field.name not in problems:
            problems[field.name] = [f"{field.label} is required: choose the column that holds it."]
    if problems:
        raise ValidationFailed("Some fields are not mapped correctly.", fields=problems)
    return cleaned


def options_check(*, source: Source, options: dict | None) -> dict:
    """The source's options as its form cleans them (JSON-ready), or ValidationFailed."""
    if source.options_form is None:
        return {}
    form = source.options_form(data=options or {})
    if not form.is_valid():
        fields = {name: [str(error) for error in errors] for name, errors in form.errors.items()}
        raise ValidationFailed("Some options are not valid.", fields=fields)
    return {name: _json_ready(value) for name, value in form.cleaned_data.items()}


def _json_ready(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_ready(item) for item in value]
    if isinstance(value, models.QuerySet):
        return [item.pk for item in value]
    return value


def mapping_save(
    *, source_type: str, name: str, mapping: dict, headers: list[str], by
) -> SavedMapping:
    """Keep (or replace) the mapping under this name for the source."""
    name = name.strip()
    if not name:
        raise ValidationFailed("Give the mapping a name.", fields={"save_as": ["Required."]})
    if len(name) > 100:
        raise ValidationFailed(
            "A mapping name is at most 100 characters.", fields={"save_as": ["Too long."]}
        )
    saved, created = SavedMapping.objects.update_or_create(
        source_type=source_type,
        name=name,
        defaults={"mapping": mapping, "headers": list(headers), "created_by": by},
    )
    audit_record(
        actor=by,
        action="imports.mapping_save",
        target=saved,
        detail={"source_type": source_type, "name": name, "replaced": not created},
    )
    return saved


def mapping_delete(*, mapping: SavedMapping, by) -> None:
    """Forget a saved mapping; jobs that used it keep their own copy of the mapping."""
    detail = {"source_type": mapping.source_type, "name": mapping.name}
    audit_record(actor=by, action="imports.mapping_delete", target=mapping, detail=detail)
    mapping.delete()
