import phonenumbers
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from rapport.accounts.models import Skill, Team
from rapport.core.roles import Role, roles_of
from rapport.customers.models import ContactPoint, Customer, Holding, Household, Product

pytestmark = pytest.mark.django_db

User = get_user_model()


def _seed(customers: int = 60) -> None:
    call_command("seed_demo", customers=customers, seed=7, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_demo_has_one_user_per_role_who_can_log_in_with_the_demo_password(settings):
    settings.RAPPORT_DEMO_PASSWORD = "demo-pass-123"
    _seed()
    for role in Role.values:
        user = User.objects.get(username=role)
        assert role in roles_of(user)
        response = Client().post(
            "/accounts/login/", {"username": role, "password": "demo-pass-123"}
        )
        assert response.status_code == 302, role


def test_demo_staff_is_about_forty_agents_in_five_teams_each_with_a_supervisor():
    _seed()
    agents = User.objects.filter(groups__name=Role.AGENT)
    assert 38 <= agents.count() <= 42
    assert Team.objects.count() == 5
    for team in Team.objects.all():
        assert team.supervisor is not None
        assert Role.SUPERVISOR in roles_of(team.supervisor)
        assert team.members.filter(groups__name=Role.AGENT).count() >= 7


def test_demo_customers_have_households_products_and_only_valid_phone_numbers():
    _seed(customers=100)
    assert Customer.objects.count() == 100
    assert 50 <= Household.objects.count() <= 70
    assert Product.objects.count() == 12
    assert Holding.objects.exists()
    phones = ContactPoint.objects.filter(kind="phone").values_list("normalised", flat=True)
    assert len(phones) == 100
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(p)) for p in phones)


def test_demo_is_deterministic_and_loading_twice_changes_nothing():
    _seed()
    first = list(
        Customer.objects.order_by("external_id").values_list("name_key", "segment", "value_tier")
    )
    _seed()
    assert Customer.objects.count() == 60

    for model in (Holding, ContactPoint, Customer, Household, Team, Product, Skill):
        model.objects.all().delete()
    User.objects.all().delete()
    _seed()
    again = list(
        Customer.objects.order_by("external_id").values_list("name_key", "segment", "value_tier")
    )
    assert again == first
