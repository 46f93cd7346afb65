"""/api/v1/kudos/: recognition across the center, and giving kudos."""

import pytest
from rest_framework.test import APIClient

from rapport.accounts.tests.factories import UserFactory
from rapport.core.roles import Role
from rapport.interactions.tests.factories import InteractionFactory
from rapport.performance.choices import KudosKind
from rapport.performance.models import Kudos
from rapport.performance.tests.factories_goals import KudosFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/kudos/"


def client(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user=user)
    return api


@pytest.mark.parametrize("role", list(Role.values))
def test_everyone_reads_recognition(role):
    kudos = KudosFactory()

    response = client(UserFactory(roles=[role])).get(URL)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [kudos.pk]


def test_anonymous_is_401():
    assert APIClient().get(URL).status_code == 401


def test_a_row_and_the_agent_filter():
    agent = UserFactory(roles=["agent"])
    contact = InteractionFactory(agent=agent, channel="sms")
    compliment = Kudos.objects.create(
        agent=agent,
        kind=KudosKind.COMPLIMENT,
        interaction=contact,
        message="A customer paid a compliment.",
    )
    KudosFactory()
    api = client(UserFactory(roles=["trainer"]))

    rows = api.get(URL, {"agent": agent.pk}).json()["results"]

    assert [row["id"] for row in rows] == [compliment.pk]
    row = rows[0]
    assert row["kind"] == "compliment" and row["channel"] == "sms" and row["given_by"] is None
    assert "customer" not in row and "interaction" not in row


@pytest.mark.parametrize(
    "query", [{"agent": "x"}, {"agent": "0"}, {"agent": str(2**64)}, {"kind": "hug"}]
)
def test_bad_filters_are_400(query):
    assert client(UserFactory(roles=["agent"])).get(URL, query).status_code == 400


def test_giving_kudos():
    agent, giver = UserFactory(roles=["agent"]), UserFactory(roles=["marketer"])

    response = client(giver).post(
        URL, {"agent": agent.pk, "message": "  Thanks   a lot "}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["message"] == "Thanks a lot" and response.json()["given_by"] == giver.pk
    assert Kudos.objects.get().agent == agent


def test_kudos_about_a_contact():
    agent = UserFactory(roles=["agent"])
    contact = InteractionFactory(agent=agent, channel="phone", customer=None)

    response = client(UserFactory(roles=["supervisor"])).post(
        URL, {"agent": agent.pk, "message": "Lovely call", "interaction": contact.pk}, format="json"
    )

    assert response.status_code == 201 and response.json()["channel"] == "phone"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"agent": None, "message": "Thanks"}, "agent"),
        ({"agent": "me", "message": "Thanks"}, "agent"),
        ({"agent": 2**63, "message": "Thanks"}, "agent"),
        ({"message": "ab"}, "message"),
        ({"message": "x" * 501}, "message"),
        ({"message": "Thanks", "interaction": 999999}, "interaction"),
    ],
)
def test_bad_input_is_400(body, field):
    agent = UserFactory(roles=["agent"])
    body = {"agent": agent.pk, **body}
    if body["agent"] is None:
        del body["agent"]

    response = client(UserFactory(roles=["agent"])).post(URL, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Kudos.objects.exists()


def test_kudos_to_yourself_or_a_non_agent_are_400():
    agent = UserFactory(roles=["agent"])
    supervisor = UserFactory(roles=["supervisor"])

    to_self = client(agent).post(URL, {"agent": agent.pk, "message": "Me"}, format="json")
    to_supervisor = client(agent).post(
        URL, {"agent": supervisor.pk, "message": "Thanks"}, format="json"
    )

    assert to_self.status_code == 400 and to_supervisor.status_code == 400
    assert not Kudos.objects.exists()


def test_a_contact_the_giver_may_not_read_is_400():
    agent = UserFactory(roles=["agent"])
    contact = InteractionFactory(agent=agent, customer=None)

    response = client(UserFactory(roles=["executive"])).post(
        URL, {"agent": agent.pk, "message": "Lovely call", "interaction": contact.pk}, format="json"
    )

    assert response.status_code == 400 and "interaction" in response.json()["fields"]


def test_the_list_runs_a_bounded_number_of_queries(django_assert_max_num_queries):
    for _ in range(5):
        KudosFactory()
    Kudos.objects.create(
        agent=UserFactory(roles=["agent"]),
        kind=KudosKind.COMPLIMENT,
        interaction=InteractionFactory(customer=None),
        message="A customer paid a compliment.",
    )
    api = client(UserFactory(roles=["agent"]))

    with django_assert_max_num_queries(3):
        response = api.get(URL)

    assert response.json()["count"] == 6
