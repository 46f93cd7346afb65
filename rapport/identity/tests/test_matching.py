"""Pairwise scoring: each kind of difference lands on its level, household members stay apart,
and blocking finds planted duplicates without comparing everyone with everyone."""

import datetime as dt
import math
import random

import pytest
from faker import Faker

from rapport.customers.normalise import normalise_phone
from rapport.identity.matching import (
    CustomerRecord,
    blocking_keys,
    candidate_pairs,
    estimate_share,
    find_pairs,
    prepare,
    score_pair,
)

DOB = dt.date(1984, 3, 9)


def person(id: int, first: str, last: str, **fields) -> CustomerRecord:
    fields.setdefault("dob", DOB)
    return CustomerRecord(id=id, first=first, last=last, **fields)


def level(match, field: str) -> str:
    return next(item["level"] for item in match.explanation if item["field"] == field)


def test_a_typo_in_the_first_name_is_a_typo_and_still_a_match():
    match = score_pair(person(1, "Katherine", "Okafor"), person(2, "Katherien", "Okafor"))

    assert level(match, "first_name").startswith("typo (Jaro-Winkler 0.9")
    assert level(match, "last_name") == "exact"
    assert match.score > 0.9


@pytest.mark.parametrize(("short", "formal"), [("Bob", "Robert"), ("Liz", "Elizabeth")])
def test_a_nickname_matches_the_formal_name(short, formal):
    match = score_pair(person(1, short, "Marsh"), person(2, formal, "Marsh"))

    assert level(match, "first_name") == "nickname"
    assert match.score > 0.9


def test_two_different_first_names_are_different():
    match = score_pair(person(1, "Robert", "Marsh"), person(2, "Wendy", "Marsh"))

    assert level(match, "first_name") == "different"
    assert match.score < 0.5


def test_first_and_last_name_swapped_are_recognised():
    match = score_pair(person(1, "Nguyen", "Thanh"), person(2, "Thanh", "Nguyen"))

    assert level(match, "first_name") == "swapped first/last"
    assert level(match, "last_name") == "swapped first/last"
    assert match.score > 0.9


def test_phone_numbers_written_differently_are_one_number():
    a = person(
        1, "Ada", "Byrne", dob=None, phones=(normalise_phone("(212) 555-0134", region="US"),)
    )
    b = person(
        2, "Ada", "Byrne", dob=None, phones=(normalise_phone("+1 212.555.0134", region="US"),)
    )

    match = score_pair(a, b)

    assert level(match, "phone") == "exact"
    assert match.score > 0.99


def test_a_phone_number_one_digit_off_is_a_typo():
    a = person(1, "Ada", "Byrne", phones=("+12125550134",))
    b = person(2, "Ada", "Byrne", phones=("+12125550184",))

    assert level(score_pair(a, b), "phone") == "typo (one digit)"


def test_the_same_email_name_at_another_domain_counts():
    a = person(1, "Ada", "Byrne", dob=None, emails=("ada.byrne77@example.com",))
    b = person(2, "Ada", "Byrne", dob=None, emails=("ada.byrne77@example.org",))

    match = score_pair(a, b)

    assert level(match, "email") == "same name before the @"
    assert match.score > 0.9


def test_day_and_month_swapped_in_the_birthday():
    a = person(1, "Ada", "Byrne", dob=dt.date(1984, 3, 9))
    b = person(2, "Ada", "Byrne", dob=dt.date(1984, 9, 3))

    assert level(score_pair(a, b), "date_of_birth") == "day and month swapped"


HOME = {"address": "12 Elm Street", "postal_code": "02139", "city": "Cambridge", "household_id": 7}


def test_spouses_at_one_address_are_not_one_person():
    husband = person(1, "Daniel", "Okafor", dob=dt.date(1979, 5, 2), **HOME)
    wife = person(2, "Grace", "Okafor", dob=dt.date(1981, 11, 20), **HOME)

    match = score_pair(husband, wife)

    assert level(match, "address") == "same household"
    assert level(match, "last_name") == "exact (usual at one address)"
    assert match.score < 0.01


def test_twins_at_one_address_are_not_one_person():
    twin_a = person(1, "Mary", "Okafor", dob=dt.date(2010, 6, 1), **HOME)
    twin_b = person(2, "Anna", "Okafor", dob=dt.date(2010, 6, 1), **HOME)

    match = score_pair(twin_a, twin_b)

    assert level(match, "date_of_birth") == "exact (at one address)"
    assert match.score < 0.5


def test_a_household_member_entered_twice_is_one_person():
    match = score_pair(person(1, "Grace", "Okafor", **HOME), person(2, "Grace", "Okafor", **HOME))

    assert match.score > 0.95


