"""API of assignments and modules: scoping, answers hidden from agents, actions."""

from rapport.accounts.tests.factories import SkillFactory, TeamFactory, UserFactory
from rapport.learning.choices import AssignmentStatus
from rapport.learning.tests.factories_learning import (
    AssignmentFactory,
    correct_answers,
    module_with_questions,
)


def test_agents_list_their_own_and_answer_the_check(api_for):
    client, agent = api_for("agent")
    mine = AssignmentFactory(agent=agent, module=module_with_questions(2))
    AssignmentFactory()  # someone else's
    AssignmentFactory(agent=agent, status=AssignmentStatus.PROPOSED)
    listed = client.get("/api/v1/learning/assignments").json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]

    detail = client.get(f"/api/v1/learning/modules/{mine.module_id}").json()
    assert "is_correct" not in detail["questions"][0]["choices"][0]

    answers = {str(k): v for k, v in correct_answers(mine.module).items()}
    result = client.post(
        f"/api/v1/learning/assignments/{mine.pk}/attempts", {"answers": answers}, format="json"
    )
    assert result.status_code == 201 and result.json()["passed"] is True
    assert result.json()["assignment"]["status"] == AssignmentStatus.COMPLETED


def test_others_are_not_found(api_for):
    client, _ = api_for("agent")
    theirs = AssignmentFactory()
    assert client.get(f"/api/v1/learning/assignments/{theirs.pk}").status_code == 404
    assert client.get(f"/api/v1/learning/modules/{theirs.module_id}").status_code == 404
    attempt = client.post(
        f"/api/v1/learning/assignments/{theirs.pk}/attempts", {"answers": {}}, format="json"
    )
    assert attempt.status_code == 404
    assert client.post(f"/api/v1/learning/assignments/{theirs.pk}/confirm").status_code == 404


def test_supervisor_confirms_for_their_team_only(api_for):
    client, lead = api_for("supervisor")
    team = TeamFactory(supervisor=lead)
    ours = AssignmentFactory(
        agent=UserFactory(roles=["agent"], team=team), status=AssignmentStatus.PROPOSED
    )
    theirs = AssignmentFactory(status=AssignmentStatus.PROPOSED)
    listed = client.get("/api/v1/learning/assignments", {"status": "proposed"}).json()
    assert [row["id"] for row in listed["results"]] == [ours.pk]
    assert client.post(f"/api/v1/learning/assignments/{theirs.pk}/confirm").status_code == 404
    done = client.post(f"/api/v1/learning/assignments/{ours.pk}/confirm", {}, format="json")
    assert done.status_code == 200 and done.json()["status"] == AssignmentStatus.ASSIGNED
    again = client.post(f"/api/v1/learning/assignments/{ours.pk}/dismiss", {}, format="json")
    assert again.status_code == 400


def test_trainers_create_modules_and_assignments(api_for):
    client, _ = api_for("trainer")
    skill = SkillFactory()
    made = client.post(
        "/api/v1/learning/modules",
        {"title": "Refunds", "summary": "Right first time.", "body": "Text", "skill": skill.pk},
        format="json",
    )
    assert made.status_code == 201
    module = module_with_questions(1)
    agent = UserFactory(roles=["agent"])
    assigned = client.post(
        "/api/v1/learning/assignments", {"agent": agent.pk, "module": module.pk}, format="json"
    )
    assert assigned.status_code == 201 and assigned.json()["agent"] == agent.pk
    twice = client.post(
        "/api/v1/learning/assignments", {"agent": agent.pk, "module": module.pk}, format="json"
    )
    assert twice.status_code == 409
    detail = client.get(f"/api/v1/learning/modules/{module.pk}").json()
    assert "is_correct" in detail["questions"][0]["choices"][0]


def test_agents_may_not_write_content(api_for):
    client, _ = api_for("agent")
    made = client.post("/api/v1/learning/modules", {"title": "x"}, format="json")
    assert made.status_code == 403
    assigned = client.post("/api/v1/learning/assignments", {"agent": 1, "module": 1}, format="json")
    assert assigned.status_code == 403


def test_bad_query_values_are_400(api_for):
    client, _ = api_for("trainer")
    assert client.get("/api/v1/learning/assignments", {"agent": 2**70}).status_code == 400
    assert client.get("/api/v1/learning/assignments", {"status": "x"}).status_code == 400
    assert client.get("/api/v1/learning/modules", {"skill": "x"}).status_code == 400
