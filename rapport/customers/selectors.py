"""Reads of customer data, always scoped to the asking user (see docs/access.md)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import F, Prefetch, Q, QuerySet
from rapidfuzz import fuzz

from rapport.core.errors import Conflict, NotFound, ValidationFailed
from rapport.core.roles import CUSTOMER_READERS, Role, has_any_role
from rapport.customers.choices import ContactKind, HoldingStatus
from rapport.customers.models import (
    Consent,
    ContactPoint,
    Customer,
    CustomerExport,
    ErasedExternalId,
    Holding,
    Household,
    Note,
    Product,
)
from rapport.customers.normalise import (
    looks_like_email,
    looks_like_phone,
    name_key,
    normalise_contact,
)

CLOSE_NAME_SCORE = 85  # rapidfuzz token_sort_ratio at or above this is "a close name"


def can_read_customers(user) -> bool:
    return has_any_role(user, CUSTOMER_READERS)


def can_read_notes(user) -> bool:
    """Notes carry what was said in service; marketers work from profiles and consents only."""
    return has_any_role(user, CUSTOMER_READERS - {Role.MARKETER})


def customers_for(*, user) -> QuerySet[Customer]:
    """Every customer list starts here, so a role that may not read customers gets nothing.
    A record merged into another is kept only so the merge can be undone; it is not listed."""
    if not can_read_customers(user):
        return Customer.objects.none()
    return Customer.objects.filter(erased_at__isnull=True, merged_into__isnull=True)


def customer_get_for(*, user, customer_id: int) -> Customer:
    try:
        return customers_for(user=user).select_related("household").get(pk=customer_id)
    except (Customer.DoesNotExist, ValueError, TypeError):
        survivor = _survivor_of(customer_id) if can_read_customers(user) else None
        if survivor is not None:
            raise NotFound(
                f"This customer was merged into {survivor.display_name} (customer {survivor.pk})."
            ) from None
        raise NotFound("No such customer.") from None


def erased_among(source: str, external_ids: Iterable[str]) -> set[str]:
    """Which of these ids in `source` belonged to someone erased (an import must not bring them
    back). For imports, which are admins' work: no person is read."""
    erased = ErasedExternalId.objects.filter(source=source)
    if not erased.exists():  # the usual case: asked once, not thousands of digests per batch
        return set()
    digests = {ErasedExternalId.digest_of(source, i): i for i in set(external_ids) if i}
    found = erased.filter(digest__in=digests).values_list("digest", flat=True)
    return {digests[digest] for digest in found}


def surviving(customer: Customer) -> Customer:
    """The record a merged customer now lives on (itself when it was never merged)."""
    while customer.merged_into_id is not None:
        customer = Customer.objects.get(pk=customer.merged_into_id)
    return customer


def _survivor_of(customer_id) -> Customer | None:
    try:
        merged = Customer.objects.get(pk=customer_id, merged_into__isnull=False)
    except (Customer.DoesNotExist, ValueError, TypeError):
        return None
    found = surviving(merged)
    return None if found.erased_at is not None else found


def customer_search_for(
    *, user, query: str = "", filters: dict | None = None
) -> QuerySet[Customer]:
    """Search by name (prefix of first or last name), e-mail or phone typed in any format."""
    customers = customers_for(user=user).select_related("household")
    query = query.strip()
    if query:
        customers = customers.filter(_match(query))
    for key, value in (filters or {}).items():
        if value not in (None, ""):
            customers = customers.filter(**{key: value})
    if query:
        # Same order, but NULLS FIRST (surname_key is never NULL) matches no index, so
        # PostgreSQL fetches the matches and sorts them; with the plain order it walks the
        # whole surname index from "a" filtering, seconds at a million customers
        # (docs/performance.md).
        return customers.order_by(F("surname_key").asc(nulls_first=True), "id")
    return customers.order_by("surname_key", "id")


