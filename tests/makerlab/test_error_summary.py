"""The error summary on every public form (the GOV.UK pattern): after a refused post the page starts, right
under its heading, with "There is a problem" and a link to each field in error, whose own message stays next
to it and is tied to it with aria-describedby. Problems about the whole form are listed without a link."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from bookings.services.booking import PatronDetails, booking_create
from makerlab.cards import card_number_make
from programs.models import Audience, Registration
from seedlibrary.models import SeedRequest
from stats.models import SurveyResponse
from tests.factories import (
    SURVEY_ANSWERS,
    OrientationFactory,
    ProgramFactory,
    VarietyFactory,
    at,
    build_desk,
    lendable_lot,
    register_url,
    survey_link,
    with_sessions,
)
from tests.factories import booking_form_data as booking_form
from tests.factories import registration_form_data as registration_form


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


class Page(HTMLParser):
    """What the checks need from a page: the summary's items, every element's attributes by id, the order in
    which the first heading, the summary and the first form come, and the text of each element with an id."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.items: list[tuple[str, str]] = []  # (text, href or "")
        self.attributes: dict[str, dict[str, str]] = {}
        self.texts: dict[str, str] = {}
        self.order: list[str] = []
        self._open_ids: list[tuple[str, str]] = []  # (tag, id) of elements with an id still open
        self._fieldsets: list[str] = []  # aria-describedby of each fieldset still open
        self.group_descriptions: dict[str, str] = {}  # id -> aria-describedby of the fieldsets around it
        self._in_summary = 0
        self._item: list[str] | None = None
        self._href = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if "id" in attrs:
            self.attributes[attrs["id"]] = {"tag": tag, **attrs}
            self.group_descriptions[attrs["id"]] = " ".join(self._fieldsets)
            self.texts.setdefault(attrs["id"], "")
            if tag not in ("input", "img", "br"):
                self._open_ids.append((tag, attrs["id"]))
        if tag == "fieldset":
            self._fieldsets.append(attrs.get("aria-describedby", ""))
        if tag == "h1" or (tag == "form" and "form" not in self.order):
            self.order.append(tag)
        if attrs.get("id") == "error-summary":
            self.order.append("summary")
            self._in_summary = 1
        elif self._in_summary and tag == "div":
            self._in_summary += 1
        if self._in_summary and tag == "li":
            self._item, self._href = [], ""
        if self._item is not None and tag == "a":
            self._href = attrs.get("href", "")

    def handle_endtag(self, tag):
        if tag == "fieldset" and self._fieldsets:
            self._fieldsets.pop()
        if self._open_ids and self._open_ids[-1][0] == tag:
            self._open_ids.pop()
        if self._in_summary and tag == "div":
            self._in_summary -= 1
        if self._item is not None and tag == "li":
            self.items.append((" ".join("".join(self._item).split()), self._href))
            self._item = None

    def handle_data(self, data):
        if self._item is not None:
            self._item.append(data)
        for _, element_id in self._open_ids:
            self.texts[element_id] += data


def summary_of(response) -> Page:
    page = Page(response.content.decode())
    assert "There is a problem" in response.content.decode()
    assert page.attributes["error-summary"]["tabindex"] == "-1"
    assert page.order[:2] == ["h1", "summary"], "the summary comes first after the heading"
    return page


def assert_linked(page: Page, href: str, message: str) -> None:
    """The summary links ``message`` to ``href``; the element there exists and describes itself with the same
    message (the input, or the group of choices it belongs to)."""
    assert any(message in text and link == href for text, link in page.items), f"{message!r} not linked to {href}"
    target = href.removeprefix("#")
    assert target in page.attributes, f"nothing has the id {target}"
    references = f"{page.attributes[target].get('aria-describedby', '')} {page.group_descriptions[target]}".split()
    descriptions = " ".join(page.texts.get(reference, "") for reference in references)
    assert message in " ".join(descriptions.split()), f"{target} is not described by {message!r}"


# --- Booking ------------------------------------------------------------------------------------------------


@pytest.fixture
def day() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=3)


@pytest.fixture
def service(db, day):
    return build_desk([day])


def test_the_booking_form_lists_each_field_in_error_and_links_to_it(client, service, day):
    data = booking_form(at(day, 14), card_number="12", name="", email="not-an-email")
    response = client.post(reverse("bookings:book", args=[service.slug]), data)
    assert response.status_code == 200
    page = summary_of(response)
    assert [href for _, href in page.items] == ["#id_card_number", "#id_name", "#id_email"]
    assert_linked(page, "#id_card_number", "A library card number has 14 digits")
    assert_linked(page, "#id_name", "Enter your name.")
    assert_linked(page, "#id_email", "Enter a valid email address")
    assert not Booking.objects.exists()


def test_a_refusal_of_the_whole_booking_is_listed_without_a_link(client, service, day):
    response = client.post(reverse("bookings:book", args=[service.slug]), booking_form(at(day, 14), website="x"))
    assert response.status_code == 400
    page = summary_of(response)
    assert len(page.items) == 1 and page.items[0][1] == ""
    assert not Booking.objects.exists()


