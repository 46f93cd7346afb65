"""Writes of customer data. Each is one transaction; every export and erasure is audited."""

import json
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from rapport.core.audit import audit_record
from rapport.core.csv import csv_text
from rapport.core.errors import Conflict, ValidationFailed
from rapport.customers import selectors, signals
from rapport.customers.choices import (
    ContactKind,
    CustomerKind,
    CustomerStatus,
    ExportStatus,
    HoldingStatus,
)
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
from rapport.customers.normalise import name_key, normalise_contact

CUSTOMER_FIELDS = (
    "kind",
    "first_name",
    "last_name",
    "organisation_name",
    "date_of_birth",
    "language",
    "segment",
    "value_tier",
    "lifetime_value",
    "status",
    "household",
    "needs_review",
    "source",
    "external_id",
)


@dataclass(frozen=True)
class ContactPointInput:
    kind: str
    value: str
    network: str = ""
    label: str = ""
    verified: bool = False
    preferred: bool = False


def _network(kind: str, network: str) -> str:
    """Only social handles live on a network; other kinds are matched without one."""
    return network if kind == ContactKind.SOCIAL else ""


def _nfc(customer: Customer) -> None:
    for name in ("first_name", "last_name", "organisation_name"):
        setattr(customer, name, unicodedata.normalize("NFC", getattr(customer, name).strip()))


def _normalised(point: ContactPointInput, *, field: str = "value") -> str:
    """The normalised value, or a 400 naming the field that holds the bad value."""
    try:
        return normalise_contact(point.kind, point.value, region=settings.RAPPORT_DEFAULT_REGION)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, code=exc.code, fields={field: [exc.message]}) from None


def set_name_keys(customer: Customer) -> None:
    """Fill the search keys from the name (bulk loaders call this too)."""
    if customer.kind == CustomerKind.ORGANISATION:
        customer.name_key = customer.surname_key = name_key(customer.organisation_name)
    else:
        customer.name_key = name_key(customer.first_name, customer.last_name)
        customer.surname_key = name_key(customer.last_name, customer.first_name)


def _validate_dates(customer: Customer) -> None:
    if customer.date_of_birth and customer.date_of_birth > timezone.localdate():
        raise ValidationFailed(
            "A date of birth cannot be in the future.", fields={"date_of_birth": ["In the future."]}
        )


def _validate_name(customer: Customer) -> None:
    if customer.kind == CustomerKind.ORGANISATION and not customer.organisation_name.strip():
        raise ValidationFailed(
            "An organisation needs a name.",
            fields={"organisation_name": ["Required for an organisation."]},
        )
    if customer.kind == CustomerKind.PERSON and not (
        customer.first_name.strip() or customer.last_name.strip()
    ):
        raise ValidationFailed(
            "A person needs a first or last name.",
            fields={"last_name": ["Give a first or last name."]},
        )


def _ensure_free(
    kind: str, network: str, normalised: str, *, owner: Customer | None = None
) -> None:
    holder = (
        ContactPoint.objects.filter(
            kind=kind, network=_network(kind, network), normalised=normalised
        )
        .select_related("customer")
        .first()
    )
    if holder and (owner is None or holder.customer_id != owner.pk):
        raise Conflict(
            f"{holder.get_kind_display()} {holder.value} already belongs to {holder.customer.display_name} "
            f"(customer {holder.customer_id}).",
            code="contact_point_taken",
            fields={"contact_points": [f"Belongs to customer {holder.customer_id}."]},
        )


@transaction.atomic
def customer_create(
    *, by=None, contact_points: Sequence[ContactPointInput] = (), **fields
) -> Customer:
    """Make a customer with their contact points. A contact point that already belongs to
    someone else is a Conflict naming that customer; nobody is merged silently."""
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}.")
    customer = Customer(**fields)
    _nfc(customer)
    _validate_name(customer)
    _validate_dates(customer)
    set_name_keys(customer)
    prepared = [
        (point, _normalised(point, field=f"contact_points[{i}].value"))
        for i, point in enumerate(contact_points)
    ]
    seen: set[tuple[str, str, str]] = set()
    for i, (point, normalised) in enumerate(prepared):
        key = (point.kind, _network(point.kind, point.network), normalised)
        if key in seen:
            raise ValidationFailed(
                f"{point.value} is given twice.",
                fields={f"contact_points[{i}].value": ["Given twice in this request."]},
            )
        seen.add(key)
        _ensure_free(point.kind, point.network, normalised)
    customer.save()
    for point, normalised in prepared:
        _contact_point_save(customer=customer, point=point, normalised=normalised)
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, by=None, **fields) -> Customer:
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(customer, name, value)
    _nfc(customer)
    _validate_name(customer)
    _validate_dates(customer)
    set_name_keys(customer)
    customer.save()
    return customer