def _match(query: str) -> Q:
    region = settings.RAPPORT_DEFAULT_REGION
    if looks_like_email(query):
        try:
            email = normalise_contact(ContactKind.EMAIL, query, region=region)
        except ValidationFailed:
            return Q(pk__in=[])
        return Q(
            pk__in=ContactPoint.objects.filter(kind=ContactKind.EMAIL, normalised=email).values(
                "customer_id"
            )
        )
    if looks_like_phone(query):
        try:
            phone = normalise_contact(ContactKind.PHONE, query, region=region)
        except ValidationFailed:
            return Q(pk__in=[])
        return Q(
            pk__in=ContactPoint.objects.filter(kind=ContactKind.PHONE, normalised=phone).values(
                "customer_id"
            )
        )
    key = name_key(query)
    return Q(name_key__startswith=key) | Q(surname_key__startswith=key)


def customer_lookup_for(
    *, user, phone: str = "", email: str = "", handle: str = "", network: str = ""
) -> Customer:
    """The one customer behind a contact point, for a screen pop. 400 for input that is not a
    phone/e-mail/handle, 404 when nobody has it, 409 when a handle without its network
    matches people on several networks."""
    given = [
        (kind, value)
        for kind, value in (
            (ContactKind.PHONE, phone),
            (ContactKind.EMAIL, email),
            (ContactKind.SOCIAL, handle),
        )
        if value
    ]
    if len(given) != 1:
        raise ValidationFailed(
            "Give exactly one of phone, email or handle.",
            fields={"phone": ["Give exactly one of phone, email or handle."]},
        )
    kind, raw = given[0]
    try:
        normalised = normalise_contact(kind, raw, region=settings.RAPPORT_DEFAULT_REGION)
    except ValidationFailed as exc:
        field_name = {"social": "handle"}.get(kind, kind)
        raise ValidationFailed(
            exc.message, code=exc.code, fields={field_name: exc.fields["value"]}
        ) from None
    if not can_read_customers(user):
        raise NotFound("No customer has this contact point.")
    points = ContactPoint.objects.filter(
        kind=kind, normalised=normalised, customer__erased_at__isnull=True
    ).select_related("customer__household")
    if kind == ContactKind.SOCIAL and network:
        points = points.filter(network=network)
    found = list(points[:2])
    if not found:
        raise NotFound("No customer has this contact point.")

    if len(found) > 1:
        raise Conflict(
            "This handle belongs to people on different networks: give `network` too.",
            code="ambiguous_handle",
            fields={"network": ["Required for this handle."]},
        )
    return surviving(found[0].customer)


def customer_summary(*, customer: Customer) -> dict:
    """What a phone system needs for a screen pop: who, how valuable, what they hold."""
    points = list(customer.contact_points.all())
    holdings = list(customer.holdings.filter(status=HoldingStatus.ACTIVE).select_related("product"))
    household = customer.household
    return {
        "id": customer.pk,
        "name": customer.display_name,
        "kind": customer.kind,
        "status": customer.status,
        "segment": customer.segment,
        "value_tier": customer.value_tier,
        "lifetime_value": str(customer.lifetime_value),
        "language": customer.language,
        "needs_review": customer.needs_review,
        "household": {"id": household.pk, "name": household.name} if household else None,
        "contact_points": [
            {"kind": p.kind, "value": p.value, "normalised": p.normalised, "preferred": p.preferred}
            for p in points
        ],
        "products": [
            {"code": h.product.code, "name": h.product.name, "since": h.since.isoformat()}
            for h in holdings
        ],
        "url": customer.get_absolute_url(),
    }


def households_for(*, user, query: str = "") -> QuerySet[Household]:
    if not can_read_customers(user):
        return Household.objects.none()
    households = Household.objects.all()
    if query:
        households = households.filter(
            Q(name__icontains=query) | Q(postal_code__iexact=query) | Q(city__icontains=query)
        )
    return households.order_by("name", "id")


