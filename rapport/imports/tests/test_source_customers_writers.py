"""The two writers of the customers source give the same database: the ORM's bulk helpers (every
database) and COPY (PostgreSQL). Run with DATABASE_URL naming a PostgreSQL database; on SQLite
only the ORM writer exists and the other tests cover it."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from rapport.accounts.models import ExternalAccount
from rapport.accounts.tests.factories import UserFactory
from rapport.customers import services as customer_services
from rapport.customers.models import ContactPoint, Customer
from rapport.customers.services import ContactPointInput
from rapport.customers.tests.factories import HouseholdFactory
from rapport.imports.models import ImportJob
from rapport.imports.sources import customers_copy
from rapport.imports.sources.base import Context, Line
from rapport.imports.sources.customers import Writer, import_batch, write_with_orm

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the COPY writer needs PostgreSQL"
    ),
]

FIXTURES = Path(__file__).parent / "fixtures"
RUNS = (
    "customers_first.csv",
    "customers_first.csv",
    "customers_changed.csv",
    "customers_errors.csv",
)
SKIP = {"id", "customer_id", "created_at", "updated_at", "history_id", "history_date"}


def lines_from(name: str) -> list[Line]:
    with (FIXTURES / name).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return [Line(number=reader.line_num, values=row) for row in reader]


def runs(write: Writer | None, job: ImportJob) -> list[tuple[Any, ...]]:
    outcomes = []
    for name in RUNS:
        ctx = Context(job_id=job.pk, source_label="import", default_region="US")
        outcome = import_batch(lines_from(name), ctx, write=write)
        outcomes.append(
            (outcome.added, outcome.updated, outcome.unchanged, outcome.errors, outcome.samples)
        )
    return outcomes


def external(customer_id: int | None) -> str:
    return Customer.objects.get(pk=customer_id).external_id or "" if customer_id else ""


def snapshot() -> dict[str, list]:
    """Everything the import wrote, with primary keys replaced by the external ids they name."""

    def rows(queryset, key: str) -> list:
        return sorted(
            (
                (tuple(sorted((k, v) for k, v in row.items() if k not in SKIP)), external(row[key]))
                for row in queryset.values()
            ),
            key=repr,
        )

    return {
        "customers": rows(Customer.objects.all(), "id"),
        "customer history": rows(Customer.history.all(), "id"),
        "points": rows(ContactPoint.objects.all(), "customer_id"),
        "point history": rows(ContactPoint.history.all(), "customer_id"),
    }


def forget_imported() -> None:
    Customer.objects.filter(source="import").delete()
    Customer.history.filter(source="import").delete()
    ContactPoint.history.exclude(customer_id__in=Customer.objects.values("id")).delete()


@pytest.fixture
def job():
    HouseholdFactory(name="The Okafors", source="import", external_id="HH-1")
    UserFactory(username="jdoe")
    ExternalAccount.objects.create(
        source="import", external_id="crm-owner-7", user=UserFactory(username="owner7")
    )
    # A number someone else holds, so the rule for taken contact points is compared too.
    customer_services.customer_create(
        first_name="Sam",
        last_name="Holder",
        contact_points=[ContactPointInput(kind="phone", value="+1 212 555 0139")],
    )
    return ImportJob.objects.create(
        created_by=UserFactory(), source_type="customers", filename="c.csv", file_format="csv"
    )


def test_copy_and_the_orm_write_the_same_rows_and_count_the_same(job):
    with_orm = runs(write_with_orm, job)
    written_by_orm = snapshot()
    forget_imported()
    with_copy = runs(customers_copy.write, job)
    written_by_copy = snapshot()
    forget_imported()

    overlapped = runs(None, job)  # the default: COPY from a second thread

    assert with_copy == with_orm == overlapped
    assert written_by_copy == written_by_orm == snapshot()
    assert [run[:3] for run in with_copy] == [(7, 0, 0), (0, 0, 7), (0, 3, 4), (1, 0, 0)]
    # Seven added, two changed, one added by the last file, and Sam (made by the services).
    assert len(written_by_orm["customer history"]) == 7 + 2 + 1 + 1
