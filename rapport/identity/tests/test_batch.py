"""The batch search over stored customers finds planted duplicates, explains them the way the
pairwise scoring does, keeps household members apart and gives the same answer every run."""

import datetime as dt
import random

import pytest
from django.utils import timezone
from faker import Faker

from rapport.customers.models import ContactPoint, Customer, Household
from rapport.customers.normalise import name_key
from rapport.identity.batch import find_duplicates, link_records
from rapport.identity.matching import CustomerRecord, find_pairs

pytestmark = pytest.mark.django_db


def customer(first: str, last: str, dob: dt.date | None = None, **fields) -> Customer:
    return Customer(
        first_name=first,
        last_name=last,
        name_key=name_key(first, last),
        surname_key=name_key(last, first),
        date_of_birth=dob,
        **fields,
    )


@pytest.fixture
def stored():
    """About 200 customers: random people, planted duplicates, a family of four with twins,
    and an erased and a merged copy of someone. Returns {name: customer}."""
    fake = Faker("en_US")
    fake.seed_instance(11)
    rng = random.Random(11)
    people = [
        customer(fake.first_name(), fake.last_name(), fake.date_of_birth(minimum_age=18))
        for _ in range(180)
    ]
    home = Household.objects.create(
        name="The Okafors", address_line1="12 Elm Street", postal_code="02139", city="Cambridge"
    )
    other_home = Household.objects.create(
        name="Okafor", address_line1="12 Elm St", postal_code="02139", city="Cambridge"
    )
    named = {
        "robert": customer("Robert", "Marsh", dt.date(1970, 1, 2)),
        "bob": customer("Bob", "Marsh", dt.date(1970, 1, 2)),
        "katherine": customer("Katherine", "Lindqvist", dt.date(1988, 7, 14)),
        "katherin": customer("Katherin", "Lindqvist", dt.date(1988, 7, 14)),
        "nguyen": customer("Thanh", "Nguyen", dt.date(1992, 2, 29)),
        "swapped": customer("Nguyen", "Thanh", dt.date(1992, 2, 29)),
        "daniel": customer("Daniel", "Okafor", dt.date(1979, 5, 2), household=home),
        "grace": customer("Grace", "Okafor", dt.date(1981, 11, 20), household=home),
        "mary": customer("Mary", "Okafor", dt.date(2010, 6, 1), household=home),
        "anna": customer("Anna", "Okafor", dt.date(2010, 6, 1), household=home),
        "grace again": customer("Grace", "Okafor", dt.date(1981, 11, 20), household=other_home),
    }
    rng.shuffle(people)
    Customer.objects.bulk_create([*people, *named.values()])
    named["erased"] = customer("Robert", "Marsh", dt.date(1970, 1, 2), erased_at=timezone.now())
    named["erased"].save()
    named["merged"] = customer("Rob", "Marsh", dt.date(1970, 1, 2), merged_into=named["robert"])
    named["merged"].save()
    ContactPoint.objects.bulk_create(
        [
            ContactPoint(
                customer=named["katherine"],
                kind="email",
                value="k.lindqvist@example.com",
                normalised="k.lindqvist@example.com",
            ),
            ContactPoint(
                customer=named["katherin"],
                kind="email",
                value="K.Lindqvist@example.org",
                normalised="k.lindqvist@example.org",
            ),
        ]
    )
    return named


def pair(named, a: str, b: str) -> tuple[int, int]:
    return tuple(sorted((named[a].pk, named[b].pk)))


def test_the_planted_duplicates_are_found_and_explained(stored):
    stages: list[tuple[str, int]] = []

    found = {
        (p.left_id, p.right_id): p
        for p in find_duplicates(threshold=0.5, on_progress=lambda s, n: stages.append((s, n)))
    }

    planted = {
        pair(stored, "robert", "bob"),
        pair(stored, "katherine", "katherin"),
        pair(stored, "nguyen", "swapped"),
        pair(stored, "grace", "grace again"),
    }
    assert planted <= set(found)
    assert len(set(found) - planted) <= 1
    nickname = found[pair(stored, "robert", "bob")]
    levels = {item["field"]: item["level"] for item in nickname.explanation}
    assert levels["first_name"] == "nickname"
    assert levels["date_of_birth"] == "exact"
    swapped = found[pair(stored, "nguyen", "swapped")].explanation
    assert [i["level"] for i in swapped if i["field"] == "first_name"] == ["swapped first/last"]
    for p in found.values():
        assert p.left_id < p.right_id
        assert 0.5 <= p.score <= 1
        assert p.explanation[0]["field"] == "prior"
        for item in p.explanation:
            assert set(item) == {"field", "left", "right", "level", "points"}
    assert stages[0] == ("Reading customers", 0)
    assert stages[-1] == ("Done", 100)
    assert [n for _, n in stages] == sorted(n for _, n in stages)


def test_household_members_are_not_paired(stored):
    found = {(p.left_id, p.right_id) for p in find_duplicates(threshold=0.5)}

    assert pair(stored, "daniel", "grace") not in found
    assert pair(stored, "mary", "anna") not in found  # twins


def test_erased_and_merged_customers_are_not_paired(stored):
    ids = {i for p in find_duplicates(threshold=0.1) for i in (p.left_id, p.right_id)}

    assert stored["erased"].pk not in ids
    assert stored["merged"].pk not in ids


def test_runs_repeat_exactly(stored):
    first = list(find_duplicates(threshold=0.2))
    second = list(find_duplicates(threshold=0.2))

    assert first == second
    assert first


def test_the_batch_scores_as_the_pairwise_matcher_does(stored):
    from rapport.identity.matching import records_from_db

    records = list(records_from_db(Customer.objects.all()))

    batch = {(p.left_id, p.right_id): p for p in link_records(records, threshold=0.3)}
    pairwise = {(m.left_id, m.right_id): m for m in find_pairs(records, threshold=0.3)}

    assert set(batch) == set(pairwise)
    for key, found in batch.items():
        assert found.score == pytest.approx(pairwise[key].score, abs=0.01)
        assert [i["level"] for i in found.explanation] == [
            i["level"] for i in pairwise[key].explanation
        ]


def test_nothing_to_compare_finds_nothing():
    assert list(link_records([], threshold=0.5)) == []
    assert list(link_records([CustomerRecord(id=1, first="Ada")], threshold=0.5)) == []
