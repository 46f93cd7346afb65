"""Pagination for pages and the API. Counts are capped: an exact COUNT(*) over a large table
costs far more than the page itself (see docs/performance.md)."""

from typing import cast

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework import pagination
from rest_framework.response import Response

MAX_PAGE = 10**9  # keeps OFFSET inside a bigint whatever page number is asked for


class CappedCountPaginator(Paginator):
    """Counts at most RAPPORT_LIST_COUNT_CAP + 1 rows; past that, the count is a lower bound."""

    @cached_property
    def count(self) -> int:
        cap = settings.RAPPORT_LIST_COUNT_CAP
        # COUNT(*) over a LIMITed subquery: stops after cap + 1 rows.
        # Without ORDER BY: the order does not change the count but would force a sort.
        return cast(QuerySet, self.object_list).order_by()[: cap + 1].count()

    @property
    def count_is_exact(self) -> bool:
        return self.count <= settings.RAPPORT_LIST_COUNT_CAP

    def validate_number(self, number):
        if self.count_is_exact:
            return super().validate_number(number)
        # Past the cap the page count is a lower bound: any page may hold rows.
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer.") from None
        if not 1 <= number <= MAX_PAGE:
            raise EmptyPage("That page number is out of range.")
        return number

    def page(self, number):
        if self.count_is_exact:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        # One row more than the page tells whether another page follows.
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("That page contains no results.")
        return OpenEndedPage(
            rows[: self.per_page], number, self, has_more=len(rows) > self.per_page
        )


class OpenEndedPage(Page):
    """A page of a list whose full length is unknown."""

    def __init__(self, object_list, number, paginator, *, has_more: bool):
        super().__init__(object_list, number, paginator)
        self.has_more = has_more

    def has_next(self) -> bool:
        return self.has_more


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = CappedCountPaginator

    def get_paginated_response(self, data):
        assert self.page is not None
        paginator = cast(CappedCountPaginator, self.page.paginator)
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
