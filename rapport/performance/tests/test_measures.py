"""Measurement settings: audited, validated, and a change that alters rollups rebuilds them."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from rapport.core.errors import ValidationFailed
from rapport.core.models import AuditEvent
from rapport.performance import rollups
from rapport.performance.models import MeasurementSettings, RollupDirtyDay
from rapport.performance.services import measures
from rapport.performance.tests.factories import contact

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def admin(make_user):
    return make_user("admin")


@pytest.fixture
def ledger_since_ten_days():
    contact(day=TODAY - datetime.timedelta(days=10))
    contact(day=TODAY - datetime.timedelta(days=4))
    RollupDirtyDay.objects.all().delete()


def test_a_change_is_saved_and_audited_with_what_changed(admin):
    measures.measurement_settings_update(
        by=admin, service_level_seconds=30, short_abandon_seconds=5, min_sample=20
    )

    row = MeasurementSettings.objects.get()
    assert (row.service_level_seconds, row.min_sample) == (30, 20)
    event = AuditEvent.objects.get(action="performance.settings_changed")
    assert event.actor == admin
    assert event.detail == {"min_sample": "20", "service_level_seconds": "30"}  # 5 was already so


def test_changing_a_window_marks_every_ledger_day_for_rebuilding(
    admin, ledger_since_ten_days, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        measures.measurement_settings_update(by=admin, repeat_window_days=14)

    assert RollupDirtyDay.objects.count() == 11  # ten days ago through today


@pytest.mark.parametrize(
    "change",
    [
        {"min_sample": 10},
        {"ranking_enabled": True},
        {"staff_cost_per_hour": Decimal("40.00")},
        {"channel_costs": {"phone": "1.10"}},
        {"repeat_window_days": 7},  # the value it already has
    ],
)
def test_a_change_read_at_display_time_rebuilds_nothing(
    admin, ledger_since_ten_days, django_capture_on_commit_callbacks, change
):
    with django_capture_on_commit_callbacks(execute=True):
        measures.measurement_settings_update(by=admin, **change)

    assert not RollupDirtyDay.objects.exists()


def test_an_unknown_setting_is_refused(admin):
    with pytest.raises(ValidationFailed, match="colour"):
        measures.measurement_settings_update(by=admin, colour="blue")


def test_an_out_of_range_value_is_a_validation_failure(admin):
    with pytest.raises(ValidationFailed):
        measures.measurement_settings_update(by=admin, repeat_window_days=0)


def test_the_id_is_not_a_setting(admin):
    with pytest.raises(ValidationFailed):
        measures.measurement_settings_update(by=admin, id=2)


def test_rebuild_all_marks_the_ledgers_days(ledger_since_ten_days):
    assert measures.rollups_rebuild_all() == 11
    assert set(RollupDirtyDay.objects.values_list("day", flat=True)) == set(rollups.ledger_days())


def test_rebuild_all_without_a_ledger_marks_nothing():
    assert measures.rollups_rebuild_all() == 0
    assert not RollupDirtyDay.objects.exists()
