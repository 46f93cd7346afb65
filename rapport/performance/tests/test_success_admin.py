"""The admin site of performance: what is configuration and what is only read there."""

import datetime

import pytest
from django.contrib import admin as django_admin
from django.urls import reverse
from django.utils import timezone

from rapport.core.models import AuditEvent
from rapport.performance.models import (
    Dispute,
    Evaluation,
    Goal,
    Kpi,
    Kudos,
    MeasurementSettings,
    QaForm,
    RollupDirtyDay,
    SuccessDefinition,
)
from rapport.performance.tests.factories import contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(client_for):
    client, _ = client_for("admin")
    return client


@pytest.mark.parametrize(
    "model", [Kpi, MeasurementSettings, SuccessDefinition, QaForm, Kudos, Goal, Evaluation, Dispute]
)
def test_each_model_is_registered_and_lists(site, model):
    assert django_admin.site.is_registered(model)
    url = reverse(f"admin:performance_{model._meta.model_name}_changelist")

    assert site.get(url).status_code == 200


def kpi_form(kpi: Kpi, **changes) -> dict:
    data = {
        "name": kpi.name,
        "definition": kpi.definition,
        "computation": kpi.computation,
        "channel": kpi.channel,
        "unit": kpi.unit,
        "better": kpi.better,
        "target": str(kpi.target or ""),
        "owner": "",
        "goal": kpi.goal,
        "kind": kpi.kind,
        "order": kpi.order,
        "is_active": "on",
        "key": "renamed",
        "formula": "nps",
    }
    return {**data, **changes}


def test_a_kpis_target_and_wording_change_but_not_its_key_or_formula(site):
    kpi = Kpi.objects.get(key="fcr")
    url = reverse("admin:performance_kpi_change", args=[kpi.pk])

    response = site.post(url, kpi_form(kpi, target="80.00", name="FCR (7 days)"))

    assert response.status_code == 302
    kpi.refresh_from_db()
    assert (kpi.target, kpi.name) == (80, "FCR (7 days)")
    assert (kpi.key, kpi.formula) == ("fcr", "fcr")


def test_a_new_kpi_names_its_key_and_formula(site):
    url = reverse("admin:performance_kpi_add")
    kpi = Kpi(name="Handle time (SMS)", definition="d", computation="c", channel="sms",
              unit="seconds", better="lower", goal="cost", kind="hard", order=0)  # fmt: skip

    response = site.post(url, kpi_form(kpi, key="aht_sms", formula="aht"))

    assert response.status_code == 302
    assert Kpi.objects.get(key="aht_sms").formula == "aht"


def settings_form(row: MeasurementSettings, **changes) -> dict:
    data = {
        "service_level_seconds": row.service_level_seconds,
        "short_abandon_seconds": row.short_abandon_seconds,
        "repeat_window_days": row.repeat_window_days,
        "save_window_days": row.save_window_days,
        "offer_window_days": row.offer_window_days,
        "staff_cost_per_hour": str(row.staff_cost_per_hour),
        "channel_costs": '{"phone": "0.90"}',
        "min_sample": row.min_sample,
        "min_team_size": row.min_team_size,
    }
    return {**data, **changes}


def test_settings_saved_here_are_audited_and_rebuild_the_figures(
    site, django_capture_on_commit_callbacks
):
    contact(day=timezone.localdate() - datetime.timedelta(days=1))
    RollupDirtyDay.objects.all().delete()
    row = MeasurementSettings.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = site.post(
            reverse("admin:performance_measurementsettings_change", args=[row.pk]),
            settings_form(row, repeat_window_days=10),
        )

    assert response.status_code == 302
    assert MeasurementSettings.objects.get().repeat_window_days == 10
    assert MeasurementSettings.objects.count() == 1
    assert AuditEvent.objects.filter(action="performance.settings_changed").exists()
    assert RollupDirtyDay.objects.count() == 2


def test_settings_are_one_row_never_added_or_deleted(site):
    row = MeasurementSettings.objects.get()

    assert site.get(reverse("admin:performance_measurementsettings_add")).status_code == 403
    delete = reverse("admin:performance_measurementsettings_delete", args=[row.pk])
    assert site.post(delete, {"post": "yes"}).status_code == 403
    assert MeasurementSettings.objects.exists()


def test_the_success_definition_is_read_only_here(site):
    shipped = SuccessDefinition.objects.get(version=1)
    url = reverse("admin:performance_successdefinition_change", args=[shipped.pk])

    assert site.get(url).status_code == 200  # viewable
    site.post(url, {"name": "Changed", "version": 1})
    assert SuccessDefinition.objects.get(version=1).name != "Changed"
    assert site.get(reverse("admin:performance_successdefinition_add")).status_code == 403


@pytest.mark.parametrize("model", [SuccessDefinition, Goal, Evaluation, Dispute])
def test_records_with_rules_of_their_own_are_not_changed_here(rf, make_user, model):
    request = rf.get("/")
    request.user = make_user("admin")
    model_admin = django_admin.site._registry[model]

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_a_qa_form_is_edited_with_its_criteria(site):
    form = QaForm.objects.get()

    response = site.get(reverse("admin:performance_qaform_change", args=[form.pk]))

    assert response.status_code == 200
    assert "Verified the customer" in response.content.decode()
