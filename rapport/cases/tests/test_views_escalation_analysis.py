"""/cases/escalations/: the escalation analysis page, charts and the same figures as tables."""

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from rapport.access.tests.factories import ContactTypeFactory, QueueFactory
from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.cases import services
from rapport.cases.tests.factories import CaseFactory, EscalationReasonFactory
from rapport.interactions.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db

PAGE = "/cases/escalations/"


@pytest.fixture
def escalations():
    """Two escalations by Ann of Blue today (one preventable), 40 contacts she handled."""
    blue = TeamFactory(name="Blue")
    front = QueueFactory(name="Blue front", team=blue)
    second = QueueFactory(name="Second line", tier=2)
    ann = UserFactory(roles=["agent"], team=blue, first_name="Ann", last_name="Able")
    billing = ContactTypeFactory(name="Billing")
    for reason in (
        EscalationReasonFactory(name="Needs authority", preventable=True),
        EscalationReasonFactory(name="Technical fault"),
    ):
        services.case_escalate(
            case=CaseFactory(queue=front, contact_type=billing),
            by=ann,
            to_queue=second,
            reason=reason,
            customer_needs="A refund.",
            tried="Checked the bill.",
        )
    InteractionFactory.create_batch(40, agent=ann, contact_type=billing)
    return blue


def chart_data(page: str) -> dict:
    block = re.search(
        r'<script id="escalation-chart-data" type="application/json">(.*?)</script>', page, re.S
    )
    assert block, "the figures for the charts are on the page as JSON"
    return json.loads(block.group(1))


@pytest.mark.parametrize("role", ["supervisor", "qa_analyst", "trainer", "executive", "admin"])
def test_analysts_see_the_figures_of_the_last_90_days(client_for, escalations, role):
    client, _ = client_for(role)

    response = client.get(PAGE)

    assert response.status_code == 200
    page = response.content.decode()
    today = timezone.localdate()
    assert f'value="{(today - dt.timedelta(days=89)).isoformat()}"' in page
    assert f'value="{today.isoformat()}"' in page
    assert re.search(r'data-testid="total">2<', page)
    assert re.search(r'data-testid="handled">40<', page)
    assert re.search(r'data-testid="rate">5\.0&thinsp;%<', page)
    assert "n = 40" in page
    reasons = page[page.index('data-testid="table-reason"') :]
    assert re.search(
        r"Needs authority <span[^>]*>preventable</span></td>\s*<td[^>]*>1</td>", reasons
    )
    data = chart_data(page)
    assert data["team"] == {"labels": ["Blue"], "counts": [2]}
    assert sum(data["weekly"]["counts"]) == 2


@pytest.mark.parametrize("role", ["agent", "marketer"])
def test_other_roles_get_the_not_permitted_page(client_for, escalations, role):
    client, _ = client_for(role)

    response = client.get(PAGE)

    assert response.status_code == 403
    assert "Needs authority" not in response.content.decode()


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["executive", "trainer"])
def test_executives_and_trainers_are_told_they_see_teams_not_agents(client_for, escalations, role):
    client, _ = client_for(role)

    page = client.get(PAGE).content.decode()

    assert "see teams, not people" in page
    assert "Ann Able" not in page
    assert 'data-testid="table-agent"' not in page
    assert "agent" not in chart_data(page)


def test_qa_sees_agents_by_name(client_for, escalations):
    client, _ = client_for("qa_analyst")

    page = client.get(PAGE).content.decode()

    assert "Ann Able" in page[page.index('data-testid="table-agent"') :]
    assert chart_data(page)["agent"] == {"labels": ["Ann Able"], "counts": [2]}


def test_filters_and_period(client_for, escalations):
    client, _ = client_for("admin")
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    other_team = client.get(PAGE, {"team": TeamFactory().pk}).content.decode()
    before = client.get(
        PAGE, {"date_from": (yesterday - dt.timedelta(days=7)).isoformat(), "date_to": yesterday}
    ).content.decode()

    assert re.search(r'data-testid="total">0<', other_team)
    assert re.search(r'data-testid="total">0<', before)


def test_a_bad_period_is_explained(client_for, escalations):
    client, _ = client_for("admin")

    backwards = client.get(PAGE, {"date_from": "2026-03-10", "date_to": "2026-03-01"})
    too_long = client.get(PAGE, {"date_from": "2016-01-01", "date_to": "2026-01-01"})
    nonsense = client.get(PAGE, {"date_from": "soon", "team": "x"})

    assert backwards.status_code == 400
    assert "The end comes before the start." in backwards.content.decode()
    assert "Choose at most" in too_long.content.decode()
    assert nonsense.status_code == 400
    assert 'data-testid="total"' not in nonsense.content.decode()


def test_below_the_minimum_n_the_rate_is_not_given(client_for, escalations, settings):
    settings.RAPPORT_MIN_N_RATES = 100
    client, _ = client_for("admin")

    page = client.get(PAGE).content.decode()

    assert re.search(r'data-testid="rate">not enough data<', page)


def test_charts_come_from_static_files_only(client_for, escalations):
    client, _ = client_for("admin")

    page = client.get(PAGE).content.decode()

    scripts = re.findall(r"<script([^>]*)>", page)
    inline = [s for s in scripts if "src=" not in s and 'type="application/json"' not in s]
    assert inline == []
    assert "vendor/chartjs/chart.umd.min.js" in page and "cases/escalation_charts.js" in page
    assert page.count("<canvas") == 6, "weekly, reason, preventable, contact type, team, agent"


def test_every_figure_links_to_its_definition(client_for, escalations):
    client, _ = client_for("admin")

    page = client.get(PAGE).content.decode()

    for anchor in re.findall(r'href="#(def-[a-z]+)"', page):
        assert f'id="{anchor}"' in page
    assert {"def-escalation", "def-handled", "def-rate", "def-preventable"} <= set(
        re.findall(r'href="#(def-[a-z]+)"', page)
    )


def test_query_count_does_not_grow_with_the_escalations(
    client_for, escalations, django_assert_max_num_queries
):
    client, _ = client_for("admin")
    with django_assert_max_num_queries(30) as few:
        client.get(PAGE)
    front, second = QueueFactory(), QueueFactory(tier=2)
    for n in range(5):
        services.case_escalate(
            case=CaseFactory(queue=front),
            by=UserFactory(roles=["agent"], team=front.team),
            to_queue=second,
            reason=EscalationReasonFactory(),
            customer_needs="More.",
            tried=f"Attempt {n}.",
        )

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(PAGE).content.decode()

    assert re.search(r'data-testid="total">7<', page)
