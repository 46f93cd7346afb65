"""A customer's answers: validated with plain messages, stored once, credited to the surveyed
contact, scored, alerting on a low score, hashed device and network (never a raw address)."""

import datetime

import pytest
from django.utils import timezone

from rapport.access.tests.factories import ContactTypeFactory
from rapport.core.errors import Conflict, ValidationFailed
from rapport.insights import catalog as insight_catalog
from rapport.insights.models import Alert
from rapport.surveys.choices import InvitationState
from rapport.surveys.models import Invitation, Response
from rapport.surveys.selectors.invitations import InvitationExpired
from rapport.surveys.services import responses as services
from rapport.surveys.signals import survey_answered
from rapport.surveys.tests.factories_draw import invitation_for


def _ids(invitation) -> dict[str, str]:
    return {q.kind: str(q.pk) for q in invitation.survey.questions.all()}


def test_answers_are_stored_and_credited_to_the_surveyed_contact(db):
    kind = ContactTypeFactory()
    invitation = invitation_for(contact_type=kind, ago=datetime.timedelta(days=2))
    q = _ids(invitation)
    heard = []

    def listen(sender, response, **kwargs):
        heard.append(response.pk)

    survey_answered.connect(listen, dispatch_uid="test.listen")
    try:
        response = services.response_submit(
            invitation=invitation,
            answers={
                q["csat"]: "4",
                q["ces"]: "6",
                q["nps"]: "9",
                q["text"]: "Thank you, great help",
            },
            device=services.device_hash("Mozilla/5.0"),
            network=services.network_hash("203.0.113.5"),
        )
    finally:
        survey_answered.disconnect(dispatch_uid="test.listen")
    assert (response.csat, response.ces, response.nps) == (4, 6, 9)
    assert response.answers[q["text"]] == "Thank you, great help"
    assert response.verbatim == "Thank you, great help"
    assert response.sentiment is not None and response.sentiment > 0
    interaction = invitation.interaction
    assert response.day == timezone.localdate(interaction.started_at)
    assert (response.agent_id, response.team_id) == (
        interaction.agent_id,
        interaction.agent.team_id,
    )
    assert (response.channel, response.contact_type_id) == ("phone", kind.pk)
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.ANSWERED and invitation.answered_at is not None
    assert heard == [response.pk]


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("csat", "6", "Choose a number from 1 to 5."),
        ("csat", "", "Please answer this question."),
        ("csat", "four", "Choose a number from 1 to 5."),
        ("nps", "11", "Choose a number from 0 to 10."),
        ("ces", "0", "Choose a number from 1 to 7."),
        ("text", "x" * 2001, "Please keep it under 2,000 characters (this is 2,001)."),
    ],
)
def test_each_answer_is_checked_against_its_question(db, kind, value, message):
    invitation = invitation_for()
    q = _ids(invitation)
    answers = {q["csat"]: "3", q[kind]: value}
    with pytest.raises(ValidationFailed) as refused:
        services.response_submit(invitation=invitation, answers=answers)
    assert refused.value.fields == {f"q{q[kind]}": [message]}
    assert not Response.objects.exists()
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.QUEUED


def test_a_choice_question_takes_only_its_answers(db):
    invitation = invitation_for()
    question = invitation.survey.questions.create(
        kind="choice", prompt="How did you reach us?", choices=["Phone", "Chat"], order=9
    )
    q = _ids(invitation)
    with pytest.raises(ValidationFailed) as refused:
        services.response_submit(
            invitation=invitation, answers={q["csat"]: "5", str(question.pk): "Pigeon"}
        )
    assert refused.value.fields == {f"q{question.pk}": ["Choose one of the answers shown."]}
    response = services.response_submit(
        invitation=invitation, answers={q["csat"]: "5", str(question.pk): "Chat"}
    )
    assert response.answers[str(question.pk)] == "Chat"


def test_an_answer_to_a_question_not_asked_is_refused(db):
    invitation = invitation_for()
    with pytest.raises(ValidationFailed, match="does not ask"):
        services.response_submit(invitation=invitation, answers={"999999": "5"})


def test_a_second_submit_is_refused_and_changes_nothing(db):
    invitation = invitation_for()
    q = _ids(invitation)
    first = services.response_submit(invitation=invitation, answers={q["csat"]: "5"})
    with pytest.raises(Conflict, match="already been answered"):
        services.response_submit(invitation=invitation, answers={q["csat"]: "1"})
    assert list(Response.objects.values_list("pk", "csat")) == [(first.pk, 5)]


def test_an_expired_invitation_takes_no_answers(db):
    invitation = invitation_for()
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    with pytest.raises(InvitationExpired):
        services.response_submit(invitation=invitation, answers={_ids(invitation)["csat"]: "5"})
    assert not Response.objects.exists()


def test_a_low_score_raises_the_alert_rule(db):
    insight_catalog.defaults_ensure()
    invitation = invitation_for()
    q = _ids(invitation)
    response = services.response_submit(
        invitation=invitation, answers={q["csat"]: "1", q["text"]: "Still waiting, useless."}
    )
    alert = Alert.objects.get(source_key=f"response:{response.pk}")
    assert alert.interaction_id == invitation.interaction_id
    happy = invitation_for()
    good = services.response_submit(invitation=happy, answers={_ids(happy)["csat"]: "5"})
    assert not Alert.objects.filter(source_key=f"response:{good.pk}").exists()


def test_the_lowest_answer_on_its_own_scale_is_what_the_low_score_rule_reads(db):
    insight_catalog.defaults_ensure()
    detractor = invitation_for()
    q = _ids(detractor)
    # A 4 out of 5 is fine, a 0 out of 10 is not: the alert comes from the NPS answer.
    response = services.response_submit(
        invitation=detractor, answers={q["csat"]: "4", q["nps"]: "0"}
    )
    alert = Alert.objects.get(source_key=f"response:{response.pk}")
    assert alert.reasons[0]["text"].startswith("Survey answer 0 on 0–10 (NPS).")

    promoter = invitation_for()
    q = _ids(promoter)
    fine = services.response_submit(invitation=promoter, answers={q["csat"]: "4", q["nps"]: "9"})
    assert not Alert.objects.filter(source_key=f"response:{fine.pk}").exists()


def test_device_and_network_are_keyed_hashes_never_the_address():
    same_net = services.network_hash("203.0.113.5")
    assert same_net == services.network_hash("203.0.113.77")
    assert same_net != services.network_hash("203.0.114.5")
    assert len(same_net) == 16 and "203" not in same_net
    assert services.network_hash("::ffff:203.0.113.9") == same_net
    v6 = services.network_hash("2001:db8:1:2::1")
    assert v6 == services.network_hash("2001:db8:1:ffff::9")
    assert v6 != services.network_hash("2001:db8:2::1")
    assert services.network_hash("not an address") == "" and services.network_hash("") == ""
    device = services.device_hash("Mozilla/5.0 (iPhone)")
    assert len(device) == 16 and device != services.device_hash("Mozilla/5.0 (Android)")
