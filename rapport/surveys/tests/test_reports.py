"""The survey report: numbers on a small hand-built set, and who sees which rows."""

import datetime
import secrets

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from statsmodels.stats.proportion import proportion_confint

from rapport.access.tests.factories import ContactTypeFactory
from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.customers.tests.factories import CustomerFactory
from rapport.insights.models import InteractionSignal
from rapport.interactions.tests.factories import InteractionFactory
from rapport.surveys import stats
from rapport.surveys.choices import InvitationState
from rapport.surveys.models import Draw, DrawSettings, Invitation, Response, Survey
from rapport.surveys.selectors import reports

WEEK = (datetime.date(2025, 3, 3), datetime.date(2025, 3, 9))
BEFORE = datetime.date(2025, 2, 25)


def _contact(agent, day: datetime.date, channel: str, contact_type, handle: int = 300):
    started = datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC)
    return InteractionFactory(
        customer=CustomerFactory(),
        agent=agent,
        channel=channel,
        contact_type=contact_type,
        started_at=started,
        handle_seconds=handle,
        outcome="resolved",
    )


def invite(agent, day, *, channel="phone", contact_type=None, state=InvitationState.EXPIRED, **kw):
    sent = kw.pop("sent", True)
    team = kw.pop("team", agent.team)
    handle = kw.pop("handle", 300) + len(Draw.objects.all()[:1000]) % 7  # a little variation
    interaction = _contact(agent, day, channel, contact_type, handle)
    draw = Draw.objects.create(
        interaction=interaction,
        agent=agent,
        day=day,
        stratum="s",
        seed="seed",
        rate=1,
        ticket=0.1,
        selected=True,
        drawn_at=timezone.now(),
    )
    return Invitation.objects.create(
        draw=draw,
        survey=Survey.objects.first(),
        interaction=interaction,
        customer=interaction.customer,
        agent=agent,
        team=team,
        channel="email",
        address="c@example.com",
        nonce=secrets.token_hex(16),
        state=state,
        sent_at=timezone.now() if sent else None,
        expires_at=timezone.now(),
    )


def answer(agent, day, csat, *, nps=None, ces=None, channel="phone", contact_type=None, **kw):
    invitation = invite(
        agent, day, channel=channel, contact_type=contact_type, state=InvitationState.ANSWERED, **kw
    )
    team = invitation.team
    return Response.objects.create(
        invitation=invitation,
        survey=invitation.survey,
        interaction=invitation.interaction,
        agent=agent,
        team=team,
        day=day,
        channel=channel,
        contact_type=contact_type,
        csat=csat,
        nps=nps,
        ces=ces,
    )


@pytest.fixture
def world(db):
    DrawSettings.objects.update(min_responses=3)
    lead_blue, lead_red = UserFactory(roles=["supervisor"]), UserFactory(roles=["supervisor"])
    blue = TeamFactory(name="Blue", supervisor=lead_blue)
    red = TeamFactory(name="Red", supervisor=lead_red)
    a1 = UserFactory(roles=["agent"], team=blue, first_name="Ann", last_name="Blue")
    a2 = UserFactory(roles=["agent"], team=blue, first_name="Abe", last_name="Blue")
    r1 = UserFactory(roles=["agent"], team=red, first_name="Rae", last_name="Red")
    billing = ContactTypeFactory(name="Billing")
    day = WEEK[0]
    for agent, scores in ((a1, [5, 5, 4, 2]), (a2, [5, 3, 1]), (r1, [4, 4, 5, 5, 1])):
        for i, csat in enumerate(scores):
            answer(agent, day, csat, nps=10 if csat >= 4 else 3, ces=csat + 2,
                   channel="chat" if i == 0 else "phone", contact_type=billing)  # fmt: skip
    for _ in range(8):
        invite(r1, day + datetime.timedelta(days=2), handle=600)
    for csat in (2, 2, 3, 4):  # the week before: worse
        answer(a1, BEFORE, csat, nps=5)
    return {"blue": blue, "red": red, "a1": a1, "a2": a2, "r1": r1, "lead_blue": lead_blue,
            "billing": billing}  # fmt: skip


def _api(role: str, user=None):
    client = APIClient()
    client.force_authenticate(user or UserFactory(roles=[role]))
    return client


URL = "/api/v1/surveys/report?start=2025-03-03&end=2025-03-09"


