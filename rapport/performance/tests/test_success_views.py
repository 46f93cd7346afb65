"""The success definition pages and the measurement settings page."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.tests.factories import UserFactory
from rapport.core.roles import Role
from rapport.performance import rollups
from rapport.performance.models import (
    MeasurementSettings,
    RollupDirtyDay,
    SuccessDefinition,
)
from rapport.performance.services import success as services
from rapport.performance.tests.factories import SuccessDefinitionFactory, contact

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TOMORROW = TODAY + datetime.timedelta(days=1)
SUCCESS = reverse("performance:success")
SETTINGS = reverse("performance:measurement_settings")
NOT_ADMINS = [role for role in Role.values if role != Role.ADMIN]


def text(response) -> str:
    """The page's words, without tags and with spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def draft(make_user):
    return services.success_definition_draft(by=make_user("admin"))


# --- The success page -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_everyone_reads_the_version_in_force(client_for, role):
    client, _ = client_for(role)

    response = client.get(SUCCESS)

    assert response.status_code == 200
    words = text(response)
    assert "In force today: v1 Resolved, not repeated, not escalated" in words
    assert "within 7 days, on any channel" in words
    assert "It was not escalated." in words


def test_anonymous_visitors_log_in_first(client):
    response = client.get(SUCCESS)

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_versions_show_their_periods_and_publishers(client_for, make_user):
    publisher = make_user("admin", first_name="Grace", last_name="Hopper")
    SuccessDefinitionFactory(
        name="Stricter",
        effective_from=TOMORROW,
        published_by=publisher,
        published_at=timezone.now(),
    )
    client, _ = client_for("agent")

    words = text(client.get(SUCCESS))

    yesterday = TODAY.isoformat()
    assert f"v1 Resolved, not repeated, not escalated 2000-01-01 – {yesterday} in force" in words
    assert "v2 Stricter" in words
    assert f"{TOMORROW.isoformat()} – until a new version scheduled Grace Hopper" in words


def test_a_draft_is_listed_for_admins_only(client_for, draft):
    agent, _ = client_for("agent")
    assert f"v{draft.version}" not in text(agent.get(SUCCESS))

    admin, _ = client_for("admin")
    words = text(admin.get(SUCCESS))
    assert f"v{draft.version} Resolved, not repeated, not escalated" in words
    assert f"Continue draft v{draft.version}" in words


def test_the_list_reads_a_fixed_number_of_queries(client_for, django_assert_max_num_queries):
    client, _ = client_for("executive")
    publisher = UserFactory()
    for day in range(1, 15):
        SuccessDefinitionFactory(
            effective_from=TODAY + datetime.timedelta(days=day), published_by=publisher
        )

    # Session and roles (4), versions, choices and comparison (9), list, count, rebuild (4).
    with django_assert_max_num_queries(17):
        response = client.get(SUCCESS)

    assert text(response).count("scheduled") == 14


@pytest.fixture
def two_versions():
    """v1 and a stricter v2 (not transferred either) from TOMORROW; a week of contacts, every
    other one transferred, judged by both."""
    MeasurementSettings.objects.filter(pk=1).update(min_sample=2)
    strict = SuccessDefinitionFactory(
        name="No transfers", effective_from=TOMORROW, forbid_transfer=True
    )
    for back in range(1, 8):
        day = TODAY - datetime.timedelta(days=back)
        for number in range(10):
            contact(day=day, transfers=number % 2)
        rollups.rollup_day(day)
    return strict


def test_two_versions_are_compared_on_the_same_contacts(client_for, two_versions):
    client, _ = client_for("agent")

    response = client.get(SUCCESS)  # defaults: the newest version against the one before

    assert response.status_code == 200
    words = text(response)
    assert re.search(r"v1 Resolved, not repeated, not escalated 100\.0 % 94\.\d–100\.0 % 70", words)
    assert re.search(r"v2 No transfers 50\.0 % 38\.\d–61\.\d % 70", words)
    assert "The difference is significant" in words
    latest = TODAY - datetime.timedelta(days=1)  # the last day judged
    first_day = latest - datetime.timedelta(days=7 * 8 - 1)
    assert f"{first_day.isoformat()} to {latest.isoformat()}: the same contacts" in words
    assert "p < 0.001" in words


