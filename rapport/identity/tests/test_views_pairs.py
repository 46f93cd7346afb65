"""The review queue and the comparison page: what a steward sees in each state, merging and
"not the same customer" (moving on to the next pair), validation, and who may open them."""

import datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse

from rapport.cases.tests.factories import CaseFactory
from rapport.core.roles import Role
from rapport.customers.tests.factories import ContactPointFactory, CustomerFactory, HoldingFactory
from rapport.identity.choices import PairStatus, RunState
from rapport.identity.matching import probability
from rapport.identity.models import CustomerMerge
from rapport.identity.tests.factories import MatchPairFactory, MatchRunFactory
from rapport.interactions.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db

EXPLANATION = [
    {"field": "prior", "left": "", "right": "", "level": "any two customers", "points": -16.61},
    {"field": "first_name", "left": "Robert", "right": "Bob", "level": "nickname", "points": 3.9},
    {"field": "last_name", "left": "Okafor", "right": "Okafor", "level": "exact", "points": 8.2},
    {
        "field": "email",
        "left": "rob.okafor@example.com",
        "right": "rob.okafor@exmaple.com",
        "level": "typo (one letter)",
        "points": 6.0,
    },
    {
        "field": "date_of_birth",
        "left": "1980-04-02",
        "right": "1980-02-04",
        "level": "day and month swapped",
        "points": 2.5,
    },
    {"field": "phone", "left": "", "right": "", "level": "missing on both", "points": 0.0},
]


def planted(**pair_fields) -> SimpleNamespace:
    """Robert Okafor (older, with history and a product) and Bob Okafor (newer, his e-mail
    address mistyped), as a run would leave them: an open pair with its explanation, scoring
    94 % (the points add up to 3.99)."""
    robert = CustomerFactory(
        first_name="Robert", last_name="Okafor", date_of_birth=datetime.date(1980, 4, 2)
    )
    bob = CustomerFactory(
        first_name="Bob", last_name="Okafor", date_of_birth=datetime.date(1980, 2, 4)
    )
    ContactPointFactory(
        customer=robert, value="rob.okafor@example.com", normalised="rob.okafor@example.com"
    )
    ContactPointFactory(
        customer=bob, value="Rob.Okafor@exmaple.com", normalised="rob.okafor@exmaple.com"
    )
    HoldingFactory(customer=robert, product__name="Gold card")
    InteractionFactory.create_batch(3, customer=robert)
    InteractionFactory(customer=bob)
    CaseFactory(customer=robert)
    fields = {"score": probability(sum(i["points"] for i in EXPLANATION)), **pair_fields}
    fields.setdefault("explanation", EXPLANATION)
    pair = MatchPairFactory(left=robert, right=bob, **fields)
    return SimpleNamespace(pair=pair, robert=robert, bob=bob)


@pytest.fixture
def admin_client(client_for):
    client, user = client_for(Role.ADMIN)
    return client, user


# --- The queue -----------------------------------------------------------------------------------


def test_the_queue_lists_open_pairs_best_first_with_their_reasons(admin_client):
    client, _ = admin_client
    world = planted()
    weaker = MatchPairFactory(score=0.81)
    MatchPairFactory(score=0.99, status=PairStatus.DISMISSED)

    page = client.get(reverse("identity:queue"))

    body = page.content.decode()
    assert page.status_code == 200
    assert body.index(f'data-pair="{world.pair.pk}"') < body.index(f'data-pair="{weaker.pk}"')
    assert "94 %" in body and "81 %" in body
    assert "Robert Okafor" in body and "Bob Okafor" in body
    # The top reasons, best first; the starting weight is not a reason.
    assert body.index("Last name: exact") < body.index("E-mail: typo") < body.index("First name")
    assert "Any two customers" not in body
    assert body.count("data-pair=") == 2


def test_the_queue_searches_by_name_and_filters_by_status(admin_client):
    client, _ = admin_client
    world = planted()
    other = MatchPairFactory(left__last_name="Brown", right__last_name="Browne")
    dismissed = MatchPairFactory(status=PairStatus.DISMISSED, left__last_name="Okafor")

    found = client.get(reverse("identity:queue"), {"q": "okaf"}).content.decode()
    assert f'data-pair="{world.pair.pk}"' in found and f'data-pair="{other.pk}"' not in found
    assert f'data-pair="{dismissed.pk}"' not in found

    decided = client.get(reverse("identity:queue"), {"status": "dismissed"}).content.decode()
    assert (
        f'data-pair="{dismissed.pk}"' in decided and f'data-pair="{world.pair.pk}"' not in decided
    )

    every = client.get(reverse("identity:queue"), {"status": "all"}).content.decode()
    assert every.count("data-pair=") == 3


def test_htmx_gets_only_the_results(admin_client):
    client, _ = admin_client
    world = planted()

    answer = client.get(reverse("identity:queue"), {"q": "okafor"}, HTTP_HX_REQUEST="true")

    body = answer.content.decode()
    assert answer.status_code == 200 and "<html" not in body
    assert f'data-pair="{world.pair.pk}"' in body