def test_center_figures_on_the_hand_built_set(world):
    body = _api("qa_analyst").get(URL).json()
    center = body["center"]
    assert (center["answered"], center["invited"]) == (12, 20)
    assert center["response_rate"]["value"] == pytest.approx(0.6)
    low, high = proportion_confint(8, 12, method="wilson")
    assert center["csat"]["top_two"] == 8
    assert center["csat"]["share"]["value"] == pytest.approx(8 / 12)
    assert center["csat"]["share"]["ci_low"] == pytest.approx(low)
    assert center["csat"]["share"]["ci_high"] == pytest.approx(high)
    assert center["csat"]["mean"]["value"] == pytest.approx(44 / 12)
    assert center["nps"]["score"]["value"] == pytest.approx(100 * (8 - 4) / 12)
    assert (center["nps"]["promoters"], center["nps"]["detractors"]) == (8, 4)
    assert center["ces"]["value"] == pytest.approx(44 / 12 + 2)
    assert body["previous"]["answered"] == 4
    assert body["previous_start"] == "2025-02-24"
    change = body["changes"]["csat"]
    assert change["difference"] == pytest.approx(8 / 12 - 1 / 4)
    assert change["p_value"] == pytest.approx(stats.compare_shares(8, 12, 1, 4).p_value)
    channels = {row["key"]: row["answered"] for row in body["by_channel"]}
    assert channels == {"phone": 9, "chat": 3}
    types = [(row["name"], row["answered"], row["invited"]) for row in body["by_contact_type"]]
    assert types == [("Billing", 12, 12), ("Not recorded", 0, 8)]
    assert len(body["weeks"]) == 1 and body["weeks"][0]["row"]["answered"] == 12
    assert [b["measure"] for b in body["bias"]] == ["handle", "sentiment", "resolved"]


def test_not_enough_data_below_the_minimum(world):
    DrawSettings.objects.update(min_responses=4)
    body = _api("admin").get(URL).json()
    agents = {row["name"]: row for row in body["by_agent"]}
    assert agents["Abe Blue"]["csat"]["share"] == {
        "value": None, "n": 3, "ci_low": None, "ci_high": None, "enough_data": False
    }  # fmt: skip
    assert agents["Ann Blue"]["csat"]["share"]["value"] == pytest.approx(0.75)


def test_scope_qa_and_admin_see_every_team_and_agent(world):
    for role in ("qa_analyst", "admin"):
        body = _api(role).get(URL).json()
        assert {row["name"] for row in body["by_team"]} == {"Blue", "Red"}
        assert {row["name"] for row in body["by_agent"]} == {"Ann Blue", "Abe Blue", "Rae Red"}
        assert all(row["versus_rest"] is not None for row in body["by_team"])


def test_scope_supervisor_sees_only_their_teams(world):
    body = _api("supervisor", world["lead_blue"]).get(URL).json()
    assert [row["name"] for row in body["by_team"]] == ["Blue"]
    assert {row["name"] for row in body["by_agent"]} == {"Ann Blue", "Abe Blue"}
    assert body["center"]["answered"] == 12  # the center is an aggregate with no person in it
    lonely = _api("supervisor").get(URL).json()
    assert lonely["by_team"] is None and lonely["by_agent"] is None


@pytest.mark.parametrize("role", ["executive", "trainer"])
def test_scope_executives_and_trainers_get_aggregates_only(world, role):
    body = _api(role).get(URL).json()
    assert body["by_team"] is None and body["by_agent"] is None
    assert body["center"]["answered"] == 12 and body["by_channel"]


@pytest.mark.parametrize("role", ["agent", "marketer"])
def test_non_readers_are_refused(world, role, client):
    assert _api(role).get(URL).status_code == 403
    client.force_login(UserFactory(roles=[role]))
    assert client.get("/surveys/report/").status_code == 403
    with pytest.raises(PermissionDenied):
        reports.report_for(UserFactory(roles=[role]), start=WEEK[0], end=WEEK[1])


def test_bad_periods_are_a_clear_400(world):
    api = _api("admin")
    assert api.get("/api/v1/surveys/report?start=2024-01-01&end=2025-03-01").status_code == 400
    assert api.get("/api/v1/surveys/report?start=2025-03-09&end=2025-03-01").status_code == 400
    assert api.get("/api/v1/surveys/report?start=nope&end=2025-03-01").status_code == 400
    assert api.get("/api/v1/surveys/report?period=decade").status_code == 400
    week = api.get("/api/v1/surveys/report?period=week&date=2025-03-05").json()
    assert (week["start"], week["end"]) == ("2025-03-03", "2025-03-09")
    month = api.get("/api/v1/surveys/report?period=month&date=2025-02-10").json()
    assert (month["start"], month["end"]) == ("2025-02-01", "2025-02-28")


def test_period_resolve_rejects_a_custom_period_without_an_end():
    with pytest.raises(ValidationFailed):
        reports.period_resolve(period="custom", start="2025-01-01")


def test_report_queries_are_bounded(world, django_assert_max_num_queries):
    api = _api("admin")
    with django_assert_max_num_queries(16):
        assert api.get(URL).status_code == 200


def test_page_shows_figures_scope_and_warning(world, client):
    client.force_login(world["lead_blue"])
    page = client.get("/surveys/report/?period=custom&start=2025-03-03&end=2025-03-09")
    html = page.content.decode()
    assert page.status_code == 200
    assert "By team" in html and "Rae Red" not in html and "Ann Blue" in html
    assert "66.7 %" in html  # the center's CSAT share
    assert "survey-charts" in html and "surveys/reports.js" in html
    assert "Low response rate" not in html
    for _ in range(120):
        invite(world["r1"], WEEK[0])
    html = client.get("/surveys/report/?period=week&date=2025-03-04").content.decode()
    assert "Low response rate" in html
    client.force_login(UserFactory(roles=["executive"]))
    html = client.get("/surveys/report/?period=week&date=2025-03-04").content.decode()
    assert "By team" not in html and "By agent" not in html and "By channel" in html
    bad = client.get("/surveys/report/?period=custom&start=2025-03-09&end=2025-03-01")
    assert bad.status_code == 400 and "ends before it starts" in bad.content.decode()


