"""Admins configure the access strategy in the Django admin; nobody else gets in."""

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from rapport.access.models import (
    BusinessCalendar,
    BusinessHours,
    ContactType,
    Queue,
    RoutingRule,
    ServiceObjective,
    Touchpoint,
)
from rapport.access.tests.factories import (
    CalendarFactory,
    ContactTypeFactory,
    ObjectiveFactory,
    QueueFactory,
    RoutingRuleFactory,
    TouchpointFactory,
    office_hours,
)

pytestmark = pytest.mark.django_db

MODELS: dict[str, Callable[[], Any]] = {
    "contacttype": ContactTypeFactory,
    "businesscalendar": office_hours,
    "queue": QueueFactory,
    "touchpoint": TouchpointFactory,
    "serviceobjective": ObjectiveFactory,
    "routingrule": RoutingRuleFactory,
}


def url(model: str, page: str, *args) -> str:
    return reverse(f"admin:access_{model}_{page}", args=args)


@pytest.mark.parametrize("model", MODELS)
def test_admin_opens_list_add_and_change_pages(client_for, model):
    client, _ = client_for("admin")
    record = MODELS[model]()

    listing = client.get(url(model, "changelist"), {"q": "x"})
    adding = client.get(url(model, "add"))
    changing = client.get(url(model, "change", record.pk))

    assert (listing.status_code, adding.status_code, changing.status_code) == (200, 200, 200)


