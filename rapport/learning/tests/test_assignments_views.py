"""Assignment pages: my learning, taking a module (fail, then pass; over htmx too), the trainers'
list scoped to supervisors' teams, confirm and dismiss."""

import pytest
from django.urls import reverse

from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.learning.choices import AssignmentSource, AssignmentStatus
from rapport.learning.tests.factories_learning import (
    AssignmentFactory,
    correct_answers,
    module_with_questions,
    post_data,
    wrong_answers,
)


@pytest.fixture
def mine(client_for):
    client, agent = client_for("agent")
    assignment = AssignmentFactory(
        agent=agent, module=module_with_questions(2), reason="Your FCR was 61 % (n = 212)."
    )
    return client, agent, assignment


def test_my_learning_shows_the_reason(mine):
    client, _, assignment = mine
    page = client.get(reverse("learning:mine"))
    assert page.status_code == 200
    assert "Your FCR was 61 % (n = 212)." in page.content.decode()
    assert reverse("learning:assignment", args=[assignment.pk]) in page.content.decode()


def test_taking_a_module_fail_then_pass(mine):
    client, _, assignment = mine
    url = reverse("learning:assignment", args=[assignment.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Why it matters" in page.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.IN_PROGRESS

    check = reverse("learning:assignment_check", args=[assignment.pk])
    failed = client.post(check, post_data(wrong_answers(assignment.module)))
    body = failed.content.decode()
    assert failed.status_code == 200 and 'data-testid="failed"' in body
    explanation = assignment.module.questions.first().explanation
    assert explanation in body
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.IN_PROGRESS

    passed = client.post(check, post_data(correct_answers(assignment.module)))
    assert passed.status_code == 302 and passed["Location"] == reverse("learning:mine")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.COMPLETED and assignment.score == 100


def test_htmx_gets_the_card_back_with_its_target(mine):
    client, _, assignment = mine
    check = reverse("learning:assignment_check", args=[assignment.pk])
    data = {**post_data(wrong_answers(assignment.module)), "card_target": "idle-card"}
    answer = client.post(check, data, HTTP_HX_REQUEST="true")
    body = answer.content.decode()
    assert answer.status_code == 200
    assert 'id="idle-card"' in body and 'hx-target="#idle-card"' in body
    assert "<html" not in body
    bad = client.post(check, {"card_target": '"><script>'}, HTTP_HX_REQUEST="true")
    assert 'id="module-card"' in bad.content.decode()


def test_someone_elses_assignment_is_not_found(mine, client_for):
    _, _, assignment = mine
    other, _ = client_for("agent")
    assert other.get(reverse("learning:assignment", args=[assignment.pk])).status_code == 404
    check = reverse("learning:assignment_check", args=[assignment.pk])
    assert other.post(check, {}).status_code == 404
    assert other.get(reverse("learning:assignment", args=[2**70])).status_code == 404


def test_a_proposal_is_not_the_agents_yet(client_for):
    client, agent = client_for("agent")
    proposed = AssignmentFactory(agent=agent, status=AssignmentStatus.PROPOSED)
    assert client.get(reverse("learning:assignment", args=[proposed.pk])).status_code == 404
    assert proposed.module.title not in client.get(reverse("learning:mine")).content.decode()


def test_supervisors_see_only_their_teams(client_for, django_assert_max_num_queries):
    client, lead = client_for("supervisor")
    team = TeamFactory(supervisor=lead)
    ours = AssignmentFactory(agent=UserFactory(roles=["agent"], team=team))
    theirs = AssignmentFactory(agent=UserFactory(roles=["agent"], team=TeamFactory()))
    for _ in range(5):
        AssignmentFactory(agent=UserFactory(roles=["agent"], team=team))
    with django_assert_max_num_queries(20):
        page = client.get(reverse("learning:assignments"))
    body = page.content.decode()
    assert page.status_code == 200
    assert f'data-assignment="{ours.pk}"' in body and f'data-assignment="{theirs.pk}"' not in body
    confirm = reverse("learning:assignment_confirm", args=[theirs.pk])
    assert client.post(confirm, {}).status_code == 404


def test_agents_may_not_open_the_trainers_list(client_for):
    client, _ = client_for("agent")
    assert client.get(reverse("learning:assignments")).status_code == 403


def test_confirm_and_dismiss_from_the_list(client_for):
    client, _ = client_for("trainer")
    proposed = AssignmentFactory(status=AssignmentStatus.PROPOSED, source=AssignmentSource.GAP)
    answer = client.post(reverse("learning:assignment_confirm", args=[proposed.pk]), {"note": "ok"})
    assert answer.status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == AssignmentStatus.ASSIGNED

    other = AssignmentFactory(status=AssignmentStatus.PROPOSED)
    url = reverse("learning:assignment_dismiss", args=[other.pk])
    client.post(url, {"note": ""})
    other.refresh_from_db()
    assert other.status == AssignmentStatus.PROPOSED  # a dismissal needs a reason
    client.post(url, {"note": "Coached already."})
    other.refresh_from_db()
    assert other.status == AssignmentStatus.DISMISSED


def test_trainer_assigns_by_hand(client_for):
    client, _ = client_for("trainer")
    agents = [UserFactory(roles=["agent"]) for _ in range(2)]
    module = module_with_questions(1)
    url = reverse("learning:assignment_create")
    assert client.get(url).status_code == 200
    answer = client.post(
        url, {"agents": [a.pk for a in agents], "module": module.pk, "note": "Before launch."}
    )
    assert answer.status_code == 302
    assert module.assignments.filter(status=AssignmentStatus.ASSIGNED).count() == 2
    bad = client.post(url, {"agents": [2**70], "module": "x"})
    assert bad.status_code == 400


def test_supervisors_may_not_assign_by_hand(client_for):
    client, _ = client_for("supervisor")
    assert client.get(reverse("learning:assignment_create")).status_code == 403


def test_bad_filters_are_a_400_not_a_500(client_for):
    client, _ = client_for("trainer")
    answer = client.get(reverse("learning:assignments"), {"status": "nope", "agent": "x"})
    assert answer.status_code == 400