def test_a_bad_filter_is_a_clear_400(admin_client):
    client, _ = admin_client
    planted()

    answer = client.get(reverse("identity:queue"), {"status": "maybe"})

    assert answer.status_code == 400
    assert "Select a valid choice" in answer.content.decode()
    assert "data-pair=" not in answer.content.decode()


def test_the_empty_queue_says_how_to_start_a_run(admin_client):
    client, _ = admin_client

    body = client.get(reverse("identity:queue")).content.decode()

    assert "No pairs wait for review" in body
    assert "Find duplicates now" in body
    assert f'action="{reverse("identity:runs")}"' in body


def test_the_queue_pages(admin_client, settings):
    client, _ = admin_client
    for n in range(27):
        MatchPairFactory(score=0.99 - n / 100)

    first = client.get(reverse("identity:queue")).content.decode()
    second = client.get(reverse("identity:queue"), {"page": 2}).content.decode()

    assert first.count("data-pair=") == 25 and second.count("data-pair=") == 2
    assert 'rel="next"' in first


def test_the_queue_shows_the_run_in_progress_polling_every_second(admin_client):
    client, _ = admin_client
    run = MatchRunFactory(state=RunState.RUNNING, stage="Comparing names", percent=40)
    MatchRunFactory(state=RunState.DONE)

    body = client.get(reverse("identity:queue")).content.decode()

    assert 'data-testid="run-progress"' in body
    assert reverse("identity:run_progress", args=[run.pk]) in body
    assert 'hx-trigger="every 1s"' in body
    assert "Comparing names" in body and "40%" in body


def test_no_progress_bar_without_a_run_in_progress(admin_client):
    client, _ = admin_client
    MatchRunFactory(state=RunState.DONE)

    body = client.get(reverse("identity:queue")).content.decode()

    assert 'data-testid="run-progress"' not in body


def test_the_queue_reads_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries):
    client, _ = admin_client
    for _ in range(10):
        MatchPairFactory()

    with django_assert_max_num_queries(7):
        assert client.get(reverse("identity:queue")).status_code == 200


# --- One pair ------------------------------------------------------------------------------------


def test_the_comparison_shows_both_records_field_by_field(admin_client):
    client, _ = admin_client
    world = planted()

    page = client.get(reverse("identity:pair", args=[world.pair.pk]))

    body = page.content.decode()
    assert page.status_code == 200
    # One row per field, differences marked, the explanation's level and points beside them.
    assert 'data-field="first_name" class="table-warning" data-differs="true"' in body
    assert 'data-field="last_name" class' not in body
    assert "nickname" in body and "+3.9" in body
    assert "day and month swapped" in body and "+2.5" in body
    assert "1980-04-02" in body and "1980-02-04" in body
    # Contact points, products, counts of history on each side, and the total.
    assert "rob.okafor@example.com" in body and "Rob.Okafor@exmaple.com" in body
    assert "Gold card" in body
    assert 'data-count="interactions"' in body
    assert '<td class="text-end">3</td><td class="text-end">1</td>' in body
    assert "−16.6" in body or "-16.6" in body
    assert "94 % likely one person" in body and "+4.0" in body
    assert world.robert.get_absolute_url() in body and world.bob.get_absolute_url() in body


def test_an_odd_explanation_still_shows(admin_client):
    client, _ = admin_client
    odd = [{"field": "last_name", "level": "exact", "points": "many"}, "not an item", {"x": 1}]
    world = planted(explanation=odd)

    queue = client.get(reverse("identity:queue"))
    page = client.get(reverse("identity:pair", args=[world.pair.pk]))

    assert queue.status_code == 200 and "no single field stands out" in queue.content.decode()
    assert page.status_code == 200
    row = page.content.decode().split('data-field="last_name"')[1].split("</tr>")[0]
    assert "exact" in row and "0.0" in row


def test_the_older_record_is_chosen_to_stay(admin_client):
    client, _ = admin_client
    world = planted()

    body = client.get(reverse("identity:pair", args=[world.pair.pk])).content.decode()

    chosen = body.split('name="survivor"')
    checked = [part for part in chosen[1:] if part.split(">")[0].find("checked") != -1]
    assert len(checked) == 1 and f'value="{world.robert.pk}"' in checked[0].split(">")[0]
    assert "3 interactions, 1 case" in body


def test_merging_moves_on_to_the_next_open_pair(admin_client):
    client, user = admin_client
    world = planted()
    following = MatchPairFactory(score=0.9)

    answer = client.post(
        reverse("identity:merge", args=[world.pair.pk]), {"survivor": world.bob.pk}
    )

    assert answer.status_code == 302
    assert answer["Location"] == reverse("identity:pair", args=[following.pk])
    merge = CustomerMerge.objects.get(pair=world.pair)
    assert merge.survivor == world.bob and merge.merged == world.robert
    assert merge.merged_by == user and not merge.automatic
    shown = client.get(answer["Location"]).content.decode()
    assert "Merged Robert Okafor into Bob Okafor" in shown


