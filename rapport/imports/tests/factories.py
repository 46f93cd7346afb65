"""Factories and file builders for import tests."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from rapport.accounts.tests.factories import UserFactory
from rapport.imports.models import ImportJob, SavedMapping

HOUSEHOLD_HEADER = ["Household ID", "Name", "Street", "Zip", "City", "State", "Country"]


class ImportJobFactory(factory.django.DjangoModelFactory[ImportJob]):
    """A job row as it stands after upload (use job_create to go through detection)."""

    class Meta:
        model = ImportJob

    created_by = factory.SubFactory(UserFactory, roles=["admin"])
    source_type = "households"
    filename = "households.csv"
    file = factory.django.FileField(filename="households.csv", data=b"Household ID,Name\n1,A\n")
    file_format = "csv"
    encoding = "utf-8"
    delimiter = ","
    headers = factory.LazyFunction(lambda: ["Household ID", "Name"])
    mapping = factory.LazyFunction(lambda: {"external_id": "Household ID", "name": "Name"})
    # A job made in a running state has a worker on it, as far as cancelling is concerned.
    heartbeat_at = factory.LazyFunction(timezone.now)


class SavedMappingFactory(factory.django.DjangoModelFactory[SavedMapping]):
    class Meta:
        model = SavedMapping

    source_type = "households"
    name = factory.Sequence(lambda n: f"Mapping {n}")
    headers = factory.LazyFunction(lambda: ["HH", "Label"])
    mapping = factory.LazyFunction(lambda: {"external_id": "HH", "name": "Label"})


def household_row(number: int, *, city: str = "Springfield") -> list[str]:
    return [
        f"HH-{number:06d}",
        f"The Family {number}",
        f"{number} Main St",
        "62701",
        city,
        "IL",
        "US",
    ]


def household_rows(count: int, *, start: int = 1, city: str = "Springfield") -> list[list[str]]:
    return [household_row(number, city=city) for number in range(start, start + count)]


def csv_bytes(
    rows: Iterable[Sequence[str]],
    *,
    header: Sequence[str] = HOUSEHOLD_HEADER,
    delimiter: str = ",",
    encoding: str = "utf-8",
    newline: str = "\r\n",
    bom: bool = False,
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def csv_upload(
    rows: Iterable[Sequence[str]], *, name: str = "households.csv", **options
) -> ContentFile:
    return ContentFile(csv_bytes(rows, **options), name=name)


def jsonl_bytes(objects: Iterable[object]) -> bytes:
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in objects).encode()


def xlsx_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