def test_the_comparison_covers_the_chosen_period(client_for, two_versions):
    client, _ = client_for("agent")
    day = TODAY - datetime.timedelta(days=1)

    response = client.get(
        SUCCESS,
        {"first": 1, "second": two_versions.pk, "start": day.isoformat(), "end": day.isoformat()},
    )

    words = text(response)
    assert re.search(r"100\.0 % [\d.]+–100\.0 % 10 ", words)
    assert re.search(r"50\.0 % [\d.]+–[\d.]+ % 10 ", words)
    # Five transfers only v1 passes, none the other way: too few pairs to tell (McNemar, exact).
    assert "v1 alone calls 5 of them a success, v2 alone 0" in words
    assert "The difference is not significant (p = 0.063, McNemar's test)" in words  # 0.0625


def test_an_htmx_comparison_answers_with_the_section_alone(client_for, two_versions):
    client, _ = client_for("agent")

    response = client.get(
        SUCCESS, {"first": two_versions.pk, "second": 1}, headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert body.lstrip().startswith('<section id="compare"')
    assert "<html" not in body
    assert 'data-testid="rate-v2"' in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"first": 1, "second": 1}, "Choose another version to compare with."),
        ({"start": "2024-02-01", "end": "2024-01-01"}, "The end comes before the start."),
        ({"start": "2000-01-01", "end": "2024-01-01"}, "Choose at most 1098 days."),
        ({"first": "999999", "second": "1"}, "Select a valid choice."),
        ({"start": "yesterday"}, "Enter a valid date."),
    ],
)
def test_a_bad_comparison_is_explained(client_for, two_versions, query, message):
    client, _ = client_for("agent")

    response = client.get(SUCCESS, {"first": 1, "second": two_versions.pk, **query})

    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_draft_cannot_be_compared(client_for, two_versions, draft):
    client, _ = client_for("admin")

    response = client.get(SUCCESS, {"first": 1, "second": draft.pk})

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()


def test_one_published_version_has_nothing_to_compare(client_for):
    client, _ = client_for("agent")

    words = text(client.get(SUCCESS))

    assert "Only one version has been published so far" in words


def test_rebuilding_shows_how_far_it_got(client_for):
    for back in range(10):
        contact(day=TODAY - datetime.timedelta(days=back))
    RollupDirtyDay.objects.all().delete()
    rollups.days_mark_dirty([TODAY - datetime.timedelta(days=n) for n in range(4)])
    client, _ = client_for("trainer")

    response = client.get(SUCCESS)

    words = text(response)
    assert "4 days still being recomputed (6 of 10 done)" in words
    assert 'aria-valuenow="60"' in response.content.decode()
    partial = client.get(SUCCESS, {"part": "rebuild"}, headers={"HX-Request": "true"})
    assert partial.content.decode().lstrip().startswith('<section id="rollup-rebuild"')
    assert "hx-trigger" in partial.content.decode()


def test_without_pending_days_there_is_no_rebuild_note(client_for):
    contact(day=TODAY)
    RollupDirtyDay.objects.all().delete()
    client, _ = client_for("agent")

    assert "still being recomputed" not in text(client.get(SUCCESS))
    partial = client.get(SUCCESS, {"part": "rebuild"}, headers={"HX-Request": "true"})
    assert "hx-trigger" not in partial.content.decode()  # the polling stops


# --- One version ----------------------------------------------------------------------------------


def detail(definition: SuccessDefinition) -> str:
    return reverse("performance:success_detail", args=[definition.pk])


def test_a_version_reads_in_plain_words_with_what_changed(client_for):
    newer = SuccessDefinitionFactory(
        effective_from=TOMORROW, forbid_transfer=True, repeat_window_days=None
    )
    client, _ = client_for("marketer")

    words = text(client.get(detail(newer)))

    assert "It was not transferred." in words
    assert "Added: It was not transferred." in words
    assert "Dropped: The same customer did not contact us again" in words
    assert "Edit the draft" not in words


