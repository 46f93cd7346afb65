"""Starting evaluations and running blind calibration sessions."""

import pytest

from rapport.core.errors import Conflict, PermissionDenied, ValidationFailed
from rapport.core.models import AuditEvent
from rapport.interactions.tests.factories import InteractionFactory
from rapport.performance import kpis
from rapport.performance.choices import Answer, EvaluationStatus
from rapport.performance.models import Evaluation
from rapport.performance.selectors import qa as selectors
from rapport.performance.services import qa as services
from rapport.performance.tests.factories_qa import (
    contact_of,
    form_with,
    team_with_agent,
)

pytestmark = pytest.mark.django_db

MET, NOT, NA = Answer.MET, Answer.NOT_MET, Answer.NOT_APPLICABLE


# --- Starting an evaluation ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["qa_analyst", "admin"])
def test_qa_analysts_and_admins_start_a_draft_on_anyones_contact(make_user, role):
    _, _, agent = team_with_agent()
    by = make_user(role)
    contact = contact_of(agent)

    made = services.evaluation_start(by=by, interaction=contact, form=form_with(10))

    assert (made.status, made.agent, made.evaluator, made.interaction) == (
        EvaluationStatus.DRAFT,
        agent,
        by,
        contact,
    )


@pytest.mark.parametrize("role", ["agent", "trainer", "marketer", "executive"])
def test_others_may_not_evaluate(make_user, role):
    _, _, agent = team_with_agent()

    with pytest.raises(PermissionDenied):
        services.evaluation_start(
            by=make_user(role), interaction=contact_of(agent), form=form_with(10)
        )


def test_a_supervisor_evaluates_their_own_team_only():
    lead, _, agent = team_with_agent()
    _, _, stranger = team_with_agent()

    assert services.evaluation_start(by=lead, interaction=contact_of(agent), form=form_with(10))
    with pytest.raises(PermissionDenied):
        services.evaluation_start(by=lead, interaction=contact_of(stranger), form=form_with(10))


def test_nobody_evaluates_their_own_contact(make_user):
    analyst = make_user("qa_analyst", "agent")

    with pytest.raises(PermissionDenied, match="own contact"):
        services.evaluation_start(by=analyst, interaction=contact_of(analyst), form=form_with(10))


def test_a_contact_without_an_agent_cannot_be_evaluated(make_user):
    with pytest.raises(ValidationFailed):
        services.evaluation_start(
            by=make_user("qa_analyst"),
            interaction=InteractionFactory(agent=None),
            form=form_with(10),
        )


def test_one_evaluation_per_evaluator_and_contact(make_user):
    _, _, agent = team_with_agent()
    analyst, other = make_user("qa_analyst"), make_user("qa_analyst")
    contact = contact_of(agent)
    services.evaluation_start(by=analyst, interaction=contact, form=form_with(10))

    with pytest.raises(Conflict):
        services.evaluation_start(by=analyst, interaction=contact, form=form_with(10))
    # Another evaluator may; so may the same one after the first was voided.
    assert services.evaluation_start(by=other, interaction=contact, form=form_with(10))
    Evaluation.objects.filter(evaluator=analyst).update(status=EvaluationStatus.VOIDED)
    assert services.evaluation_start(by=analyst, interaction=contact, form=form_with(10))


def test_an_inactive_or_empty_form_is_refused(make_user):
    _, _, agent = team_with_agent()
    analyst = make_user("qa_analyst")
    retired = form_with(10)
    retired.is_active = False
    retired.save()

    with pytest.raises(ValidationFailed):
        services.evaluation_start(by=analyst, interaction=contact_of(agent), form=retired)
    with pytest.raises(ValidationFailed):
        services.evaluation_start(by=analyst, interaction=contact_of(agent), form=form_with())


# --- Calibration ---------------------------------------------------------------------------------


@pytest.fixture
def session(make_user):
    lead, _, agent = team_with_agent()
    creator = make_user("qa_analyst")
    people = [make_user("qa_analyst"), make_user("qa_analyst"), lead]
    form = form_with(50, 50, 0, auto_fail=(2,))
    made = services.calibration_create(
        by=creator,
        interaction=contact_of(agent),
        form=form,
        evaluators=people,
        title="March calibration",
    )
    ids = [c.pk for c in form.criteria.order_by("order")]
    return made, creator, people, ids


def _score(session, person, ids, answers):
    mine = session.evaluations.get(evaluator=person)
    services.evaluation_answer_save(
        by=person, evaluation=mine, answers={ids[i]: (a, "") for i, a in enumerate(answers)}
    )
    return services.evaluation_submit(by=person, evaluation=mine)


def test_a_session_gives_each_evaluator_a_draft_and_is_audited(session):
    made, creator, people, _ = session

    drafts = made.evaluations.all()
    assert {e.evaluator for e in drafts} == set(people)
    assert all(e.status == EvaluationStatus.DRAFT for e in drafts)
    audit = AuditEvent.objects.get(action="performance.qa_calibration_created")
    assert audit.actor == creator and audit.detail["evaluators"] == sorted(p.pk for p in people)


