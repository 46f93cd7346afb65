import django_filters

from rapport.access.choices import Channel
from rapport.customers.filters import IdFilter
from rapport.interactions.choices import Direction
from rapport.interactions.models import Interaction


class InteractionFilter(django_filters.FilterSet):
    """Filters of the ledger API. Ids are plain numbers: looking them up would tell a user who may
    not read conversations whether a customer or case exists."""

    customer = IdFilter(field_name="customer_id")
    agent = IdFilter(field_name="agent_id")
    case = IdFilter(field_name="case_id")
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    started_after = django_filters.IsoDateTimeFilter(
        field_name="started_at", lookup_expr="gte", label="Started at or after (ISO-8601)"
    )
    started_before = django_filters.IsoDateTimeFilter(
        field_name="started_at", lookup_expr="lt", label="Started before (ISO-8601)"
    )

    class Meta:
        model = Interaction
        fields = [
            "customer",
            "channel",
            "direction",
            "agent",
            "case",
            "started_after",
            "started_before",
        ]
