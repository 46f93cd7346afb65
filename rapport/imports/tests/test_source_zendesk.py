"""Zendesk tickets: cases of their requesters (made for review when unknown), in their group's
queue, with Zendesk's satisfaction, channel and tags kept."""

import datetime as dt
import json

import pytest

from rapport.access.tests.factories import QueueFactory
from rapport.accounts.models import ExternalAccount
from rapport.accounts.tests.factories import UserFactory
from rapport.cases.models import Case
from rapport.customers.models import Customer
from rapport.customers.tests.factories import ContactPointFactory, CustomerFactory
from rapport.imports.sources.base import Line
from rapport.imports.sources.zendesk import TicketOptionsForm, ZendeskTickets
from rapport.imports.tests.crm_export_lines import (
    job_counts,
    mapped_lines,
    process,
    unmapped_headers,
    whole_job,
)

pytestmark = pytest.mark.django_db

SOURCE = ZendeskTickets()
FILE = "zendesk_tickets.csv"
ERRORS = [
    (7, "created_at is not a date (YYYY-MM-DD): '2024-13-45T10:00:00Z'"),
    (8, "priority 'critical' is not one of: high, low, normal, urgent"),
    (9, "requester_email is not a valid e-mail address: 'noor at example'"),
]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.fixture
def agent():
    user = UserFactory()
    ExternalAccount.objects.create(source="zendesk", external_id="361001", user=user)
    return user


@pytest.fixture
def queues():
    return {
        "front": QueueFactory(code="front", name="Front line", tier=1),
        "billing": QueueFactory(code="billing", name="Billing", tier=1),
    }


@pytest.fixture
def ada():
    customer = CustomerFactory(
        first_name="Ada", last_name="Okafor", source="salesforce", external_id="003"
    )
    ContactPointFactory(customer=customer, kind="email", value="ada.okafor@example.com")
    return customer


def run(dry_run=False, lines=None, **options):
    return process(SOURCE, lines or mapped_lines(SOURCE, FILE), dry_run=dry_run, options=options)


def ticket(external_id: str) -> Case:
    return Case.objects.get(source="zendesk", external_id=external_id)


def test_every_column_of_the_export_has_a_field():
    assert unmapped_headers(SOURCE, FILE) == []


def test_tickets_become_cases_of_their_requesters(agent, queues, ada):
    outcome = run(group_queues={"20002": "billing"})

    assert outcome.errors == ERRORS
    assert (outcome.added, outcome.updated, outcome.unchanged) == (4, 0, 0)
    refund = ticket("9001")
    assert (refund.customer, refund.assignee, refund.queue) == (ada, agent, queues["front"])
    assert (refund.status, refund.priority, refund.channel) == ("resolved", "high", "web")
    assert (refund.resolved_at, refund.closed_at) == (at("2024-05-12T16:30"), None)
    assert refund.description == "I returned the item on May 2.\nStill no refund."
    assert refund.external_fields == {
        "status": "solved",
        "via": "web",
        "satisfaction_rating": "good",
        "tags": ["refund", "returns"],
    }
    login = ticket("9002")
    assert (login.queue, login.assignee, login.channel) == (queues["billing"], None, "email")
    assert login.external_fields["tags"] == ["login", "web-app"]
    call = ticket("9003")
    assert call.subject == "Called about the delivery window for order 5512."
    assert (call.status, call.channel, call.customer) == ("waiting", "phone", login.customer)
    assert call.external_fields["satisfaction_rating"] == "bad"
    chat = ticket("9004")
    assert (chat.status, chat.channel) == ("closed", "chat")
    assert (chat.resolved_at, chat.closed_at) == (at("2024-04-02T10:00"), at("2024-04-09T00:00"))


def test_unknown_requesters_become_customers_for_review(agent, queues, ada):
    outcome = run()

    noor = Customer.objects.get(source="zendesk", external_id="7002")
    assert (noor.first_name, noor.last_name, noor.needs_review, noor.name_key) == (
        "Noor",
        "Haddad",
        True,
        "noor haddad",
    )
    assert noor.contact_points.get().normalised == "noor.haddad@example.com"
    nameless = Customer.objects.get(source="zendesk", external_id="7003")
    assert (nameless.last_name, nameless.needs_review) == ("Zendesk requester 7003", True)
    assert not Customer.objects.filter(source="zendesk", external_id="7001").exists()  # Ada
    assert Customer.objects.count() == 3
    assert "2 rows: the requester was unknown: a customer was made for review" in outcome.samples
    assert "1 row: assignee 361999 has no Rapport account; imported unassigned" in outcome.samples


