"""The coordinator's admin pages: bad input is refused on the form, and lists cost the same at any size."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from makerlab.admin import NOTIFICATION_KIND_LABELS
from makerlab.cards import card_number_make
from makerlab.models import Branch, Closure, Notification, OpeningHours, Patron
from tests.factories import BranchFactory, ClosureFactory, PatronFactory, UserFactory


@pytest.fixture
def admin_client_as_coordinator(client, coordinator):
    client.force_login(coordinator)
    return client


def branch_form(**overrides) -> dict[str, str]:
    data = {
        "name": "Southside Branch",
        "slug": "southside",
        "street_address": "10 Elm Street",
        "city": "St. Thomas",
        "province": "ON",
        "postal_code": "N5R 1A1",
        "phone": "",
        "email": "",
        "time_zone": "America/Toronto",
        "observes_statutory_holidays": "on",
        "display_order": "1",
        "is_active": "on",
        "opening_hours-TOTAL_FORMS": "1",
        "opening_hours-INITIAL_FORMS": "0",
        "opening_hours-MIN_NUM_FORMS": "0",
        "opening_hours-MAX_NUM_FORMS": "1000",
        "opening_hours-0-weekday": "0",
        "opening_hours-0-opens": "09:30",
        "opening_hours-0-closes": "17:00",
    }
    return {**data, **overrides}


def test_coordinator_adds_a_branch_with_its_hours(admin_client_as_coordinator):
    response = admin_client_as_coordinator.post("/admin/makerlab/branch/add/", branch_form())
    assert response.status_code == 302
    branch = Branch.objects.get(slug="southside")
    assert list(branch.opening_hours.values_list("weekday", "opens", "closes")) == [(0, dt.time(9, 30), dt.time(17, 0))]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "Enter a time zone such as America/Toronto."),
        ({"opening_hours-0-closes": "08:00"}, "The closing time must be after the opening time."),
        ({"opening_hours-0-opens": "25:99"}, "Enter a valid time."),
        ({"opening_hours-0-weekday": "9"}, "Select a valid choice."),
        ({"name": "<script>alert(1)</script>" * 20}, "Ensure this value has at most 120 characters"),
        ({"display_order": "-4"}, "Ensure this value is greater than or equal to 0."),
    ],
)
def test_bad_branch_input_is_refused_on_the_form(admin_client_as_coordinator, overrides, message):
    response = admin_client_as_coordinator.post("/admin/makerlab/branch/add/", branch_form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Branch.objects.exists()
    assert not OpeningHours.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-12-24", "2026-12-23", "The last day of a closure cannot be before its first day."),
        ("2026-02-30", "2026-03-01", "Enter a valid date."),
        ("yesterday", "2026-03-01", "Enter a valid date."),
    ],
)
def test_bad_closure_dates_are_refused_on_the_form(admin_client_as_coordinator, start, end, message):
    response = admin_client_as_coordinator.post(
        "/admin/makerlab/closure/add/", {"reason": "Flood", "start_date": start, "end_date": end, "branch": ""}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Closure.objects.exists()


def patron_form(card_number: str) -> dict[str, str]:
    return {"card_number": card_number, "first_name": "Ada", "last_name": "Byron", "email": "ada@example.net"}


@pytest.mark.parametrize(
    ("card_number", "code"),
    [
        ("2000 0000 0001", "digits"),
        ("1 OR 1=1; --", "digits"),
        ("'; DROP TABLE makerlab_patron; --", "max_length"),
        ("21234", "length"),
        ("20000000012345", "check_digit"),
    ],
)
def test_bad_card_numbers_are_refused_in_the_admin(admin_client_as_coordinator, card_number, code):
    response = admin_client_as_coordinator.post("/admin/makerlab/patron/add/", patron_form(card_number))
    assert response.status_code == 200
    assert code in [error.code for error in response.context["adminform"].form.errors.as_data()["card_number"]]
    assert not Patron.objects.exists()


def test_a_card_number_belongs_to_one_patron(admin_client_as_coordinator):
    existing = PatronFactory()
    response = admin_client_as_coordinator.post("/admin/makerlab/patron/add/", patron_form(existing.card_number))
    assert response.status_code == 200
    assert "This library card number already belongs to a patron." in response.content.decode()
    assert Patron.objects.count() == 1


def _grow(model: str, count: int) -> None:
    if model == "branch":
        for _ in range(count):
            BranchFactory()
    elif model == "closure":
        ClosureFactory.create_batch(count, branch=None)
    elif model == "patron":
        PatronFactory.create_batch(count)
    elif model == "notification":
        Notification.objects.bulk_create(
            Notification(kind="k", recipient=f"p{i}@example.net", template="t", idempotency_key=f"grow:{i}:{count}")
            for i in range(count)
        )


@pytest.mark.parametrize("model", ["branch", "closure", "patron", "notification"])
def test_admin_lists_cost_the_same_queries_at_any_size(admin_client_as_coordinator, model):
    url = f"/admin/makerlab/{model}/"
    _grow(model, 2)
    with CaptureQueriesContext(connection) as small:
        assert admin_client_as_coordinator.get(url).status_code == 200
    _grow(model, 30)
    with CaptureQueriesContext(connection) as large:
        assert admin_client_as_coordinator.get(url).status_code == 200
    assert len(small) == len(large)


def test_patron_search_by_card_number(admin_client_as_coordinator):
    wanted = PatronFactory(card_number=card_number_make(123), last_name="Okafor")
    PatronFactory(last_name="Smith")
    html = admin_client_as_coordinator.get("/admin/makerlab/patron/", {"q": wanted.card_number}).content.decode()
    assert "Okafor" in html
    assert "Smith" not in html


# The outbox in words


def _kinds_in_use() -> set[str]:
    """Every kind of email the system sends: each is queued with the template of its own name."""
    emails = Path(settings.BASE_DIR) / "templates" / "emails"
    names = {path.name.split(".")[0] for path in emails.glob("*.txt")}
    return {name for name in names if name != "base" and not name.endswith("_subject")}


def test_every_kind_of_email_in_use_has_a_label():
    kinds = _kinds_in_use()
    assert "program_registered" in kinds and "booking_reminder" in kinds
    missing = kinds - set(NOTIFICATION_KIND_LABELS)
    assert not missing, f"Give these kinds of email a label in makerlab/admin.py: {sorted(missing)}"
    unused = set(NOTIFICATION_KIND_LABELS) - kinds
    assert not unused, f"Labels for kinds no email uses: {sorted(unused)}"


def test_the_outbox_shows_what_each_email_is_in_words(admin_client_as_coordinator):
    Notification.objects.create(
        kind="program_registered", recipient="ana@example.net", template="program_registered", idempotency_key="a"
    )
    Notification.objects.create(
        kind="seed_request_ready", recipient="bo@example.net", template="seed_request_ready", idempotency_key="b"
    )
    html = admin_client_as_coordinator.get("/admin/makerlab/notification/").content.decode()
    assert "Program registration confirmed" in html and "Seeds ready to pick up" in html
    assert ">program_registered<" not in html and "- program_registered" not in html
    filtered = admin_client_as_coordinator.get("/admin/makerlab/notification/", {"kind": "seed_request_ready"})
    assert [n.recipient for n in filtered.context["cl"].result_list] == ["bo@example.net"]
    notification = Notification.objects.get(kind="program_registered")
    page = admin_client_as_coordinator.get(f"/admin/makerlab/notification/{notification.pk}/change/")
    assert "Program registration confirmed" in page.content.decode()


def test_an_unknown_kind_still_reads_as_words(admin_client_as_coordinator):
    Notification.objects.create(kind="door_code_changed", recipient="x@example.net", template="t", idempotency_key="c")
    html = admin_client_as_coordinator.get("/admin/makerlab/notification/").content.decode()
    assert "Door code changed" in html


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_the_outbox_in_words_is_accessible(page, coordinator, assert_accessible, width):
    from playwright.sync_api import expect

    from tests.conftest import PASSWORD

    for index, kind in enumerate(sorted(NOTIFICATION_KIND_LABELS)):
        Notification.objects.create(kind=kind, recipient=f"p{index}@example.net", template=kind, idempotency_key=kind)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/admin/makerlab/notification/")
    expect(page.locator("#result_list")).to_contain_text("Program registration confirmed")
    assert_accessible(page)
    page.goto("/admin/makerlab/notification/?kind=seed_request_ready")
    expect(page.locator("#result_list")).to_contain_text("Seeds ready to pick up")
    assert_accessible(page)


@pytest.mark.parametrize("value", ["", "x" * 5000, "'; DROP TABLE x; --", "<script>alert(1)</script>", "-1", "\x00"])
@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/admin/makerlab/notification/", "kind"),
        ("/admin/bookings/booking/", "when"),
        ("/admin/staffing/staffmember/", "skill"),
        ("/admin/programs/program/", "o"),
    ],
)
def test_hostile_filter_values_on_the_changed_lists_never_answer_500(admin_client_as_coordinator, url, name, value):
    assert admin_client_as_coordinator.get(url, {name: value}).status_code in (200, 302)


def _changelists_with_impossible_filters():
    from django.contrib import admin as django_admin

    for model, model_admin in django_admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        if model_admin.search_fields:
            yield f"{url}?q=a%00b"
        if model_admin.date_hierarchy:
            yield f"{url}?{model_admin.date_hierarchy}__year=99999999999"
        for name in model_admin.list_filter:
            if isinstance(name, str):
                yield f"{url}?{name}__exact=%00"


def test_no_admin_list_answers_500_to_an_impossible_filter(client, db):
    """A year past 9999 or a NUL character in a filter gets the admin's "invalid filter" answer, on every list."""
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    urls = list(_changelists_with_impossible_filters())
    assert len(urls) > 40
    answers = {url: client.get(url).status_code for url in urls}
    assert {url: status for url, status in answers.items() if status >= 500} == {}
    assert client.get("/admin/safety/correctiveaction/?due_on__year=99999999999").status_code == 302
