"""The public survey page: no login, phone- and screen-reader-friendly markup, no script, and a
plain answer (200/410/404) for answered, expired and tampered links."""

import datetime
import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.models import RoleSecurityPolicy
from rapport.accounts.tests.factories import UserFactory
from rapport.surveys.choices import InvitationState
from rapport.surveys.models import Invitation, Response
from rapport.surveys.services import invitations as invitation_services
from rapport.surveys.tests.factories_draw import invitation_for


def _url(invitation) -> str:
    return reverse("survey_public:answer", args=[invitation_services.invitation_token(invitation)])


def test_the_page_opens_without_login_and_is_accessible_on_a_phone(db):
    invitation = invitation_for()
    page = Client().get(_url(invitation))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="en">' in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert "<script" not in html and "<nav" not in html
    questions = list(invitation.survey.questions.order_by("order"))
    scored = [q for q in questions if q.kind != "text"]
    assert html.count("<fieldset") == len(scored) and html.count("<legend>") == len(scored)
    for question in scored:
        assert question.prompt in html
    # Every radio button has a visible label of its own.
    radios = re.findall(r'<input type="radio"[^>]* id="([^"]+)"', html)
    assert len(radios) == 5 + 7 + 11
    for radio_id in radios:
        assert f'<label class="btn btn-outline-primary choice" for="{radio_id}">' in html
    assert "Very dissatisfied" in html and "Very satisfied" in html
    text = next(q for q in questions if q.kind == "text")
    assert f'<label class="form-label fw-semibold fs-5" for="id_q{text.pk}">' in html
    assert "Content-Security-Policy" in page.headers
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.OPENED


def test_answering_stores_a_response_and_thanks(db):
    invitation = invitation_for()
    csat = invitation.survey.questions.get(kind="csat")
    client = Client(REMOTE_ADDR="198.51.100.23", HTTP_USER_AGENT="Mozilla/5.0 (iPhone)")
    url = _url(invitation)
    client.get(url)
    answered = client.post(url, {f"q{csat.pk}": "5"})
    assert answered.status_code == 302
    thanks = client.get(answered["Location"])
    assert thanks.status_code == 200 and invitation.survey.thanks in thanks.content.decode()
    response = Response.objects.get(invitation=invitation)
    assert response.csat == 5 and len(response.network) == 16
    stored = " ".join(
        str(v) for v in Response.objects.filter(pk=response.pk).values().first().values()
    )
    assert "198.51.100" not in stored and "iPhone" not in stored
    again = client.get(url)
    assert again.status_code == 200 and "already been answered" in again.content.decode()
    resubmit = client.post(url, {f"q{csat.pk}": "1"})
    assert resubmit.status_code == 200 and Response.objects.get().csat == 5


def test_a_wrong_answer_shows_an_error_summary_linked_to_the_field(db):
    invitation = invitation_for()
    csat = invitation.survey.questions.get(kind="csat")
    nps = invitation.survey.questions.get(kind="nps")
    page = Client().post(_url(invitation), {f"q{nps.pk}": "12"})
    assert page.status_code == 400
    html = page.content.decode()
    assert "2 answers need another look." in html
    assert f'<a href="#id_q{csat.pk}_1">' in html and f'<a href="#id_q{nps.pk}_0">' in html
    assert f'aria-describedby="q{csat.pk}_error"' in html and 'aria-invalid="true"' in html
    assert "<title>Error:" in html
    assert not Response.objects.exists()


def test_expired_tampered_and_unknown_links_get_plain_pages(db):
    invitation = invitation_for()
    url = _url(invitation)
    token = invitation_services.invitation_token(invitation)
    tampered = Client().get(reverse("survey_public:answer", args=[token[:-1] + "x"]))
    assert tampered.status_code == 404 and "not valid" in tampered.content.decode()
    assert Client().get("/s/garbage/").status_code == 404
    assert Client().post("/s/garbage/", {"q1": "5"}).status_code == 404
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    expired = Client().get(url)
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    assert Client().post(url, {}).status_code == 410


def test_a_signed_in_colleague_with_a_second_factor_rule_sees_the_page(db):
    RoleSecurityPolicy.objects.update_or_create(
        role="supervisor", defaults={"require_second_factor": True}
    )
    user = UserFactory(roles=["supervisor"])
    client = Client()
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 302  # elsewhere: verify first
    assert client.get(_url(invitation_for())).status_code == 200