def test_a_group_without_a_queue_is_noted(queues):
    outcome = run(group_queues={"20002": "billing"})

    assert "2 rows: group 20001 has no queue of its own; put in Front line" in outcome.samples


def test_the_same_file_twice_changes_nothing_the_second_time(agent, queues, ada):
    run()

    again = run()

    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)
    assert again.errors == ERRORS
    assert Customer.objects.count() == 3


def test_a_reopened_ticket_loses_its_solved_time(agent, queues, ada):
    run()
    reopened = mapped_lines(SOURCE, FILE)[0]
    values = reopened.values | {"status": "open", "solved_at": ""}

    outcome = run(lines=[Line(number=2, values=values)])

    assert (outcome.updated, outcome.unchanged) == (1, 0)
    assert (ticket("9001").status, ticket("9001").resolved_at) == ("open", None)


def test_api_exports_give_via_satisfaction_and_tags_as_json(queues):
    values = {
        "id": "9100",
        "subject": "Voicemail",
        "requester_id": "7100",
        "status": "new",
        "via": json.dumps({"channel": "voice", "source": {"from": {}}}),
        "satisfaction_rating": json.dumps({"score": "unoffered"}),
        "tags": json.dumps(["vip", "callback", "vip"]),
        "created_at": "2024-06-01T09:00:00Z",
    }

    outcome = run(lines=[Line(number=2, values=values)])

    assert outcome.added == 1
    case = ticket("9100")
    assert case.channel == "phone"
    assert case.external_fields == {
        "status": "new",
        "via": "voice",
        "satisfaction_rating": "unoffered",
        "tags": ["vip", "callback"],
    }


def test_a_dry_run_reports_the_same_and_writes_nothing(agent, queues, ada):
    outcome = run(dry_run=True)

    assert outcome.errors == ERRORS
    assert (outcome.added, outcome.updated, outcome.unchanged) == (4, 0, 0)
    assert "2 rows: the requester was unknown: a customer was made for review" in outcome.samples
    assert not Case.objects.exists()
    assert Customer.objects.get() == ada


def test_without_any_queue_every_ticket_is_refused():
    outcome = run()

    assert len(outcome.errors) == 7
    assert not Case.objects.exists()
    assert not Customer.objects.exists()


def test_the_options_form_reads_group_queues(queues):
    form = TicketOptionsForm(
        data={"queue": "front", "group_queues": "20002 = billing\n\n30 =billing"}
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "queue": "front",
        "group_queues": {"20002": "billing", "30": "billing"},
    }


def test_the_options_form_takes_its_own_cleaned_options_again(queues):
    form = TicketOptionsForm(data={"queue": "", "group_queues": {"20002": "billing"}})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["group_queues"] == {"20002": "billing"}


def test_the_options_form_refuses_unknown_queue_codes(queues):
    form = TicketOptionsForm(data={"group_queues": "20002 = nowhere"})

    assert form.errors == {"group_queues": ["No queue has the code nowhere."]}


def test_the_export_through_a_whole_import_job(agent, queues, ada, importer, run_tasks):
    summary, job, errors = whole_job(
        run_tasks,
        importer,
        name=FILE,
        source_type=SOURCE.key,
        options={"group_queues": "20002 = billing"},
    )

    assert job.options["group_queues"] == {"20002": "billing"}
    assert (summary["added"], summary["failed"]) == (4, 3)
    assert job_counts(job) == (4, 0, 0, 3)
    assert errors == ERRORS
    assert ticket("9002").queue == queues["billing"]
    assert Customer.objects.count() == 3


def test_an_api_export_in_json_lines_through_a_whole_import_job(agent, queues, importer, run_tasks):
    _, job, errors = whole_job(
        run_tasks,
        importer,
        name="zendesk_tickets_api.jsonl",
        source_type=SOURCE.key,
        options={"group_queues": {"20002": "billing"}},
    )

    assert job_counts(job) == (2, 0, 0, 1)
    assert errors == [(3, "requester_id is not a Zendesk id (digits): 'seven'")]  # no header line
    parcel, thanks = ticket("9201"), ticket("9202")
    assert (parcel.queue, parcel.channel, parcel.priority) == (queues["billing"], "email", "normal")
    assert parcel.description == "Ordered on the 3rd.\nTracking shows nothing."
    assert parcel.external_fields["tags"] == ["shipping", "where-is-my-order"]
    assert (thanks.channel, thanks.assignee, thanks.status) == ("phone", agent, "closed")
    assert thanks.external_fields["satisfaction_rating"] == "good"
    assert thanks.closed_at == at("2024-06-08T00:00")
    assert parcel.customer == thanks.customer  # one requester, made once
