"""Patrons suggest what the Maker Lab could buy: the public form, its guards, the counting, and retention."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from makerlab.services import dated_personal_fields_clear, patrons_anonymise_stale
from makerlab.tasks import patrons_anonymise_stale as nightly_retention
from stats.models import PurchaseSuggestion
from stats.purchases import purchase_evidence, suggestion_normalise
from tests.factories import ServiceTypeFactory, VarietyFactory

URL = "/suggest/"


def _form(**overrides) -> dict[str, str]:
    return {
        "kind": "equipment",
        "what": "Laser cutter",
        "why": "I make signs for the community garden and cut them by hand now.",
        "email": "",
        "website": "",
        **overrides,
    }


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Laser cutter", "laser cutters"),
        ("Laser  Cutter", "LASER-CUTTERS!"),
        ("3D printers", "3d printer"),
        ("Strawberries", "strawberry"),
        ("Embroidery machines", "embroidery machine"),
        ("Tomatoes", "tomato"),
    ],
)
def test_one_thing_written_two_ways_counts_as_one(first, second):
    assert suggestion_normalise(first) == suggestion_normalise(second)


def test_different_things_stay_apart():
    assert suggestion_normalise("Laser cutter") != suggestion_normalise("Vinyl cutter")
    assert suggestion_normalise("Glass") == "glass"  # a word ending in ss is not a plural


def test_a_patron_suggests_something_and_is_thanked(client, db):
    page = client.get(URL)
    assert page.status_code == 200
    assert "we use it to reply to this suggestion and for nothing else" in page.content.decode()

    response = client.post(URL, _form(email="ana@example.net"))

    assert response.status_code == 302
    assert response["Location"] == "/suggest/thanks/"
    suggestion = PurchaseSuggestion.objects.get()
    assert (suggestion.kind, suggestion.what, suggestion.normalised) == ("equipment", "Laser cutter", "laser cutter")
    assert suggestion.email == "ana@example.net"
    thanks = client.get(response["Location"])
    assert "Thank you for your suggestion" in thanks.content.decode()


def test_the_kind_can_be_chosen_by_the_link(client, db):
    page = client.get(URL + "?kind=seeds").content.decode()
    checked = re.findall(r'<input[^>]*name="kind"[^>]*>', page)
    assert [tag for tag in checked if "checked" in tag] == [tag for tag in checked if 'value="seeds"' in tag]
    assert len(checked) == 3
    assert client.get(URL + "?kind=%00nonsense").status_code == 200


def test_suggestions_written_differently_are_counted_together(client, db):
    for what in ("Laser cutter", "laser cutters", "Laser-cutter", "Vinyl cutter"):
        client.post(URL, _form(what=what))

    rows = {row.label: row for row in purchase_evidence().section_rows("suggestions")}

    [laser] = [row for label, row in rows.items() if label.lower().startswith("laser")]
    assert laser.score == 3
    assert laser.detail == "suggested by 3 patrons, 3 not answered yet"
    assert rows["Vinyl cutter (equipment or a machine)"].score == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"kind": ""}, "kind", "Choose what kind of thing it is."),
        ({"kind": "spaceship"}, "kind", "Choose one of the kinds listed."),
        ({"what": ""}, "what", "Say what you would like the Maker Lab to have."),
        ({"what": "   "}, "what", "Say what you would like the Maker Lab to have."),
        ({"what": "?!…"}, "what", "Say what you would like the Maker Lab to have, in a few words."),
        ({"what": "<script>alert(1)</script>"}, "what", "Write plain text, without < and > tags."),
        ({"what": "x" * 121}, "what", "Keep this to 120 characters."),
        ({"why": ""}, "why", "Say in a few words how it would help."),
        ({"why": "a\x00b"}, "why", "Remove the invisible control characters from this text."),
        ({"why": "w" * 601}, "why", "Keep this to 600 characters."),
        ({"email": "not an email"}, "email", "Enter an email address like name@example.com, or leave it empty."),
        ({"email": "a@" + "b" * 300 + ".com"}, "email", None),
    ],
)
def test_bad_input_is_explained_on_the_form_and_saves_nothing(client, db, overrides, field, message):
    response = client.post(URL, _form(**overrides))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    if message:
        assert message in errors[field]
    assert 'id="error-summary"' in response.content.decode()
    assert not PurchaseSuggestion.objects.exists()


def test_software_that_fills_the_hidden_field_is_refused(client, db):
    response = client.post(URL, _form(website="https://spam.example"))

    assert response.status_code == 400
    assert not PurchaseSuggestion.objects.exists()


def test_too_many_suggestions_from_one_address_must_wait(client, db, settings):
    settings.PUBLIC_POSTS_RATE = "2/10m"
    for number in range(2):
        assert client.post(URL, _form(what=f"Sewing machine {number}")).status_code == 302

    response = client.post(URL, _form(what="One more"))

    assert response.status_code == 429
    assert "Please wait" in response.content.decode()
    assert PurchaseSuggestion.objects.count() == 2


@pytest.mark.parametrize("path", ["/", "/seeds/", "/book/"])
def test_patrons_find_the_form_where_they_would_look(client, db, path):
    if path == "/book/":
        ServiceTypeFactory()
    if path == "/seeds/":
        VarietyFactory()
    page = client.get(path).content.decode()
    assert "Suggest something for the Maker Lab to buy" in page
    assert 'href="/suggest/' in page


def test_the_seed_catalogue_asks_about_a_missing_variety(client, db):
    page = client.get("/seeds/").content.decode()
    assert "Can't find the variety you are looking for?" in page
    assert 'href="/suggest/?kind=seeds"' in page


def test_the_public_form_reads_a_constant_number_of_queries(client, db, django_assert_max_num_queries):
    for number in range(30):
        PurchaseSuggestion.objects.create(kind="software", what=f"App {number}", normalised=f"app {number}", why="-")
    with django_assert_max_num_queries(2):
        assert client.get(URL).status_code == 200


def test_the_email_goes_after_the_retention_period_and_the_count_stays(db, settings, now):
    settings.PATRON_RETENTION_DAYS = 400
    old = PurchaseSuggestion.objects.create(
        kind="equipment",
        what="Laser cutter",
        normalised="laser cutter",
        why="Signs",
        email="old@example.net",
        created_at=now - dt.timedelta(days=401),
    )
    recent = PurchaseSuggestion.objects.create(
        kind="equipment",
        what="Laser cutters",
        normalised="laser cutter",
        why="Gifts",
        email="new@example.net",
        created_at=now - dt.timedelta(days=399),
    )

    assert dated_personal_fields_clear(now=now) == 1
    assert dated_personal_fields_clear(now=now) == 0  # running it again changes nothing more

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.email == "" and old.what == "Laser cutter"
    assert recent.email == "new@example.net"
    assert PurchaseSuggestion.objects.filter(normalised="laser cutter").count() == 2


def test_the_nightly_retention_job_removes_old_emails(db, settings):
    settings.PATRON_RETENTION_DAYS = 30
    suggestion = PurchaseSuggestion.objects.create(
        kind="software",
        what="Inkscape",
        normalised="inkscape",
        why="Design",
        email="x@example.net",
        created_at=timezone.now() - dt.timedelta(days=31),
    )
    assert patrons_anonymise_stale() == 0  # patrons' retention alone does not touch suggestions

    nightly_retention.delay()

    suggestion.refresh_from_db()
    assert suggestion.email == ""


def test_the_form_carries_no_token_and_takes_a_suggestion_sent_from_its_own_page(db):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(URL)
    assert "csrfmiddlewaretoken" not in page.content.decode() and not page.cookies

    sent = browser.post(URL, _form(), headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"})

    assert sent.status_code == 302
    assert PurchaseSuggestion.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://elsewhere.example"},
        {"Sec-Fetch-Site": "same-site", "Origin": "https://shop.testserver"},
        {"Origin": "https://elsewhere.example"},
        {"Referer": "https://elsewhere.example/suggest"},
    ],
)
def test_another_site_cannot_send_a_suggestion_through_a_visitors_browser(db, headers):
    refused = Client(enforce_csrf_checks=True).post(URL, _form(), headers=headers)

    assert refused.status_code == 403
    assert not PurchaseSuggestion.objects.exists()