@pytest.mark.parametrize("starts_at", ["", "tomorrow", "<script>alert(1)</script>", "9" * 500])
def test_a_missing_or_bad_time_links_to_the_first_time_offered(client, service, day, starts_at):
    response = client.get(reverse("bookings:book", args=[service.slug]), {"starts_at": starts_at})
    assert response.status_code == 400
    page = summary_of(response)
    [(message, href)] = page.items
    assert href == f"#time-{day.isoformat()}-1"
    assert page.attributes[href[1:]]["type"] == "radio"
    assert_linked(page, href, message)
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_moving_without_a_time_links_to_the_first_time_offered(client, service, day):
    booking = booking_create(
        service_type=service,
        starts_at=at(day, 14),
        details=PatronDetails(card_number=card_number_make(1), name="Doris", email="d@example.net"),
    )
    response = client.post(reverse("bookings:move", args=[booking.manage_token]), {"starts_at": "nonsense"})
    page = summary_of(response)
    [(message, href)] = page.items
    assert "could not be read" in message
    assert href == f"#time-{day.isoformat()}-1"
    assert_linked(page, href, message)
    booking.refresh_from_db()
    assert booking.starts_at == at(day, 14)


def test_the_ask_to_be_told_form_links_to_its_fields(client, db):
    service = build_desk([])
    response = client.post(
        reverse("bookings:notify", args=[service.slug]), {"name": "", "email": "nobody", "website": ""}
    )
    page = summary_of(response)
    assert [href for _, href in page.items] == ["#id_name", "#id_email"]
    assert_linked(page, "#id_email", "Enter a valid email address")


def test_a_refused_cancel_is_in_the_summary(client, service, day):
    booking = booking_create(
        service_type=service,
        starts_at=at(day, 14),
        details=PatronDetails(card_number=card_number_make(1), name="Doris", email="d@example.net"),
    )
    client.post(reverse("bookings:cancel", args=[booking.manage_token]))
    again = client.post(reverse("bookings:cancel", args=[booking.manage_token]))
    page = summary_of(again)
    assert any("already cancelled" in text for text, _ in page.items)


# --- Program registration -----------------------------------------------------------------------------------


@pytest.fixture
def kids(db):
    program = ProgramFactory(
        title="Little makers",
        slug="little-makers",
        audience=Audience.CHILDREN,
        min_age=6,
        max_age=10,
        capacity=3,
        places_per_registration=3,
    )
    return with_sessions(program, days=(3,))


def test_the_registration_form_lists_each_field_in_error_and_links_to_it(client, kids):
    response = client.post(
        register_url(kids), registration_form(email="not an email", child_1_age="30", child_2_name="<b>x</b>")
    )
    assert response.status_code == 200
    page = summary_of(response)
    hrefs = [href for _, href in page.items]
    assert {"#id_email", "#id_child_1_age", "#id_child_2_name"} <= set(hrefs)
    assert_linked(page, "#id_email", "Enter a valid email address")
    assert_linked(page, "#id_child_1_age", "Give an age from 0 to 17")
    assert not Registration.objects.exists()


def test_nobody_coming_is_listed_without_a_link(client, kids):
    response = client.post(register_url(kids), registration_form(child_1_name="", child_1_age=""))
    page = summary_of(response)
    assert any("Add at least one child who is coming" in text and href == "" for text, href in page.items)


# --- Seed request -------------------------------------------------------------------------------------------


@pytest.fixture
def shelf(branch):
    return [lendable_lot(branch=branch, packets=3, variety=VarietyFactory(common_name=f"Bean {n}")) for n in range(2)]


def _seed_post(client, *, varieties, card_number, branch, email="doris@example.net"):
    data = {"varieties": [str(v) for v in varieties], "card_number": card_number, "email": email}
    return client.post(reverse("seeds:request"), {**data, "branch": str(branch.pk), "website": ""})


def test_the_seed_request_links_to_the_card_and_email(client, branch, patron, shelf):
    OrientationFactory(patron=patron)
    response = _seed_post(
        client, varieties=[shelf[0].variety_id], card_number="<script>", branch=branch, email="doris@<b>x</b>"
    )
    page = summary_of(response)
    assert [href for _, href in page.items] == ["#id_card_number", "#id_email"]
    assert_linked(page, "#id_card_number", "digits only")
    assert "<script>" not in response.content.decode().replace("<script src", "")
    assert not SeedRequest.objects.exists()


def test_no_seeds_chosen_links_to_the_packets_to_set_aside(client, branch, patron, shelf):
    OrientationFactory(patron=patron)
    response = _seed_post(client, varieties=[], card_number=patron.card_number, branch=branch)
    page = summary_of(response)
    [(message, href)] = page.items
    assert "Choose at least one packet" in message
    assert page.attributes[href[1:]]["tag"] in ("input", "fieldset")
    assert_linked(page, href, "Choose at least one packet")


# --- Survey -------------------------------------------------------------------------------------------------


@pytest.fixture
def invitation(db):
    program = ProgramFactory(title="Intro to Arduino", service_area="digital_learning")
    return survey_link(program=program, service_area="digital_learning")


def test_the_survey_links_to_the_first_choice_of_a_question_and_to_a_text_box(client, invitation):
    url = reverse("surveys:survey", args=[invitation])
    response = client.post(url, {**SURVEY_ANSWERS, "learned": "9", "liked_most": "<script>alert(1)</script>"})
    page = summary_of(response)
    assert [href for _, href in page.items] == ["#id_learned_0", "#id_liked_most"]
    assert page.attributes["id_learned_0"]["type"] == "radio"
    assert_linked(page, "#id_learned_0", "Choose one of the answers listed")
    assert_linked(page, "#id_liked_most", "Write plain text")
    assert not SurveyResponse.objects.exists()


def test_an_empty_survey_is_listed_without_a_link(client, invitation):
    url = reverse("surveys:survey", args=[invitation])
    response = client.post(url, {name: "" for name in SURVEY_ANSWERS})
    page = summary_of(response)
    assert page.items and all(href == "" for _, href in page.items)


def test_a_page_without_problems_has_no_summary(client, service, kids):
    for url in (reverse("bookings:service", args=[service.slug]), register_url(kids)):
        assert "There is a problem" not in client.get(url).content.decode()
