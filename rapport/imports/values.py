"""Reading one cell: the parsers every source shares. Each raises RowError with the field's name,
the text it could not read (cut short) and what was expected, so a report line explains itself."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from rapport.core.errors import ValidationFailed
from rapport.customers.normalise import normalise_email, normalise_phone
from rapport.imports.choices import DateFormat
from rapport.imports.sources.base import RowError

QUOTED = 40
TRUE = frozenset({"1", "true", "yes", "y", "t", "x", "on"})
FALSE = frozenset({"0", "false", "no", "n", "f", "", "off"})
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
SEPARATED = re.compile(r"^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})$")
TIME_PART = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp][Mm])?$")
ORDER = {
    DateFormat.DMY: ("d", "m", "y"),
    DateFormat.MDY: ("m", "d", "y"),
    DateFormat.YMD: ("y", "m", "d"),
    DateFormat.ISO: ("y", "m", "d"),
}
FORMAT_WORDS = {
    DateFormat.ISO: "YYYY-MM-DD",
    DateFormat.DMY: "day first, DD/MM/YYYY",
    DateFormat.MDY: "month first, MM/DD/YYYY",
    DateFormat.YMD: "YYYY/MM/DD",
}


def quoted(text: str) -> str:
    return "'" + (text if len(text) <= QUOTED else text[:QUOTED] + "…") + "'"


def text(value: str | None, name: str, *, max_length: int, required: bool = False) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise RowError(f"{name} is missing")
    if len(cleaned) > max_length:
        raise RowError(f"{name} is longer than {max_length} characters")
    return cleaned


def parse_date(value: str | None, name: str, *, date_format: str) -> date | None:
    """A date in the chosen order; ISO 8601 (2025-04-03) is always accepted too, and a time
    after the date is ignored. Empty → None."""
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    head = cleaned.split("T", 1)[0].split(" ", 1)[0]
    try:
        return date.fromisoformat(head)
    except ValueError:
        pass
    match = SEPARATED.match(head)
    if match:
        parts = dict(zip(ORDER[DateFormat(date_format)], match.groups(), strict=True))
        try:
            return date(_year(parts["y"]), int(parts["m"]), int(parts["d"]))
        except ValueError:
            pass
    raise RowError(
        f"{name} is not a date ({FORMAT_WORDS[DateFormat(date_format)]}): {quoted(cleaned)}"
    )


def parse_datetime(
    value: str | None, name: str, *, date_format: str, zone: tzinfo = UTC
) -> datetime | None:
    """A moment: ISO 8601 with or without offset, or a date in the chosen order followed by a
    24-hour or am/pm time. A time without offset is read in `zone`. Empty → None."""
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    try:
        moment = datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
    except ValueError:
        moment = _day_and_time(cleaned, name, date_format)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _day_and_time(cleaned: str, name: str, date_format: str) -> datetime:
    day_text, _, time_text = cleaned.partition(" ")
    day = parse_date(day_text, name, date_format=date_format)
    assert day is not None
    if not time_text.strip():
        return datetime.combine(day, time())
    match = TIME_PART.match(time_text.strip())
    if not match:
        raise RowError(f"{name} has a time that cannot be read: {quoted(cleaned)}")
    hour, minute, second, half = match.groups()
    hour_value = int(hour)
    if half:
        if not 1 <= hour_value <= 12:
            raise RowError(f"{name} has an hour that is not on a 12-hour clock: {quoted(cleaned)}")
        hour_value = hour_value % 12 + (12 if half.lower() == "pm" else 0)
    try:
        return datetime.combine(day, time(hour_value, int(minute), int(second or 0)))
    except ValueError:
        raise RowError(f"{name} has a time that does not exist: {quoted(cleaned)}") from None


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # 2-digit years: 00 to 69 → 2000s, 70 to 99 → 1900s
        year += 2000 if year < 70 else 1900
    return year


def parse_decimal(value: str | None, name: str, *, places: int = 2) -> Decimal | None:
    """'1,234.50', '1234,50' (decimal comma), '$12', '-3' → Decimal. Empty → None."""
    cleaned = (value or "").strip().lstrip("$€£").replace(" ", "").replace(" ", "")
    if not cleaned:
        return None
    if "," in cleaned and "." in cleaned:
        cleaned = (
            cleaned.replace(",", "")
            if cleaned.rfind(".") > cleaned.rfind(",")
            else (cleaned.replace(".", "").replace(",", "."))
        )
    elif "," in cleaned:
        head, _, tail = cleaned.rpartition(",")
        cleaned = f"{head.replace(',', '')}.{tail}" if len(tail) != 3 else cleaned.replace(",", "")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise RowError(f"{name} is not a number: {quoted(value or '')}") from None
    if not number.is_finite():
        raise RowError(f"{name} is not a number: {quoted(value or '')}")
    try:
        return number.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:  # more digits than a decimal holds, e.g. 1e30
        raise RowError(f"{name} is too large: {quoted(value or '')}") from None


def parse_int(
    value: str | None, name: str, *, minimum: int = 0, maximum: int = 2**31 - 1
) -> int | None:
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    if not (cleaned.isascii() and cleaned.lstrip("-").isdigit()):
        raise RowError(f"{name} must be a whole number: {quoted(cleaned)}")
    number = int(cleaned)
    if not minimum <= number <= maximum:
        raise RowError(f"{name} must be between {minimum} and {maximum}: {quoted(cleaned)}")
    return number


def parse_bool(value: str | None, name: str) -> bool:
    cleaned = (value or "").strip().lower()
    if cleaned in TRUE:
        return True
    if cleaned in FALSE:
        return False
    raise RowError(f"{name} must be yes or no: {quoted(cleaned)}")


@lru_cache(maxsize=65_536)
def _phone(raw: str, region: str) -> str:
    return normalise_phone(raw, region=region)


def parse_phone(value: str | None, name: str, *, region: str) -> str | None:
    """E.164, reading numbers without a country code as `region`'s. Empty → None."""
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    try:
        return _phone(cleaned, region)
    except ValidationFailed:
        raise RowError(f"{name} is not a valid phone number: {quoted(cleaned)}") from None


def parse_email(value: str | None, name: str) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    try:
        return normalise_email(cleaned)
    except ValidationFailed:
        raise RowError(f"{name} is not a valid e-mail address: {quoted(cleaned)}") from None


def parse_choice(
    value: str | None, name: str, *, choices: dict[str, str], default: str | None = None
) -> str | None:
    """Map the other system's word (compared case-insensitively) to ours; empty → default."""
    cleaned = (value or "").strip().lower()
    if not cleaned:
        return default
    if cleaned in choices:
        return choices[cleaned]
    known = ", ".join(sorted(choices))
    raise RowError(f"{name} {quoted(cleaned)} is not one of: {known}")
