"""The admin site reads learning content but never changes it: changes go through the content
pages, which audit them and restart reviews or refuse deletions as needed. Only the settings row
is edited there, through the service that audits it."""

import pytest
from django.contrib import admin as django_admin
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.urls import reverse

from rapport.core.models import AuditEvent
from rapport.learning.models import (
    GapRule,
    LearningPath,
    LearningSettings,
    Module,
    ModuleChoice,
    ModuleQuestion,
    ReviewItem,
)
from rapport.learning.selectors.settings import learning_settings
from rapport.learning.services.reviews import review_items_create
from rapport.learning.tests.factories_learning import (
    GapRuleFactory,
    LearningPathFactory,
    PathStepFactory,
    module_with_questions,
)

pytestmark = pytest.mark.django_db
CONTENT = [Module, ModuleQuestion, LearningPath, GapRule]


@pytest.fixture
def site(client_for):
    client, user = client_for("admin")
    return client, user


@pytest.mark.parametrize("model", CONTENT)
def test_content_admins_allow_no_add_change_or_delete(site, model):
    _, user = site
    request = RequestFactory().get("/")
    request.user = user
    model_admin = django_admin.site._registry[model]

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    for inline in model_admin.get_inline_instances(request):
        assert not inline.has_add_permission(request, None)
        assert not inline.has_change_permission(request)
        assert not inline.has_delete_permission(request)


def test_a_reviewed_question_cannot_be_rewritten_or_deleted_in_the_admin(site, make_user):
    client, _ = site
    module = module_with_questions(1)
    question = module.questions.get()
    review_items_create(agent=make_user("agent"), module=module)
    change = reverse("admin:learning_modulequestion_change", args=[question.pk])
    delete = reverse("admin:learning_modulequestion_delete", args=[question.pk])
    module_change = reverse("admin:learning_module_change", args=[module.pk])

    assert client.get(change).status_code == 200  # still readable
    posted = client.post(change, {"text": "Rewritten?", "module": module.pk, "order": 0})
    removed = client.post(delete, {"post": "yes"})
    inline_delete = client.post(
        module_change,
        {
            **model_to_dict(module, fields=["title", "summary", "body", "skill", "minutes"]),
            "questions-TOTAL_FORMS": "1",
            "questions-INITIAL_FORMS": "1",
            "questions-0-id": question.pk,
            "questions-0-module": module.pk,
            "questions-0-DELETE": "on",
        },
    )

    assert posted.status_code == 403 and removed.status_code == 403
    assert inline_delete.status_code == 403
    question.refresh_from_db()
    assert question.text != "Rewritten?"
    assert ReviewItem.objects.filter(question=question).count() == 1
    assert ModuleChoice.objects.filter(question=question).count() == 3


def test_paths_and_gap_rules_are_not_changed_in_the_admin(site):
    client, _ = site
    step = PathStepFactory(path=LearningPathFactory(name="First weeks"))
    rule = GapRuleFactory(name="Too many escalations")

    path_post = client.post(
        reverse("admin:learning_learningpath_change", args=[step.path_id]), {"name": "Renamed"}
    )
    rule_post = client.post(
        reverse("admin:learning_gaprule_delete", args=[rule.pk]), {"post": "yes"}
    )

    assert path_post.status_code == 403 and rule_post.status_code == 403
    assert LearningPath.objects.get(pk=step.path_id).name == "First weeks"
    assert GapRule.objects.filter(pk=rule.pk).exists()


def test_settings_are_edited_in_the_admin_and_audited(site):
    client, user = site
    row = learning_settings()
    data = {
        key: value
        for key, value in model_to_dict(row).items()
        if key not in {"id", "created_at", "updated_at"}
    }
    data["review_burst"] = 5

    response = client.post(reverse("admin:learning_learningsettings_change", args=[row.pk]), data)

    assert response.status_code == 302
    assert LearningSettings.objects.get().review_burst == 5
    event = AuditEvent.objects.get(action="learning.settings_update")
    assert event.actor == user and event.detail["after"] == {"review_burst": "5"}