def test_the_last_decision_returns_to_the_queue(admin_client):
    client, _ = admin_client
    world = planted()

    answer = client.post(reverse("identity:dismiss", args=[world.pair.pk]), {"note": "Twins"})

    assert answer.status_code == 302 and answer["Location"] == reverse("identity:queue")
    world.pair.refresh_from_db()
    assert world.pair.status == PairStatus.DISMISSED
    assert "kept apart" in client.get(answer["Location"]).content.decode()


def test_a_survivor_outside_the_pair_is_refused_on_the_page(admin_client):
    client, _ = admin_client
    world = planted()
    stranger = CustomerFactory()

    answer = client.post(reverse("identity:merge", args=[world.pair.pk]), {"survivor": stranger.pk})

    assert answer.status_code == 400
    assert "Select a valid choice" in answer.content.decode()
    assert not CustomerMerge.objects.exists()


def test_a_missing_survivor_is_refused_on_the_page(admin_client):
    client, _ = admin_client
    world = planted()

    answer = client.post(reverse("identity:merge", args=[world.pair.pk]), {})

    assert answer.status_code == 400
    assert "Choose the record that stays." in answer.content.decode()


def test_a_note_too_long_is_refused(admin_client):
    client, _ = admin_client
    world = planted()

    answer = client.post(reverse("identity:dismiss", args=[world.pair.pk]), {"note": "x" * 501})

    assert answer.status_code == 400
    assert "at most 500 characters" in answer.content.decode()
    world.pair.refresh_from_db()
    assert world.pair.status == PairStatus.OPEN


def test_merging_a_merged_pair_says_why_not(admin_client):
    client, _ = admin_client
    world = planted()
    client.post(reverse("identity:merge", args=[world.pair.pk]), {"survivor": world.robert.pk})

    answer = client.post(
        reverse("identity:merge", args=[world.pair.pk]), {"survivor": world.robert.pk}
    )

    assert answer.status_code == 409
    body = answer.content.decode()
    assert "Not merged: These two customers were already merged." in body
    assert CustomerMerge.objects.count() == 1


def test_a_merged_pair_offers_undo_instead_of_decisions(admin_client):
    client, _ = admin_client
    world = planted()
    client.post(reverse("identity:merge", args=[world.pair.pk]), {"survivor": world.robert.pk})
    merge = CustomerMerge.objects.get()

    body = client.get(reverse("identity:pair", args=[world.pair.pk])).content.decode()

    assert 'data-testid="decided"' in body and "Merged on" in body
    assert reverse("identity:undo", args=[merge.pk]) in body
    assert 'id="merge-button"' not in body and 'id="dismiss-button"' not in body


def test_a_dismissed_pair_may_still_be_merged_but_not_dismissed_again(admin_client):
    client, _ = admin_client
    world = planted(status=PairStatus.DISMISSED)

    body = client.get(reverse("identity:pair", args=[world.pair.pk])).content.decode()

    assert 'id="merge-button"' in body and 'id="dismiss-button"' not in body


def test_an_unknown_pair_is_not_found(admin_client):
    client, _ = admin_client

    assert client.get(reverse("identity:pair", args=[987654])).status_code == 404
    assert client.get(reverse("identity:pair", args=[2**70])).status_code == 404
    assert client.post(reverse("identity:merge", args=[987654]), {}).status_code == 404


def test_decisions_are_posts_only(admin_client):
    client, _ = admin_client
    world = planted()

    assert client.get(reverse("identity:merge", args=[world.pair.pk])).status_code == 405
    assert client.get(reverse("identity:dismiss", args=[world.pair.pk])).status_code == 405


def test_the_comparison_reads_a_fixed_number_of_queries(
    admin_client, django_assert_max_num_queries
):
    client, _ = admin_client
    world = planted()

    with django_assert_max_num_queries(11):
        assert client.get(reverse("identity:pair", args=[world.pair.pk])).status_code == 200


# --- Who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMIN])
def test_only_admins_review_duplicates(client_for, role):
    client, _ = client_for(role)
    world = planted()

    for name, args in (("identity:queue", []), ("identity:pair", [world.pair.pk])):
        assert client.get(reverse(name, args=args)).status_code == 403
    merged = client.post(
        reverse("identity:merge", args=[world.pair.pk]), {"survivor": world.bob.pk}
    )
    dismissed = client.post(reverse("identity:dismiss", args=[world.pair.pk]), {})

    assert merged.status_code == 403 and dismissed.status_code == 403
    world.pair.refresh_from_db()
    assert world.pair.status == PairStatus.OPEN and not CustomerMerge.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    answer = client.get(reverse("identity:queue"))

    assert answer.status_code == 302 and reverse("accounts:login") in answer["Location"]
