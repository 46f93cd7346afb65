"""The customers source's quick readings of numbers, addresses and names give exactly what the
slow, general ones in rapport.customers give (or refuse what they refuse)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rapport.core.errors import ValidationFailed
from rapport.customers.models import Customer
from rapport.customers.normalise import normalise_email, normalise_phone
from rapport.customers.services import set_name_keys
from rapport.imports.sources.customers import fast_email, fast_phone, name_keys

REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
TYPES = (
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
)


def full_phone(raw: str, region: str) -> str:
    return normalise_phone(raw, region=region)


def reading(normalise: Callable[..., str], *args: Any) -> str | None:
    """What a normaliser gives, None when it refuses the text."""
    try:
        return normalise(*args)
    except (ValidationFailed, ValueError):
        return None


@st.composite
def numbers_near_real_ones(draw: st.DrawFn) -> str:
    """E.164 numbers of every country, valid ones and their neighbours (last digits changed)."""
    region = draw(st.sampled_from(REGIONS))
    kind = draw(st.sampled_from(TYPES))
    number = phonenumbers.example_number_for_type(region, kind)
    if number is None:
        number = phonenumbers.example_number(region) or phonenumbers.parse("+12125550134")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    tail = draw(st.integers(min_value=0, max_value=4))
    digits = draw(st.text(alphabet="0123456789", min_size=tail, max_size=tail))
    return written(draw, e164[: len(e164) - tail] + digits)


def written(draw: st.DrawFn, number: str) -> str:
    """The number with spaces, brackets, dashes or dots where a person might put them."""
    marks = draw(
        st.lists(st.tuples(st.integers(0, len(number)), st.sampled_from(" ()-.")), max_size=4)
    )
    for position, mark in sorted(marks, reverse=True):
        number = number[:position] + mark + number[position:]
    return number


@settings(max_examples=600)
@given(numbers_near_real_ones(), st.sampled_from(["US", "GB", "DE", "AR", "IN"]))
@example("+5491123456789", "AR")  # Argentine mobiles: parse rewrites the national number
@example("+78005553535", "RU")
@example("+390612345678", "IT")  # a leading zero that belongs to the number
@example("+80012345678", "US")
@example("+1 (212) 555-0134", "GB")
@example("+44 (0) 20 7946 0018", "GB")
@example("(+1)2125550134", "US")
def test_e164_numbers_read_as_the_full_parse_reads_them(raw, region):
    assert reading(fast_phone, raw, region) == reading(full_phone, raw, region)


NANP_WRITTEN = st.from_regex(
    r"1?[ ]?\(?[0-9]{3}\)?[ .-]?[0-9]{3}[ .-]?[0-9]{4}|\+?1?[0-9]{10}", fullmatch=True
)


@settings(max_examples=600)
@given(NANP_WRITTEN, st.sampled_from(["US", "CA", "JM", "GB"]))
@example("(212) 555-0134", "US")
@example("1 212 555 0134", "US")
@example("212.555.0134", "CA")
@example("1 (111) 555-0134", "US")
def test_national_numbers_read_as_the_full_parse_reads_them(raw, region):
    assert reading(fast_phone, raw, region) == reading(full_phone, raw, region)


ADDRESS_LIKE = st.from_regex(
    r"[A-Za-z0-9._%+'-]{0,20}@[A-Za-z0-9.-]{0,20}\.(com|org|COM|de|test|local|x1|arpa|"
    r"xn--p1ai|c0m|[a-z]{1,4})",
    fullmatch=True,
)


@settings(max_examples=1000)
@given(st.one_of(ADDRESS_LIKE, st.emails()))
@example("Ada.Okafor@Example.com")
@example("a..b@example.com")
@example("a@ex--ample.com")
@example("a@xn--bcher-kva.example")
@example("a@example.test")
@example("x" * 65 + "@example.com")
def test_addresses_read_as_the_full_check_reads_them(raw):
    assert reading(fast_email, raw) == reading(normalise_email, raw)


NAME = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30
) | st.sampled_from(["Zoë", "O'Brien", "  García  Márquez ", "ﬁona", "ǅ", "Ⅻ", "\u00a0Ann"])


@settings(max_examples=500)
@given(NAME, NAME, NAME, st.sampled_from(["person", "organisation"]))
def test_name_keys_are_the_ones_set_name_keys_writes(first, last, organisation, kind):
    customer = Customer(kind=kind, first_name=first, last_name=last, organisation_name=organisation)
    set_name_keys(customer)

    assert name_keys(kind, first, last, organisation) == (customer.name_key, customer.surname_key)


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+12125550134", "US", "+12125550134"),
        ("(212) 555-0134", "US", "+12125550134"),
        ("020 7946 0018", "GB", "+442079460018"),
        ("+1 212 555 0134", "DE", "+12125550134"),
        ("+12125550000000", "US", None),
    ],
)
def test_a_few_numbers_by_hand(raw, region, expected):
    assert reading(fast_phone, raw, region) == expected