def test_bias_block_uses_the_conversation_sentiment(world):
    for response in Response.objects.filter(day=WEEK[0]):
        InteractionSignal.objects.create(
            interaction=response.interaction,
            day=WEEK[0],
            channel=response.channel,
            compound=0.5,
            sentiment="positive",
            scored_at=timezone.now(),
        )
    report = reports.report_for(UserFactory(roles=["admin"]), start=WEEK[0], end=WEEK[1])
    handle, sentiment, resolved = report.bias
    assert sentiment.respondents.n == 12 and sentiment.non_respondents.n == 0
    assert "not enough data" in sentiment.verdict
    answered = Invitation.objects.filter(draw__day__range=WEEK, response__isnull=False)
    handles = list(answered.values_list("interaction__handle_seconds", flat=True))
    assert handle.respondents.value == pytest.approx(sum(handles) / len(handles))
    assert handle.non_respondents.value is not None
    assert 600 <= handle.non_respondents.value < 607
    assert handle.differs and "lower" in handle.verdict  # respondents had shorter contacts
    assert resolved.p_value is None or not resolved.differs


@pytest.mark.parametrize(
    "query",
    [
        "period=week&date=9999-12-31",
        "period=month&date=9999-12-31",
        "period=week&date=2100-12-31",  # the week ends in 2101
        "period=week&date=0001-01-01",
        "start=9999-12-25&end=9999-12-31",
        "start=1999-12-30&end=2000-01-05",
    ],
)
def test_dates_at_the_calendar_edge_are_a_clear_400(world, client, query):
    assert _api("admin").get(f"/api/v1/surveys/report?{query}").status_code == 400
    client.force_login(UserFactory(roles=["admin"]))
    page = client.get(f"/surveys/report/?{query}")
    assert page.status_code == 400 and "between 2000 and 2100" in page.content.decode()


def test_the_period_check_is_the_one_the_gaming_checks_use():
    from rapport.surveys.services import gaming as gaming_services
    from rapport.surveys.views import gaming as gaming_views

    assert not hasattr(gaming_services, "MAX_DAYS")
    assert gaming_services.period_check is reports.period_check
    assert gaming_views.period_check is reports.period_check
    assert reports.period_resolve(period="month", date="2100-12-05") == (
        datetime.date(2100, 12, 1),
        datetime.date(2100, 12, 31),
    )


def test_only_invitations_that_were_sent_count_as_invited(world):
    r1 = world["r1"]
    invite(r1, WEEK[0], state=InvitationState.QUEUED, sent=False)
    invite(r1, WEEK[0], state=InvitationState.FAILED, sent=False)
    invite(r1, WEEK[0], state=InvitationState.EXPIRED, sent=False)  # expired before it was sent
    invite(r1, WEEK[0], state=InvitationState.OPENED)
    report = reports.report_for(UserFactory(roles=["admin"]), start=WEEK[0], end=WEEK[1])
    assert (report.center.answered, report.center.invited) == (12, 21)
    handle = report.bias[0]
    assert handle.respondents.n + handle.non_respondents.n == 21


def test_an_agent_who_moved_teams_is_shown_by_the_team_credited(world):
    ann, blue, red = world["a1"], world["blue"], world["red"]
    for csat in (1, 1, 1):  # answered while Ann was in Red
        answer(ann, WEEK[0], csat, team=red)
    ann.team = red
    ann.save()
    lead_red = red.supervisor

    blue_view = reports.report_for(world["lead_blue"], start=WEEK[0], end=WEEK[1])
    rows = {row.label: row for row in blue_view.by_agent}
    assert rows["Ann Blue"].answered == 4 and rows["Ann Blue"].team == blue.pk
    assert rows["Ann Blue"].csat.top_two == 3  # her Blue answers only

    red_view = reports.report_for(lead_red, start=WEEK[0], end=WEEK[1])
    rows = {row.label: row for row in red_view.by_agent}
    assert set(rows) == {"Ann Blue", "Rae Red"}
    assert rows["Ann Blue"].answered == 3 and rows["Ann Blue"].csat.top_two == 0
    assert {row.label: row.answered for row in red_view.by_team} == {"Red": 8}

    admin = _api("admin").get(URL).json()
    ann_rows = {row["name"]: row for row in admin["by_agent"] if row["name"].startswith("Ann")}
    assert {name: row["answered"] for name, row in ann_rows.items()} == {
        "Ann Blue (Blue)": 4,
        "Ann Blue (Red)": 3,
    }
    assert ann_rows["Ann Blue (Red)"]["team"] == red.pk
    assert ann_rows["Ann Blue (Red)"]["key"] == f"{ann.pk}:{red.pk}"
