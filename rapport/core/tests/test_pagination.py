"""Capped counts: a list never counts more than RAPPORT_LIST_COUNT_CAP + 1 rows."""

import pytest
from django.test import RequestFactory

from rapport.core.models import AuditEvent
from rapport.core.pagination import CappedCountPaginator, paginate

pytestmark = pytest.mark.django_db


@pytest.fixture
def eight_rows():
    AuditEvent.objects.bulk_create([AuditEvent(action=f"row {i}") for i in range(8)])
    return AuditEvent.objects.order_by("action")


def test_count_stops_one_past_the_cap(settings, eight_rows):
    settings.RAPPORT_LIST_COUNT_CAP = 5

    paginator = CappedCountPaginator(eight_rows, 3)

    assert paginator.count == 6
    assert paginator.count_is_exact is False


def test_count_is_exact_at_or_under_the_cap(settings, eight_rows):
    settings.RAPPORT_LIST_COUNT_CAP = 8

    paginator = CappedCountPaginator(eight_rows, 3)

    assert paginator.count == 8
    assert paginator.count_is_exact is True
    assert paginator.num_pages == 3


def test_count_costs_one_query_over_a_limited_subquery(
    settings, eight_rows, django_assert_num_queries
):
    settings.RAPPORT_LIST_COUNT_CAP = 5
    paginator = CappedCountPaginator(eight_rows, 3)

    with django_assert_num_queries(1) as captured:
        assert paginator.count == 6

    assert "LIMIT" in captured.captured_queries[0]["sql"].upper()


def test_paginate_falls_back_to_the_last_page(eight_rows):
    request = RequestFactory().get("/", {"page": "99"})

    page = paginate(request, eight_rows, per_page=3)

    assert page.number == 3
    assert [g.action for g in page.object_list] == ["row 6", "row 7"]


def test_paginate_reads_a_page_number(eight_rows):
    page = paginate(RequestFactory().get("/", {"page": "2"}), eight_rows, per_page=3)

    assert [g.action for g in page.object_list] == ["row 3", "row 4", "row 5"]


def test_rows_past_the_cap_can_still_be_paged_to(settings, eight_rows):
    settings.RAPPORT_LIST_COUNT_CAP = 5
    paginator = CappedCountPaginator(eight_rows, 3)

    seen = []
    page = paginator.page(1)
    seen += [g.action for g in page.object_list]
    while page.has_next():
        page = paginator.page(page.next_page_number())
        seen += [g.action for g in page.object_list]

    assert len(seen) == 8


@pytest.mark.parametrize("asked", ["abc", "1.5", "0", "-3", "99999999999999999999", None])
def test_odd_page_numbers_past_the_cap_fall_back_to_a_real_page(settings, eight_rows, asked):
    settings.RAPPORT_LIST_COUNT_CAP = 5
    paginator = CappedCountPaginator(eight_rows, 3)

    page = paginator.get_page(asked)

    assert len(page.object_list) == 3
    assert page.number in (1, 2)
