"""The desktop page: who sees it, my queue, my state, and the contact it opens with."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.cases.tests.factories import CaseFactory
from rapport.customers.tests.factories import CustomerFactory
from rapport.workspace.tests.conftest import call_for

pytestmark = pytest.mark.django_db

DESK = "/desk/"


def _text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_case_workers_see_the_desktop(client_for, role):
    client, _ = client_for(role)

    response = client.get(DESK)

    assert response.status_code == 200
    assert "My queue" in _text(response)
    assert 'id="state-form"' in _text(response)
    assert "workspace/desktop.js" in _text(response)


@pytest.mark.parametrize("role", ["trainer", "qa_analyst", "marketer", "executive"])
def test_other_roles_do_not(client_for, role):
    client, _ = client_for(role)

    assert client.get(DESK).status_code == 403
    assert client.get("/desk/pop/").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(DESK)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_my_queue_lists_my_cases_and_my_teams_unassigned_ones(client, desk):
    now = timezone.now()
    mine = CaseFactory(
        subject="Card blocked",
        queue=desk.tier2,
        assignee=desk.agent,
        status="open",
        priority="urgent",
        resolution_due=now - datetime.timedelta(hours=1),
    )
    waiting = CaseFactory(
        subject="Waiting on a statement",
        queue=desk.tier1,
        status="waiting",
        resolution_due=now + datetime.timedelta(days=1),
    )
    CaseFactory(subject="A colleague's case", queue=desk.tier1, assignee=desk.other_agent)
    CaseFactory(subject="Second line work", queue=desk.tier2)
    CaseFactory(subject="Long done", queue=desk.tier1, status="closed")
    client.force_login(desk.agent)

    text = _text(client.get(DESK))

    assert mine.reference in text and "Card blocked" in text
    assert waiting.reference in text and "Waiting for customer" in text
    assert "Overdue" in text and "Urgent" in text
    for hidden in ("colleague", "Second line work", "Long done"):
        assert hidden not in text


def test_my_queue_is_paginated_and_pages_by_htmx(client, desk, django_assert_max_num_queries):
    for n in range(20):
        CaseFactory(subject=f"Queue case {n:02d}", queue=desk.tier1, customer=CustomerFactory())
    client.force_login(desk.agent)

    with django_assert_max_num_queries(12):
        first = client.get(DESK)
    second = client.get(DESK, {"page": 2}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue")

    assert first.status_code == 200
    assert _text(first).count("Queue case") == 15
    assert "page 1 of 2" in _text(first)
    assert _text(second).count("Queue case") == 5
    assert "<html" not in _text(second).lower()
    assert 'id="queue"' in _text(second)


def test_queue_query_count_does_not_grow_with_the_queue(client, desk):
    for _ in range(3):
        CaseFactory(queue=desk.tier1, customer=CustomerFactory())
    client.force_login(desk.agent)
    client.get(DESK)  # the session is warm for both measurements
    with CaptureQueriesContext(connection) as few:
        client.get(DESK)
    for _ in range(12):
        CaseFactory(queue=desk.tier1, customer=CustomerFactory())

    with CaptureQueriesContext(connection) as many:
        response = client.get(DESK)

    assert _text(response).count('hx-boost="false">C-') == 15
    assert len(many) == len(few)


def test_opens_with_the_contact_offered_last_until_it_is_wrapped_up(client, desk):
    call, pop = call_for(desk.agent, customer=desk.customer)
    client.force_login(desk.agent)

    open_call = _text(client.get(DESK))
    call.wrapped_up_at = timezone.now()
    call.save()
    after_wrap_up = _text(client.get(DESK))

    assert 'data-testid="caller-name">Ada Okafor<' in open_call
    assert f'data-after="{pop.pk}"' in open_call
    assert "No contact right now" in after_wrap_up
    assert f'data-after="{pop.pk}"' in after_wrap_up


def test_shows_one_of_my_contacts_by_id_but_never_someone_elses(client, desk):
    mine, _ = call_for(desk.agent, customer=desk.customer)
    theirs, _ = call_for(desk.other_agent, customer=desk.customer, sender="+12125550101")
    client.force_login(desk.agent)

    assert client.get(DESK, {"contact": mine.pk}).status_code == 200
    assert client.get(DESK, {"contact": theirs.pk}).status_code == 404
    assert client.get(DESK, {"contact": "nonsense"}).status_code == 404


def test_shows_the_keyboard_shortcuts_with_accessible_labels(client, desk):
    call_for(desk.agent, customer=desk.customer)
    client.force_login(desk.agent)

    text = _text(client.get(DESK))

    for key in ("n", "w", "e", "r", "a", "/", "?"):
        assert f"<kbd>{key}</kbd>" in text
    for key in ("n", "w", "e", "r"):
        assert f'aria-keyshortcuts="{key}"' in text
    assert 'role="dialog"' not in text  # native <dialog> elements carry the role themselves
    assert '<dialog id="wrap-up-dialog"' in text and 'aria-labelledby="h-wrap"' in text
    assert '<label class="form-label" for="note_text">Call note' in text
