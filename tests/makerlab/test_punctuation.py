"""No sentence ends twice: a time such as "8:00 p.m." already ends with its full stop.

Every page a patron or a member of staff can reach in the demo is read, with the private pages the
emails link to, and every email template is rendered with values that end like a time does."""

import html
import re
from collections import deque
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.template import Context
from django.template.loader import get_template
from django.urls import reverse

from bookings.models import Booking
from makerlab.formatting import full_stop
from programs.models import Registration
from seedlibrary.models import SeedRequest

pytestmark = [pytest.mark.django_db]

DOUBLE_STOP = re.compile(r"(?<!\.)\.\s*\.(?!\.)")
SKIPPED_PATHS = ("/admin/", "/static/", "/media/", "/accounts/logout/", "/healthz", "/favicon")
SKIPPED_ENDINGS = (".ics", ".csv", ".pdf", ".xlsx", ".json", ".svg", ".png")
QUERY_VARIANTS_PER_PATH = 3
PAGE_LIMIT = 400


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL | re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def double_stops(text: str) -> list[str]:
    return [text[max(0, m.start() - 60) : m.end() + 10].strip() for m in DOUBLE_STOP.finditer(text)]


def links(page: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="(/[^"#]*)', page)]


def crawl(client, starts: list[str]) -> dict[str, list[str]]:
    """Each page reachable from ``starts`` by following links, with the double full stops found on it."""
    found, seen, variants = {}, set(starts), {}
    queue = deque(starts)
    while queue and len(found) < PAGE_LIMIT:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = response.content.decode()
        found[url] = double_stops(visible_text(page))
        for link in links(page):
            parts = urlsplit(link)
            if link in seen or parts.path.startswith(SKIPPED_PATHS) or parts.path.endswith(SKIPPED_ENDINGS):
                continue
            if parts.query:
                variants[parts.path] = variants.get(parts.path, 0) + 1
                if variants[parts.path] > QUERY_VARIANTS_PER_PATH:
                    continue
            seen.add(link)
            queue.append(link)
    return found


def private_pages() -> list[str]:
    """The pages only an email's link reaches: one of each state a booking, registration or request can be in."""
    urls = []
    for status in Booking.Status.values:
        booking = Booking.objects.filter(status=status).order_by("-starts_at").first()
        if booking is not None:
            urls.append(reverse("bookings:manage", args=[booking.manage_token]))
    for status in Registration.Status.values:
        registration = Registration.objects.filter(status=status).first()
        if registration is not None:
            urls.append(reverse("programs:manage", args=[registration.manage_token]))
    for status in SeedRequest.Status.values:
        seed_request = SeedRequest.objects.filter(status=status).first()
        if seed_request is not None:
            urls.append(reverse("seeds:request_manage", args=[seed_request.manage_token]))
    return urls


def test_full_stop_ends_a_sentence_once():
    assert full_stop("until 8:00 p.m.") == "until 8:00 p.m."
    assert full_stop("until Friday 4 December") == "until Friday 4 December."
    assert full_stop("") == "."


def test_no_demo_page_ends_a_sentence_twice(client, demo):
    pages = crawl(client, ["/"]) | crawl(client, private_pages())
    assert len(pages) > 40
    for username in ("coordinator", "assistant"):
        client.force_login(get_user_model().objects.get(username=username))
        pages |= crawl(client, ["/staff/"])
    assert any(url.startswith("/staff/") for url in pages)
    assert {url: found for url, found in pages.items() if found} == {}


class LikeATime(str):
    """A value that ends as a time does, whatever is asked of it: an attribute, a key, a call."""

    def __getattr__(self, name: str) -> "LikeATime":
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __getitem__(self, key) -> "LikeATime":
        return self

    def __call__(self) -> "LikeATime":
        return self


def email_templates() -> list[str]:
    folder = Path(settings.BASE_DIR) / "templates" / "emails"
    return sorted(path.name for path in folder.iterdir() if path.name != "base.html" and path.name != "base.txt")


@pytest.mark.parametrize("name", email_templates())
def test_no_email_ends_a_sentence_twice(name):
    template = get_template(f"emails/{name}")
    names = set(re.findall(r"{{\s*(\w+)", Path(template.origin.name).read_text()))
    value = LikeATime("Friday 4 December, 6:00 to 8:00 p.m.")
    text = template.template.render(Context(dict.fromkeys(names, value), autoescape=False))
    assert double_stops(visible_text(text) if name.endswith(".html") else text) == []