def _contact_point_save(
    *, customer: Customer, point: ContactPointInput, normalised: str
) -> ContactPoint:
    if point.preferred:
        ContactPoint.objects.filter(customer=customer, kind=point.kind, preferred=True).update(
            preferred=False
        )
    try:
        with transaction.atomic():
            return ContactPoint.objects.create(
                customer=customer,
                kind=point.kind,
                network=_network(point.kind, point.network),
                value=point.value.strip(),
                normalised=normalised,
                label=point.label,
                verified=point.verified,
                preferred=point.preferred,
            )
    except IntegrityError:
        # Two writers raced for the same contact point; report who has it now.
        _ensure_free(point.kind, point.network, normalised, owner=customer)
        raise


@transaction.atomic
def contact_point_add(*, customer: Customer, point: ContactPointInput, by=None) -> ContactPoint:
    normalised = _normalised(point)
    _ensure_free(point.kind, point.network, normalised)
    return _contact_point_save(customer=customer, point=point, normalised=normalised)


@transaction.atomic
def contact_point_update(*, contact_point: ContactPoint, by=None, **fields) -> ContactPoint:
    allowed = {"value", "label", "verified", "preferred", "network"}
    if set(fields) - allowed:
        raise ValidationFailed(f"Only {', '.join(sorted(allowed))} can change.")
    if "value" in fields or "network" in fields:
        point = ContactPointInput(
            kind=contact_point.kind,
            value=fields.get("value", contact_point.value),
            network=fields.get("network", contact_point.network),
        )
        normalised = _normalised(point)
        _ensure_free(point.kind, point.network, normalised, owner=contact_point.customer)
        contact_point.normalised = normalised
    if fields.get("preferred"):
        ContactPoint.objects.filter(
            customer_id=contact_point.customer_id, kind=contact_point.kind, preferred=True
        ).exclude(pk=contact_point.pk).update(preferred=False)
    if "value" in fields:
        fields["value"] = fields["value"].strip()
    if "network" in fields:
        fields["network"] = _network(contact_point.kind, fields["network"])
    for name, value in fields.items():
        setattr(contact_point, name, value)
    contact_point.save()
    return contact_point


def contact_point_remove(*, contact_point: ContactPoint, by=None) -> None:
    contact_point.delete()


def household_create(*, name: str, by=None, **address) -> Household:
    if not name.strip():
        raise ValidationFailed("A household needs a name.", fields={"name": ["Required."]})
    return Household.objects.create(name=name.strip(), **address)


def household_update(*, household: Household, by=None, **fields) -> Household:
    for name, value in fields.items():
        setattr(household, name, value)
    household.save()
    return household


def household_set(*, customer: Customer, household: Household | None, by=None) -> Customer:
    customer.household = household
    customer.save(update_fields=["household", "updated_at"])
    return customer


def product_create(*, code: str, name: str, category: str, by=None, **fields) -> Product:
    if Product.objects.filter(code=code).exists():
        raise Conflict(f"A product with code '{code}' exists already.", fields={"code": ["Taken."]})
    return Product.objects.create(code=code, name=name, category=category, **fields)


@transaction.atomic
def holding_add(
    *,
    customer: Customer,
    product: Product,
    since: date,
    value: Decimal = Decimal(0),
    status: str = HoldingStatus.ACTIVE,
    by=None,
) -> Holding:
    if since > timezone.localdate():
        raise ValidationFailed(
            "A holding cannot start in the future.", fields={"since": ["In the future."]}
        )
    holding = Holding.objects.create(
        customer=customer, product=product, since=since, value=value, status=status
    )
    if status == HoldingStatus.ACTIVE and customer.status != CustomerStatus.CUSTOMER:
        customer.status = CustomerStatus.CUSTOMER
        customer.save(update_fields=["status", "updated_at"])
    return holding


