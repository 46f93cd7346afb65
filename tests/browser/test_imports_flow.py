"""An admin imports a customers file: uploads it, checks the suggested columns and changes one,
dry-runs it and reads the two bad rows with their lines and reasons, runs it while the progress
bar fills, reads the final counts and downloads the error report. The background work is done by
the real database worker (`manage.py db_worker`), started by the test when the page waits for it.
No console error, failed request or content-security-policy violation on the way."""

import contextlib
import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import Browser, expect

from rapport.customers.models import Customer
from rapport.imports.tests.factories import csv_bytes
from tests.browser.conftest import _OneRequestAtATime
from tests.browser.helpers_learning import DESKTOP, assert_clean, signer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = ["id", "First name", "Last name", "E-mail", "Work phone", "Date of birth"]
ROWS = [
    ["C-1", "Ada", "Okafor", "ada@example.com", "+12025550101", "1990-04-03"],
    ["C-2", "Ben", "Brown", "not-an-email", "+12025550102", "1985-01-20"],
    ["C-3", "Cleo", "Diaz", "cleo@example.com", "+12025550103", "1979-11-30"],
    ["C-4", "Dev", "Evans", "dev@example.com", "+12025550104", "31/02/1990"],
]


@pytest.fixture
def sign_in(browser: Browser, live_server, password):
    yield from signer(browser, live_server.url, password)


@contextlib.contextmanager
def server_paused() -> Iterator[None]:
    """On SQLite in memory the live server shares the test's connection: the worker waits until
    the server is between requests (PostgreSQL gives each its own connection)."""
    if connection.vendor == "sqlite":
        with _OneRequestAtATime._lock:
            yield
    else:
        yield


def worker_runs_what_is_queued() -> None:
    with server_paused():
        call_command("db_worker", batch=True, stdout=io.StringIO(), stderr=io.StringIO())


def test_admin_imports_customers_with_a_dry_run_and_an_error_report(
    sign_in, live_server, settings, make_user
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    make_user("admin", username="ada_admin")
    page = sign_in("ada_admin")
    page.set_viewport_size(DESKTOP)

    # Upload
    page.goto(f"{live_server.url}/imports/")
    expect(page.get_by_role("heading", name="Imports")).to_be_visible()
    page.get_by_role("link", name="New import").first.click()
    page.get_by_label(re.compile(r"^File")).set_input_files(
        {"name": "customers.csv", "mimeType": "text/csv", "buffer": csv_bytes(ROWS, header=HEADER)}
    )
    page.get_by_label("What the file holds").select_option("customers")
    expect(page.locator('[data-source-help="customers"]')).to_be_visible()
    expect(page.locator('[data-source-help="households"]')).to_be_hidden()
    page.get_by_role("button", name="Upload").click()

    # Mapping: the suggested columns are chosen; the phone column is not, so choose it
    expect(page.get_by_role("heading", name="Map the columns of customers.csv")).to_be_visible()
    expect(page.get_by_label("Customer id in the other system")).to_have_value("id")
    expect(page.get_by_label("E-mail address")).to_have_value("E-mail")
    expect(page.get_by_label("Phone number", exact=True)).to_have_value("")
    expect(page.get_by_test_id("preview")).to_contain_text("not-an-email")
    page.get_by_label("Phone number", exact=True).select_option("Work phone")
    expect(page.get_by_label("System the file comes from")).to_have_value("import")
    page.get_by_label("System the file comes from").fill("old-crm")
    page.get_by_role("button", name="Dry run").click()

    # The dry run waits for the worker, with its progress bar
    expect(page.get_by_test_id("progress")).to_contain_text("Dry run in progress")
    worker_runs_what_is_queued()
    expect(page.get_by_role("heading", name="Dry run of customers.csv")).to_be_visible()
    errors = page.get_by_test_id("errors")
    expect(errors.locator("tbody tr")).to_have_count(2)
    expect(errors.locator("tbody tr").nth(0)).to_contain_text("3")
    expect(errors.locator("tbody tr").nth(0)).to_contain_text("not a valid e-mail address")
    expect(errors.locator("tbody tr").nth(1)).to_contain_text("5")
    expect(errors.locator("tbody tr").nth(1)).to_contain_text("date_of_birth")
    assert not Customer.objects.exists()

    # Run: the bar shows until the worker is done, then the final counts
    page.get_by_role("button", name="Import 2 rows").click()
    expect(page.get_by_test_id("progress")).to_be_visible()
    expect(page.get_by_role("progressbar")).to_be_visible()
    expect(page.get_by_test_id("progress")).to_contain_text("Queued")
    worker_runs_what_is_queued()
    expect(page.locator('[data-state="done"]')).to_be_visible()
    expect(page.get_by_test_id("progress")).to_have_count(0)
    counts = page.get_by_test_id("counts")
    expect(counts.locator('[data-count="added"]')).to_have_text("2")
    expect(counts.locator('[data-count="failed"]')).to_have_text("2")
    imported = set(Customer.objects.values_list("source", "external_id"))
    assert imported == {("old-crm", "C-1"), ("old-crm", "C-3")}

    # The error report
    with page.expect_download() as download:
        page.get_by_role("link", name="Download error report (CSV)").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["line", "reason", "raw"]
    assert [row[0] for row in rows[1:]] == ["3", "5"]
    assert "not-an-email" in rows[1][2] and "31/02/1990" in rows[2][2]

    assert_clean(page)
