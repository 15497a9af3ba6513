"""Private tokens in request paths never reach the logs: Django's 404 and error logging shows "[redacted]"."""

import logging

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from makerlab.logging import REDACTED, RedactTokensFilter, redact_tokens

SECRET = "Zq7Secret_Token-Value0123456789ab"


def _token_routes(resolver: URLResolver | None = None, namespace: str = ""):
    """Every named URL pattern with a ``token`` or ``code`` part, as (name, kwargs)."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _token_routes(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            groups = set(pattern.pattern.regex.groupindex) | set(getattr(pattern.pattern, "converters", {}))
            if groups & {"token", "code"}:
                kwargs = {group: SECRET if group in ("token", "code") else "1" for group in groups}
                yield f"{namespace}{pattern.name}", kwargs


TOKEN_URLS = [reverse(name, kwargs=kwargs) for name, kwargs in _token_routes()] + [
    f"/staff/check-in/?code={SECRET}",
    f"/programs/little-makers/register/?after={SECRET}",
]


def test_every_url_with_a_token_is_found():
    names = {name for name, _ in _token_routes()}
    assert {
        "bookings:manage",
        "bookings:cancel",
        "programs:manage",
        "programs:cancel_person",
        "programs:claim",
        "seeds:request_manage",
        "mylab:sign_in",
        "staffing:calendar_feed",
        "surveys:survey",
        "surveys:program",
    } <= names


@pytest.mark.parametrize("url", TOKEN_URLS)
def test_every_token_url_is_redacted(url):
    redacted = redact_tokens(f'"GET {url} HTTP/1.1" 404 179')
    assert SECRET not in redacted and REDACTED in redacted


@pytest.mark.parametrize(
    "path",
    ["/seeds/request/", "/seeds/request/add/", "/survey/thanks/", "/staff/calendar/new-address/", "/book/laser/"],
)
def test_addresses_without_a_secret_are_logged_as_they_are(path):
    assert redact_tokens(f"Not Found: {path}") == f"Not Found: {path}"


def test_the_calendar_feed_keeps_its_ending():
    assert redact_tokens(f"/staff/calendar/{SECRET}.ics") == f"/staff/calendar/{REDACTED}.ics"


@pytest.mark.parametrize("url", [url for url in TOKEN_URLS if "?" not in url])
def test_any_answer_for_a_token_address_is_logged_redacted(client, db, url):
    with _capture("django.request") as records:
        client.get(url)
        client.post(url)
    messages = [record.getMessage() for record in records]
    assert all(SECRET not in message and REDACTED in message for message in messages)


@pytest.mark.parametrize("url", TOKEN_URLS)
def test_the_development_server_logs_request_lines_redacted(url):
    logger = logging.getLogger("django.server")
    line = f"GET {url} HTTP/1.1"
    record = logger.makeRecord(logger.name, logging.INFO, __file__, 1, '"%s" %s %s', (line, "404", "179"), None)
    assert logger.handlers and all(handler.filter(record) for handler in logger.handlers)
    assert SECRET not in record.getMessage() and REDACTED in record.getMessage()


@pytest.mark.parametrize(
    "url",
    [
        f"/book/manage/{SECRET}/",
        f"/programs/manage/{SECRET}/",
        f"/programs/claim/{SECRET}/",
        f"/seeds/request/{SECRET}/cancel/",
        f"/my/sign-in/{SECRET}/",
        f"/staff/calendar/{SECRET}.ics",
        f"/survey/{SECRET}/",
        f"/survey/program/{SECRET}/",
    ],
)
def test_not_found_is_logged_with_the_token_redacted(client, db, url):
    with _capture("django.request") as records:
        assert client.get(url).status_code == 404
    (message,) = [record.getMessage() for record in records]
    assert message.startswith("Not Found: ")
    assert SECRET not in message and REDACTED in message


def test_the_filter_keeps_records_it_cannot_format():
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s %s", ("x",), None)
    assert RedactTokensFilter().filter(record)


class _capture:
    """The records a logger handles, after its own filters (as the configured handlers see them)."""

    def __init__(self, name: str):
        self.logger = logging.getLogger(name)
        self.records: list[logging.LogRecord] = []
        self.handler = logging.Handler()
        self.handler.emit = self.records.append

    def __enter__(self) -> list[logging.LogRecord]:
        self.logger.addHandler(self.handler)
        return self.records

    def __exit__(self, *exc) -> None:
        self.logger.removeHandler(self.handler)
