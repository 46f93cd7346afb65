"""The merges page and undo: what moved, automatic or reviewed, the confirmation, a refused
undo shown plainly, and who may."""

import pytest
from django.urls import reverse

from rapport.core.roles import Role
from rapport.customers.models import Customer
from rapport.identity.choices import PairStatus
from rapport.identity.models import CustomerMerge
from rapport.identity.services.merges import customers_merge
from rapport.identity.services.pairs import pair_merge
from rapport.identity.tests.factories import MatchPairFactory
from rapport.identity.tests.test_views_pairs import planted
from rapport.interactions.models import Interaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client_for):
    return client_for(Role.ADMIN)


def merged_world(by):
    world = planted()
    world.merge = pair_merge(pair=world.pair, by=by, survivor_id=world.bob.pk)
    return world


def test_merges_show_who_when_score_and_what_moved(admin_client):
    client, user = admin_client
    world = merged_world(user)
    automatic = MatchPairFactory(score=0.96)
    customers_merge(
        survivor=automatic.left, merged=automatic.right, by=None, pair=automatic, automatic=True
    )

    page = client.get(reverse("identity:merges"))

    body = page.content.decode()
    assert page.status_code == 200
    row = body.split(f'data-merge="{world.merge.pk}"')[1].split("</tr>")[0]
    assert "Reviewed" in row and str(user) in row and "94 %" in row
    assert "3 interactions" in row and "1 case" in row and "1 holding" in row
    assert "Bob Okafor" in row and "Robert Okafor" in row
    assert reverse("identity:undo", args=[world.merge.pk]) in row
    auto_row = body.split('data-merge="')[1].split("</tr>")[0]
    assert "Automatic" in auto_row and "96 %" in auto_row


def test_the_empty_merges_page_says_where_merges_come_from(admin_client):
    client, _ = admin_client

    body = client.get(reverse("identity:merges")).content.decode()

    assert "No merges yet" in body


def test_undo_asks_first_then_separates_the_two(admin_client):
    client, user = admin_client
    world = merged_world(user)
    url = reverse("identity:undo", args=[world.merge.pk])

    asked = client.get(url)
    assert asked.status_code == 200
    assert "Undo merge" in asked.content.decode() and "3 interactions" in asked.content.decode()
    assert CustomerMerge.objects.get().undone_at is None

    done = client.post(url)

    assert done.status_code == 302 and done["Location"] == reverse("identity:merges")
    world.merge.refresh_from_db()
    assert world.merge.undone_at is not None and world.merge.undone_by == user
    assert Customer.objects.get(pk=world.robert.pk).merged_into is None
    assert Interaction.objects.filter(customer=world.robert).count() == 3
    world.pair.refresh_from_db()
    assert world.pair.status == PairStatus.UNDONE
    page = client.get(done["Location"]).content.decode()
    assert "separate again" in page and "Undone" in page


def test_a_refused_undo_is_shown_as_a_message(admin_client):
    client, user = admin_client
    world = merged_world(user)
    # Bob, who stayed, is merged into a third record since: this undo must wait for that one.
    third = MatchPairFactory(left=world.bob)
    customers_merge(survivor=third.right, merged=world.bob, by=user, pair=third)

    answer = client.post(reverse("identity:undo", args=[world.merge.pk]), follow=True)

    body = answer.content.decode()
    assert "Not undone:" in body and "undo that merge first" in body
    world.merge.refresh_from_db()
    assert world.merge.undone_at is None


def test_an_undone_merge_is_not_offered_again(admin_client):
    client, user = admin_client
    world = merged_world(user)
    client.post(reverse("identity:undo", args=[world.merge.pk]))

    asked = client.get(reverse("identity:undo", args=[world.merge.pk])).content.decode()
    again = client.post(reverse("identity:undo", args=[world.merge.pk]), follow=True)

    assert "This merge was undone on" in asked and 'type="submit">Undo merge' not in asked
    assert "Not undone: This merge was already undone" in again.content.decode()


def test_an_unknown_merge_is_not_found(admin_client):
    client, _ = admin_client

    assert client.get(reverse("identity:undo", args=[424242])).status_code == 404
    assert client.post(reverse("identity:undo", args=[2**70])).status_code == 404


def test_the_merges_page_reads_a_fixed_number_of_queries(
    admin_client, django_assert_max_num_queries
):
    client, user = admin_client
    for _ in range(8):
        pair_merge(pair=MatchPairFactory(), by=user)

    with django_assert_max_num_queries(6):
        assert client.get(reverse("identity:merges")).status_code == 200


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMIN])
def test_only_admins_see_and_undo_merges(client_for, make_user, role):
    client, _ = client_for(role)
    world = merged_world(make_user(Role.ADMIN))

    assert client.get(reverse("identity:merges")).status_code == 403
    assert client.get(reverse("identity:undo", args=[world.merge.pk])).status_code == 403
    assert client.post(reverse("identity:undo", args=[world.merge.pk])).status_code == 403
    world.merge.refresh_from_db()
    assert world.merge.undone_at is None
