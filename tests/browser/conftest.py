"""Browser tests drive Debian's /usr/bin/chromium through Playwright (never a downloaded browser)."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    message = f"BROWSER TESTS SKIPPED: {CHROMIUM} is missing (apt-get install chromium)."
    if os.environ.get("RAPPORT_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(message + " RAPPORT_REQUIRE_BROWSER=1 makes this a failure.")
    print("\n" + "!" * len(message) + "\n" + message + "\n" + "!" * len(message))
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=message))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}
