"""Reads of likely duplicate pairs, for stewards only, and the side-by-side view of one pair."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from rapport.cases.models import Case
from rapport.core.errors import NotFound
from rapport.customers.choices import ContactKind
from rapport.customers.models import ContactPoint, Customer
from rapport.customers.normalise import name_key
from rapport.identity.choices import PairStatus
from rapport.identity.models import MatchPair
from rapport.identity.selectors.access import is_steward
from rapport.interactions.models import Interaction

ANY_STATUS = ("", "all")

# Fields compared side by side, in the order shown.
PROFILE_FIELDS = (
    ("kind", "Kind"),
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("organisation_name", "Organisation"),
    ("date_of_birth", "Date of birth"),
    ("language", "Language"),
    ("status", "Status"),
    ("segment", "Segment"),
    ("lifecycle_stage", "Lifecycle stage"),
    ("owner", "Looked after by"),
    ("source", "Came from"),
    ("external_id", "Id in that system"),
)
CONTACT_ROWS = (
    (ContactKind.EMAIL, "email", "E-mail addresses"),
    (ContactKind.PHONE, "phone", "Phone numbers"),
    (ContactKind.SOCIAL, "social", "Social handles"),
    (ContactKind.POSTAL, "postal", "Postal addresses"),
)
# Names the matching explanation may give a field, and the row that shows it.
EXPLANATION_ALIASES = {
    "given_name": "first_name",
    "forename": "first_name",
    "surname": "last_name",
    "family_name": "last_name",
    "organisation": "organisation_name",
    "dob": "date_of_birth",
    "birth_date": "date_of_birth",
    "emails": "email",
    "phones": "phone",
    "handle": "social",
    "handles": "social",
    "address": "household",
    "postal_code": "household",
    "postcode": "household",
}


def pairs_for(*, user, status: str = PairStatus.OPEN, search: str = "") -> QuerySet[MatchPair]:
    """Pairs best first. Open pairs are those still to decide: both records in use (neither
    merged into another nor erased). `search`: a customer id, or the start of a first or last
    name of either side."""
    if not is_steward(user):
        return MatchPair.objects.none()
    # An erased person's pair is deleted when they are erased; the filter keeps that true here.
    pairs = MatchPair.objects.select_related("left", "right", "run").filter(
        left__erased_at__isnull=True, right__erased_at__isnull=True
    )
    if status not in ANY_STATUS:
        pairs = pairs.filter(status=status)
    if status == PairStatus.OPEN:
        pairs = pairs.filter(left__merged_into__isnull=True, right__merged_into__isnull=True)
    search = search.strip()
    if search.isdigit():
        pairs = pairs.filter(Q(left_id=int(search)) | Q(right_id=int(search)))
    elif search and (key := name_key(search)):
        pairs = pairs.filter(
            Q(left__name_key__startswith=key)
            | Q(left__surname_key__startswith=key)
            | Q(right__name_key__startswith=key)
            | Q(right__surname_key__startswith=key)
        )
    return pairs.order_by("-score", "id")


def pair_get_for(*, user, pair_id: int) -> MatchPair:
    try:
        return pairs_for(user=user, status="all").get(pk=pair_id)
    except (MatchPair.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such pair.") from None


@dataclass(frozen=True)
class ComparisonRow:
    """One line of the side-by-side view. `same` is None when there is nothing to compare
    (a side is empty, or the line is a count); `explanation` is what the matching said about
    this field, if it compared it."""

    field: str
    label: str
    left: str
    right: str
    same: bool | None
    explanation: Mapping[str, Any] | None = None


def pair_comparison(pair: MatchPair) -> list[ComparisonRow]:
    """The two records side by side: profile fields, household, contact points, and how many
    interactions and cases each has (four queries)."""
    people = {
        c.pk: c
        for c in Customer.objects.select_related("household", "owner").filter(
            pk__in=[pair.left_id, pair.right_id]
        )
    }
    left, right = people[pair.left_id], people[pair.right_id]
    explained = _explained(pair.explanation)
    rows = [_profile_row(name, label, left, right, explained) for name, label in PROFILE_FIELDS]
    rows.append(_household_row(left, right, explained))
    rows.extend(_contact_rows(pair, explained))
    rows.extend(_count_rows(pair))
    return rows


def _explained(explanation: Any) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    for item in explanation if isinstance(explanation, list) else []:
        if isinstance(item, Mapping) and item.get("field"):
            name = str(item["field"])
            found.setdefault(EXPLANATION_ALIASES.get(name, name), item)
    return found


def _shown(customer: Customer, name: str) -> str:
    field = Customer._meta.get_field(name)
    value = getattr(customer, name)
    if value is None or value == "":
        return ""
    if getattr(field, "choices", None):
        return str(getattr(customer, f"get_{name}_display")())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if name == "owner":
        return value.get_full_name() or value.get_username()
    return str(value)


def _same(left: str, right: str) -> bool | None:
    if not left or not right:
        return None
    return " ".join(left.casefold().split()) == " ".join(right.casefold().split())


def _profile_row(
    name: str, label: str, left: Customer, right: Customer, explained: dict
) -> ComparisonRow:
    a, b = _shown(left, name), _shown(right, name)
    return ComparisonRow(name, label, a, b, _same(a, b), explained.get(name))


def _household_row(left: Customer, right: Customer, explained: dict) -> ComparisonRow:
    def shown(customer: Customer) -> str:
        household = customer.household
        if household is None:
            return ""
        return ", ".join(part for part in (household.name, household.address) if part)

    a, b = shown(left), shown(right)
    same = _same(a, b)
    if left.household_id is not None and left.household_id == right.household_id:
        same = True
    return ComparisonRow("household", "Household", a, b, same, explained.get("household"))


def _contact_rows(pair: MatchPair, explained: dict) -> list[ComparisonRow]:
    points: dict[tuple[int, str], list[ContactPoint]] = {}
    for point in ContactPoint.objects.filter(customer_id__in=[pair.left_id, pair.right_id]):
        points.setdefault((point.customer_id, point.kind), []).append(point)
    rows = []
    for kind, field, label in CONTACT_ROWS:
        mine = points.get((pair.left_id, kind), [])
        theirs = points.get((pair.right_id, kind), [])
        if not mine and not theirs:
            continue
        shared = {p.normalised for p in mine} & {p.normalised for p in theirs}
        rows.append(
            ComparisonRow(
                field,
                label,
                ", ".join(p.value for p in mine),
                ", ".join(p.value for p in theirs),
                bool(shared) if mine and theirs else None,
                explained.get(field),
            )
        )
    return rows


def _count_rows(pair: MatchPair) -> list[ComparisonRow]:
    ids = [pair.left_id, pair.right_id]
    rows = []
    for model, field, label in (
        (Interaction, "interactions", "Interactions"),
        (Case, "cases", "Cases"),
    ):
        counts = dict(
            model.objects.filter(customer_id__in=ids)
            .order_by()
            .values("customer_id")
            .annotate(n=Count("pk"))
            .values_list("customer_id", "n")
        )
        rows.append(
            ComparisonRow(
                field,
                label,
                str(counts.get(pair.left_id, 0)),
                str(counts.get(pair.right_id, 0)),
                None,
            )
        )
    return rows
