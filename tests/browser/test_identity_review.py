"""An admin works a likely duplicate in a real Chromium: finds it in the review queue, compares
the two records and their reasons, merges them from the keyboard, sees the merge and what moved
under Merges, undoes it, and the two customers are separate again. The queue follows a running
batch run live. No console error, failed request or content-security-policy violation."""

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from rapport.accounts.tests.factories import UserFactory
from rapport.core.roles import Role
from rapport.customers.models import Customer
from rapport.identity.choices import PairStatus, RunState
from rapport.identity.models import CustomerMerge, MatchRun
from rapport.identity.tests.factories import MatchRunFactory
from rapport.identity.tests.test_views_pairs import planted
from rapport.interactions.models import Interaction
from tests.browser.helpers_learning import assert_clean, flash, signer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sign_in(browser: Browser, live_server, password) -> Iterator[Callable[[str], Page]]:
    yield from signer(browser, live_server.url, password)


def open_data_menu(page: Page, label: str) -> None:
    page.wait_for_load_state("load")  # Bootstrap's drop-downs work once its deferred script ran
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("button", name="Data").click()
    nav.get_by_role("link", name=label, exact=True).click()
    page.wait_for_load_state("load")


def test_an_admin_merges_a_duplicate_and_undoes_it(sign_in):
    world = planted()
    UserFactory(username="ada", roles=[Role.ADMIN], first_name="Ada", last_name="Admin")
    page = sign_in("ada")

    # The queue: both names, the score, the reasons.
    open_data_menu(page, "Duplicates")
    expect(page.get_by_role("heading", name="Likely duplicates")).to_be_visible()
    row = page.locator(f'tr[data-pair="{world.pair.pk}"]')
    expect(row).to_contain_text("Robert Okafor")
    expect(row).to_contain_text("Bob Okafor")
    expect(row).to_contain_text("94 %")
    expect(row).to_contain_text("E-mail: typo (one letter)")

    # The comparison: field by field, differences marked, the level and points of each.
    row.get_by_role("link", name="Compare").click()
    expect(page.get_by_role("heading", name="Robert Okafor and Bob Okafor")).to_be_visible()
    first_name = page.locator('tr[data-field="first_name"]')
    expect(first_name).to_contain_text("differs")
    expect(first_name).to_contain_text("nickname")
    expect(first_name).to_contain_text("+3.9")
    expect(page.locator('tr[data-field="date_of_birth"]')).to_contain_text("day and month swapped")
    expect(page.get_by_test_id("total")).to_contain_text("94 % likely one person")
    expect(page.get_by_test_id("history")).to_contain_text("Interactions")
    expect(page.get_by_label("Robert Okafor — customer", exact=False)).to_be_checked()

    # Merge from the keyboard: "m" goes to Merge, Enter merges; no pair is left, so the queue.
    page.keyboard.press("m")
    expect(page.get_by_role("button", name="Merge", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(flash(page)).to_contain_text("Merged Bob Okafor into Robert Okafor")
    expect(page.get_by_text("No pairs wait for review")).to_be_visible()
    merge = CustomerMerge.objects.get()
    assert merge.survivor_id == world.robert.pk and merge.merged_id == world.bob.pk
    assert Customer.objects.get(pk=world.bob.pk).merged_into_id == world.robert.pk

    # Merges: who, reviewed, the score and what moved; then undo, after confirming.
    page.get_by_role("link", name="Merges", exact=True).first.click()
    merged_row = page.locator(f'tr[data-merge="{merge.pk}"]')
    expect(merged_row).to_contain_text("Reviewed")
    expect(merged_row).to_contain_text("Ada Admin")
    expect(merged_row).to_contain_text("94 %")
    expect(merged_row.get_by_test_id("moved")).to_contain_text("1 interaction")
    expect(merged_row.get_by_test_id("moved")).to_contain_text("1 contact point")
    merged_row.get_by_role("link", name="Undo").click()
    expect(
        page.get_by_role("heading", name="Undo the merge of Bob Okafor into Robert Okafor?")
    ).to_be_visible()
    page.get_by_role("button", name="Undo merge").click()
    expect(flash(page)).to_contain_text("separate again")
    expect(page.locator(f'tr[data-merge="{merge.pk}"]')).to_contain_text("Undone")

    # Both customers stand alone again, each with their own history.
    assert Customer.objects.get(pk=world.bob.pk).merged_into_id is None
    assert Interaction.objects.filter(customer_id=world.bob.pk).count() == 1
    assert Interaction.objects.filter(customer_id=world.robert.pk).count() == 3
    world.pair.refresh_from_db()
    assert world.pair.status == PairStatus.UNDONE
    assert_clean(page)


def test_the_queue_follows_a_running_batch_run(sign_in, live_server):
    run = MatchRunFactory(state=RunState.RUNNING, stage="Comparing candidate pairs", percent=40)
    UserFactory(username="ada", roles=[Role.ADMIN])
    page = sign_in("ada")

    page.goto(f"{live_server.url}/identity/")
    progress = page.get_by_test_id("run-progress")
    expect(progress).to_contain_text("Comparing candidate pairs")
    expect(progress.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "40")

    # The worker moves on; the bar follows without a reload, and stops asking once done.
    MatchRun.objects.filter(pk=run.pk).update(
        state=RunState.DONE, stage="Done: 3 likely duplicate pairs (3 new)", pairs_found=3
    )
    expect(progress).to_contain_text("Done: 3 likely duplicate pairs", timeout=5000)
    expect(progress.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(progress).to_have_attribute("data-finished", "true")
    expect(progress.get_by_role("link", name="Show the pairs waiting for review")).to_be_visible()
    assert_clean(page)
