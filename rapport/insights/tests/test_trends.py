"""Trends aggregates on a hand-built ledger, the churn-risk list, the pages and the API."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from statsmodels.stats.proportion import proportion_confint

from rapport.access.models import ContactType
from rapport.customers.tests.factories import CustomerFactory, HoldingFactory, ProductFactory
from rapport.insights.choices import Intent, RiskBand, Sentiment
from rapport.insights.models import ChurnRisk, InteractionSignal
from rapport.insights.selectors import trends as selectors
from rapport.interactions.tests.factories import InteractionFactory, MessageFactory

pytestmark = pytest.mark.django_db


TODAY = timezone.localdate()


def _signal(
    *, day, compound, customer=None, channel="phone", contact_type=None, intents=(), topics=()
):
    interaction = InteractionFactory(
        customer=customer or CustomerFactory(), channel=channel, contact_type=contact_type
    )
    sentiment = (
        Sentiment.NEGATIVE
        if compound <= -0.05
        else Sentiment.POSITIVE
        if compound >= 0.05
        else Sentiment.NEUTRAL
    )
    return InteractionSignal.objects.create(
        interaction=interaction,
        customer=interaction.customer,
        day=day,
        channel=channel,
        compound=compound,
        sentiment=sentiment,
        intents=list(intents),
        topics=list(topics),
        scored_at=timezone.now(),
    )


@pytest.fixture
def ledger():
    """12 contacts today (4 negative), 2 a week ago, 1 outside the 30 days."""
    billing = ContactType.objects.create(code="billing", name="Billing")
    fault = ContactType.objects.create(code="fault", name="Fault")
    broadband, mobile, gone = (ProductFactory(name=n) for n in ("Broadband", "Mobile", "Gone"))
    alice, bob = CustomerFactory(), CustomerFactory()
    HoldingFactory(customer=alice, product=broadband)
    HoldingFactory(customer=alice, product=mobile)
    HoldingFactory(customer=bob, product=broadband)
    HoldingFactory(customer=bob, product=gone, status="cancelled")
    compounds = [-0.8, -0.6, -0.3, -0.1, 0.0, 0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.9]
    for i, compound in enumerate(compounds):
        _signal(
            day=TODAY,
            compound=compound,
            customer=alice if i < 6 else bob,
            channel="email" if i % 2 else "phone",
            contact_type=billing if i < 10 else fault,
            intents=[Intent.CHURN, Intent.COMPLAINT] if i == 0 else [Intent.CHURN] if i < 3 else [],
            topics=["billing"] if i < 5 else ["fault"] if i < 7 else [],
        )
    week_ago = TODAY - datetime.timedelta(days=7)
    _signal(day=week_ago, compound=-0.5, intents=[Intent.LEGAL], topics=["billing"])
    _signal(day=week_ago, compound=0.5, intents=[Intent.COMPLIMENT])
    _signal(day=TODAY - datetime.timedelta(days=30), compound=-0.9, intents=[Intent.CHURN])
    return {"alice": alice, "bob": bob}


def _trends(user, days=30):
    return selectors.trends_for(user, period=selectors.period_last(days))


def _row(rows, label):
    return next(r for r in rows if r["label"] == label)


# --- Aggregates -------------------------------------------------------------------------------------


def test_overall_figures(ledger, make_user):
    data = _trends(make_user("executive"))
    overall = data["overall"]
    assert overall["n"] == 14
    assert overall["negative"] == 5
    assert overall["negative_share"] == pytest.approx(5 / 14, abs=1e-4)
    low, high = proportion_confint(5, 14, method="wilson")
    assert (overall["negative_low"], overall["negative_high"]) == (
        pytest.approx(low, abs=1e-4),
        pytest.approx(high, abs=1e-4),
    )
    expected_mean = (sum([-0.8, -0.6, -0.3, -0.1, 0, 0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.9]) + 0) / 14
    assert overall["mean"] == pytest.approx(expected_mean, abs=1e-4)


def test_by_day_covers_every_day_and_hides_small_days(ledger, make_user):
    by_day = _trends(make_user("executive"))["by_day"]
    assert len(by_day) == 30
    assert by_day[-1]["label"] == TODAY and by_day[-1]["n"] == 12
    assert by_day[-1]["negative_share"] == pytest.approx(4 / 12, abs=1e-4)
    week_ago = _row(by_day, TODAY - datetime.timedelta(days=7))
    assert week_ago["n"] == 2 and week_ago["enough_data"] is False and week_ago["mean"] is None
    assert sum(r["n"] for r in by_day) == 14


def test_by_week_adds_up(ledger, make_user):
    by_week = _trends(make_user("executive"))["by_week"]
    assert sum(r["n"] for r in by_week) == 14
    assert all(r["label"].weekday() == 0 for r in by_week)


def test_by_contact_type_and_channel(ledger, make_user):
    data = _trends(make_user("executive"))
    billing = _row(data["by_contact_type"], "Billing")
    assert (billing["n"], billing["negative"]) == (10, 4)
    fault = _row(data["by_contact_type"], "Fault")
    assert fault["n"] == 2 and fault["negative_share"] is None  # below MIN_N
    assert _row(data["by_contact_type"], selectors.NOT_SET)["n"] == 2
    assert {r["label"]: r["n"] for r in data["by_channel"]} == {"phone": 8, "email": 6}


def test_by_product_counts_a_contact_per_active_product(ledger, make_user):
    by_product = {r["label"]: r for r in _trends(make_user("executive"))["by_product"]}
    assert by_product["Broadband"]["n"] == 12  # alice's 6 and bob's 6
    assert by_product["Mobile"]["n"] == 6  # alice's only
    assert by_product["Mobile"]["negative"] == 4
    assert "Gone" not in by_product  # bob's cancelled product


def test_intents_and_topics(ledger, make_user):
    data = _trends(make_user("executive"))
    intents = {r["intent"]: r["n"] for r in data["intents"]}
    assert intents == {
        Intent.CHURN: 3,
        Intent.COMPLAINT: 1,
        Intent.PURCHASE: 0,
        Intent.LEGAL: 1,
        Intent.MANAGER: 0,
        Intent.COMPLIMENT: 1,
    }
    weekly = data["intents_by_week"]
    churn = next(s for s in weekly["series"] if s["intent"] == Intent.CHURN)
    assert sum(churn["counts"]) == 3 and len(churn["counts"]) == len(weekly["labels"])
    assert sum(weekly["totals"]) == 14
    topics = {r["topic"]: r["n"] for r in data["topics"]}
    assert topics == {"billing": 6, "fault": 2}
    assert data["topics"][0]["topic"] == "billing"


def test_a_longer_period_takes_in_the_older_contact(ledger, make_user):
    assert _trends(make_user("executive"), days=90)["overall"]["n"] == 15


def test_risk_distribution_names_nobody(ledger, make_user):
    now = timezone.now()
    ChurnRisk.objects.create(customer=ledger["alice"], score=0.8, band="high", computed_at=now)
    ChurnRisk.objects.create(customer=ledger["bob"], score=0.1, band="low", computed_at=now)
    risk = _trends(make_user("executive"))["risk"]
    assert risk["n"] == 2 and risk["mean"] == pytest.approx(0.45)
    assert {b["band"]: b["n"] for b in risk["bands"]} == {"high": 1, "medium": 0, "low": 1}


def test_trends_refused_to_those_who_do_not_read_insights(make_user):
    from rapport.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        _trends(make_user("agent"))


# --- Churn-risk list ----------------------------------------------------------------------------------


@pytest.fixture
def risks():
    now = timezone.now()
    made = {}
    for name, score, band in (
        ("Ann Zed", 0.9, "high"),
        ("Ben Young", 0.4, "medium"),
        ("Cat Xu", 0.1, "low"),
    ):
        first, last = name.split()
        customer = CustomerFactory(first_name=first, last_name=last)
        made[first] = ChurnRisk.objects.create(
            customer=customer,
            score=score,
            band=band,
            computed_at=now,
            components=[
                {
                    "name": "churn_intent",
                    "value": 1,
                    "weight": 2.5,
                    "contribution": 2.5,
                    "why": f"{first} said they want to leave.",
                }
            ],
        )
    erased = CustomerFactory(first_name="Gone", last_name="Away", erased_at=now)
    ChurnRisk.objects.create(customer=erased, score=0.99, band="high", computed_at=now)
    return made


def test_churn_risk_list_is_ordered_searchable_and_scoped(risks, make_user):
    marketer = make_user("marketer")
    listed = list(selectors.churn_risk_list_for(marketer))
    assert [r.customer.first_name for r in listed] == ["Ann", "Ben", "Cat"]  # erased not listed
    assert [
        r.customer.first_name for r in selectors.churn_risk_list_for(marketer, query="you")
    ] == ["Ben"]
    assert [r.band for r in selectors.churn_risk_list_for(marketer, band=RiskBand.LOW)] == ["low"]
    for role in ("agent", "trainer", "executive", "qa_analyst"):
        assert not selectors.churn_risk_list_for(make_user(role)).exists()


# --- Pages ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["supervisor", "qa_analyst", "trainer", "marketer", "executive", "admin"]
)
def test_dashboard_for_insight_readers(ledger, client_for, role):
    client, _user = client_for(role)
    response = client.get(reverse("insights:trends"), {"days": 90})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="insight-charts"' in body and "insights/trends.js" in body
    assert 'data-testid="sentiment-table"' in body and 'data-testid="by-product"' in body
    assert "<script>" not in body.replace("<script src", "")  # no inline script (CSP)
    assert response.context["days"] == 90 and response.context["weekly"] is True


@pytest.mark.parametrize("role", ["agent"])
def test_dashboard_refused(client_for, role):
    client, _user = client_for(role)
    assert client.get(reverse("insights:trends")).status_code == 403


def test_dashboard_asks_anonymous_to_log_in(client):
    response = client.get(reverse("insights:trends"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_dashboard_empty_state_and_bad_period(client_for):
    client, _user = client_for("supervisor")
    response = client.get(reverse("insights:trends"), {"days": "7; drop"})
    assert response.status_code == 200
    assert response.context["days"] == 30
    body = response.content.decode()
    assert "No scored contacts in this period" in body
    assert 'id="insight-charts"' not in body


def test_churn_risk_page_lists_and_explains(risks, client_for, django_assert_max_num_queries):
    client, _user = client_for("supervisor")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("insights:churn_risk"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("Ann Zed") < body.index("Ben Young") < body.index("Cat Xu")
    assert "Ann said they want to leave." in body
    assert reverse("customers:detail", args=[risks["Ann"].customer_id]) in body
    assert "Gone Away" not in body
    searched = client.get(reverse("insights:churn_risk"), {"q": "xu"}).content.decode()
    assert "Cat Xu" in searched and "Ann Zed" not in searched


@pytest.mark.parametrize("role", ["agent", "trainer", "executive", "qa_analyst"])
def test_churn_risk_page_refused(client_for, role):
    client, _user = client_for(role)
    assert client.get(reverse("insights:churn_risk")).status_code == 403


# --- API --------------------------------------------------------------------------------------------


def test_trends_api(ledger, api_for):
    client, _user = api_for("trainer")
    response = client.get("/api/v1/insights/trends", {"days": 30})
    assert response.status_code == 200
    data = response.json()
    assert data["overall"]["n"] == 14
    assert {r["intent"]: r["n"] for r in data["intents"]}["churn"] == 3
    assert len(data["by_day"]) == 30


@pytest.mark.parametrize("days", ["0", "abc", "10000", "-3"])
def test_trends_api_rejects_bad_days(api_for, days):
    client, _user = api_for("supervisor")
    response = client.get("/api/v1/insights/trends", {"days": days})
    assert response.status_code == 400
    assert "days" in response.json()["fields"]


def test_trends_api_refused(api_for):
    client, _user = api_for("agent")
    assert client.get("/api/v1/insights/trends").status_code == 403


def test_churn_risk_api_computes_when_missing(api_for):
    customer = CustomerFactory()
    interaction = InteractionFactory(customer=customer)
    MessageFactory(interaction=interaction, side="customer", body_text="cancel my contract now")
    client, _user = api_for("agent")
    response = client.get(f"/api/v1/customers/{customer.pk}/churn-risk")
    assert response.status_code == 200
    data = response.json()
    assert data["customer"] == customer.pk
    assert data["band"] in RiskBand.values
    assert data["components"][0]["name"] == "churn_intent"
    assert ChurnRisk.objects.filter(customer=customer).exists()
    # The stored row is returned as it is.
    ChurnRisk.objects.filter(customer=customer).update(score=0.42)
    assert client.get(f"/api/v1/customers/{customer.pk}/churn-risk").json()["score"] == 0.42


@pytest.mark.parametrize("role", ["trainer", "executive"])
def test_churn_risk_api_is_404_for_who_may_not_read_customers(api_for, role):
    customer = CustomerFactory()
    client, _user = api_for(role)
    assert client.get(f"/api/v1/customers/{customer.pk}/churn-risk").status_code == 404
    assert not ChurnRisk.objects.exists()


def test_churn_risk_api_is_404_for_unknown_or_erased(api_for):
    client, _user = api_for("supervisor")
    erased = CustomerFactory(erased_at=timezone.now())
    for customer_id in (erased.pk, 999_999, 2**70):
        assert client.get(f"/api/v1/customers/{customer_id}/churn-risk").status_code == 404


def test_score_api(api_for):
    client, _user = api_for("qa_analyst")
    response = client.post(
        "/api/v1/insights/score",
        {"text": "Still waiting, I want to cancel my account"},
        format="json",
    )
    assert response.status_code == 200
    data = response.json()
    assert data["sentiment"] == "negative" and data["intents"] == ["churn"]
    assert data["explanation"]["phrases"][0]["rule"] == "still waiting"
    assert data["words"] == 8


def test_score_api_validates_length(api_for):
    client, _user = api_for("admin")
    ok = client.post("/api/v1/insights/score", {"text": "a" * 10_000}, format="json")
    assert ok.status_code == 200
    too_long = client.post("/api/v1/insights/score", {"text": "a" * 10_001}, format="json")
    assert too_long.status_code == 400
    assert too_long.json()["fields"]["text"] == ["Send at most 10,000 characters."]
    missing = client.post("/api/v1/insights/score", {}, format="json")
    assert missing.status_code == 400 and "text" in missing.json()["fields"]


@pytest.mark.parametrize("role", ["agent"])
def test_score_api_refused(api_for, role):
    client, _user = api_for(role)
    response = client.post("/api/v1/insights/score", {"text": "hi"}, format="json")
    assert response.status_code == 403
