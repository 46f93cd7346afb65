"""The visitor's address, directly or behind trusted proxies."""

import pytest
from django.test import RequestFactory

from rapport.core.http import client_address


def request_from(remote: str, forwarded: str = ""):
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_proxies_a_forwarded_header_is_ignored(settings):
    settings.RAPPORT_PROXY_COUNT = 0
    assert client_address(request_from("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        # The visitor wrote the left entry themselves; the proxy appended what it saw.
        (1, "10.9.9.9, 203.0.113.9", "203.0.113.9"),
        (2, "203.0.113.9, 192.0.2.1", "203.0.113.9"),
        # Fewer hops than proxies: the header is not what the proxies wrote.
        (2, "203.0.113.9", "127.0.0.1"),
    ],
)
def test_behind_trusted_proxies_the_outermost_one_names_the_visitor(
    settings, count, forwarded, expected
):
    settings.RAPPORT_PROXY_COUNT = count
    assert client_address(request_from("127.0.0.1", forwarded)) == expected
