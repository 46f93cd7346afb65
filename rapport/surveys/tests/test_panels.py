"""The customer view's "Surveys" panel: the customer's invitations and answers."""

import pytest

from rapport.surveys.services.responses import response_submit
from rapport.surveys.tests.factories_draw import invitation_for

pytestmark = pytest.mark.django_db


def panel(client, customer) -> str | None:
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    if 'data-testid="customer-surveys"' not in page:
        return None
    start = page.index('data-testid="customer-surveys"')
    return page[start : page.index("</section>", start)]


def answered_invitation():
    invitation = invitation_for()
    questions = {q.kind: q for q in invitation.survey.questions.all()}
    response_submit(
        invitation=invitation,
        answers={questions["csat"].pk: 2, questions["nps"].pk: 3},
        verbatim="Still waiting for the engineer.",
        device="d",
        network="n",
    )
    return invitation


def test_the_panel_shows_each_answer_and_the_customers_comment(client_for):
    invitation = answered_invitation()
    client, _ = client_for("agent")

    shown = panel(client, invitation.customer)

    assert shown is not None
    assert "CSAT 2/5" in shown and "recommend 3/10" in shown
    assert "Still waiting for the engineer." in shown


def test_a_marketer_never_sees_what_the_customer_wrote_in_a_survey(client_for):
    invitation = answered_invitation()
    client, _ = client_for("marketer")

    assert panel(client, invitation.customer) is None


def test_an_agent_sees_answers_but_not_which_contacts_were_drawn_nor_who_had_them(client_for):
    answered = answered_invitation()
    pending = invitation_for(customer=answered.customer)
    agent_client, _ = client_for("agent")

    shown = panel(agent_client, answered.customer)

    assert shown is not None and "CSAT 2/5" in shown
    assert "Queued" not in shown and "Answered" not in shown
    assert str(answered.agent) not in shown and str(pending.agent) not in shown

    admin_client, _ = client_for("admin")
    seen_by_admin = panel(admin_client, answered.customer)
    assert seen_by_admin is not None and "Queued" in seen_by_admin
    assert str(answered.agent) in seen_by_admin