def test_the_explanation_names_each_field_with_values_level_and_points():
    a = person(1, "Bob", "Marsh", emails=("bob@example.com",), phones=("+12125550134",), **HOME)
    b = person(2, "Robert", "Marsh", dob=None, emails=("rmarsh@example.net",))

    match = score_pair(a, b)

    assert [item["field"] for item in match.explanation] == [
        "prior",
        "first_name",
        "last_name",
        "date_of_birth",
        "email",
        "phone",
        "address",
    ]
    for item in match.explanation:
        assert set(item) == {"field", "left", "right", "level", "points"}
        assert isinstance(item["points"], float)
    first = match.explanation[1]
    assert (first["left"], first["right"], first["level"]) == ("Bob", "Robert", "nickname")
    assert first["points"] > 0
    assert match.explanation[3]["level"] == "missing on one side"
    assert match.explanation[3]["points"] == 0
    total = sum(item["points"] for item in match.explanation)
    assert match.score == pytest.approx(1 / (1 + 2**-total))
    assert (match.left_id, match.right_id) == (1, 2)


def test_organisations_are_compared_by_name():
    a = CustomerRecord(id=5, org="Okafor & Sons Ltd", phones=("+12125550134",))
    b = CustomerRecord(id=3, org="Okafor and Son Ltd", phones=("+12125550134",))
    c = CustomerRecord(id=4, org="Okafor and Sons Ltd")

    match = score_pair(a, b)

    assert level(match, "organisation").startswith("typo")
    assert level(score_pair(a, c), "organisation") == "exact"
    assert (match.left_id, match.right_id) == (3, 5)


def test_more_customers_need_more_evidence():
    a, b = person(1, "Ada", "Byrne"), person(2, "Ada", "Byrne")

    small = score_pair(a, b, population=1_000).score
    large = score_pair(a, b, population=10_000_000).score

    assert small > large


def test_the_share_of_duplicates_is_estimated_from_the_evidence():
    # 10 pairs with overwhelming evidence among 1,000 people: about 2% have a duplicate.
    evidence = [40.0] * 10 + [-10.0] * 500
    assert estimate_share(evidence, 1_000) == pytest.approx(0.02, rel=0.05)


# ----------------------------------------------------------------------------- blocking


def typo(rng: random.Random, text: str) -> str:
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1 :]


def generated(seed: int = 7, size: int = 600):
    """size people and 30 planted duplicates: (records, planted pairs)."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    records = [
        CustomerRecord(
            id=n,
            first=fake.first_name(),
            last=fake.last_name(),
            dob=fake.date_of_birth(minimum_age=18, maximum_age=90),
            emails=(f"p{n}@example.com",),
            phones=(f"+1{rng.randrange(201, 999)}{rng.randrange(2000000, 9999999)}",),
            address=fake.street_address(),
            postal_code=fake.postcode(),
        )
        for n in range(1, size + 1)
    ]
    planted = set()
    nicknames = {"Robert": "Bob", "William": "Bill", "Elizabeth": "Liz", "Michael": "Mike"}
    for k, original in enumerate(rng.sample(records, 30)):
        first, last, dob = original.first, original.last, original.dob
        kind = k % 5
        if kind == 0:
            first = typo(rng, first) if len(first) > 3 else first
        elif kind == 1:
            last = typo(rng, last) if len(last) > 3 else last
        elif kind == 2:
            first = nicknames.get(first, first.upper())
        elif kind == 3:
            first, last = last, first
        else:
            dob = None
        duplicate = CustomerRecord(
            id=10_000 + k,
            first=first,
            last=last,
            dob=dob,
            address=original.address,
            postal_code=original.postal_code,
        )
        records.append(duplicate)
        planted.add((original.id, duplicate.id))
    return records, planted


def test_blocking_finds_every_planted_duplicate_with_few_comparisons():
    records, planted = generated()
    prepared = [prepare(r) for r in records]

    pairs = {(prepared[i].record.id, prepared[j].record.id) for i, j in candidate_pairs(prepared)}
    pairs = {(min(p), max(p)) for p in pairs}

    assert planted <= pairs
    everyone = len(records) * (len(records) - 1) // 2
    assert len(pairs) < everyone / 50


def test_find_pairs_finds_the_planted_duplicates_and_little_else():
    records, planted = generated()

    found = {(m.left_id, m.right_id) for m in find_pairs(records, threshold=0.5)}

    assert len(found & planted) >= 28
    assert len(found - planted) <= 1


def test_find_pairs_is_ordered_and_scored_at_or_above_the_threshold():
    records, _ = generated()

    matches = list(find_pairs(records, threshold=0.9))

    assert matches == sorted(matches, key=lambda m: (m.left_id, m.right_id))
    assert all(m.score >= 0.9 and m.left_id < m.right_id for m in matches)


def test_a_key_shared_by_too_many_customers_is_not_a_block():
    switchboard = [
        CustomerRecord(id=n, org=f"Company {n}", phones=("+12125550100",)) for n in range(150)
    ]
    prepared = [prepare(r) for r in switchboard]

    assert "p:+12125550100" in blocking_keys(prepared[0])
    assert candidate_pairs(prepared) == set()


def test_points_are_log2_of_m_over_u():
    match = score_pair(person(1, "Ada", "Byrne"), person(2, "Ada", "Byrne"))
    first = match.explanation[1]
    assert first["points"] == round(math.log2(0.88 / 0.01), 2)
