"""The admin site reads polls but never changes them (an open poll's questions are what its
answers answer), and never shows a response: answers are not shown with a name."""

import pytest
from django.contrib import admin as django_admin
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from rapport.briefings.models import Poll, PollAnswer, PollQuestion, PollResponse
from rapport.briefings.services import polls as services
from rapport.briefings.tests.factories_polls import answers_for, open_poll

pytestmark = pytest.mark.django_db


def test_polls_and_their_questions_are_read_only(client_for):
    client, admin_user = client_for("admin")
    poll = open_poll(kinds=("rating",))
    question = poll.questions.get()
    request = RequestFactory().get("/")
    request.user = admin_user
    poll_admin = django_admin.site._registry[Poll]

    assert not poll_admin.has_change_permission(request, poll)
    assert not poll_admin.has_delete_permission(request, poll)
    assert not poll_admin.has_add_permission(request)
    for inline in poll_admin.get_inline_instances(request, poll):
        assert not inline.has_change_permission(request, poll)
        assert not inline.has_delete_permission(request, poll)
    change = reverse("admin:briefings_poll_change", args=[poll.pk])
    assert client.get(change).status_code == 200
    posted = client.post(
        change,
        {
            "title": poll.title,
            "questions-TOTAL_FORMS": "1",
            "questions-INITIAL_FORMS": "1",
            "questions-0-id": question.pk,
            "questions-0-poll": poll.pk,
            "questions-0-kind": "text",
            "questions-0-text": "Changed after answers?",
        },
    )
    assert posted.status_code == 403
    assert PollQuestion.objects.get(pk=question.pk).kind == "rating"


def test_responses_are_not_in_the_admin_and_do_not_name_anyone(make_user):
    poll = open_poll(kinds=("rating",))
    person = make_user("agent", first_name="Zelda", last_name="Quist", username="zquist")
    response = services.poll_answer(poll=poll, respondent=person, data=answers_for(poll))

    assert not django_admin.site.is_registered(PollResponse)
    assert not django_admin.site.is_registered(PollAnswer)
    with pytest.raises(NoReverseMatch):
        reverse("admin:briefings_pollresponse_changelist")
    shown = str(PollResponse.objects.get(pk=response.pk))
    assert "Zelda" not in shown and "zquist" not in shown and "Quist" not in shown
