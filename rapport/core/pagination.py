"""Pagination for pages and the API. Counts are capped: an exact COUNT(*) over a large table
costs far more than the page itself (see docs/performance.md)."""

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework import pagination
from rest_framework.response import Response


class CappedCountPaginator(Paginator):
    """Counts at most RAPPORT_LIST_COUNT_CAP + 1 rows; past that, the count is a lower bound."""

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        cap = settings.RAPPORT_LIST_COUNT_CAP
        # COUNT(*) over a LIMITed subquery: stops after cap + 1 rows.
        return self.object_list[: cap + 1].count()  # type: ignore[union-attr]

    @property
    def count_is_exact(self) -> bool:
        return self.count <= settings.RAPPORT_LIST_COUNT_CAP


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = CappedCountPaginator

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.count,
                "count_is_exact": paginator.count_is_exact,
                "page": self.page.number,
                "pages": paginator.num_pages,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        base = super().get_paginated_response_schema(schema)
        base["properties"]["count_is_exact"] = {"type": "boolean"}
        base["properties"]["page"] = {"type": "integer"}
        base["properties"]["pages"] = {"type": "integer"}
        return base


def paginate(request, queryset, *, per_page: int = 25):
    """The page of a queryset a list page shows; out-of-range pages fall back to the last."""
    paginator = CappedCountPaginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))
