"""Property tests for what people type at the edge: phones, e-mail addresses, names, handles."""

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rapport.core.errors import ValidationFailed
from rapport.customers.normalise import (
    looks_like_email,
    looks_like_phone,
    name_key,
    normalise_contact,
    normalise_email,
    normalise_handle,
    normalise_phone,
    normalise_postal,
)

# Hypothesis keeps no example database on disk here: the suite leaves nothing behind in the repo.
quick = settings(database=None, deadline=None, max_examples=200)


def _national(e164: str) -> str:
    return e164[2:]  # "+14155552671" -> "4155552671"


VALID_E164 = sorted(
    {
        "+12125550100",
        "+14155552671",
        "+13125550199",
        "+16175550123",
        "+12025550143",
        phonenumbers.format_number(
            phonenumbers.example_number_for_type("US", phonenumbers.PhoneNumberType.FIXED_LINE),
            phonenumbers.PhoneNumberFormat.E164,
        ),
        phonenumbers.format_number(
            phonenumbers.example_number_for_type("US", phonenumbers.PhoneNumberType.MOBILE),
            phonenumbers.PhoneNumberFormat.E164,
        ),
    }
)


@st.composite
def written_us_number(draw) -> tuple[str, str]:
    """(expected E.164, the same number as a person might type it)."""
    e164 = draw(st.sampled_from(VALID_E164))
    national = _national(e164)
    area, exchange, line = national[:3], national[3:6], national[6:]
    sep = draw(st.sampled_from([" ", ".", "-", "", " - ", "/"]))
    if draw(st.booleans()):
        area_part = f"({area})"
        after_area = draw(st.sampled_from([" ", "", "-"]))
    else:
        area_part = area
        after_area = sep
    body = f"{area_part}{after_area}{exchange}{sep}{line}"
    prefix = draw(st.sampled_from(["", "+1 ", "+1", "+1-", "+1.", "1 ", "1-"]))
    padding = draw(st.sampled_from(["", " ", "  "]))
    return e164, f"{padding}{prefix}{body}{padding}"


class TestNormalisePhone:
    @quick
    @given(written_us_number())
    @example(("+14155552671", "(415) 555-2671"))
    @example(("+14155552671", "415.555.2671"))
    @example(("+14155552671", "+1 415 555 2671"))
    @example(("+12125550100", "212-555-0100"))
    def test_any_common_writing_of_a_valid_us_number_gives_the_same_e164(self, case):
        # Given a valid US number written with spaces, dots, dashes, parentheses, with or without +1
        expected, written = case
        # When it is normalised
        result = normalise_phone(written, region="US")
        # Then it is the one E.164 form
        assert result == expected

    @quick
    @given(written_us_number())
    def test_normalising_twice_changes_nothing(self, case):
        _, written = case
        once = normalise_phone(written, region="US")
        assert normalise_phone(once, region="US") == once
        assert normalise_phone(once, region="FR") == once  # E.164 carries its country

    @quick
    @given(st.sampled_from(VALID_E164))
    def test_e164_output_has_plus_and_only_digits(self, e164):
        result = normalise_phone(_national(e164), region="US")
        assert result.startswith("+1")
        assert result[1:].isdigit()
        assert len(result) == 12

    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "hello",
            "123",
            "555-0100",
            "+1 000 000 0000",
            "415-555-26711234567",
            "++",
            "(415) 555-267",
        ],
    )
    def test_invalid_numbers_raise_validation_failed_naming_value(self, raw):
        with pytest.raises(ValidationFailed) as caught:
            normalise_phone(raw, region="US")
        assert caught.value.code == "invalid_phone"
        assert caught.value.status == 400
        assert list(caught.value.fields) == ["value"]
        assert caught.value.fields["value"]

    @quick
    @given(st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=20))
    def test_letters_are_never_a_phone_number(self, raw):
        with pytest.raises(ValidationFailed) as caught:
            normalise_phone(raw, region="US")
        assert "value" in caught.value.fields

    def test_a_foreign_number_with_country_code_keeps_its_country(self):
        assert normalise_phone("+44 20 7946 0018", region="US") == "+442079460018"


LOCAL = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    min_size=1,
    max_size=20,
)
DOMAIN = st.sampled_from(
    ["example.com", "Example.COM", "mail.example.org", "EXAMPLE.net", "rapport.io"]
)


