"""The dashboard pages through every published briefing, latest due first, and says how many
more people are behind than its list shows."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.briefings.selectors import briefings as selectors
from rapport.briefings.tests.factories_briefings import published
from rapport.briefings.views import briefings as views

pytestmark = pytest.mark.django_db


def _titles(html: str) -> list[str]:
    """Briefing titles in the figures table (the behind list links them too)."""
    table = html[html.index('data-testid="figures"') :]
    table = table[: table.index("</table>")]
    return re.findall(r'<a href="/briefings/dashboard/\d+/">(Due in \d+ days)</a>', table)


def test_latest_due_first_and_every_briefing_reachable(client_for, monkeypatch):
    monkeypatch.setattr(views, "DASHBOARD_PAGE", 3)
    client, trainer = client_for("trainer")
    agent = UserFactory(roles=["agent"], team=TeamFactory())
    now = timezone.now()
    for days in range(1, 8):
        published(
            author=trainer,
            agents=[agent],
            at=now,
            title=f"Due in {days} days",
            due_at=now + datetime.timedelta(days=days),
        )
    url = reverse("briefings:dashboard")

    first = client.get(url).content.decode()
    last = client.get(url, {"page": 3}).content.decode()

    assert _titles(first) == ["Due in 7 days", "Due in 6 days", "Due in 5 days"]
    assert _titles(last) == ["Due in 1 days"]
    assert 'rel="next"' in first and "7 in all" in first


def test_the_behind_list_says_how_many_more(client_for, monkeypatch):
    monkeypatch.setattr(views, "BEHIND_SHOWN", 3)
    client, trainer = client_for("trainer")
    agents = [UserFactory(roles=["agent"], team=TeamFactory()) for _ in range(5)]
    briefing = published(author=trainer, agents=agents)

    body = client.get(reverse("briefings:dashboard")).content.decode()

    assert body.count("<tr>\n    <td>") == 3  # three rows of people behind
    assert "and 2 more not shown" in body
    assert selectors.behind_count(user=trainer, briefing=briefing) == 5


def test_no_more_line_when_everyone_behind_is_listed(client_for):
    client, trainer = client_for("trainer")
    published(author=trainer, agents=[UserFactory(roles=["agent"], team=TeamFactory())])

    body = client.get(reverse("briefings:dashboard")).content.decode()

    assert 'data-testid="behind"' in body and 'data-testid="behind-more"' not in body
