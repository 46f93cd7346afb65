"""A failed module check says what was missed and why, never which answers were right."""

import pytest

from rapport.learning.tests.factories_learning import (
    AssignmentFactory,
    module_with_questions,
    wrong_answers,
)

pytestmark = pytest.mark.django_db


def test_the_api_result_gives_explanations_but_not_the_right_answers(api_for):
    client, agent = api_for("agent")
    assignment = AssignmentFactory(agent=agent, module=module_with_questions(2))
    right_texts = [
        choice.text
        for question in assignment.module.questions.all()
        for choice in question.choices.all()
        if choice.is_correct
    ]
    answers = {str(k): v for k, v in wrong_answers(assignment.module).items()}

    response = client.post(
        f"/api/v1/learning/assignments/{assignment.pk}/attempts",
        {"answers": answers},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["passed"] is False and len(body["missed"]) == 2
    for missed in body["missed"]:
        assert set(missed) == {"question_id", "text", "explanation"}
        assert missed["explanation"].startswith("Because of reason")
    assert not any(text in response.content.decode() for text in right_texts)
