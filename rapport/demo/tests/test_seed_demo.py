from io import StringIO

import phonenumbers
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from rapport.access.models import Queue
from rapport.accounts.models import Team
from rapport.cases.models import Case, CaseEvent, Escalation, SlaBreach
from rapport.core.roles import Role, roles_of
from rapport.customers.models import ContactPoint, Customer, Holding, Household, Product
from rapport.demo import catalog
from rapport.interactions.models import Interaction, Message

pytestmark = pytest.mark.django_db

User = get_user_model()


def _seed(customers: int = 60, interactions: int = 0, seed: int = 7) -> str:
    out = StringIO()
    call_command("seed_demo", customers=customers, interactions=interactions, seed=seed, stdout=out)
    return out.getvalue()


def test_demo_has_one_user_per_role_and_a_tier_two_agent_who_can_log_in(settings):
    settings.RAPPORT_DEMO_PASSWORD = "demo-pass-123"
    _seed()
    for username in [*Role.values, "agent2"]:
        user = User.objects.get(username=username)
        assert (Role.AGENT if username == "agent2" else username) in roles_of(user)
        response = Client().post(
            "/accounts/login/", {"username": username, "password": "demo-pass-123"}
        )
        assert response.status_code == 302, username


def test_demo_staff_has_front_line_and_specialist_teams_each_with_a_supervisor():
    _seed()
    assert Team.objects.count() == len(catalog.TEAMS) + len(catalog.SPECIALIST_TEAMS)
    for team in Team.objects.all():
        assert team.supervisor is not None
        assert Role.SUPERVISOR in roles_of(team.supervisor)
        expected = catalog.SPECIALIST_TEAMS.get(team.name, 8)
        assert team.members.filter(groups__name=Role.AGENT).count() == expected, team.name
    agent, agent2 = User.objects.get(username="agent"), User.objects.get(username="agent2")
    assert set(Queue.objects.filter(team=agent.team).values_list("tier", flat=True)) == {1}
    assert set(Queue.objects.filter(team=agent2.team).values_list("tier", flat=True)) == {2}


def test_demo_customers_have_households_products_and_only_valid_phone_numbers():
    _seed(customers=100)
    demo = Customer.objects.filter(source="demo")
    assert demo.count() == 100
    assert 50 <= Household.objects.count() <= 70
    assert Product.objects.count() == 12
    assert Holding.objects.exists()
    phones = ContactPoint.objects.filter(kind="phone", customer__in=demo).values_list(
        "normalised", flat=True
    )
    assert len(phones) == 100
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(p)) for p in phones)


def _fingerprint() -> dict:
    """The demo center without database ids (sequences do not roll back on PostgreSQL)."""
    return {
        "counts": [
            model.objects.count()
            for model in (Interaction, Message, Case, CaseEvent, Escalation, SlaBreach, User)
        ],
        # Customers a caller's number created have no external id; every column orders them.
        "customers": list(
            Customer.objects.order_by(
                "external_id", "name_key", "segment", "value_tier"
            ).values_list("external_id", "name_key", "segment", "value_tier")
        ),
        "contacts": list(
            Interaction.objects.order_by("started_at", "external_id").values_list(
                "customer__external_id",
                "channel",
                "direction",
                "started_at",
                "outcome",
                "agent__username",
                "contact_type__code",
                "queue__code",
                "handle_seconds",
                "summary",
            )
        ),
        "cases": list(
            Case.objects.order_by("opened_at", "subject").values_list(
                "customer__external_id", "status", "subject", "opened_at", "queue__code"
            )
        ),
        "escalations": list(
            Escalation.objects.order_by("escalated_at").values_list(
                "reason__code", "to_queue__code", "customer_needs", "escalated_at"
            )
        ),
    }


def test_the_same_seed_gives_the_same_center_and_another_seed_a_different_one():
    with transaction.atomic():
        _seed(customers=60, interactions=700)
        first = _fingerprint()
        transaction.set_rollback(True)
    with transaction.atomic():
        _seed(customers=60, interactions=700, seed=8)
        other = _fingerprint()
        transaction.set_rollback(True)

    _seed(customers=60, interactions=700)

    again = _fingerprint()
    assert again["counts"][0] >= 700
    assert again == first
    assert other["contacts"] != first["contacts"]


def test_loading_twice_changes_nothing_and_says_so():
    _seed(customers=60, interactions=300)
    counts = [model.objects.count() for model in (Customer, Interaction, Case, User, Queue)]

    output = _seed(customers=60, interactions=300)

    assert "already loaded" in output
    assert [model.objects.count() for model in (Customer, Interaction, Case, User, Queue)] == counts


def test_the_seed_reports_each_stage_with_its_time():
    output = _seed(customers=60, interactions=200)

    for stage in ("staff", "customers", "access strategy", "contacts planned", "interactions"):
        assert stage in output
    assert output.count(" s)\n") >= 8
    assert "Demo center loaded" in output


def test_demo_logins_names_the_tier_two_login():
    out = StringIO()
    call_command("demo_logins", port="8123", stdout=out)

    text = out.getvalue()
    assert "http://127.0.0.1:8123/" in text
    assert "agent2" in text and "tier-2" in text