def test_a_draft_is_not_found_for_others(client_for, draft):
    client, _ = client_for("supervisor")

    assert client.get(detail(draft)).status_code == 404


def test_an_admin_edits_a_draft(client_for, draft):
    client, _ = client_for("admin")
    page = client.get(detail(draft))
    assert "Edit the draft" in text(page)
    assert "autofocus" in page.content.decode()

    response = client.post(
        detail(draft),
        {"name": "Resolved and kept", "require_resolved": "on", "repeat_window_days": "30",
         "forbid_escalation": "on", "min_survey_score": "4", "notes": "Agreed in the ops review."},
    )  # fmt: skip

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.name, draft.repeat_window_days, draft.min_survey_score) == (
        "Resolved and kept",
        30,
        4,
    )
    assert draft.forbid_transfer is False


def test_a_draft_without_parts_is_refused_on_the_form(client_for, draft):
    client, _ = client_for("admin")

    response = client.post(detail(draft), {"name": "Nothing", "min_survey_score": ""})

    assert response.status_code == 400
    assert "Turn on at least one part" in response.content.decode()
    draft.refresh_from_db()
    assert draft.require_resolved is True


def test_a_window_out_of_range_is_refused_on_the_form(client_for, draft):
    client, _ = client_for("admin")

    response = client.post(detail(draft), {"name": "Long", "repeat_window_days": "120"})

    assert response.status_code == 400
    assert "less than or equal to 90" in response.content.decode()


def test_a_published_version_is_not_edited(client_for):
    client, _ = client_for("admin")

    response = client.post(detail(SuccessDefinition.objects.get(version=1)), {"name": "Changed"})

    assert response.status_code == 409
    assert SuccessDefinition.objects.get(version=1).name != "Changed"


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_others_do_not_edit(client_for, role):
    client, _ = client_for(role)

    response = client.post(
        detail(SuccessDefinition.objects.get(version=1)),
        {"name": "Changed", "require_resolved": "on"},
    )

    assert response.status_code == 403


def test_an_admin_starts_a_draft_from_a_version(client_for):
    older = SuccessDefinition.objects.get(version=1)
    SuccessDefinitionFactory(effective_from=TOMORROW, forbid_transfer=True)
    client, _ = client_for("admin")

    response = client.post(reverse("performance:success_create"), {"based_on": older.pk})

    draft = SuccessDefinition.objects.get(effective_from__isnull=True)
    assert response.status_code == 302
    assert response["Location"] == detail(draft)
    assert draft.forbid_transfer is False


def test_a_second_draft_leads_to_the_open_one(client_for, draft):
    client, _ = client_for("admin")

    response = client.post(reverse("performance:success_create"), follow=True)

    assert response.redirect_chain[-1][0] == detail(draft)
    assert "already being drafted" in response.content.decode()
    assert SuccessDefinition.objects.filter(effective_from__isnull=True).count() == 1


def test_starting_a_draft_is_a_post(client_for):
    client, _ = client_for("admin")

    assert client.get(reverse("performance:success_create")).status_code == 405


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_admins_start_publish_and_discard(client_for, draft, role):
    client, _ = client_for(role)

    assert client.post(reverse("performance:success_create")).status_code == 403
    publish = reverse("performance:success_publish", args=[draft.pk])
    assert client.post(publish, {"effective_from": TODAY.isoformat()}).status_code == 403
    assert client.post(reverse("performance:success_discard", args=[draft.pk])).status_code == 403
    draft.refresh_from_db()
    assert draft.is_draft


def test_an_admin_publishes_a_draft(client_for, draft, django_capture_on_commit_callbacks):
    client, admin = client_for("admin")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("performance:success_publish", args=[draft.pk]),
            {"effective_from": TOMORROW.isoformat()},
            follow=True,
        )

    draft.refresh_from_db()
    assert (draft.effective_from, draft.published_by) == (TOMORROW, admin)
    assert f"Version {draft.version} takes effect on {TOMORROW.isoformat()}" in text(response)