class TestNormaliseEmail:
    @quick
    @given(LOCAL, LOCAL, DOMAIN)
    def test_lower_cases_the_whole_address(self, local, tail, domain):
        raw = f"{local}.{tail}@{domain}"
        result = normalise_email(raw)
        assert result == raw.lower()
        assert result == result.lower()

    @quick
    @given(LOCAL, DOMAIN, st.sampled_from(["", " ", "  ", "\t"]))
    def test_is_idempotent_and_trims(self, local, domain, pad):
        once = normalise_email(f"{pad}{local}@{domain}{pad}")
        assert normalise_email(once) == once
        assert " " not in once and "\t" not in once

    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "plain",
            "@example.com",
            "jane@",
            "jane@@example.com",
            "jane doe@example.com",
            "jane@exa mple.com",
        ],
    )
    def test_invalid_addresses_raise_validation_failed_naming_value(self, raw):
        with pytest.raises(ValidationFailed) as caught:
            normalise_email(raw)
        assert caught.value.code == "invalid_email"
        assert "value" in caught.value.fields


NAME_TEXT = st.text(alphabet=st.characters(categories=["L", "M", "Zs", "Pd", "Po"]), max_size=40)


class TestNameKey:
    @pytest.mark.parametrize(
        ("parts", "expected"),
        [
            (("Zoë", "O'Brien"), "zoe o'brien"),
            (("  ZOË ", "  Ó   Súilleabháin "), "zoe o suilleabhain"),
            (("José", "", "Núñez"), "jose nunez"),
            (("Straße",), "strasse"),
            (("ﬁona",), "fiona"),
            (("", ""), ""),
        ],
    )
    def test_strips_accents_case_and_extra_whitespace(self, parts, expected):
        assert name_key(*parts) == expected

    @quick
    @given(NAME_TEXT)
    def test_is_idempotent(self, text):
        once = name_key(text)
        assert name_key(once) == once

    @quick
    @given(NAME_TEXT)
    def test_has_no_upper_case_double_space_or_edge_space(self, text):
        key = name_key(text)
        assert key == key.strip()
        assert "  " not in key
        assert key.casefold() == key

    @quick
    @given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12))
    def test_accented_and_plain_spellings_share_a_key(self, word):
        accented = "".join(
            {"e": "é", "o": "ö", "a": "à", "n": "ñ", "c": "ç"}.get(ch, ch) for ch in word
        )
        assert name_key(accented.upper()) == name_key(word) == word


class TestOtherKinds:
    def test_handle_loses_at_and_case(self):
        assert normalise_handle("  @Jane_Doe ") == "jane_doe"

    @pytest.mark.parametrize("raw", ["", "@", "two words", "x" * 101])
    def test_bad_handles_are_rejected(self, raw):
        with pytest.raises(ValidationFailed) as caught:
            normalise_handle(raw)
        assert "value" in caught.value.fields

    def test_postal_address_is_keyed_like_a_name(self):
        assert normalise_postal("  12 Rue de l'Église ") == "12 rue de l'eglise"

    def test_empty_postal_address_is_rejected(self):
        with pytest.raises(ValidationFailed):
            normalise_postal("   ")

    def test_contact_dispatches_by_kind(self):
        assert normalise_contact("phone", "415.555.2671", region="US") == "+14155552671"
        assert normalise_contact("email", "Jane@Example.com", region="US") == "jane@example.com"
        assert normalise_contact("social", "@Jane", region="US") == "jane"

    def test_unknown_kind_is_rejected_naming_kind(self):
        with pytest.raises(ValidationFailed) as caught:
            normalise_contact("fax", "123", region="US")
        assert "kind" in caught.value.fields

    @pytest.mark.parametrize(
        ("text", "phone", "email"),
        [
            ("(415) 555-2671", True, False),
            ("+1 415 555 2671", True, False),
            ("415.555.2671", True, False),
            ("jane@example.com", False, True),
            ("@jane", False, False),
            ("Smith", False, False),
            ("12345", False, False),
        ],
    )
    def test_search_input_classification(self, text, phone, email):
        assert looks_like_phone(text) is phone
        assert looks_like_email(text) is email
