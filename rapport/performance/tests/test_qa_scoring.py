"""The QA score: 100 × weight met ÷ weight met or not met; N/A left out; auto-fail not met is 0;
and submitting, which needs every criterion answered and something weighted to score."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapport.core.errors import Conflict, PermissionDenied, ValidationFailed
from rapport.core.models import AuditEvent
from rapport.performance.choices import Answer, EvaluationStatus
from rapport.performance.models import QaForm
from rapport.performance.selectors.qa import Marked, score_of
from rapport.performance.services import qa as services
from rapport.performance.tests.factories_qa import contact_of, form_with, team_with_agent

MET, NOT, NA = Answer.MET, Answer.NOT_MET, Answer.NOT_APPLICABLE


def test_weights_decide_the_score():
    scored = score_of([Marked(30, False, MET), Marked(10, False, NOT), Marked(60, False, MET)])

    assert scored.score == Decimal("90.00")
    assert (scored.met_weight, scored.applicable_weight) == (90, 100)
    assert scored.auto_failed is False


def test_not_applicable_is_left_out_of_both_sides():
    # 20 met of 20 + 10 applicable; the N/A 70 counts nowhere.
    scored = score_of([Marked(20, False, MET), Marked(10, False, NOT), Marked(70, False, NA)])

    assert scored.score == Decimal("66.67")
    assert scored.applicable_weight == 30


def test_an_auto_fail_item_not_met_makes_it_zero_whatever_else():
    scored = score_of([Marked(0, True, NOT), Marked(50, False, MET), Marked(50, False, MET)])

    assert scored.score == Decimal("0.00")
    assert scored.auto_failed is True


def test_an_auto_fail_item_met_or_na_changes_nothing():
    assert score_of([Marked(0, True, MET), Marked(10, False, MET)]).score == Decimal("100.00")
    assert score_of([Marked(0, True, NA), Marked(10, False, NOT)]).score == Decimal("0.00")
    assert score_of([Marked(0, True, NA), Marked(10, False, NOT)]).auto_failed is False


def test_nothing_weighted_applies_gives_no_score():
    assert score_of([Marked(0, True, MET), Marked(10, False, NA)]).score is None
    assert score_of([]).score is None


@given(
    st.lists(
        st.tuples(st.integers(0, 100), st.booleans(), st.sampled_from([MET, NOT, NA])),
        max_size=12,
    )
)
def test_the_score_is_always_between_0_and_100_or_none(rows):
    scored = score_of(Marked(*row) for row in rows)

    if any(af and answer == NOT for _, af, answer in rows):
        assert scored.score == 0 and scored.auto_failed
    elif scored.score is None:
        assert sum(w for w, _, a in rows if a != NA) == 0
    else:
        assert Decimal(0) <= scored.score <= Decimal(100)


# --- Submitting ----------------------------------------------------------------------------------


@pytest.fixture
def draft(make_user):
    _, _, agent = team_with_agent()
    analyst = make_user("qa_analyst")
    form = form_with(30, 10, 60, 0, auto_fail=(3,))
    made = services.evaluation_start(by=analyst, interaction=contact_of(agent), form=form)
    return made, analyst, {c.order: c.pk for c in form.criteria.all()}


def _answer(evaluation, by, ids, answers):
    return services.evaluation_answer_save(
        by=by,
        evaluation=evaluation,
        answers={ids[pos]: (answer, "") for pos, answer in answers.items()},
        comments="Good call.",
    )


def test_submit_scores_the_answers_and_records_it(draft):
    evaluation, analyst, ids = draft
    _answer(evaluation, analyst, ids, {0: MET, 1: NOT, 2: MET, 3: MET})

    submitted = services.evaluation_submit(by=analyst, evaluation=evaluation)

    submitted.refresh_from_db()
    assert submitted.status == EvaluationStatus.SUBMITTED
    assert submitted.score == Decimal("90.00")
    assert submitted.submitted_at is not None
    assert submitted.comments == "Good call."
    audit = AuditEvent.objects.get(action="performance.qa_evaluation_submitted")
    assert audit.target_id == str(submitted.pk)
    assert audit.detail["score"] == "90.00"


def test_submit_with_the_auto_fail_item_not_met_scores_zero(draft):
    evaluation, analyst, ids = draft
    _answer(evaluation, analyst, ids, {0: MET, 1: MET, 2: MET, 3: NOT})

    submitted = services.evaluation_submit(by=analyst, evaluation=evaluation)

    assert (submitted.score, submitted.auto_failed) == (Decimal("0.00"), True)


def test_every_criterion_must_be_answered(draft):
    evaluation, analyst, ids = draft
    _answer(evaluation, analyst, ids, {0: MET, 1: MET})

    with pytest.raises(ValidationFailed) as refused:
        services.evaluation_submit(by=analyst, evaluation=evaluation)

    assert "2 left" in refused.value.message
    assert set(refused.value.fields) == {f"c{ids[2]}", f"c{ids[3]}"}
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.DRAFT


def test_a_form_whose_applicable_weight_is_zero_cannot_be_submitted(draft):
    evaluation, analyst, ids = draft
    _answer(evaluation, analyst, ids, {0: NA, 1: NA, 2: NA, 3: MET})

    with pytest.raises(ValidationFailed) as refused:
        services.evaluation_submit(by=analyst, evaluation=evaluation)

    assert refused.value.code == "nothing_to_score"
    evaluation.refresh_from_db()
    assert evaluation.score is None and evaluation.status == EvaluationStatus.DRAFT


def test_a_submitted_evaluation_no_longer_changes(draft):
    evaluation, analyst, ids = draft
    _answer(evaluation, analyst, ids, {0: MET, 1: MET, 2: MET, 3: MET})
    services.evaluation_submit(by=analyst, evaluation=evaluation)

    with pytest.raises(Conflict):
        _answer(evaluation, analyst, ids, {0: NOT})
    with pytest.raises(Conflict):
        services.evaluation_submit(by=analyst, evaluation=evaluation)


def test_only_the_evaluator_answers_and_submits(draft, make_user):
    evaluation, _, ids = draft
    other = make_user("qa_analyst")

    with pytest.raises(PermissionDenied):
        _answer(evaluation, other, ids, {0: MET})
    with pytest.raises(PermissionDenied):
        services.evaluation_submit(by=other, evaluation=evaluation)


def test_answers_are_checked(draft):
    evaluation, analyst, ids = draft
    foreign = form_with(5).criteria.get()

    with pytest.raises(ValidationFailed):
        services.evaluation_answer_save(
            by=analyst, evaluation=evaluation, answers={foreign.pk: (MET, "")}
        )
    with pytest.raises(ValidationFailed):
        services.evaluation_answer_save(
            by=analyst, evaluation=evaluation, answers={ids[0]: ("maybe", "")}
        )
    with pytest.raises(ValidationFailed):
        services.evaluation_answer_save(
            by=analyst, evaluation=evaluation, answers={ids[0]: (MET, "x" * 501)}
        )
    assert not evaluation.answers.exists()


def test_saving_again_changes_the_answer_in_place(draft):
    evaluation, analyst, ids = draft
    _answer(evaluation, analyst, ids, {0: MET})
    _answer(evaluation, analyst, ids, {0: NOT, 1: MET})

    assert dict(evaluation.answers.values_list("criterion_id", "answer")) == {
        ids[0]: NOT,
        ids[1]: MET,
    }


@pytest.mark.django_db
def test_the_shipped_form_has_eight_criteria_and_one_auto_fail():
    form = QaForm.objects.get(name="Standard contact review")

    assert form.criteria.count() == 8
    assert form.criteria.filter(auto_fail=True).count() == 1