def holding_end(*, holding: Holding, on: date | None = None, by=None) -> Holding:
    ended_on = on or timezone.localdate()
    if ended_on < holding.since:
        raise ValidationFailed(
            "A holding cannot end before it started.", fields={"ended_on": ["Before the start."]}
        )
    holding.status = HoldingStatus.CANCELLED
    holding.ended_on = ended_on
    holding.save(update_fields=["status", "ended_on", "updated_at"])
    return holding


def consent_record(
    *, customer: Customer, channel: str, purpose: str, granted: bool, source: str, by=None, at=None
) -> Consent:
    """Consent is a log: a new decision is a new row, so its history is never overwritten."""
    if not source.strip():
        raise ValidationFailed("Say where the consent came from.", fields={"source": ["Required."]})
    return Consent.objects.create(
        customer=customer,
        channel=channel,
        purpose=purpose,
        granted=granted,
        source=source.strip(),
        recorded_at=at or timezone.now(),
        recorded_by=by if getattr(by, "pk", None) else None,
    )


def note_add(*, customer: Customer, body: str, by, pinned: bool = False) -> Note:
    if not body.strip():
        raise ValidationFailed("A note cannot be empty.", fields={"body": ["Write something."]})
    return Note.objects.create(customer=customer, body=body.strip(), author=by, pinned=pinned)


EXPORT_HEADER = [
    "id",
    "kind",
    "first_name",
    "last_name",
    "organisation_name",
    "status",
    "segment",
    "value_tier",
    "lifetime_value",
    "language",
    "household",
    "email",
    "phone",
]


PROGRESS_EVERY = 500  # rows between progress updates of a background export


def customers_export_csv(
    *,
    customers: QuerySet[Customer],
    by,
    filters: dict[str, str],
    text_search: bool = False,
    progress: Callable[[int], None] | None = None,
) -> str:
    """A CSV of a customer list. Cells that a spreadsheet would run as formulas are neutralised.
    The audit event keeps the filters and whether a text search was used, never the search text:
    it may be a person's e-mail or phone, and audit events outlive erasure."""
    rows = []
    for customer in customers.select_related("household").prefetch_related("contact_points"):
        by_kind: dict[str, str] = {}
        for point in customer.contact_points.all():
            if point.preferred or point.kind not in by_kind:
                by_kind[point.kind] = point.value
        rows.append(
            [
                customer.pk,
                customer.kind,
                customer.first_name,
                customer.last_name,
                customer.organisation_name,
                customer.status,
                customer.segment,
                customer.value_tier,
                customer.lifetime_value,
                customer.language,
                customer.household.name if customer.household else "",
                by_kind.get(ContactKind.EMAIL, ""),
                by_kind.get(ContactKind.PHONE, ""),
            ]
        )
        if progress and len(rows) % PROGRESS_EVERY == 0:
            progress(len(rows))
    audit_record(
        actor=by,
        action="customers.exported",
        detail={"rows": len(rows), "filters": filters, "text_search": text_search},
    )
    return csv_text(EXPORT_HEADER, rows)


def customer_export_request(*, by, query: str, filters: dict[str, str]) -> CustomerExport:
    """Queue an export of what `by` finds with this search; the caller enqueues the task."""
    return CustomerExport.objects.create(
        requested_by=by, query=query.strip(), filters=filters, text_search=bool(query.strip())
    )


def customer_export_run(*, export_id: int) -> CustomerExport:
    """Write the CSV with progress. Runs in the worker; a replay of a finished export is a no-op.
    The search runs as the person who asked, so the file holds only what they may see."""
    export = CustomerExport.objects.select_related("requested_by").get(pk=export_id)
    if export.finished:
        return export
    customers = selectors.customer_search_for(
        user=export.requested_by, query=export.query, filters=export.filters
    )
    export.status = ExportStatus.RUNNING
    export.total = customers.count()
    export.save(update_fields=["status", "total", "updated_at"])

    def progress(rows: int) -> None:
        CustomerExport.objects.filter(pk=export.pk).update(done_rows=rows)

    try:
        body = customers_export_csv(
            customers=customers,
            by=export.requested_by,
            filters=export.filters,
            text_search=export.text_search,
            progress=progress,
        )
    except Exception as exc:  # the page must say it failed rather than spin forever
        export.status, export.error = ExportStatus.FAILED, f"{exc.__class__.__name__}: {exc}"[:300]
    else:
        export.file.save(f"customers-{export.pk}.csv", ContentFile(body.encode()), save=False)
        export.status, export.done_rows = ExportStatus.DONE, export.total or 0
    export.query = ""
    export.finished_at = timezone.now()
    export.save()
    return export


