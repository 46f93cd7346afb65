"""A person's main flow: log in, find a customer by a phone number typed differently from how it
was stored, open the customer view, and see the household and products."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from rapport.customers import services
from rapport.customers.models import Product
from rapport.customers.services import ContactPointInput

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def household_with_products(db):
    home = services.household_create(
        name="The Okafor household", address_line1="12 Harbour Road", city="Boston"
    )
    account = Product.objects.create(code="everyday", name="Everyday Account", category="account")
    card = Product.objects.create(code="rewards", name="Rewards Card", category="card")
    ada = services.customer_create(
        first_name="Adaeze",
        last_name="Okafor",
        household=home,
        contact_points=[ContactPointInput(kind="phone", value="+1 617 555 0142")],
    )
    chidi = services.customer_create(first_name="Chidi", last_name="Okafor", household=home)
    services.holding_add(customer=ada, product=account, since=datetime.date(2023, 3, 1))
    services.holding_add(customer=chidi, product=card, since=datetime.date(2024, 6, 1))
    return ada


def test_agent_finds_customer_by_phone_and_sees_household(
    page: Page, live_server, make_user, password, household_with_products
):
    make_user("agent", username="alex")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("alex")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/desk/")  # an agent starts at the desktop
    page.get_by_role("link", name="Customers", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/customers/")

    page.get_by_label("Name, e-mail or phone").fill("(617) 555-0142")
    page.get_by_label("Name, e-mail or phone").press("Enter")
    results = page.get_by_test_id("results")
    expect(results.get_by_role("link", name="Adaeze Okafor")).to_be_visible()
    expect(results.get_by_role("link", name="Chidi Okafor")).to_have_count(0)

    results.get_by_role("link", name="Adaeze Okafor").click()
    expect(page.get_by_test_id("customer-name")).to_have_text("Adaeze Okafor")
    household = page.get_by_test_id("household")
    expect(household).to_contain_text("The Okafor household")
    expect(household.get_by_role("link", name="Chidi Okafor")).to_be_visible()
    expect(household).to_contain_text("Rewards Card")
    expect(page.get_by_test_id("products")).to_contain_text("Everyday Account")


def test_live_search_updates_without_reload(
    page: Page, live_server, make_user, password, household_with_products
):
    make_user("agent", username="sam")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Customers", exact=True).click()

    page.get_by_label("Name, e-mail or phone").press_sequentially("okaf", delay=30)
    expect(page.get_by_test_id("results").locator("tbody tr")).to_have_count(2)
    expect(page).to_have_url(f"{live_server.url}/customers/?q=okaf&status=&segment=&value_tier=")
