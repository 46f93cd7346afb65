"""Browser tests drive Debian's /usr/bin/chromium through Playwright (never a downloaded browser)."""

import os
import threading
from pathlib import Path

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.test.testcases import LiveServerThread

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


class _OneRequestAtATime(ThreadedWSGIServer):
    """The live server, answering one request at a time. With SQLite in memory its threads share
    the test's one connection, and two requests inside transactions at once fail ("cannot start a
    transaction within a transaction") — which the desktop's concurrent asks (screen pop, idle
    panel, pause) would otherwise hit. PostgreSQL gives each thread its own connection."""

    _lock = threading.Lock()

    def set_app(self, application):
        def serialised(environ, start_response):
            with self._lock:
                return application(environ, start_response)

        super().set_app(serialised)


@pytest.fixture(scope="session", autouse=True)
def _live_server_serialised_on_sqlite():
    if connection.vendor == "sqlite":
        LiveServerThread.server_class = _OneRequestAtATime
    yield
