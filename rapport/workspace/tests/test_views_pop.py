"""The screen-pop endpoint the open desktop polls."""

import pytest
from django.utils import timezone

from rapport.cases.tests.factories import CaseFactory
from rapport.customers.tests.factories import CustomerFactory
from rapport.insights.models import ChurnRisk, InteractionSignal
from rapport.interactions.tests.factories import InteractionFactory, MessageFactory
from rapport.workspace.tests.conftest import call_for

pytestmark = pytest.mark.django_db

POP = "/desk/pop/"


def _text(response) -> str:
    return response.content.decode()


def test_nothing_new_is_204(client, desk, django_assert_max_num_queries):
    _, pop = call_for(desk.agent, customer=desk.customer)
    client.force_login(desk.agent)

    # session, user, roles, second-factor policy (middleware), and the one indexed pop query
    with django_assert_max_num_queries(5):
        response = client.get(POP, {"after": pop.pk})

    assert response.status_code == 204
    assert response.content == b""


def test_nothing_at_all_is_204(client, desk):
    client.force_login(desk.agent)

    assert client.get(POP).status_code == 204


def test_a_new_pop_comes_back_as_the_callers_customer_view(client, desk):
    _, first = call_for(desk.agent, customer=desk.customer)
    InteractionFactory(
        customer=desk.customer, channel="email", subject="Statement missing", summary="Where is it?"
    )
    case = CaseFactory(customer=desk.customer, queue=desk.tier1, subject="Lost card", status="open")
    call, newest = call_for(
        desk.agent, customer=desk.customer, sender="+12125550100", queue=desk.tier1
    )
    client.force_login(desk.agent)

    response = client.get(POP, {"after": first.pk})

    text = _text(response)
    assert response.status_code == 200
    assert response["X-Rapport-Pop"] == str(newest.pk)
    assert "<html" not in text.lower()
    assert 'data-testid="caller-name">Ada Okafor<' in text
    assert "The Okafors" in text and "Gold" in text and "Consumer" in text
    assert "Everyday Account" in text
    assert desk.phone.value in text
    assert "Statement missing" in text and "E-mail" in text
    assert case.reference in text and "Lost card" in text
    assert f'data-contact="{call.pk}"' in text
    assert "General" in text  # the call's queue
    assert 'hx-swap-oob="true"' in text and 'id="state-form"' in text


def test_skips_to_the_newest_of_several_new_pops(client, desk):
    call_for(desk.agent, customer=desk.customer)
    other = CustomerFactory(first_name="Bea", last_name="Brown")
    _, newest = call_for(desk.agent, customer=other, sender="+12125550102")
    client.force_login(desk.agent)

    response = client.get(POP, {"after": 0})

    assert response["X-Rapport-Pop"] == str(newest.pk)
    assert "Bea Brown" in _text(response)


def test_another_agents_pop_is_never_shown(client, desk):
    call_for(desk.other_agent, customer=desk.customer)
    client.force_login(desk.agent)

    assert client.get(POP, {"after": 0}).status_code == 204


def test_a_bad_after_is_read_as_zero_not_an_error(client, desk):
    call_for(desk.agent, customer=desk.customer)
    client.force_login(desk.agent)

    for after in ("x", "-5", "1e3", str(10**30)):
        response = client.get(POP, {"after": after})
        assert response.status_code in (200, 204), after
    assert client.get(POP, {"after": "-5"}).status_code == 200
    assert client.get(POP, {"after": str(10**30)}).status_code == 204


def test_the_timeline_holds_the_last_20_contacts(client, desk):
    for n in range(25):
        InteractionFactory(customer=desk.customer, channel="chat", summary=f"chat number {n:02d}")
    call_for(desk.agent, customer=desk.customer)
    client.force_login(desk.agent)

    text = _text(client.get(POP))

    assert text.count("chat number") == 19  # the call itself is the newest of the 20


def test_the_calls_notes_are_shown(client, desk):
    call, _ = call_for(desk.agent, customer=desk.customer)
    MessageFactory(interaction=call, side="agent", is_note=True, body_text="Asked for a callback")
    client.force_login(desk.agent)

    assert "Asked for a callback" in _text(client.get(POP))