@pytest.mark.parametrize("role", ["agent", "supervisor", "executive"])
@pytest.mark.parametrize("model", MODELS)
def test_other_roles_are_kept_out(client_for, model, role):
    client, _ = client_for(role)

    for response in (client.get(url(model, "changelist")), client.get(url(model, "add"))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_lists_filter_and_search(client_for):
    client, _ = client_for("admin")
    QueueFactory(name="Billing desk", code="billing", tier=1)
    QueueFactory(name="Escalations", code="escalations", tier=2)

    found = client.get(url("queue", "changelist"), {"q": "billing"})
    tier_two = client.get(url("queue", "changelist"), {"tier": "2"})

    assert found.context["cl"].result_count == 1
    assert [queue.code for queue in tier_two.context["cl"].result_list] == ["escalations"]


def calendar_form(**changes) -> dict:
    data = {
        "name": "Paris office",
        "timezone": "Europe/Paris",
        "hours-TOTAL_FORMS": "2",
        "hours-INITIAL_FORMS": "0",
        "hours-MIN_NUM_FORMS": "0",
        "hours-MAX_NUM_FORMS": "1000",
        "hours-0-weekday": "0",
        "hours-0-opens": "09:00",
        "hours-0-closes": "12:00",
        "hours-1-weekday": "0",
        "hours-1-opens": "13:30",
        "hours-1-closes": "18:00",
        "holidays-TOTAL_FORMS": "1",
        "holidays-INITIAL_FORMS": "0",
        "holidays-MIN_NUM_FORMS": "0",
        "holidays-MAX_NUM_FORMS": "1000",
        "holidays-0-day": "2026-07-14",
        "holidays-0-name": "Fête nationale",
    }
    return data | changes


def test_a_calendar_is_added_with_its_hours_and_holidays(client_for):
    client, _ = client_for("admin")

    response = client.post(url("businesscalendar", "add"), calendar_form())

    assert response.status_code == 302
    calendar = BusinessCalendar.objects.get(name="Paris office")
    assert calendar.timezone == "Europe/Paris"
    assert calendar.hours.count() == 2
    assert str(calendar.holidays.get().day) == "2026-07-14"


def test_overlapping_hours_are_refused(client_for):
    client, _ = client_for("admin")

    response = client.post(
        url("businesscalendar", "add"), calendar_form(**{"hours-1-opens": "11:00"})
    )

    assert response.status_code == 200
    assert "overlap" in response.content.decode()
    assert not BusinessCalendar.objects.exists()
    assert not BusinessHours.objects.exists()


def test_an_unknown_time_zone_is_refused(client_for):
    client, _ = client_for("admin")

    response = client.post(
        url("businesscalendar", "add"), calendar_form(timezone="Europe/Atlantis")
    )

    assert response.status_code == 200
    assert "timezone" in response.context["adminform"].form.errors
    assert not BusinessCalendar.objects.exists()


def test_a_closing_time_before_opening_is_refused(client_for):
    client, _ = client_for("admin")

    response = client.post(
        url("businesscalendar", "add"),
        calendar_form(**{"hours-1-opens": "18:00", "hours-1-closes": "13:30"}),
    )

    assert response.status_code == 200
    assert not BusinessCalendar.objects.exists()


@pytest.mark.parametrize(
    ("channel", "typed", "stored"),
    [
        ("phone", "(212) 555-0100", "+12125550100"),
        ("sms", "212 555 0100", "+12125550100"),
        ("email", " Help@Rapport.Example ", "help@rapport.example"),
        ("chat", " Website-Widget ", "website-widget"),
    ],
)
def test_a_touchpoint_address_is_stored_as_messages_are_matched(client_for, channel, typed, stored):
    client, _ = client_for("admin")
    queue = QueueFactory()

    response = client.post(
        url("touchpoint", "add"),
        {"channel": channel, "address": typed, "name": "Main", "queue": queue.pk},
    )

    assert response.status_code == 302
    assert Touchpoint.objects.get().address == stored


def test_a_touchpoint_with_a_bad_number_is_refused(client_for):
    client, _ = client_for("admin")

    response = client.post(
        url("touchpoint", "add"), {"channel": "phone", "address": "call us", "name": "Main"}
    )

    assert response.status_code == 200
    assert "address" in response.context["adminform"].form.errors
    assert not Touchpoint.objects.exists()


def test_a_second_catch_all_objective_for_a_channel_is_refused(client_for):
    client, _ = client_for("admin")
    calendar = CalendarFactory()
    ObjectiveFactory(contact_type=None, channel="email", calendar=calendar)

    response = client.post(
        url("serviceobjective", "add"),
        {
            "contact_type": "",
            "channel": "email",
            "first_response_minutes": "30",
            "resolution_minutes": "600",
            "warning_percent": "80",
            "calendar": calendar.pk,
        },
    )

    assert response.status_code == 200
    assert ServiceObjective.objects.count() == 1


def test_an_objective_resolving_before_responding_is_refused(client_for):
    client, _ = client_for("admin")

    response = client.post(
        url("serviceobjective", "add"),
        {
            "contact_type": ContactTypeFactory().pk,
            "channel": "",
            "first_response_minutes": "600",
            "resolution_minutes": "60",
            "warning_percent": "80",
            "calendar": CalendarFactory().pk,
        },
    )

    assert response.status_code == 200
    assert not ServiceObjective.objects.exists()


def test_a_routing_rule_offers_the_customer_segments_and_records_its_author(client_for):
    client, admin_user = client_for("admin")
    queue = QueueFactory()

    misspelt = client.post(
        url("routingrule", "add"),
        {
            "rank": "10",
            "segment": "corprate",
            "value_tier": "",
            "queue": queue.pk,
            "priority": "high",
        },
    )
    saved = client.post(
        url("routingrule", "add"),
        {
            "rank": "10",
            "segment": "corporate",
            "value_tier": "gold",
            "queue": queue.pk,
            "priority": "high",
        },
    )

    assert misspelt.status_code == 200 and "segment" in misspelt.context["adminform"].form.errors
    assert saved.status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.segment, rule.value_tier, rule.created_by) == ("corporate", "gold", admin_user)


def test_a_contact_type_is_added(client_for):
    client, _ = client_for("admin")

    response = client.post(
        url("contacttype", "add"), {"code": "cancel", "name": "Cancel request", "is_active": "on"}
    )

    assert response.status_code == 302
    assert ContactType.objects.get().code == "cancel"


def test_a_queue_needs_a_team_and_a_calendar(client_for):
    client, _ = client_for("admin")

    response = client.post(url("queue", "add"), {"code": "q", "name": "Q", "tier": "1"})

    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"team", "calendar"}
    assert not Queue.objects.exists()
