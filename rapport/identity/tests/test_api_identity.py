"""The identity API: pairs with their comparison, merge and dismiss, merges and undo, runs; bad
input is 400 with field errors, conflicts 409, other roles 403, unknown ids 404."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from rapport.core.roles import Role
from rapport.customers.models import Customer
from rapport.identity.choices import FoundBy, PairStatus, RunState
from rapport.identity.models import CustomerMerge, MatchRun
from rapport.identity.services.pairs import pair_merge
from rapport.identity.tests.factories import MatchPairFactory, MatchRunFactory
from rapport.identity.tests.test_views_pairs import planted

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_for):
    client, _ = api_for(Role.ADMIN)
    return client


# --- Pairs ---------------------------------------------------------------------------------------


def test_pairs_list_open_ones_best_first_with_reasons(api):
    world = planted()
    weaker = MatchPairFactory(score=0.82)
    MatchPairFactory(status=PairStatus.DISMISSED)

    answer = api.get(reverse("api-identity-pairs"))

    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert [r["id"] for r in rows] == [world.pair.pk, weaker.pk]
    first = rows[0]
    assert first["left"] == {
        "id": world.robert.pk,
        "display_name": "Robert Okafor",
        "merged_into": None,
    }
    assert first["score"] == pytest.approx(0.941, abs=0.001) and first["status"] == "open"
    assert [r["field"] for r in first["reasons"]] == ["last_name", "email", "first_name"]
    assert first["reasons"][1] == {
        "field": "email",
        "left": "rob.okafor@example.com",
        "right": "rob.okafor@exmaple.com",
        "level": "typo (one letter)",
        "points": 6.0,
    }


def test_pairs_filter_by_status_and_name(api):
    world = planted()
    dismissed = MatchPairFactory(status=PairStatus.DISMISSED)

    only_dismissed = api.get(reverse("api-identity-pairs"), {"status": "dismissed"}).json()
    every = api.get(reverse("api-identity-pairs"), {"status": "all"}).json()
    by_name = api.get(reverse("api-identity-pairs"), {"q": "okafor", "status": "all"}).json()

    assert [r["id"] for r in only_dismissed["results"]] == [dismissed.pk]
    assert every["count"] == 2
    assert [r["id"] for r in by_name["results"]] == [world.pair.pk]


def test_a_bad_status_is_400_naming_the_field(api):
    answer = api.get(reverse("api-identity-pairs"), {"status": "maybe"})

    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid" and "status" in answer.json()["fields"]


def test_the_pairs_list_reads_a_fixed_number_of_queries(api, django_assert_max_num_queries):
    for _ in range(10):
        MatchPairFactory()

    with django_assert_max_num_queries(3):
        assert api.get(reverse("api-identity-pairs")).status_code == 200


def test_one_pair_carries_its_explanation_and_comparison(api):
    world = planted()

    answer = api.get(reverse("api-identity-pair", args=[world.pair.pk]))

    assert answer.status_code == 200
    body = answer.json()
    assert [i["field"] for i in body["explanation"]][:3] == ["prior", "first_name", "last_name"]
    rows = {row["field"]: row for row in body["comparison"]}
    assert rows["first_name"]["left"] == "Robert" and rows["first_name"]["right"] == "Bob"
    assert rows["first_name"]["same"] is False
    assert rows["first_name"]["explanation"]["level"] == "nickname"
    assert rows["last_name"]["same"] is True
    assert rows["interactions"]["left"] == "3" and rows["interactions"]["right"] == "1"
    assert rows["cases"]["left"] == "1" and rows["cases"]["right"] == "0"


def test_a_pair_with_an_odd_explanation_still_reads(api):
    pair = MatchPairFactory(explanation=[{"field": "odd"}, "not an item", {"points": "many"}])

    listed = api.get(reverse("api-identity-pairs"))
    one = api.get(reverse("api-identity-pair", args=[pair.pk]))

    assert listed.status_code == 200 and listed.json()["results"][0]["reasons"] == []
    assert one.status_code == 200
    assert one.json()["explanation"][0] == {
        "field": "odd",
        "left": "",
        "right": "",
        "level": "",
        "points": 0.0,
    }


def test_merging_over_the_api_returns_the_merge(api):
    world = planted()

    answer = api.post(
        reverse("api-identity-pair-merge", args=[world.pair.pk]),
        {"survivor_id": world.bob.pk},
        format="json",
    )

    assert answer.status_code == 201
    body = answer.json()
    assert body["survivor"]["id"] == world.bob.pk and body["merged"]["id"] == world.robert.pk
    assert body["merged"]["merged_into"] == world.bob.pk
    assert body["automatic"] is False and body["pair"] == world.pair.pk
    assert body["score"] == world.pair.score
    assert body["moved_counts"]["interactions.interaction.customer"] == 3
    assert "kept" not in body["moved"]


def test_merging_without_a_choice_keeps_the_older(api):
    world = planted()

    answer = api.post(reverse("api-identity-pair-merge", args=[world.pair.pk]), {}, format="json")

    assert answer.status_code == 201 and answer.json()["survivor"]["id"] == world.robert.pk


def test_a_survivor_outside_the_pair_is_400(api):
    world = planted()
    stranger = Customer.objects.create(first_name="Other", last_name="Person")

    answer = api.post(
        reverse("api-identity-pair-merge", args=[world.pair.pk]),
        {"survivor_id": stranger.pk},
        format="json",
    )

    assert answer.status_code == 400
    assert "survivor_id" in answer.json()["fields"]
    assert not CustomerMerge.objects.exists()


@pytest.mark.parametrize("survivor_id", ["bob", -1, 2**70])
def test_a_malformed_survivor_is_400(api, survivor_id):
    world = planted()

    answer = api.post(
        reverse("api-identity-pair-merge", args=[world.pair.pk]),
        {"survivor_id": survivor_id},
        format="json",
    )

    assert answer.status_code == 400 and "survivor_id" in answer.json()["fields"]


def test_merging_twice_is_a_conflict(api):
    world = planted()
    url = reverse("api-identity-pair-merge", args=[world.pair.pk])
    api.post(url, {}, format="json")

    again = api.post(url, {}, format="json")

    assert again.status_code == 409
    assert again.json()["code"] == "pair_merged"


def test_dismissing_over_the_api(api):
    world = planted()
    url = reverse("api-identity-pair-dismiss", args=[world.pair.pk])

    answer = api.post(url, {"note": "Father and son"}, format="json")

    assert answer.status_code == 200 and answer.json()["status"] == "dismissed"
    again = api.post(url, {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "pair_dismissed"


def test_a_note_too_long_is_400(api):
    world = planted()

    answer = api.post(
        reverse("api-identity-pair-dismiss", args=[world.pair.pk]),
        {"note": "x" * 501},
        format="json",
    )

    assert answer.status_code == 400 and "note" in answer.json()["fields"]


def test_unknown_pairs_are_404(api):
    assert api.get(reverse("api-identity-pair", args=[99999])).status_code == 404
    assert api.get(reverse("api-identity-pair", args=[2**70])).status_code == 404
    merge = api.post(reverse("api-identity-pair-merge", args=[99999]), {}, format="json")
    assert merge.status_code == 404 and merge.json()["code"] == "not_found"


# --- Merges --------------------------------------------------------------------------------------


def test_merges_list_and_undo(api, make_user):
    world = planted()
    merge = pair_merge(pair=world.pair, by=make_user(Role.ADMIN), survivor_id=world.bob.pk)

    listed = api.get(reverse("api-identity-merges")).json()
    assert [m["id"] for m in listed["results"]] == [merge.pk]
    assert listed["results"][0]["moved_counts"]["cases.case.customer"] == 1

    undone = api.post(reverse("api-identity-merge-undo", args=[merge.pk]), format="json")

    assert undone.status_code == 200
    assert undone.json()["undone_at"] is not None
    assert undone.json()["merged"]["merged_into"] is None
    standing = api.get(reverse("api-identity-merges"), {"undone": "false"}).json()
    assert standing["count"] == 0
    again = api.post(reverse("api-identity-merge-undo", args=[merge.pk]), format="json")
    assert again.status_code == 409 and again.json()["code"] == "merge_undone"


def test_an_unknown_merge_is_404(api):
    assert (
        api.post(reverse("api-identity-merge-undo", args=[31337]), format="json").status_code == 404
    )


# --- Runs ----------------------------------------------------------------------------------------


def test_starting_a_run_and_reading_it(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(reverse("api-identity-runs"), {"engine": "scoring"}, format="json")

    assert answer.status_code == 201
    run_id = answer.json()["id"]
    assert answer.json()["engine"] == FoundBy.SCORING
    read = api.get(reverse("api-identity-run", args=[run_id])).json()
    assert read["state"] == RunState.DONE and read["percent"] == 100
    assert [r["id"] for r in api.get(reverse("api-identity-runs")).json()["results"]] == [run_id]


def test_a_second_run_is_a_conflict(api):
    busy = MatchRunFactory(state=RunState.RUNNING)

    answer = api.post(reverse("api-identity-runs"), {}, format="json")

    assert answer.status_code == 409
    assert answer.json()["code"] == "run_busy" and str(busy.pk) in answer.json()["message"]
    assert MatchRun.objects.count() == 1


def test_an_unknown_engine_is_400(api):
    answer = api.post(reverse("api-identity-runs"), {"engine": "guesswork"}, format="json")

    assert answer.status_code == 400 and "engine" in answer.json()["fields"]


def test_an_unknown_run_is_404(api):
    assert api.get(reverse("api-identity-run", args=[4040])).status_code == 404


# --- Who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMIN])
def test_only_admins_use_the_identity_api(api_for, make_user, role):
    client, _ = api_for(role)
    world = planted()
    run = MatchRunFactory()
    merge = pair_merge(pair=MatchPairFactory(), by=make_user(Role.ADMIN))

    reads = [
        reverse("api-identity-pairs"),
        reverse("api-identity-pair", args=[world.pair.pk]),
        reverse("api-identity-merges"),
        reverse("api-identity-runs"),
        reverse("api-identity-run", args=[run.pk]),
    ]
    writes = [
        reverse("api-identity-pair-merge", args=[world.pair.pk]),
        reverse("api-identity-pair-dismiss", args=[world.pair.pk]),
        reverse("api-identity-merge-undo", args=[merge.pk]),
        reverse("api-identity-runs"),
    ]
    for url in reads:
        assert client.get(url).status_code == 403, url
    for url in writes:
        assert client.post(url, {}, format="json").status_code == 403, url
    world.pair.refresh_from_db()
    merge.refresh_from_db()
    assert world.pair.status == PairStatus.OPEN and merge.undone_at is None
    assert MatchRun.objects.count() == 1


def test_anonymous_callers_are_401():
    from rest_framework.test import APIClient

    assert APIClient().get(reverse("api-identity-pairs")).status_code == 401


# --- The schema ----------------------------------------------------------------------------------


def test_the_api_schema_validates_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )

    schema = (tmp_path / "schema.yml").read_text()
    assert "/api/v1/identity/pairs/{pair_id}/merge:" in schema
    assert "MatchPairStatusEnum:" in schema and "MatchEngineEnum:" in schema
