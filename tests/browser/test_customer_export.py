"""A marketer exports a search: the export is queued, the progress page fills, the CSV downloads."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from rapport.customers.tests.factories import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_marketer_exports_a_search_and_downloads_the_csv(
    page: Page, live_server, make_user, password
):
    CustomerFactory(last_name="Okafor", status="customer")
    CustomerFactory(last_name="Brown", status="customer")
    make_user("marketer", username="morgan")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("morgan")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/customers/?q=okafor")
    page.get_by_role("button", name="Export CSV").click()

    expect(page.get_by_role("heading", name="Customer export")).to_be_visible()
    expect(page.get_by_test_id("export-status")).to_contain_text("1 of 1 customers")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    body = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Okafor" in body
    assert "Brown" not in body
