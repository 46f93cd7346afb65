"""Salesforce Cases: cases of the imported contacts, translated statuses, no SLA clocks."""

import dataclasses
import datetime as dt

import pytest

from rapport.access.tests.factories import ObjectiveFactory, QueueFactory
from rapport.cases.models import Case, CaseEvent, SlaBreach
from rapport.cases.services import sla_check
from rapport.customers.models import Customer
from rapport.imports.sources.salesforce import (
    SalesforceAccounts,
    SalesforceCases,
    SalesforceContacts,
)
from rapport.imports.tests.crm_export_lines import (
    context_for,
    job_counts,
    mapped_lines,
    process,
    whole_job,
)

pytestmark = pytest.mark.django_db

SOURCE = SalesforceCases()
FILE = "salesforce_cases.csv"
ERRORS = [
    (8, "CreatedDate is not a date (YYYY-MM-DD): 'yesterday'"),
    (
        9,
        "Status 'pending review' is not one of: closed, escalated, in progress, new, on hold, "
        "resolved, waiting on customer, working",
    ),
    (10, "ClosedDate is missing for a case whose Status is Closed"),
]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.fixture
def front_line():
    QueueFactory(code="tier-two", name="Specialists", tier=2)
    return QueueFactory(code="front", name="Front line", tier=1)


@pytest.fixture
def people(salesforce_owner):
    for source, file in (
        (SalesforceAccounts(), "salesforce_accounts.csv"),
        (SalesforceContacts(), "salesforce_contacts.csv"),
    ):
        source.process(mapped_lines(source, file), context_for(source))


def run(dry_run=False, lines=None, **options):
    return process(SOURCE, lines or mapped_lines(SOURCE, FILE), dry_run=dry_run, options=options)


def case(external_id: str) -> Case:
    return Case.objects.get(source="salesforce", external_id=external_id + "AAV")


def test_cases_join_their_customers_with_salesforce_words_translated(
    people, salesforce_owner, front_line
):
    outcome = run()

    assert outcome.errors == ERRORS
    assert (outcome.added, outcome.updated, outcome.unchanged) == (4, 0, 0)
    declined = Case.objects.get(subject="Card declined abroad")
    assert declined.customer == Customer.objects.get(first_name="Ada", last_name="Okafor")
    assert (declined.status, declined.priority, declined.channel) == ("closed", "high", "phone")
    assert declined.opened_at == at("2024-03-05T14:22:10")
    assert declined.closed_at == declined.resolved_at == at("2024-03-06T09:00")
    assert (declined.queue, declined.tier, declined.assignee) == (front_line, 1, salesforce_owner)
    assert declined.description == (
        "Customer says the card was declined in Lisbon.\nAsked them to confirm the travel notice."
    )
    assert declined.external_fields == {
        "CaseNumber": "00001001",
        "Origin": "Phone",
        "Status": "Closed",
        "Type": "Problem",
        "Reason": "Card issue",
    }
    address = Case.objects.get(subject="Change of address")
    assert (address.status, address.priority, address.channel) == ("open", "normal", "email")
    assert (address.closed_at, address.assignee) == (None, None)
    invoice = Case.objects.get(subject="Invoice copy")
    assert invoice.customer.organisation_name == "Acme Logistics Inc."  # by its business Account
    assert Case.objects.get(subject="Complaint about waiting time").customer is None
    assert (
        "1 row: ContactId names no customer imported from Salesforce; imported without one"
        in outcome.samples
    )
    assert (
        "1 row: OwnerId 0055g00000XxUnKAAV has no Rapport account; the case was imported unassigned"
        in outcome.samples
    )


def test_imported_cases_have_no_clocks_and_never_breach(people, front_line):
    ObjectiveFactory(first_response_minutes=60, resolution_minutes=480)

    run()
    sla_check()

    assert not Case.objects.filter(objective__isnull=False).exists()
    assert not Case.objects.filter(first_response_due__isnull=False).exists()
    assert not Case.objects.filter(resolution_due__isnull=False).exists()
    assert not SlaBreach.objects.exists()


def test_each_case_starts_its_timeline_when_it_was_opened(people, front_line):
    run()

    opened = CaseEvent.objects.get(case=case("5005g00000CsAaA"))
    assert (opened.kind, opened.at) == ("opened", at("2024-03-05T14:22:10"))
    assert opened.detail == {"queue": "Front line", "imported": "salesforce"}


def test_the_same_file_twice_changes_nothing_the_second_time(people, front_line):
    run()

    again = run()

    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)
    assert again.errors == ERRORS
    assert CaseEvent.objects.count() == 4


def test_a_case_closed_since_the_last_export_is_updated(people, front_line):
    run()
    lines = mapped_lines(SOURCE, FILE)
    closed = dataclasses.replace(
        lines[1],
        values=lines[1].values | {"Status": "Closed", "ClosedDate": "2024-05-02T10:00:00.000Z"},
    )

    outcome = run(lines=[closed])

    assert (outcome.added, outcome.updated, outcome.unchanged) == (0, 1, 0)
    moved = case("5005g00000CsBbB")
    assert (moved.status, moved.closed_at) == ("closed", at("2024-05-02T10:00"))
    assert moved.external_fields["Status"] == "Closed"


def test_the_queue_option_chooses_the_queue(people, front_line):
    billing = QueueFactory(code="billing", name="Billing", tier=1)

    run(queue="billing")

    assert set(Case.objects.values_list("queue", flat=True)) == {billing.pk}


def test_an_unknown_queue_refuses_every_row(people, front_line):
    outcome = run(queue="nowhere")

    assert outcome.errors == [
        (line, "queue 'nowhere' does not exist") for line in (2, 4, 5, 6, 8, 9, 10)
    ]
    assert not Case.objects.exists()


def test_without_a_front_line_queue_every_row_says_so(people):
    QueueFactory(tier=2)

    outcome = run()

    assert len(outcome.errors) == 7
    assert outcome.errors[0] == (
        2,
        "no queue to put the case in: add a tier-1 queue or choose one for this import",
    )


def test_a_dry_run_reports_the_same_and_writes_nothing(people, front_line):
    outcome = run(dry_run=True)

    assert outcome.errors == ERRORS
    assert (outcome.added, outcome.updated, outcome.unchanged) == (4, 0, 0)
    assert "add case Card declined abroad (salesforce 5005g00000CsAaAAAV)" in outcome.samples
    assert not Case.objects.exists()
    assert not CaseEvent.objects.exists()


def test_the_export_through_a_whole_import_job(people, front_line, importer, run_tasks):
    billing = QueueFactory(code="billing", name="Billing", tier=1)

    summary, job, errors = whole_job(
        run_tasks, importer, name=FILE, source_type=SOURCE.key, options={"queue": "billing"}
    )

    assert job.options == {"queue": "billing"}
    assert (summary["added"], summary["failed"]) == (4, 3)
    assert job_counts(job) == (4, 0, 0, 3)
    assert errors == ERRORS
    assert set(Case.objects.values_list("queue", flat=True)) == {billing.pk}