def test_publishing_in_the_past_is_refused_on_the_form(client_for, draft):
    client, _ = client_for("admin")

    response = client.post(
        reverse("performance:success_publish", args=[draft.pk]),
        {"effective_from": (TODAY - datetime.timedelta(days=3)).isoformat()},
    )

    assert response.status_code == 400
    assert "would rewrite history" in text(response)
    draft.refresh_from_db()
    assert draft.is_draft


def test_an_admin_discards_a_draft(client_for, draft):
    client, _ = client_for("admin")

    response = client.post(reverse("performance:success_discard", args=[draft.pk]))

    assert response.status_code == 302
    assert response["Location"] == SUCCESS
    assert not SuccessDefinition.objects.filter(pk=draft.pk).exists()


def test_a_published_version_is_not_discarded(client_for):
    client, _ = client_for("admin")
    shipped = SuccessDefinition.objects.get(version=1)

    response = client.post(reverse("performance:success_discard", args=[shipped.pk]), follow=True)

    assert "never changes" in text(response)
    assert SuccessDefinition.objects.filter(pk=shipped.pk).exists()


def test_an_unknown_version_is_not_found(client_for):
    client, _ = client_for("admin")

    assert client.get(reverse("performance:success_detail", args=[999999])).status_code == 404
    publish = reverse("performance:success_publish", args=[999999])
    assert client.post(publish, {"effective_from": TODAY.isoformat()}).status_code == 404


# --- Measurement settings -------------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_everyone_reads_the_settings(client_for, role):
    client, _ = client_for(role)

    response = client.get(SETTINGS)

    assert response.status_code == 200
    words = text(response)
    assert "answered within 20 s" in words
    assert "Cost of one Phone contact 0.90" in words
    assert 'name="service_level_seconds"' not in response.content.decode()


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_admins_change_the_settings(client_for, role):
    client, _ = client_for(role)

    response = client.post(SETTINGS, {"service_level_seconds": "30"})

    assert response.status_code == 403
    assert MeasurementSettings.objects.get().service_level_seconds == 20


def settings_form(**changes) -> dict:
    data = {
        "service_level_seconds": "20",
        "short_abandon_seconds": "5",
        "repeat_window_days": "7",
        "save_window_days": "60",
        "offer_window_days": "30",
        "staff_cost_per_hour": "32.00",
        "min_sample": "30",
        "min_team_size": "3",
        "channel_cost_phone": "0.90",
        "channel_cost_email": "0.30",
        "channel_cost_chat": "0.40",
        "channel_cost_sms": "0.10",
        "channel_cost_social": "0.20",
        "channel_cost_web": "0",
        "channel_cost_in_person": "2.5",
    }
    return {**data, **changes}


def test_an_admin_sees_the_form_filled_in(client_for):
    client, _ = client_for("admin")

    response = client.get(SETTINGS)

    body = response.content.decode()
    assert 'name="service_level_seconds"' in body
    assert re.search(r'name="channel_cost_phone" value="0.90"', body)
    assert "autofocus" in body


def test_an_admin_changes_the_settings(client_for, django_capture_on_commit_callbacks):
    contact(day=TODAY - datetime.timedelta(days=2))
    RollupDirtyDay.objects.all().delete()
    client, _ = client_for("admin")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            SETTINGS, settings_form(repeat_window_days="14", ranking_enabled="on")
        )

    assert response.status_code == 302
    row = MeasurementSettings.objects.get()
    assert (row.repeat_window_days, row.ranking_enabled) == (14, True)
    assert row.channel_costs["in_person"] == "2.50"
    assert row.channel_costs["phone"] == "0.90"
    assert row.staff_cost_per_hour == Decimal("32.00")
    assert RollupDirtyDay.objects.count() == 3  # the window changed: every ledger day again


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("repeat_window_days", "0"),
        ("repeat_window_days", "91"),
        ("min_sample", "1"),
        ("channel_cost_phone", "-1"),
        ("staff_cost_per_hour", "lots"),
    ],
)
def test_bad_settings_are_refused_on_the_form(client_for, field, value):
    client, _ = client_for("admin")

    response = client.post(SETTINGS, settings_form(**{field: value}))

    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert MeasurementSettings.objects.get().repeat_window_days == 7
