"""Normalise what people type at the edge, so matching is exact inside."""

import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from rapport.core.errors import ValidationFailed
from rapport.customers.choices import ContactKind

PHONE_CHARS = re.compile(r"^[\d\s()+\-./]+$")


def name_key(*parts: str) -> str:
    """Lower-case, accent-free, single-spaced: 'Zoë  O'Brien' -> 'zoe o'brien'."""
    text = " ".join(p for p in parts if p)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def normalise_phone(raw: str, *, region: str) -> str:
    """E.164 for a valid number written in any common format; ValidationFailed otherwise."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationFailed(
            f"'{raw}' is not a valid phone number.",
            code="invalid_phone",
            fields={"value": ["Not a valid phone number."]},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str:
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed(
            f"'{raw}' is not a valid e-mail address: {exc}",
            code="invalid_email",
            fields={"value": ["Not a valid e-mail address."]},
        ) from None
    return result.normalized.lower()


def normalise_handle(raw: str) -> str:
    handle = raw.strip().lstrip("@").casefold()
    if not handle or any(ch.isspace() for ch in handle) or len(handle) > 100:
        raise ValidationFailed(
            f"'{raw}' is not a social handle.",
            code="invalid_handle",
            fields={"value": ["Not a handle."]},
        )
    return handle


def normalise_postal(raw: str) -> str:
    text = name_key(raw)
    if not text:
        raise ValidationFailed("An address cannot be empty.", fields={"value": ["Required."]})
    return text


def normalise_contact(kind: str, raw: str, *, region: str) -> str:
    if kind == ContactKind.PHONE:
        return normalise_phone(raw, region=region)
    if kind == ContactKind.EMAIL:
        return normalise_email(raw)
    if kind == ContactKind.SOCIAL:
        return normalise_handle(raw)
    if kind == ContactKind.POSTAL:
        return normalise_postal(raw)
    raise ValidationFailed(f"Unknown contact kind '{kind}'.", fields={"kind": ["Unknown kind."]})


def looks_like_phone(text: str) -> bool:
    digits = sum(ch.isdigit() for ch in text)
    return digits >= 6 and bool(PHONE_CHARS.match(text.strip()))


def looks_like_email(text: str) -> bool:
    return "@" in text.strip()[1:]
