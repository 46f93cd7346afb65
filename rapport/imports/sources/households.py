"""Households from another system: one row per household, keyed by the other system's id, so the
same file imported twice changes nothing and a changed row updates its household."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from rapport.customers.models import Household
from rapport.imports.sources import register, system
from rapport.imports.sources.base import Context, Field, Line, Outcome, RowError, Source
from rapport.imports.values import text

ADDRESS_FIELDS = ("address_line1", "address_line2", "postal_code", "city", "region")
WRITTEN = ("name", *ADDRESS_FIELDS, "country")
LENGTHS = {
    "name": 200,
    "address_line1": 200,
    "address_line2": 200,
    "postal_code": 20,
    "city": 100,
    "region": 100,
}


@dataclass(frozen=True)
class HouseholdRow:
    line: int
    external_id: str
    values: dict[str, str]


class HouseholdSource(system.FromNamedSystem, Source):
    key = "households"
    label = "Households"
    description = (
        "One row per household: the other system's household id, a name and the address. "
        "A household already imported from the same system with the same id is updated; one "
        "that has not changed is left alone."
    )
    fields = (
        Field(
            "external_id",
            "Household ID",
            required=True,
            aliases=("id", "household id", "household", "external id", "ext id", "hh id"),
            help="The other system's id for the household; re-imports match on it.",
        ),
        Field(
            "name",
            "Name",
            required=True,
            aliases=("household name", "family name", "family"),
            help="How the household is known, e.g. 'The Okafors'.",
        ),
        Field(
            "address_line1",
            "Address line 1",
            aliases=("address", "address 1", "street", "street address", "addr1"),
        ),
        Field(
            "address_line2",
            "Address line 2",
            aliases=("address 2", "apartment", "suite", "unit", "addr2"),
        ),
        Field("postal_code", "Postal code", aliases=("zip", "zip code", "postcode", "post code")),
        Field("city", "City", aliases=("town", "locality")),
        Field("region", "Region", aliases=("state", "province", "county")),
        Field(
            "country",
            "Country",
            aliases=("country code", "nation"),
            help="Two-letter code (US, GB, FR …); US when empty.",
        ),
    )

    def process(self, lines: Sequence[Line], ctx: Context) -> Outcome:
        outcome = Outcome()
        rows: dict[str, HouseholdRow] = {}
        for line in lines:
            try:
                row = _checked(line)
            except RowError as exc:
                outcome.errors.append((line.number, str(exc)))
                continue
            if row.external_id in rows:
                outcome.unchanged += 1  # a later row in the batch says the same id: it wins
            rows[row.external_id] = row
        existing = {
            household.external_id: household
            for household in Household.objects.filter(
                source=ctx.source_label, external_id__in=list(rows)
            )
        }
        added: list[Household] = []
        changed: list[Household] = []
        for external_id, row in rows.items():
            household = existing.get(external_id)
            if household is None:
                if not ctx.dry_run:
                    added.append(
                        Household(source=ctx.source_label, external_id=external_id, **row.values)
                    )
                outcome.added += 1
                _sample(outcome, f"add household {row.values['name']} ({external_id})")
            elif differences := _differences(household, row.values):
                for name in differences:
                    setattr(household, name, row.values[name])
                changed.append(household)
                outcome.updated += 1
                _sample(
                    outcome,
                    f"update household {row.values['name']} ({external_id}): "
                    + ", ".join(differences),
                )
            else:
                outcome.unchanged += 1
        if not ctx.dry_run:
            _write(added, changed, reason=f"import job {ctx.job_id}")
        return outcome


def _checked(line: Line) -> HouseholdRow:
    values = line.values
    external_id = text(values.get("external_id"), "external_id", max_length=100, required=True)
    cleaned = {
        name: text(values.get(name), name, max_length=LENGTHS[name], required=name == "name")
        for name in ("name", *ADDRESS_FIELDS)
    }
    country = (values.get("country") or "").strip().upper() or "US"
    if len(country) != 2 or not country.isascii() or not country.isalpha():
        raise RowError(f"country must be a two-letter code such as US or GB: {country!r}")
    cleaned["country"] = country
    return HouseholdRow(line=line.number, external_id=external_id, values=cleaned)


def _differences(household: Household, values: dict[str, str]) -> list[str]:
    return [name for name in WRITTEN if getattr(household, name) != values[name]]


def _sample(outcome: Outcome, text: str) -> None:
    if len(outcome.samples) < 10:
        outcome.samples.append(text)


def _write(added: list[Household], changed: list[Household], *, reason: str) -> None:
    # The history helpers write the households and their history rows in bulk.
    if added:
        bulk_create_with_history(added, Household, batch_size=500, default_change_reason=reason)
    if changed:
        now = timezone.now()
        for household in changed:
            household.updated_at = now
        bulk_update_with_history(
            changed,
            Household,
            fields=[*WRITTEN, "updated_at"],
            batch_size=500,
            default_change_reason=reason,
        )


register(HouseholdSource())
