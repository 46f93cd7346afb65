import django_filters

from rapport.customers.choices import CustomerStatus, Segment, ValueTier
from rapport.customers.models import Customer


class CustomerFilter(django_filters.FilterSet):
    """Filters shared by the customer list API; `q` searches by name, e-mail or phone."""

    q = django_filters.CharFilter(method="noop", label="Name, e-mail or phone")
    status = django_filters.ChoiceFilter(choices=CustomerStatus.choices)
    segment = django_filters.ChoiceFilter(choices=Segment.choices)
    value_tier = django_filters.ChoiceFilter(choices=ValueTier.choices)
    needs_review = django_filters.BooleanFilter()

    class Meta:
        model = Customer
        fields = ["q", "status", "segment", "value_tier", "household", "needs_review"]

    def noop(self, queryset, name, value):
        # Applied by the selector before filtering, so search and scoping stay in one place.
        return queryset
