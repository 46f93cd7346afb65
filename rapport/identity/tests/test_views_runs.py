"""Batch runs (list, start, one at a time, live progress) and the settings page (validation,
what each level does), and who may."""

import datetime

import pytest
from django.urls import reverse

from rapport.core.roles import Role
from rapport.customers.tests.factories import CustomerFactory
from rapport.identity.choices import FoundBy, PairStatus, RunState
from rapport.identity.models import IdentitySettings, MatchPair, MatchRun
from rapport.identity.services.settings import identity_settings
from rapport.identity.tests.factories import MatchRunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client_for):
    return client_for(Role.ADMIN)


def twins():
    """Two records of one person: same name, same date of birth."""
    born = datetime.date(1979, 6, 21)
    return [
        CustomerFactory(first_name="Amara", last_name="Nwosu", date_of_birth=born) for _ in range(2)
    ]


# --- Runs ----------------------------------------------------------------------------------------


def test_the_runs_page_lists_runs_with_state_and_counts(admin_client):
    client, user = admin_client
    done = MatchRunFactory(
        state=RunState.DONE, created_by=user, customers=1200, pairs_found=14, merged=2
    )
    failed = MatchRunFactory(state=RunState.FAILED, failure="Failed while saving: disk full")

    page = client.get(reverse("identity:runs"))

    body = page.content.decode()
    assert page.status_code == 200
    row = body.split(f'data-run="{done.pk}"')[1].split("</tr>")[0]
    assert "Done" in row and "1200" in row and "14" in row and str(user) in row
    assert "disk full" in body.split(f'data-run="{failed.pk}"')[1].split("</tr>")[0]


def test_the_empty_runs_page_says_how_to_start(admin_client):
    client, _ = admin_client

    body = client.get(reverse("identity:runs")).content.decode()

    assert "No batch runs yet" in body and "Find duplicates now" in body


def test_starting_a_run_finds_pairs_and_returns_to_the_queue(
    admin_client, django_capture_on_commit_callbacks
):
    client, user = admin_client
    twins()
    identity_settings()

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("identity:runs"),
            {"engine": FoundBy.SCORING, "next": reverse("identity:queue")},
        )

    assert answer.status_code == 302 and answer["Location"] == reverse("identity:queue")
    run = MatchRun.objects.get()
    assert run.created_by == user and run.engine == FoundBy.SCORING
    assert run.state == RunState.DONE, run.failure
    assert MatchPair.objects.filter(run=run, status=PairStatus.OPEN).count() == 1
    queue = client.get(answer["Location"]).content.decode()
    assert "Looking for duplicates" in queue and "Amara Nwosu" in queue


def test_a_second_run_while_one_runs_is_refused_with_a_message(admin_client):
    client, _ = admin_client
    busy = MatchRunFactory(state=RunState.RUNNING)

    answer = client.post(reverse("identity:runs"), {"engine": FoundBy.SPLINK}, follow=True)

    body = answer.content.decode()
    assert f"Not started: Match run {busy.pk} is running" in body
    assert MatchRun.objects.count() == 1


def test_an_unknown_engine_is_refused(admin_client):
    client, _ = admin_client

    answer = client.post(reverse("identity:runs"), {"engine": "guesswork"}, follow=True)

    assert "Not started: Select a valid choice" in answer.content.decode()
    assert not MatchRun.objects.exists()


def test_the_way_back_never_leaves_the_site(admin_client):
    client, _ = admin_client
    MatchRunFactory(state=RunState.RUNNING)

    answer = client.post(reverse("identity:runs"), {"next": "https://elsewhere.example/"})

    assert answer["Location"] == reverse("identity:runs")


def test_progress_polls_while_running_and_stops_when_done(admin_client):
    client, _ = admin_client
    run = MatchRunFactory(state=RunState.RUNNING, stage="Comparing names", percent=35)
    url = reverse("identity:run_progress", args=[run.pk])

    running = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in running and 'hx-trigger="every 1s"' in running
    assert "Comparing names" in running and 'aria-valuenow="35"' in running

    run.state, run.stage, run.pairs_found = RunState.DONE, "Done: 4 likely duplicate pairs", 4
    run.save()
    done = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done and 'aria-valuenow="100"' in done
    assert "Show the pairs waiting for review" in done


def test_a_failed_run_says_why(admin_client):
    client, _ = admin_client
    run = MatchRunFactory(state=RunState.FAILED, failure="The splink engine could not be loaded")

    body = client.get(reverse("identity:run_progress", args=[run.pk])).content.decode()

    assert "<html" in body and "The splink engine could not be loaded" in body
    assert "hx-trigger" not in body


def test_an_unknown_run_is_not_found(admin_client):
    client, _ = admin_client

    assert client.get(reverse("identity:run_progress", args=[777])).status_code == 404


# --- Settings ------------------------------------------------------------------------------------


def test_settings_show_the_levels_in_per_cent_with_what_they_do(admin_client):
    client, _ = admin_client
    row = identity_settings()
    row.review_at, row.auto_merge_at = 0.85, None
    row.save()

    body = client.get(reverse("identity:settings")).content.decode()

    assert 'value="85.0"' in body
    assert 'name="auto_merge_at"' in body and 'name="auto_merge_at" value=' not in body
    assert "nothing is ever merged without a person deciding" in body


def test_saving_settings_stores_fractions(admin_client):
    client, user = admin_client

    answer = client.post(reverse("identity:settings"), {"review_at": "75", "auto_merge_at": "99.5"})

    assert answer.status_code == 302
    row = IdentitySettings.objects.get()
    assert row.review_at == pytest.approx(0.75) and row.auto_merge_at == pytest.approx(0.995)
    assert row.updated_by == user
    assert "Settings saved" in client.get(answer["Location"]).content.decode()


def test_an_empty_automatic_level_means_never(admin_client):
    client, _ = admin_client
    row = identity_settings()
    row.auto_merge_at = 0.99
    row.save()

    client.post(reverse("identity:settings"), {"review_at": "80", "auto_merge_at": ""})

    assert IdentitySettings.objects.get().auto_merge_at is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"review_at": "120"}, "review_at", "less than or equal to 100"),
        ({"review_at": "-1"}, "review_at", "greater than or equal to 0"),
        ({"review_at": ""}, "review_at", "This field is required."),
        ({"review_at": "eighty"}, "review_at", "Enter a number."),
        ({"review_at": "90", "auto_merge_at": "85"}, "auto_merge_at", "at least the review level."),
    ],
)
def test_bad_settings_are_refused_with_the_reason(admin_client, data, field, message):
    client, _ = admin_client
    before = identity_settings()

    answer = client.post(reverse("identity:settings"), data)

    body = answer.content.decode()
    assert answer.status_code == 400
    assert f'id="id_{field}_error"' in body or message in body
    assert message in body
    after = IdentitySettings.objects.get()
    assert (after.review_at, after.auto_merge_at) == (before.review_at, before.auto_merge_at)


# --- Who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMIN])
def test_only_admins_run_and_set(client_for, role):
    client, _ = client_for(role)
    run = MatchRunFactory(state=RunState.DONE)

    for name, args in (
        ("identity:runs", []),
        ("identity:run_progress", [run.pk]),
        ("identity:settings", []),
    ):
        assert client.get(reverse(name, args=args)).status_code == 403
    assert client.post(reverse("identity:runs"), {}).status_code == 403
    assert client.post(reverse("identity:settings"), {"review_at": "10"}).status_code == 403
    assert MatchRun.objects.count() == 1
    assert not IdentitySettings.objects.filter(review_at=0.1).exists()
