"""The identity settings: one row, validated and audited changes."""

import pytest

from rapport.core.errors import ValidationFailed
from rapport.core.models import AuditEvent
from rapport.identity.models import IdentitySettings
from rapport.identity.services.settings import identity_settings, identity_settings_update

pytestmark = pytest.mark.django_db


def test_the_one_row_is_made_with_the_defaults_once():
    IdentitySettings.objects.all().delete()

    first, second = identity_settings(), identity_settings()

    assert first.pk == second.pk and IdentitySettings.objects.count() == 1
    assert first.review_at == 0.8 and first.auto_merge_at is None


def test_an_update_is_stored_and_audited_with_what_changed(steward):
    identity_settings_update(by=steward, review_at=0.7, auto_merge_at=0.95)

    row = identity_settings()
    assert (row.review_at, row.auto_merge_at, row.updated_by) == (0.7, 0.95, steward)
    event = AuditEvent.objects.get(action="identity.settings_changed")
    assert event.actor == steward
    assert event.detail == {
        "review_at": {"from": 0.8, "to": 0.7},
        "auto_merge_at": {"from": None, "to": 0.95},
    }


def test_automatic_merging_can_be_switched_off(steward):
    identity_settings_update(by=steward, review_at=0.7, auto_merge_at=0.95)

    identity_settings_update(by=steward, review_at=0.7, auto_merge_at=None)

    assert identity_settings().auto_merge_at is None


def test_automatic_merging_at_the_review_level_is_allowed(steward):
    identity_settings_update(by=steward, review_at=0.9, auto_merge_at=0.9)

    assert identity_settings().auto_merge_at == 0.9


@pytest.mark.parametrize(
    "review_at, auto_merge_at, field",
    [
        (1.2, None, "review_at"),
        (-0.1, None, "review_at"),
        (float("nan"), None, "review_at"),
        (None, None, "review_at"),
        (0.8, 1.01, "auto_merge_at"),
        (0.8, 0.79, "auto_merge_at"),
        ("lots", None, "review_at"),
    ],
)
def test_out_of_range_or_inverted_confidences_are_refused(steward, review_at, auto_merge_at, field):
    with pytest.raises(ValidationFailed) as refused:
        identity_settings_update(by=steward, review_at=review_at, auto_merge_at=auto_merge_at)

    assert field in refused.value.fields
    assert identity_settings().review_at == 0.8
    assert not AuditEvent.objects.filter(action="identity.settings_changed").exists()


def test_the_django_admin_changes_them_through_the_service(client_for):
    client, admin_user = client_for("admin")
    row = identity_settings()
    url = f"/admin/identity/identitysettings/{row.pk}/change/"

    refused = client.post(url, {"review_at": "0.9", "auto_merge_at": "0.5"})
    saved = client.post(url, {"review_at": "0.9", "auto_merge_at": "0.97"})

    assert refused.status_code == 200 and b"at least the review confidence" in refused.content
    assert saved.status_code == 302
    row.refresh_from_db()
    assert (row.review_at, row.auto_merge_at) == (0.9, 0.97)
    event = AuditEvent.objects.get(action="identity.settings_changed")
    assert event.actor == admin_user
