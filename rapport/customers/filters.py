import django_filters
from django import forms

from rapport.customers.choices import CustomerStatus, Segment, ValueTier
from rapport.customers.models import Consent, ContactPoint, Customer, Holding, Note


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number in the database's range; anything else is a 400, not a 500."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class CustomerFilter(django_filters.FilterSet):
    """Filters shared by the customer list API; `q` searches by name, e-mail or phone."""

    q = django_filters.CharFilter(method="noop", label="Name, e-mail or phone")
    status = django_filters.ChoiceFilter(choices=CustomerStatus.choices)
    segment = django_filters.ChoiceFilter(choices=Segment.choices)
    value_tier = django_filters.ChoiceFilter(choices=ValueTier.choices)
    needs_review = django_filters.BooleanFilter()
    household = IdFilter(field_name="household_id")

    class Meta:
        model = Customer
        fields = ["q", "status", "segment", "value_tier", "household", "needs_review"]

    def noop(self, queryset, name, value):
        # Applied by the selector before filtering, so search and scoping stay in one place.
        return queryset


def _by_customer(model_class, extra: list[str], **filters) -> type[django_filters.FilterSet]:
    """A FilterSet whose `customer` is a plain id: a lookup of the id would tell a user who
    may see no customers whether one exists."""
    meta = type("Meta", (), {"model": model_class, "fields": ["customer", *extra]})
    attrs = {"Meta": meta, "customer": IdFilter(field_name="customer_id"), **filters}
    return type(f"{model_class.__name__}Filter", (django_filters.FilterSet,), attrs)


ContactPointFilter = _by_customer(ContactPoint, ["kind", "verified", "preferred"])
HoldingFilter = _by_customer(Holding, ["status"], product=IdFilter(field_name="product_id"))
ConsentFilter = _by_customer(Consent, ["channel", "purpose", "granted"])
NoteFilter = _by_customer(Note, ["pinned"])
