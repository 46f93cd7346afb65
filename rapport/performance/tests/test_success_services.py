"""Versions of the success definition: drafting, editing, publishing, discarding."""

import datetime

import pytest
from django.utils import timezone

from rapport.core.errors import Conflict, PermissionDenied, ValidationFailed
from rapport.core.models import AuditEvent
from rapport.performance.models import RollupDirtyDay, SuccessDefinition
from rapport.performance.services import success as services
from rapport.performance.tests.factories import SuccessDefinitionFactory, contact

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TOMORROW = TODAY + datetime.timedelta(days=1)


@pytest.fixture
def admin(make_user):
    return make_user("admin")


@pytest.fixture
def draft(admin):
    return services.success_definition_draft(by=admin)


def shipped() -> SuccessDefinition:
    return SuccessDefinition.objects.get(version=1)


# --- Drafting -------------------------------------------------------------------------------------


def test_a_draft_copies_the_latest_versions_parts(admin):
    SuccessDefinitionFactory(
        effective_from=datetime.date(2020, 1, 1),
        repeat_window_days=14,
        forbid_transfer=True,
        min_survey_score=4,
    )

    draft = services.success_definition_draft(by=admin)

    assert draft.version == 3
    assert draft.is_draft
    assert (draft.repeat_window_days, draft.forbid_transfer, draft.min_survey_score) == (
        14,
        True,
        4,
    )
    assert draft.created_by == admin
    event = AuditEvent.objects.get(action="performance.success_drafted")
    assert event.detail == {"version": 3, "based_on": 2}


def test_a_draft_can_be_based_on_an_older_version(admin):
    SuccessDefinitionFactory(effective_from=datetime.date(2020, 1, 1), forbid_transfer=True)

    draft = services.success_definition_draft(by=admin, based_on=shipped())

    assert draft.version == 3
    assert draft.forbid_transfer is False
    assert draft.repeat_window_days == 7


def test_only_one_draft_at_a_time(admin, draft):
    with pytest.raises(Conflict, match=f"Version {draft.version} is already being drafted"):
        services.success_definition_draft(by=admin)


@pytest.mark.parametrize("role", ["agent", "supervisor", "executive", "qa_analyst"])
def test_only_admins_draft(make_user, role):
    with pytest.raises(PermissionDenied):
        services.success_definition_draft(by=make_user(role))
    assert SuccessDefinition.objects.count() == 1


# --- Editing --------------------------------------------------------------------------------------


def test_a_draft_changes_and_the_change_is_audited(admin, draft):
    services.success_definition_update(
        by=admin, definition=draft, repeat_window_days=30, forbid_transfer=True, notes=" Agreed. "
    )

    draft.refresh_from_db()
    assert (draft.repeat_window_days, draft.forbid_transfer, draft.notes) == (30, True, "Agreed.")
    event = AuditEvent.objects.get(action="performance.success_draft_changed")
    assert event.detail["changed"] == {
        "forbid_transfer": "True",
        "notes": "Agreed.",
        "repeat_window_days": "30",
    }


def test_a_published_version_never_changes(admin):
    with pytest.raises(Conflict, match="never changes"):
        services.success_definition_update(by=admin, definition=shipped(), forbid_transfer=True)
    assert shipped().forbid_transfer is False


def test_a_stale_draft_instance_cannot_change_a_published_version(admin, draft):
    stale = SuccessDefinition.objects.get(pk=draft.pk)
    services.success_definition_publish(by=admin, definition=draft, effective_from=TOMORROW)

    with pytest.raises(Conflict):
        services.success_definition_update(by=admin, definition=stale, forbid_transfer=True)


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        ({"repeat_window_days": 0}, "repeat_window_days"),
        ({"repeat_window_days": 91}, "repeat_window_days"),
        ({"min_survey_score": 0}, "min_survey_score"),
        ({"min_survey_score": 6}, "min_survey_score"),
        ({"name": "  "}, "name"),
        (
            {
                "require_resolved": False,
                "repeat_window_days": None,
                "forbid_escalation": False,
                "forbid_transfer": False,
                "min_survey_score": None,
            },
            "__all__",
        ),
    ],
)
def test_parts_are_validated(admin, draft, parts, field):
    with pytest.raises(ValidationFailed) as raised:
        services.success_definition_update(by=admin, definition=draft, **parts)

    assert field in raised.value.fields
    draft.refresh_from_db()
    assert draft.repeat_window_days == 7


def test_the_limits_themselves_are_valid(admin, draft):
    services.success_definition_update(
        by=admin, definition=draft, repeat_window_days=90, min_survey_score=1
    )
    services.success_definition_update(
        by=admin, definition=draft, repeat_window_days=1, min_survey_score=5
    )

    draft.refresh_from_db()
    assert (draft.repeat_window_days, draft.min_survey_score) == (1, 5)


