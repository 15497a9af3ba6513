"""One reading of the visitor's address, through django-ipware, for login lockouts and the public form limits."""

import pytest
from axes.helpers import get_client_ip_address
from django.test import RequestFactory
from django.urls import reverse

from makerlab.cards import card_number_make
from makerlab.http import client_ip

PROXY = "10.0.0.2"


def request_from(remote: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        # No proxy: X-Forwarded-For is whatever the visitor typed, never believed.
        (0, "203.0.113.5", None, "203.0.113.5"),
        (0, "203.0.113.5", "198.51.100.7", "203.0.113.5"),
        # One proxy: the address it appended last; what the visitor sent before it is ignored.
        (1, PROXY, "203.0.113.5", "203.0.113.5"),
        (1, PROXY, "198.51.100.7, 203.0.113.5", "203.0.113.5"),
        (1, PROXY, "not-an-address, 203.0.113.5", "203.0.113.5"),
        (1, PROXY, "2001:db8::5", "2001:db8::5"),
        # A visitor on the library's own network keeps their private address, not the proxy's.
        (1, "203.0.113.200", "10.1.2.3", "10.1.2.3"),
        # A request that reached the site without the proxy (a health check on the machine itself).
        (1, "127.0.0.1", None, "127.0.0.1"),
        # Two proxies: the address the outer one saw, second from the end.
        (2, PROXY, "198.51.100.7, 203.0.113.5, 10.0.0.1", "203.0.113.5"),
    ],
)
def test_the_client_address_is_the_one_the_nearest_trusted_proxy_saw(settings, proxies, remote, forwarded, expected):
    settings.PROXY_COUNT = proxies
    assert client_ip(request_from(remote, forwarded)) == expected


def test_axes_reads_the_address_the_same_way(settings):
    settings.PROXY_COUNT = 1
    assert get_client_ip_address(request_from(PROXY, "198.51.100.7, 203.0.113.5")) == "203.0.113.5"


def test_the_public_form_limit_counts_each_visitor_behind_the_proxy(client, db, settings):
    settings.PROXY_COUNT = 1
    settings.PUBLIC_POSTS_RATE = "2/10m"
    start = reverse("mylab:start")
    form = {"card_number": card_number_make(9), "email": "someone@example.net"}
    for _ in range(2):
        assert client.post(start, form, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66").status_code == 302
    assert client.post(start, form, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66").status_code == 429
    forged = "198.51.100.7, 203.0.113.66"
    assert client.post(start, form, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forged).status_code == 429
    assert client.post(start, form, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 302
