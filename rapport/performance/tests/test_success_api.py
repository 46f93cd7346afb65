"""The success definition in the API: the versions, and two versions compared."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from statsmodels.stats.contingency_tables import mcnemar

from rapport.core.roles import Role
from rapport.performance import rollups, stats
from rapport.performance.models import MeasurementSettings
from rapport.performance.services import success as services
from rapport.performance.tests.factories import SuccessDefinitionFactory, contact

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TOMORROW = TODAY + datetime.timedelta(days=1)
VERSIONS = reverse("api-success-definitions")
COMPARE = reverse("api-success-compare")


@pytest.mark.parametrize("role", Role.values)
def test_everyone_reads_the_published_versions(api_for, role):
    client, _ = api_for(role)

    response = client.get(VERSIONS)

    assert response.status_code == 200
    [shipped] = response.json()["results"]
    assert shipped["version"] == 1
    assert shipped["status"] == "published"
    assert shipped["effective_from"] == "2000-01-01"
    assert (shipped["require_resolved"], shipped["repeat_window_days"]) == (True, 7)
    assert (shipped["forbid_escalation"], shipped["forbid_transfer"]) == (True, False)
    assert shipped["min_survey_score"] is None
    assert "It was not escalated." in shipped["in_words"]


def test_anonymous_callers_are_refused():
    from rest_framework.test import APIClient

    assert APIClient().get(VERSIONS).status_code in (401, 403)


def test_drafts_are_listed_for_admins_only(api_for, make_user):
    draft = services.success_definition_draft(by=make_user("admin"))
    agent, _ = api_for("agent")
    admin, _ = api_for("admin")

    assert [v["version"] for v in agent.get(VERSIONS).json()["results"]] == [1]
    listed = admin.get(VERSIONS).json()["results"]
    assert [(v["version"], v["status"]) for v in listed] == [
        (draft.version, "draft"),
        (1, "published"),
    ]


def test_the_list_reads_a_fixed_number_of_queries(
    api_for, make_user, django_assert_max_num_queries
):
    publisher = make_user("admin", first_name="Ada", last_name="Lovelace")
    for day in range(1, 12):
        SuccessDefinitionFactory(
            effective_from=TODAY + datetime.timedelta(days=day), published_by=publisher
        )
    client, _ = api_for("executive")

    with django_assert_max_num_queries(4):
        response = client.get(VERSIONS)

    results = response.json()["results"]
    assert len(results) == 12
    assert results[0]["published_by_name"] == "Ada Lovelace"


@pytest.fixture
def strict():
    """v1 and v2 (also not transferred, from TOMORROW), judged on two days of ten contacts each,
    half of them transferred."""
    MeasurementSettings.objects.filter(pk=1).update(min_sample=2)
    version = SuccessDefinitionFactory(effective_from=TOMORROW, forbid_transfer=True)
    for back in (1, 2):
        day = TODAY - datetime.timedelta(days=back)
        for number in range(10):
            contact(day=day, transfers=number % 2)
        rollups.rollup_day(day)
    return version


def test_two_versions_are_compared(api_for, strict):
    client, _ = api_for("agent")
    yesterday = (TODAY - datetime.timedelta(days=1)).isoformat()

    response = client.get(
        COMPARE, {"first": 1, "second": strict.version, "start": yesterday, "end": yesterday}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["start"], body["end"]) == (yesterday, yesterday)
    assert (body["first"]["version"], body["first"]["rate"], body["first"]["n"]) == (1, 100.0, 10)
    assert (body["second"]["rate"], body["second"]["n"]) == (50.0, 10)
    low, high = stats.wilson(5, 10)
    assert body["second"]["ci_low"] == pytest.approx(low * 100)
    assert body["second"]["ci_high"] == pytest.approx(high * 100)
    # Paired: the same ten contacts, five of which only v1 calls a success (the transfers).
    assert (body["first_only"], body["second_only"]) == (5, 0)
    expected = mcnemar([[5, 5], [0, 0]], exact=True).pvalue  # 2 * 0.5**5
    assert body["p_value"] == pytest.approx(expected) == pytest.approx(0.0625)
    assert body["significant"] is False


def test_the_period_defaults_to_eight_weeks_up_to_the_last_day_judged(api_for, strict):
    client, _ = api_for("agent")

    body = client.get(COMPARE, {"first": 1, "second": strict.version}).json()

    latest = TODAY - datetime.timedelta(days=1)
    assert body["end"] == latest.isoformat()
    assert body["start"] == (latest - datetime.timedelta(days=55)).isoformat()
    assert body["first"]["n"] == 20


def test_too_little_data_says_so(api_for, strict):
    MeasurementSettings.objects.filter(pk=1).update(min_sample=30)
    client, _ = api_for("agent")

    body = client.get(COMPARE, {"first": 1, "second": strict.version}).json()

    assert body["first"] | {"name": ""} == {
        "version": 1, "name": "", "rate": None, "ci_low": None, "ci_high": None,
        "n": 20, "enough_data": False,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"first": ""}, "first"),
        ({"first": "x", "second": "2"}, "first"),
        ({"first": "1", "second": "1"}, "second"),
        ({"first": "1", "second": "999999"}, "second"),
        ({"first": "0", "second": "2"}, "first"),
        ({"first": str(2**70), "second": "2"}, "first"),
        ({"start": "2024-02-01", "end": "2024-01-01"}, "end"),
        ({"start": "1900-01-01", "end": "2024-01-01"}, "start"),
        ({"start": "soon"}, "start"),
        ({"end": "0001-01-02"}, None),  # no eight weeks before it: fine, from the first day
    ],
)
def test_bad_input_is_a_400_never_a_500(api_for, strict, query, field):
    client, _ = api_for("agent")

    response = client.get(COMPARE, {"first": "1", "second": str(strict.version), **query})

    if field is None:
        assert response.status_code == 200
        assert response.json()["start"] == "0001-01-01"
        return
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_a_draft_is_not_compared(api_for, strict, make_user):
    draft = services.success_definition_draft(by=make_user("admin"))
    client, _ = api_for("admin")

    response = client.get(COMPARE, {"first": 1, "second": draft.version})

    assert response.status_code == 400
    assert response.json()["fields"] == {"second": [f"No published version {draft.version}."]}


def test_both_versions_are_required(api_for):
    client, _ = api_for("agent")

    response = client.get(COMPARE)

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"first", "second"}
