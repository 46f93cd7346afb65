"""Survey design, draw settings and the invitations list: survey admins only, every change audited."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from rapport.access.tests.factories import ContactTypeFactory
from rapport.accounts.tests.factories import UserFactory
from rapport.core.models import AuditEvent
from rapport.surveys.models import Invitation, Question, Response, Survey
from rapport.surveys.selectors.design import draw_settings_get
from rapport.surveys.services import responses as response_services
from rapport.surveys.tests.factories_draw import invitation_for

PAGES = ["surveys:survey_list", "surveys:draw_settings", "surveys:invitations"]


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(UserFactory(roles=["admin"]))
    return client


@pytest.mark.parametrize("name", PAGES)
def test_only_survey_admins_see_the_pages(db, admin_client, name):
    for role in ("agent", "supervisor", "qa_analyst", "executive"):
        client = Client()
        client.force_login(UserFactory(roles=[role]))
        assert client.get(reverse(name)).status_code == 403
    assert Client().get(reverse(name)).status_code == 302
    assert admin_client.get(reverse(name)).status_code == 200


def test_the_default_survey_is_listed_and_in_the_draw(admin_client):
    html = admin_client.get(reverse("surveys:survey_list")).content.decode()
    assert "After your contact" in html and "sent to drawn customers" in html
    survey = Survey.objects.get(name="After your contact")
    kinds = list(survey.questions.order_by("order").values_list("kind", "required"))
    assert kinds == [("csat", True), ("ces", False), ("nps", False), ("text", False)]
    assert draw_settings_get().survey == survey


def test_make_a_survey_and_edit_its_questions(admin_client):
    made = admin_client.post(reverse("surveys:survey_list"), {"name": "  After  a visit "})
    survey = Survey.objects.get(name="After a visit")
    assert made["Location"] == reverse("surveys:survey_detail", args=[survey.pk])
    add = reverse("surveys:question_add", args=[survey.pk])
    admin_client.post(add, {"kind": "csat", "prompt": "How was it?", "required": "on"})
    refused = admin_client.post(add, {"kind": "choice", "prompt": "Which?", "choices": "Only one"})
    assert (
        refused.status_code == 400 and "Give 2 to 12 different answers" in refused.content.decode()
    )
    admin_client.post(add, {"kind": "choice", "prompt": "Which?", "choices": "Shop\nPhone"})
    first, second = survey.questions.order_by("order")
    assert second.choices == ["Shop", "Phone"]
    admin_client.post(reverse("surveys:question_move", args=[survey.pk, second.pk]), {"to": "up"})
    assert list(survey.questions.order_by("order").values_list("pk", flat=True)) == [
        second.pk,
        first.pk,
    ]
    admin_client.post(reverse("surveys:question_remove", args=[survey.pk, second.pk]))
    assert list(survey.questions.values_list("pk", flat=True)) == [first.pk]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"survey.created", "survey.question_added", "survey.question_moved"} <= actions
    assert "survey.question_removed" in actions


def test_questions_of_an_answered_survey_stay(admin_client):
    invitation = invitation_for()
    csat = invitation.survey.questions.get(kind="csat")
    response_services.response_submit(invitation=invitation, answers={str(csat.pk): "4"})
    url = reverse("surveys:question_remove", args=[invitation.survey.pk, csat.pk])
    page = admin_client.post(url, follow=True)
    assert "questions stay" in page.content.decode()
    assert Question.objects.filter(pk=csat.pk).exists()


def test_draw_settings_are_saved_and_audited(admin_client):
    kind = ContactTypeFactory()
    row = draw_settings_get()
    form = {
        "survey": row.survey_id,
        "rate": "0.25",
        "rate_chat": "0.5",
        "cooldown_days": "14",
        "expiry_days": "5",
        "min_responses": "40",
        "excluded_contact_types": [kind.pk],
    }
    saved = admin_client.post(reverse("surveys:draw_settings"), form)
    assert saved.status_code == 302
    row.refresh_from_db()
    assert (row.rate, row.channel_rates, row.cooldown_days) == (
        Decimal("0.250"),
        {"chat": "0.500"},
        14,
    )
    assert list(row.excluded_contact_types.all()) == [kind]
    assert AuditEvent.objects.filter(action="survey.draw_settings_changed").exists()
    bad = admin_client.post(reverse("surveys:draw_settings"), {**form, "rate": "2"})
    assert bad.status_code == 400
    row.refresh_from_db()
    assert row.rate == Decimal("0.250")


def test_seed_rotation_from_the_page_never_shows_the_seed(admin_client):
    before = draw_settings_get().seed
    page = admin_client.post(reverse("surveys:draw_seed_rotate"), follow=True)
    after = draw_settings_get().seed
    assert after != before
    assert after not in page.content.decode() and before not in page.content.decode()


def test_invitations_list_filters_and_shows_the_response_rate(
    admin_client, django_assert_max_num_queries
):
    for state in ["sent"] * 3 + ["answered"] * 2 + ["failed"]:
        sent_at = None if state == "failed" else timezone.now()
        Invitation.objects.filter(pk=invitation_for().pk).update(state=state, sent_at=sent_at)
    with django_assert_max_num_queries(15):
        page = admin_client.get(reverse("surveys:invitations"))
    html = page.content.decode()
    assert "Not enough data: 5 delivered invitations, 30 needed" in html
    assert "2 answered of 5 delivered. 1 could not be sent" in html
    failed = admin_client.get(reverse("surveys:invitations") + "?state=failed")
    assert failed.content.decode().count("<td>Could not be sent") == 1
    settings_row = draw_settings_get()
    settings_row.min_responses = 5
    settings_row.save()
    html = admin_client.get(reverse("surveys:invitations")).content.decode()
    assert "40%</span> answered" in html and "n = 5 delivered" in html
    assert not Response.objects.exists()


def test_invitations_api_for_survey_admins_only(db):
    invitation = invitation_for()
    admin = APIClient()
    admin.force_authenticate(UserFactory(roles=["admin"]))
    body = admin.get("/api/v1/surveys/invitations").json()
    assert [row["id"] for row in body["results"]] == [invitation.pk]
    assert "address" not in body["results"][0]
    assert admin.get("/api/v1/surveys/invitations?state=answered").json()["results"] == []
    agent = APIClient()
    agent.force_authenticate(UserFactory(roles=["supervisor"]))
    assert agent.get("/api/v1/surveys/invitations").status_code == 403
