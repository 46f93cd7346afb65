import pytest

from rapport.accounts.models import AgentSkill
from rapport.accounts.tests.factories import SkillFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_supervisor_sets_a_skill_level_for_an_agent_of_their_team(client_for, make_user):
    client, supervisor = client_for("supervisor")
    agent = make_user("agent", team=TeamFactory(supervisor=supervisor))
    skill = SkillFactory(name="Retention")

    response = client.post(f"/accounts/people/{agent.pk}/", {"skill": skill.pk, "level": 3})

    assert response.status_code == 302
    assert AgentSkill.objects.get(agent=agent, skill=skill).level == 3
    page = client.get(f"/accounts/people/{agent.pk}/").content.decode()
    assert "Retention · Expert" in page


def test_supervisor_cannot_set_skills_of_an_agent_outside_their_teams(client_for, make_user):
    client, _ = client_for("supervisor")
    stranger = make_user("agent", team=TeamFactory())
    skill = SkillFactory()

    response = client.post(f"/accounts/people/{stranger.pk}/", {"skill": skill.pk, "level": 2})

    assert response.status_code == 404
    assert not AgentSkill.objects.filter(agent=stranger).exists()
