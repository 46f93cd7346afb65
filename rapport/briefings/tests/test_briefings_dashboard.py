"""The briefing dashboard: per-team and overall figures from one grouped query, however many
briefings there are."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.briefings.selectors import briefings as selectors
from rapport.briefings.services import briefings as services
from rapport.briefings.tests.factories_briefings import delivery_of, published

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)


def _briefings(count: int, author, agents):
    return [
        published(author=author, agents=agents, at=NOW, due_at=NOW + datetime.timedelta(days=n))
        for n in range(1, count + 1)
    ]


def test_dashboard_counts_per_team_and_sums_the_totals(make_user):
    trainer = make_user("trainer")
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    agents = [UserFactory(roles=["agent"], team=team) for team in (north, north, south)]
    first, second = _briefings(2, trainer, agents)
    services.delivery_open(delivery=delivery_of(first, agents[0]), at=NOW)
    services.delivery_open(delivery=delivery_of(first, agents[2]), at=NOW)
    figures = selectors.dashboard_for(user=trainer, now=NOW + datetime.timedelta(days=10))
    assert [f.briefing for f in figures] == [second, first]  # latest due first
    one = figures[1]
    assert [(t.label, t.delivered, t.opened) for t in one.teams] == [
        ("North", 2, 1),
        ("South", 1, 1),
    ]
    assert (one.total.label, one.total.delivered, one.total.opened) == ("All", 3, 2)
    assert one.total.overdue == 3 and figures[0].total.opened == 0


def test_dashboard_queries_do_not_grow_with_briefings(make_user, django_assert_max_num_queries):
    trainer = make_user("trainer")
    agents = [UserFactory(roles=["agent"], team=TeamFactory()) for _ in range(3)]
    _briefings(1, trainer, agents)
    with CaptureQueriesContext(connection) as one:
        selectors.dashboard_for(user=trainer, now=NOW)
    _briefings(6, trainer, agents)
    with django_assert_max_num_queries(len(one.captured_queries)):
        figures = selectors.dashboard_for(user=trainer, now=NOW)
    assert len(figures) == 7 and all(f.total.delivered == 3 for f in figures)
    assert len(one.captured_queries) <= 3