def test_one_part_alone_is_enough(admin, draft):
    services.success_definition_update(
        by=admin,
        definition=draft,
        require_resolved=False,
        repeat_window_days=None,
        forbid_escalation=False,
        forbid_transfer=False,
        min_survey_score=3,
    )

    draft.refresh_from_db()
    assert draft.min_survey_score == 3


def test_only_known_parts_change(admin, draft):
    with pytest.raises(ValidationFailed, match="version"):
        services.success_definition_update(by=admin, definition=draft, version=99)


def test_only_admins_edit(make_user, draft):
    with pytest.raises(PermissionDenied):
        services.success_definition_update(
            by=make_user("supervisor"), definition=draft, forbid_transfer=True
        )


# --- Publishing -----------------------------------------------------------------------------------


def test_publishing_puts_the_draft_in_force_and_rebuilds_every_day(
    admin, draft, django_capture_on_commit_callbacks
):
    contact(day=TODAY - datetime.timedelta(days=5))
    RollupDirtyDay.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        published = services.success_definition_publish(
            by=admin, definition=draft, effective_from=TODAY
        )

    assert published.effective_from == TODAY
    assert published.published_by == admin
    assert published.published_at is not None
    assert RollupDirtyDay.objects.count() == 6
    event = AuditEvent.objects.get(action="performance.success_published")
    assert event.detail == {"version": draft.version, "effective_from": TODAY.isoformat()}


def test_nothing_is_rebuilt_when_publishing_fails(admin, draft, django_capture_on_commit_callbacks):
    contact(day=TODAY - datetime.timedelta(days=5))
    RollupDirtyDay.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed):
        services.success_definition_publish(
            by=admin, definition=draft, effective_from=TODAY - datetime.timedelta(days=1)
        )

    assert not RollupDirtyDay.objects.exists()
    draft.refresh_from_db()
    assert draft.is_draft


def test_a_version_never_takes_effect_in_the_past(admin, draft):
    with pytest.raises(ValidationFailed) as raised:
        services.success_definition_publish(
            by=admin, definition=draft, effective_from=TODAY - datetime.timedelta(days=1)
        )

    assert "effective_from" in raised.value.fields


def test_a_version_starts_after_every_published_one(admin, draft):
    SuccessDefinition.objects.filter(version=1).update(effective_from=TOMORROW)

    with pytest.raises(ValidationFailed, match="must start after"):
        services.success_definition_publish(by=admin, definition=draft, effective_from=TOMORROW)

    published = services.success_definition_publish(
        by=admin, definition=draft, effective_from=TOMORROW + datetime.timedelta(days=1)
    )
    assert published.effective_from == TOMORROW + datetime.timedelta(days=1)


def test_a_published_version_is_not_published_again(admin, draft):
    services.success_definition_publish(by=admin, definition=draft, effective_from=TOMORROW)

    with pytest.raises(Conflict):
        services.success_definition_publish(
            by=admin, definition=draft, effective_from=TOMORROW + datetime.timedelta(days=1)
        )


def test_an_invalid_draft_is_not_published(admin, draft):
    SuccessDefinition.objects.filter(pk=draft.pk).update(
        require_resolved=False, repeat_window_days=None, forbid_escalation=False
    )

    with pytest.raises(ValidationFailed, match="at least one part"):
        services.success_definition_publish(by=admin, definition=draft, effective_from=TOMORROW)


def test_only_admins_publish(make_user, draft):
    with pytest.raises(PermissionDenied):
        services.success_definition_publish(
            by=make_user("executive"), definition=draft, effective_from=TOMORROW
        )
    draft.refresh_from_db()
    assert draft.is_draft


def test_after_publishing_a_new_draft_may_start(admin, draft):
    services.success_definition_publish(by=admin, definition=draft, effective_from=TOMORROW)

    following = services.success_definition_draft(by=admin)

    assert following.version == draft.version + 1


# --- Discarding -----------------------------------------------------------------------------------


def test_a_draft_is_discarded_and_audited(admin, draft):
    services.success_definition_discard(by=admin, definition=draft)

    assert not SuccessDefinition.objects.filter(pk=draft.pk).exists()
    event = AuditEvent.objects.get(action="performance.success_draft_discarded")
    assert event.target_id == str(draft.pk)
    assert event.detail["version"] == draft.version


def test_a_published_version_is_never_discarded(admin):
    with pytest.raises(Conflict):
        services.success_definition_discard(by=admin, definition=shipped())
    assert SuccessDefinition.objects.filter(version=1).exists()


def test_a_discarded_draft_is_gone_for_a_second_discard(admin, draft):
    services.success_definition_discard(by=admin, definition=draft)

    with pytest.raises(Conflict, match="discarded"):
        services.success_definition_discard(by=admin, definition=draft)


def test_only_admins_discard(make_user, draft):
    with pytest.raises(PermissionDenied):
        services.success_definition_discard(by=make_user("supervisor"), definition=draft)
    assert SuccessDefinition.objects.filter(pk=draft.pk).exists()