def test_a_session_needs_two_qa_evaluators_not_the_agent(make_user):
    agent = make_user("agent", "qa_analyst")  # an agent who also evaluates
    analyst = make_user("qa_analyst")
    contact, form = contact_of(agent), form_with(10)

    def create(evaluators, title="Check"):
        return services.calibration_create(
            by=analyst, interaction=contact, form=form, evaluators=evaluators, title=title
        )

    with pytest.raises(ValidationFailed, match="at least two"):
        create([analyst, analyst])
    with pytest.raises(ValidationFailed, match="not a QA analyst"):
        create([analyst, make_user("trainer")])
    with pytest.raises(ValidationFailed, match="handled this contact"):
        create([analyst, agent])
    with pytest.raises(ValidationFailed, match="title"):
        create([analyst, make_user("qa_analyst")], title="  ")
    with pytest.raises(PermissionDenied):
        services.calibration_create(
            by=make_user("agent"),
            interaction=contact,
            form=form,
            evaluators=[analyst, make_user("qa_analyst")],
            title="x",
        )


def test_calibration_is_blind_until_you_submit(session):
    made, _, (first, second, _third), ids = session
    _score(made, first, ids, [MET, MET, MET])

    # The second evaluator has not submitted: sees only their own draft, and no agreement.
    seen = set(selectors.evaluations_for(viewer=second).filter(calibration=made))
    assert seen == {made.evaluations.get(evaluator=second)}
    assert selectors.calibration_view(viewer=second, session=made).agreement is None
    with pytest.raises(PermissionDenied):
        selectors.calibration_agreement_for(viewer=second, session_id=made.pk)

    # The first has submitted: sees everyone's (including the others' drafts).
    assert selectors.evaluations_for(viewer=first).filter(calibration=made).count() == 3
    view = selectors.calibration_view(viewer=first, session=made)
    assert view.agreement is not None and view.agreement.n == 1
    assert not view.agreement.enough_data


def test_blindness_holds_even_for_a_qa_analyst_or_the_agents_supervisor(session):
    made, _, (first, second, lead), ids = session
    _score(made, first, ids, [MET, NOT, MET])

    assert selectors.evaluations_for(viewer=second).filter(calibration=made).count() == 1
    assert selectors.evaluations_for(viewer=lead).filter(calibration=made).count() == 1


def test_closing_the_session_shows_everyone_the_agreement(session):
    made, creator, (first, second, third), ids = session
    _score(made, first, ids, [MET, MET, MET])
    _score(made, second, ids, [MET, NOT, MET])

    services.calibration_close(by=creator, session=made)

    view = selectors.calibration_view(viewer=third, session=made)
    assert view.blind is False
    assert view.agreement.n == 2
    assert (view.agreement.score_min, view.agreement.score_max) == (50.0, 100.0)
    assert [row.share for row in view.agreement.criteria] == [1.0, 0.5, 1.0]
    # The third evaluator's draft can no longer be worked.
    with pytest.raises(Conflict):
        _score(made, third, ids, [MET, MET, MET])
    with pytest.raises(Conflict):
        services.calibration_close(by=creator, session=made)
    assert AuditEvent.objects.filter(action="performance.qa_calibration_closed").count() == 1


def test_only_the_creator_qa_analysts_and_admins_close(session, make_user):
    made, _, (_, _, lead), _ = session

    with pytest.raises(PermissionDenied):
        services.calibration_close(by=lead, session=made)
    assert services.calibration_close(by=make_user("admin"), session=made).closed_at


def test_calibration_scores_never_count(session):
    made, _, (first, second, _), ids = session
    _score(made, first, ids, [MET, MET, MET])
    _score(made, second, ids, [MET, MET, MET])

    assert kpis.qa_sums(Evaluation.objects.all()) == (0, 0.0, 0.0)


def test_the_agent_never_sees_calibration_scores_of_their_contact(session):
    made, _, (first, _, _), ids = session
    _score(made, first, ids, [MET, MET, MET])

    assert not selectors.evaluations_for(viewer=made.interaction.agent).exists()


def test_a_supervisor_sees_the_sessions_they_are_in_made_or_that_concern_their_team(
    session, make_user
):
    made, _, (_, _, lead), _ = session
    outsider = make_user("supervisor")
    _, _, other_agent = team_with_agent()
    elsewhere = services.calibration_create(
        by=make_user("qa_analyst"),
        interaction=contact_of(other_agent),
        form=form_with(10),
        evaluators=[outsider, make_user("qa_analyst")],
        title="Elsewhere",
    )

    assert set(selectors.calibrations_for(viewer=outsider)) == {elsewhere}
    assert set(selectors.calibrations_for(viewer=lead)) == {made}
    assert set(selectors.calibrations_for(viewer=make_user("qa_analyst"))) == {made, elsewhere}
    assert not selectors.calibrations_for(viewer=other_agent).exists()