def customer_data_export(*, customer: Customer, by) -> str:
    """Everything Rapport holds about one person, as JSON (a data-subject access request)."""
    data = {
        "customer": _row(customer, exclude={"name_key", "surname_key"}),
        "household": _row(customer.household) if customer.household else None,
        "contact_points": [_row(p) for p in customer.contact_points.all()],
        "holdings": [
            _row(h) | {"product": h.product.name}
            for h in customer.holdings.select_related("product")
        ],
        "consents": [_row(c) for c in customer.consents.all()],
        "notes": [_row(n, exclude={"author"}) for n in customer.notes.all()],
        "history": [
            {
                "when": r.history_date,
                "type": r.history_type,
                "record": _row(r.instance, exclude={"name_key", "surname_key"}),
            }
            for r in customer.history.all()
        ],
        "exported_at": timezone.now(),
    }
    audit_record(actor=by, action="customer.data_exported", target=customer)
    return json.dumps(data, cls=DjangoJSONEncoder, indent=2)


def _row(instance, exclude: Collection[str] = frozenset()) -> dict:
    return {
        f.attname: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if f.name not in exclude
    }


@transaction.atomic
def customer_erase(*, customer: Customer, by) -> Customer:
    """Erase a person: contact points and notes go, identifying fields are anonymised, their
    change history is scrubbed. The audit event records that it happened, not who it was."""
    customer_id = customer.pk
    household = customer.household
    removed_points = customer.contact_points.count()
    removed_notes = customer.notes.count()
    customer.contact_points.all().delete()
    customer.notes.all().delete()
    customer.first_name = "Erased"
    customer.last_name = f"customer {customer_id}"
    customer.organisation_name = (
        "Erased organisation" if customer.kind == CustomerKind.ORGANISATION else ""
    )
    customer.date_of_birth = None
    if customer.external_id:
        ErasedExternalId.objects.get_or_create(
            source=customer.source,
            digest=ErasedExternalId.digest_of(customer.source, customer.external_id),
        )
    customer.external_id = None
    customer.household = None
    customer.needs_review = False
    customer.status = CustomerStatus.FORMER
    customer.erased_at = timezone.now()
    set_name_keys(customer)
    customer.save()
    for model in (ContactPoint, Note, Holding, Consent):
        model.history.filter(customer_id=customer_id).delete()
    Customer.history.filter(id=customer_id).delete()
    if household is not None and not household.members.exists():
        # A household of one would still name and locate the person.
        household_id = household.pk
        household.delete()
        Household.history.filter(id=household_id).delete()
    signals.customer_erased.send(sender=Customer, customer_id=customer_id)
    audit_record(
        actor=by,
        action="customer.erased",
        target=customer,
        detail={"contact_points_removed": removed_points, "notes_removed": removed_notes},
    )
    return customer


def customer_for_sender(*, kind: str, raw: str, network: str = "", name: str = "") -> Customer:
    """The customer behind a contact point a message came from; an unknown sender becomes a
    prospect marked for review. Raises ValidationFailed when the contact point is not valid.

    Two messages from the same new sender at once both try to create the prospect; the unique
    contact point lets one win and the other reads the winner."""
    normalised = normalise_contact(kind, raw, region=settings.RAPPORT_DEFAULT_REGION)
    network = _network(kind, network)
    existing = _sender_holder(kind, network, normalised)
    if existing is not None:
        return existing
    first, _, last = " ".join(name.split()).rpartition(" ")
    if not last:
        last = {"email": normalised.split("@")[0]}.get(kind, normalised)[:100]
    try:
        with transaction.atomic():
            return customer_create(
                first_name=first[:100],
                last_name=last[:100],
                status=CustomerStatus.PROSPECT,
                needs_review=True,
                source="inbound",
                contact_points=[ContactPointInput(kind=kind, value=raw, network=network)],
            )
    except (IntegrityError, Conflict):
        holder = _sender_holder(kind, network, normalised)
        if holder is None:
            raise
        return holder


def _sender_holder(kind: str, network: str, normalised: str) -> Customer | None:
    point = (
        ContactPoint.objects.filter(kind=kind, network=network, normalised=normalised)
        .select_related("customer")
        .first()
    )
    return selectors.surviving(point.customer) if point else None
