"""The module card: its text stays at hand after a failed check, and it renders in the same
number of queries however many questions the module has."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.learning.tests.factories_learning import (
    AssignmentFactory,
    module_with_questions,
    post_data,
    wrong_answers,
)

pytestmark = pytest.mark.django_db


def test_after_a_failed_check_the_module_text_can_be_read_again(client_for):
    client, agent = client_for("agent")
    assignment = AssignmentFactory(agent=agent, module=module_with_questions(2))
    check = reverse("learning:assignment_check", args=[assignment.pk])

    failed = client.post(check, post_data(wrong_answers(assignment.module)), HTTP_HX_REQUEST="true")

    body = failed.content.decode()
    assert 'data-testid="failed"' in body
    assert 'data-testid="module-body-again"' in body
    assert "<strong>first</strong>" in body  # the module's markdown body, rendered


def _take_page_queries(client, agent, questions: int) -> int:
    assignment = AssignmentFactory(agent=agent, module=module_with_questions(questions))
    url = reverse("learning:assignment", args=[assignment.pk])
    client.get(url)  # the first visit starts the assignment
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url)
    assert page.status_code == 200 and page.content.decode().count("<fieldset") == questions
    return len(captured.captured_queries)


def test_the_card_does_not_query_per_question(client_for):
    client, agent = client_for("agent")

    one = _take_page_queries(client, agent, 1)
    many = _take_page_queries(client, agent, 6)

    assert many == one


def test_a_failed_check_does_not_query_per_question(client_for):
    client, agent = client_for("agent")
    small = AssignmentFactory(agent=agent, module=module_with_questions(1))
    large = AssignmentFactory(agent=agent, module=module_with_questions(6))

    def post(assignment):
        check = reverse("learning:assignment_check", args=[assignment.pk])
        data = post_data(wrong_answers(assignment.module))
        with CaptureQueriesContext(connection) as captured:
            response = client.post(check, data, HTTP_HX_REQUEST="true")
        assert 'data-testid="failed"' in response.content.decode()
        return len(captured.captured_queries)

    assert post(large) == post(small)