def test_an_unknown_caller_gets_the_quick_create_form(client, desk):
    prospect = CustomerFactory(
        first_name="", last_name="+12125550177", status="prospect", needs_review=True
    )
    call_for(desk.agent, customer=prospect, sender="+12125550177")
    call_for(desk.agent, customer=None, sender="+12125550178")
    client.force_login(desk.agent)

    first = client.get(POP, {"after": 0})  # newest: no customer at all
    text = _text(first)

    assert "Who is calling?" in text
    assert "Nobody we know has this number." in text
    assert 'value="+12125550178"' in text
    assert 'data-testid="caller-name">+12125550178<' in text


def test_a_prospect_made_from_the_number_is_offered_to_name(client, desk):
    prospect = CustomerFactory(
        first_name="", last_name="+12125550177", status="prospect", needs_review=True
    )
    call_for(desk.agent, customer=prospect, sender="+12125550177")
    client.force_login(desk.agent)

    text = _text(client.get(POP))

    assert "We made a prospect from this number" in text
    # The number the prospect is named after is not offered as their last name.
    assert 'name="last_name" value' not in text
    assert 'name="phone" value="+12125550177"' in text


def test_query_count_of_a_pop_does_not_grow_with_history(
    client, desk, django_assert_max_num_queries
):
    for _ in range(5):
        CaseFactory(customer=desk.customer, queue=desk.tier1)
    for _ in range(20):
        InteractionFactory(customer=desk.customer, agent=desk.other_agent)
    call_for(desk.agent, customer=desk.customer)
    client.force_login(desk.agent)

    # 5 to find the pop, 1 for its contact, 8 for the caller, their products, contact points,
    # last contacts, how the customer sounded in them, their risk of leaving, open cases and the
    # call's notes; none per row
    with django_assert_max_num_queries(14):
        response = client.get(POP)

    assert response.status_code == 200


def test_the_dialogs_follow_the_pop_instead_of_slowing_it(client, desk):
    case = CaseFactory(customer=desk.customer, queue=desk.tier1, status="open")
    call, _ = call_for(desk.agent, customer=desk.customer)
    client.force_login(desk.agent)

    popped = _text(client.get(POP))
    dialogs = client.get(
        "/desk/",
        {"contact": call.pk},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="contact-dialogs",
    )

    assert "<dialog" not in popped
    assert f'hx-get="/desk/?contact={call.pk}" hx-trigger="load"' in popped
    text = _text(dialogs)
    assert dialogs.status_code == 200
    assert '<div id="contact-dialogs">' in text
    assert '<dialog id="wrap-up-dialog"' in text and '<dialog id="escalate-dialog"' in text
    assert f'<option value="{case.pk}" selected>{case.reference}' in text
    assert "<html" not in text.lower()


def test_another_agents_dialogs_are_not_found(client, desk):
    theirs, _ = call_for(desk.other_agent, customer=desk.customer)
    client.force_login(desk.agent)

    response = client.get(
        "/desk/", {"contact": theirs.pk}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="contact-dialogs"
    )

    assert response.status_code == 404


def test_the_pop_shows_how_the_customer_sounded_and_their_risk_of_leaving(client, desk):
    earlier = InteractionFactory(customer=desk.customer, agent=desk.other_agent)
    InteractionSignal.objects.create(
        interaction=earlier,
        customer=desk.customer,
        day=timezone.localdate(earlier.started_at),
        channel=earlier.channel,
        compound=-0.8,
        sentiment="negative",
        scored_at=timezone.now(),
    )
    ChurnRisk.objects.create(
        customer=desk.customer,
        score=0.81,
        band="high",
        components=[{"name": "churn intent", "contribution": 0.4, "why": "asked to cancel"}],
        computed_at=timezone.now(),
    )
    call_for(desk.agent, customer=desk.customer)
    client.force_login(desk.agent)

    page = _text(client.get(POP))

    assert "High (0.81)" in page and "asked to cancel" in page
    assert "Negative" in page
