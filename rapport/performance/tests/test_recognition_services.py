"""Recognition services: kudos from colleagues, compliments credited once from wrap-up."""

import pytest

from rapport.access.tests.factories import ContactTypeFactory
from rapport.accounts.tests.factories import UserFactory
from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.core.models import AuditEvent
from rapport.interactions import services as interaction_services
from rapport.interactions.tests.factories import InteractionFactory
from rapport.performance.choices import KudosKind
from rapport.performance.models import Kudos
from rapport.performance.services import recognition

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "role", ["agent", "supervisor", "trainer", "qa_analyst", "marketer", "executive", "admin"]
)
def test_any_staff_member_gives_kudos(role):
    giver, agent = UserFactory(roles=[role]), UserFactory(roles=["agent"])

    kudos = recognition.kudos_give(by=giver, agent=agent, message="Calm on a hard call")

    assert kudos.kind == KudosKind.KUDOS and kudos.agent == agent and kudos.given_by == giver
    audit = AuditEvent.objects.get(action="performance.kudos_given")
    assert audit.actor == giver and audit.target_id == str(kudos.pk)
    assert audit.detail["agent"] == agent.pk


def test_kudos_to_yourself_are_refused():
    agent = UserFactory(roles=["agent"])

    with pytest.raises(ValidationFailed) as refused:
        recognition.kudos_give(by=agent, agent=agent, message="I was great")

    assert "agent" in refused.value.fields
    assert not Kudos.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [{"roles": ["supervisor"]}, {"roles": ["agent"], "is_active": False}, {"roles": []}],
)
def test_kudos_go_to_active_agents_only(fields):
    receiver = UserFactory(**fields)

    with pytest.raises(ValidationFailed, match="active agents"):
        recognition.kudos_give(by=UserFactory(roles=["agent"]), agent=receiver, message="Thanks!")

    assert not Kudos.objects.exists()


def test_someone_without_a_role_cannot_give_kudos():
    with pytest.raises(PermissionDenied):
        recognition.kudos_give(
            by=UserFactory(), agent=UserFactory(roles=["agent"]), message="Hi there"
        )


@pytest.mark.parametrize(
    "message,stored",
    [
        ("  Great   save\u00a0today  ", "Great save today"),
        ("Cafe\u0301 regulars love you", "Caf\u00e9 regulars love you"),
        ("Line one\n\n  line two ", "Line one\n\nline two"),
        ("ok\x00k!", "okk!"),
        ("abc", "abc"),
        ("x" * 500, "x" * 500),
    ],
)
def test_the_message_is_normalised(message, stored):
    kudos = recognition.kudos_give(
        by=UserFactory(roles=["agent"]), agent=UserFactory(roles=["agent"]), message=message
    )

    assert kudos.message == stored


@pytest.mark.parametrize("message", ["", "  ", "ab", " a\n\n ", "x" * 501])
def test_a_message_of_3_to_500_characters(message):
    with pytest.raises(ValidationFailed) as refused:
        recognition.kudos_give(
            by=UserFactory(roles=["agent"]), agent=UserFactory(roles=["agent"]), message=message
        )

    assert "message" in refused.value.fields


def test_kudos_about_a_contact_must_be_the_agents_contact():
    agent, other = UserFactory(roles=["agent"]), UserFactory(roles=["agent"])
    theirs = InteractionFactory(agent=other, customer=None)
    mine = InteractionFactory(agent=agent, customer=None)
    giver = UserFactory(roles=["supervisor"])

    with pytest.raises(ValidationFailed):
        recognition.kudos_give(by=giver, agent=agent, message="Nice one", interaction=theirs)
    kudos = recognition.kudos_give(by=giver, agent=agent, message="Nice one", interaction=mine)

    assert kudos.interaction == mine


def test_a_compliment_is_credited_once_however_often_wrap_up_is_saved():
    agent = UserFactory(roles=["agent"])
    contact = InteractionFactory(agent=agent, channel="chat", customer=None)
    reason = ContactTypeFactory()

    for _ in range(2):
        interaction_services.wrap_up(
            interaction=contact,
            by=agent,
            contact_type=reason,
            outcome="resolved",
            relationship_attempt=True,
            compliment_received=True,
        )

    credited = Kudos.objects.get()
    assert credited.kind == KudosKind.COMPLIMENT and credited.agent == agent
    assert credited.interaction == contact and credited.given_by is None
    assert "chat" in credited.message


def test_no_compliment_no_credit():
    agent = UserFactory(roles=["agent"])
    contact = InteractionFactory(agent=agent, customer=None)

    interaction_services.wrap_up(
        interaction=contact,
        by=agent,
        contact_type=ContactTypeFactory(),
        outcome="resolved",
        relationship_attempt=False,
        compliment_received=False,
    )

    assert not Kudos.objects.exists()