def household_get_for(*, user, household_id: int) -> Household:
    try:
        return households_for(user=user).get(pk=household_id)
    except (Household.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such household.") from None


def household_members_for(*, user, household: Household) -> list[Customer]:
    """Members with what each holds, in two queries."""
    return list(
        customers_for(user=user)
        .filter(household=household)
        .prefetch_related(Prefetch("holdings", queryset=Holding.objects.select_related("product")))
        .order_by("first_name", "id")
    )


def products_for(*, user) -> QuerySet[Product]:
    return Product.objects.all() if can_read_customers(user) else Product.objects.none()


def contact_points_for(*, user) -> QuerySet[ContactPoint]:
    return ContactPoint.objects.filter(customer__in=customers_for(user=user)).select_related(
        "customer"
    )


def holdings_for(*, user) -> QuerySet[Holding]:
    return Holding.objects.filter(customer__in=customers_for(user=user)).select_related("product")


def consents_for(*, user) -> QuerySet[Consent]:
    return Consent.objects.filter(customer__in=customers_for(user=user))


def notes_for(*, user) -> QuerySet[Note]:
    if not can_read_notes(user):
        return Note.objects.none()
    return Note.objects.filter(customer__in=customers_for(user=user)).select_related("author")


def current_consents(*, customer: Customer) -> list[Consent]:
    """The newest decision for each channel × purpose."""
    seen: set[tuple[str, str]] = set()
    current = []
    for consent in customer.consents.order_by("channel", "purpose", "-recorded_at", "-id"):
        pair = (consent.channel, consent.purpose)
        if pair not in seen:
            seen.add(pair)
            current.append(consent)
    return current


@dataclass
class DuplicateHint:
    customer: Customer
    reason: str


def duplicate_candidates(
    *,
    first_name: str = "",
    last_name: str = "",
    organisation_name: str = "",
    household: Household | None = None,
    contact_points: Sequence[tuple[str, str, str]] = (),
) -> list[DuplicateHint]:
    """Customers that look like the one about to be made: a normalised contact point that
    already exists, or a close name in the same household."""
    hints: list[DuplicateHint] = []
    seen: set[int] = set()
    for kind, network, normalised in contact_points:
        point = (
            ContactPoint.objects.filter(kind=kind, network=network, normalised=normalised)
            .select_related("customer")
            .first()
        )
        if point and point.customer_id not in seen:
            seen.add(point.customer_id)
            hints.append(
                DuplicateHint(
                    point.customer, f"already has {point.get_kind_display().lower()} {point.value}"
                )
            )
    if household is not None:
        wanted = name_key(first_name, last_name, organisation_name)
        for member in household.members.filter(erased_at__isnull=True):
            score = fuzz.token_sort_ratio(wanted, member.name_key)
            if member.pk not in seen and score >= CLOSE_NAME_SCORE:
                seen.add(member.pk)
                hints.append(
                    DuplicateHint(
                        member, f"has a close name in the same household ({score:.0f}% alike)"
                    )
                )
    return hints


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    what: str
    action: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)


HISTORY_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def change_history_for(*, user, customer: Customer, limit: int = 50) -> list[HistoryEntry]:
    """Every recorded change to the customer and what belongs to them, newest first."""
    if not can_read_customers(user):
        return []
    sources = [
        ("Profile", Customer.history.filter(id=customer.pk)),
        ("Contact point", ContactPoint.history.filter(customer_id=customer.pk)),
        ("Product", Holding.history.filter(customer_id=customer.pk)),
        ("Consent", Consent.history.filter(customer_id=customer.pk)),
    ]
    if can_read_notes(user):
        sources.append(("Note", Note.history.filter(customer_id=customer.pk)))
    entries: list[HistoryEntry] = []
    for label, records in sources:
        entries.extend(
            _entries_from(
                label, records.select_related("history_user").order_by("id", "history_id")
            )
        )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]


def _entries_from(label: str, records) -> list[HistoryEntry]:
    entries = []
    previous_by_object: dict = {}
    for record in records:
        previous = previous_by_object.get(record.id)
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous)
            fields = record.instance_type._meta
            changes = [
                (str(fields.get_field(c.field).verbose_name), _show(c.old), _show(c.new))
                for c in delta.changes
            ]
        previous_by_object[record.id] = record
        who = record.history_user.username if record.history_user else "system"
        entries.append(
            HistoryEntry(
                record.history_date, who, label, HISTORY_ACTIONS[record.history_type], changes
            )
        )
    return entries


def _show(value) -> str:
    return "—" if value in (None, "") else str(value)


def customer_export_get_for(*, user, export_id: int) -> CustomerExport:
    """An export is seen only by the person who asked for it."""
    try:
        return CustomerExport.objects.get(pk=export_id, requested_by=user)
    except (CustomerExport.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such export.") from None
