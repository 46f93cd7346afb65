"""Recognition pages: kudos across the center, an agent's page, giving kudos."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.tests.factories import UserFactory
from rapport.core.roles import Role
from rapport.interactions.tests.factories import InteractionFactory
from rapport.performance.choices import KudosKind
from rapport.performance.models import Kudos
from rapport.performance.tests.factories_goals import KudosFactory, crew

pytestmark = pytest.mark.django_db

WALL = reverse("performance:recognition")
GIVE = reverse("performance:kudos_give")
ROLES = list(Role.values)


def agent_page(user) -> str:
    return reverse("performance:agent_page", args=[user.pk])


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_kudos_page_and_an_agents_page(client, role):
    agent = UserFactory(roles=["agent"], first_name="Ada", last_name="Byron")
    KudosFactory(agent=agent, message="Saved the day")
    client.force_login(UserFactory(roles=[role]))

    wall, page = client.get(WALL), client.get(agent_page(agent))

    assert wall.status_code == 200 and "Saved the day" in text(wall)
    assert page.status_code == 200 and "Saved the day" in text(page) and "Ada Byron" in text(page)


def test_anonymous_visitors_log_in_first(client):
    agent = UserFactory(roles=["agent"])

    assert client.get(WALL).status_code == 302
    assert client.get(agent_page(agent)).status_code == 302


def test_a_compliment_shows_its_channel_and_day_never_the_customer(client):
    agent = UserFactory(roles=["agent"])
    contact = InteractionFactory(agent=agent, channel="email", sender_name="Zed Customer")
    Kudos.objects.create(
        agent=agent,
        kind=KudosKind.COMPLIMENT,
        interaction=contact,
        message="A customer paid a compliment.",
    )
    client.force_login(UserFactory(roles=["marketer"]))

    body = text(client.get(WALL))

    assert "Customer compliment" in body and "from a customer · E-mail" in body
    assert contact.customer.display_name not in body and "Zed Customer" not in body
    assert f"/interactions/{contact.pk}" not in body


@pytest.mark.parametrize(
    "fields", [{"roles": ["supervisor"]}, {"roles": ["agent"], "is_active": False}]
)
def test_the_agent_page_is_404_for_non_agents_and_inactive_agents(client, fields):
    someone = UserFactory(**fields)
    client.force_login(UserFactory(roles=["agent"]))

    assert client.get(agent_page(someone)).status_code == 404
    assert client.get(reverse("performance:agent_page", args=[2**63 - 1])).status_code == 404
    assert client.get("/performance/agents/99999999999999999999999/").status_code == 404


def test_the_agent_page_counts_the_last_90_days_and_facts(client):
    c = crew(started_on=datetime.date(2024, 3, 4))
    KudosFactory.create_batch(2, agent=c.agent)
    Kudos.objects.create(
        agent=c.agent, kind=KudosKind.COMPLIMENT, message="A customer paid a compliment."
    )
    old = KudosFactory(agent=c.agent)
    Kudos.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=91))
    client.force_login(UserFactory(roles=["trainer"]))

    body = text(client.get(agent_page(c.agent)))

    assert "<strong>2</strong> kudos from colleagues, <strong>1</strong> compliments" in body
    assert "2024-03-04" in body and c.team.name in body
    assert body.count('data-kind="') == 4  # the old one is listed, just not counted


def test_the_scorecard_link_shows_only_to_those_who_may_see_it(client):
    c, other = crew(), crew()
    link = f'href="/performance/scorecards/agents/{c.agent.pk}/"'

    for viewer, shown in [
        (c.agent, True),
        (c.supervisor, True),
        (UserFactory(roles=["admin"]), True),
        (other.supervisor, False),
        (UserFactory(roles=["agent"], team=c.team), False),
        (UserFactory(roles=["executive"]), False),
    ]:
        client.force_login(viewer)
        assert (link in text(client.get(agent_page(c.agent)))) is shown, viewer


def test_no_kudos_form_on_your_own_page(client):
    agent = UserFactory(roles=["agent"])
    client.force_login(agent)

    assert 'data-testid="kudos-form"' not in text(client.get(agent_page(agent)))


def test_giving_kudos_from_the_kudos_page(client):
    agent = UserFactory(roles=["agent"])
    giver = UserFactory(roles=["qa_analyst"])
    client.force_login(giver)
    form = text(client.get(WALL))
    assert 'data-filters="id_agent"' in form and f'value="{agent.pk}"' in form
    assert f'value="{giver.pk}"' not in form

    response = client.post(
        GIVE, {"agent": agent.pk, "message": "Clear notes", "return_to": "center"}
    )

    assert response.status_code == 302 and response["Location"] == WALL
    assert Kudos.objects.get().given_by == giver


def test_giving_kudos_from_the_agents_page_comes_back_to_it(client):
    agent = UserFactory(roles=["agent"])
    client.force_login(UserFactory(roles=["supervisor"]))

    response = client.post(GIVE, {"agent": agent.pk, "message": "Great save", "return_to": "agent"})

    assert response.status_code == 302 and response["Location"] == agent_page(agent)


def test_a_refused_kudos_shows_why_on_the_page_it_came_from(client):
    agent = UserFactory(roles=["agent"])
    client.force_login(UserFactory(roles=["agent"]))

    short = client.post(GIVE, {"agent": agent.pk, "message": "no", "return_to": "agent"})
    to_self = client.post(GIVE, {"agent": "x", "message": "Thanks a lot", "return_to": "center"})

    assert short.status_code == 400 and "Give " in text(short) and "at least 3" in text(short)
    assert to_self.status_code == 400 and "Select a valid choice" in text(to_self)
    assert not Kudos.objects.exists()


def test_kudos_to_yourself_are_refused(client):
    agent = UserFactory(roles=["agent"])
    client.force_login(agent)

    response = client.post(
        GIVE, {"agent": agent.pk, "message": "Me, myself", "return_to": "center"}
    )

    assert response.status_code == 400 and not Kudos.objects.exists()


def test_the_kudos_page_runs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(6):
        KudosFactory()
    Kudos.objects.create(
        agent=UserFactory(roles=["agent"]),
        kind=KudosKind.COMPLIMENT,
        interaction=InteractionFactory(customer=None),
        message="A customer paid a compliment.",
    )
    client.force_login(UserFactory(roles=["executive"]))

    with django_assert_max_num_queries(8):
        response = client.get(WALL)

    assert text(response).count('data-kind="') == 7


def test_the_agent_page_runs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    c = crew()
    for _ in range(6):
        KudosFactory(agent=c.agent)
    client.force_login(c.supervisor)

    with django_assert_max_num_queries(10):
        response = client.get(agent_page(c.agent))

    assert text(response).count('data-kind="') == 6
