"""Posters, flyers, the monthly "What's on" sheet and the newsletter digest: their content, their paper, who may
get them, what bad months are told, and that they cost the same few queries however much there is."""

import datetime as dt
import io
import re
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import strip_tags
from PIL import Image
from pypdf import PdfReader

from bookings.models import ServiceType
from programs import images
from programs.models import Audience, PartnerSite, Program, Session
from programs.services.registration import program_picture_update
from promotion import printables
from promotion.models import Display
from tests.factories import BranchFactory, ProgramFactory, ServiceTypeFactory

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine("2026-11-18T10:30-05:00")]

TORONTO = ZoneInfo("America/Toronto")
PRINTABLES = "/staff/promotion/printables/"
DIGEST = "/staff/promotion/digest/"
PREVIEW = "/staff/promotion/digest/preview/"
MONTH_SHEET = "/staff/promotion/printables/month.pdf"
LETTER, TABLOID, LETTER_LANDSCAPE = (612, 792), (792, 1224), (792, 612)


def pdf_pages(response) -> list:
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content)).pages


def pdf_text(pages) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def compact(printed: str) -> str:
    """The text without spaces: an address that wraps at the end of a line reads as one again."""
    return printed.replace(" ", "")


def page_size(page) -> tuple[int, int]:
    return round(float(page.mediabox.width)), round(float(page.mediabox.height))


def text(response) -> str:
    return re.sub(r"\s+", " ", unescape(strip_tags(response.content.decode())))


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TORONTO)


def program_on(branch, days: list[dt.date], *, hour=14, length=90, **values) -> Program:
    program = ProgramFactory(branch=branch, **values)
    for day in days:
        start = at(day, hour)
        Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(minutes=length))
    return program


@pytest.fixture
def central(db):
    return BranchFactory(name="Central Library", slug="central", phone="519-555-0142")


@pytest.fixture
def robots(central):
    """A weekly series for children: five Tuesdays from 5 January 2027."""
    return program_on(
        central,
        [dt.date(2027, 1, 5) + dt.timedelta(weeks=n) for n in range(5)],
        title="Robot Builders",
        slug="robot-builders",
        description="Build and program a small robot.\n\nAll materials provided.",
        audience=Audience.CHILDREN,
        min_age=8,
        max_age=12,
        room="Maker Lab",
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def give_picture(program: Program) -> None:
    encoded = io.BytesIO()
    Image.new("RGB", (1600, 900), "#2a7f62").save(encoded, "JPEG")
    upload = SimpleUploadedFile("robots.jpg", encoded.getvalue(), content_type="image/jpeg")
    prepared = images.image_prepare(upload)
    upload.seek(0)
    program.image.save("robots.jpg", upload, save=False)
    program.image_alt = "Two children wiring a robot"
    program.save()
    program_picture_update(program=program, prepared=prepared, previous_image="", previous_renditions=[])


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


# --- Sessions in plain words -----------------------------------------------------------------------------------


def test_a_weekly_series_is_told_in_one_line_and_other_sessions_one_by_one(robots, central):
    today = dt.date(2026, 11, 18)
    sessions = list(robots.sessions.order_by("starts_at"))
    assert printables.sessions_in_words(sessions, zone=TORONTO, today=today) == [
        "Every Tuesday, 5 January 2027 to 2 February 2027, 2:00 to 3:30 p.m. (5 sessions)"
    ]
    skipping = program_on(central, [dt.date(2026, 12, 1), dt.date(2026, 12, 8), dt.date(2026, 12, 22)])
    assert printables.sessions_in_words(list(skipping.sessions.all()), zone=TORONTO, today=today) == [
        "Tuesday 1 December, 2:00 to 3:30 p.m.",
        "Tuesday 8 December, 2:00 to 3:30 p.m.",
        "Tuesday 22 December, 2:00 to 3:30 p.m.",
    ]


def test_registration_is_told_plainly_for_drop_in_and_for_a_window_still_to_open(central, now):
    drop_in = ProgramFactory(branch=central, registration_required=False)
    assert printables.registration_text(drop_in, now=now) == "Free. Just drop in: no need to register."
    later = ProgramFactory(branch=central, registration_opens_at=at(dt.date(2026, 12, 1), 9))
    told = printables.registration_text(later, now=now)
    assert told.startswith("Free. Registration opens Tuesday 1 December 2026 at 9:00 a.m.")
    assert "call 519-555-0142" in told


# --- Posters and flyers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "points"), [("letter", LETTER), ("tabloid", TABLOID)])
def test_a_poster_is_one_page_of_its_paper_with_what_who_when_where_and_the_address(
    coordinator_client, robots, media, size, points
):
    give_picture(robots)
    response = coordinator_client.get(f"/staff/promotion/printables/{robots.pk}/poster-{size}.pdf")
    assert response.status_code == 200
    assert f'filename="poster-{size}-robot-builders.pdf"' in response["Content-Disposition"]
    pages = pdf_pages(response)
    assert len(pages) == 1 and page_size(pages[0]) == points
    printed = pdf_text(pages)
    for expected in (
        "Robot Builders",
        "Children, ages 8 to 12",
        "Every Tuesday, 5 January 2027 to 2 February 2027, 2:00 to 3:30 p.m. (5 sessions)",
        "Central Library, Maker Lab",
        "Free.",
    ):
        assert expected in printed, printed
    assert "http://testserver/programs/robot-builders/" in compact(printed)
    assert len(pages[0].images) == 1  # the program's picture, printed from the page itself


def test_flyers_are_two_half_pages_on_one_landscape_letter_sheet(coordinator_client, robots):
    pages = pdf_pages(coordinator_client.get(f"/staff/promotion/printables/{robots.pk}/flyers.pdf"))
    assert len(pages) == 1 and page_size(pages[0]) == LETTER_LANDSCAPE
    printed = pdf_text(pages)
    assert printed.count("Robot Builders") == 2
    assert compact(printed).count("http://testserver/programs/robot-builders/") == 2
    assert "cut along the line" in printed


def test_a_program_with_a_long_title_and_many_dates_still_prints_on_one_page(coordinator_client, central):
    days = [dt.date(2026, 12, 1) + dt.timedelta(days=3 * n) for n in range(20)]
    program = program_on(central, days, title="Sewing " * 20, description="Long words. " * 100)
    for url in (
        f"/staff/promotion/printables/{program.pk}/poster-letter.pdf",
        f"/staff/promotion/printables/{program.pk}/poster-tabloid.pdf",
        f"/staff/promotion/printables/{program.pk}/flyers.pdf",
    ):
        pages = pdf_pages(coordinator_client.get(url))
        assert len(pages) == 1, url
        assert "and 14 more dates" in pdf_text(pages)


def test_an_unpublished_program_or_an_unknown_size_has_no_poster(coordinator_client, robots):
    robots.is_published = False
    robots.save()
    assert coordinator_client.get(f"/staff/promotion/printables/{robots.pk}/poster-letter.pdf").status_code == 404
    assert coordinator_client.get(f"/staff/promotion/printables/{robots.pk}/poster-a4.pdf").status_code == 404
    assert coordinator_client.get("/staff/promotion/printables/99999999999999999999/flyers.pdf").status_code == 404


def test_the_printables_page_lists_upcoming_programs_with_their_three_pdfs(coordinator_client, robots, central):
    past = program_on(central, [dt.date(2026, 10, 1)], title="Last month's club")
    response = coordinator_client.get(PRINTABLES)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Robot Builders" in page and past.title not in page
    for url in ("poster-letter.pdf", "poster-tabloid.pdf", "flyers.pdf"):
        assert f"/staff/promotion/printables/{robots.pk}/{url}" in page
    assert f"{MONTH_SHEET}?month=2026-12" in page  # next month, unless another is chosen


def test_the_admin_change_page_links_to_the_posters_and_flyers(coordinator_client, robots):
    page = coordinator_client.get(f"/admin/programs/program/{robots.pk}/change/").content.decode()
    assert f"/staff/promotion/printables/{robots.pk}/poster-letter.pdf" in page
    assert f"/staff/promotion/printables/{robots.pk}/flyers.pdf" in page


def test_the_promotion_start_page_leads_to_printables_and_the_digest(coordinator_client):
    page = coordinator_client.get(reverse("promotion_staff:start")).content.decode()
    assert f'href="{PRINTABLES}"' in page and f'href="{DIGEST}"' in page


# --- The month ------------------------------------------------------------------------------------------------


@pytest.fixture
def january(central, robots):
    """January 2027: the robots series, a drop-in afternoon, a cancelled session, a display and two services."""
    drop_in = program_on(
        central, [dt.date(2027, 1, 16)], title="Open Lab Saturday", slug="open-lab", registration_required=False
    )
    cancelled = drop_in.sessions.create(starts_at=at(dt.date(2027, 1, 23), 14), ends_at=at(dt.date(2027, 1, 23), 16))
    cancelled.cancelled_at = at(dt.date(2026, 11, 10), 9)
    cancelled.save()
    Display.objects.create(
        title="Print your own bridge",
        slug="bridge",
        branch=central,
        area="Display case by the entrance",
        starts_on=dt.date(2026, 12, 15),
        ends_on=dt.date(2027, 1, 20),
    )
    ServiceTypeFactory(name="Tech help: phone, tablet, laptop", slug="tech-help", branch=central)
    ServiceTypeFactory(name="3D printing orientation", slug="3d-orientation", branch=central, duration_minutes=60)
    return drop_in


def test_the_month_sheet_shows_the_programs_displays_and_services_on_one_letter_page(coordinator_client, january):
    response = coordinator_client.get(MONTH_SHEET, {"month": "2027-01"})
    pages = pdf_pages(response)
    assert len(pages) == 1 and page_size(pages[0]) == LETTER
    printed = pdf_text(pages)
    assert "What's on at the Maker Lab: January 2027" in printed
    assert printed.count("Robot Builders") == 4  # the Tuesdays of January; the fifth is in February
    assert "Sat 16 Jan" in printed and "Open Lab Saturday" in printed
    assert "Sat 23 Jan" not in printed  # the cancelled session
    assert "Print your own bridge" in printed and "1 January to 20 January" in printed
    assert "3D printing orientation (60 min)" in printed
    assert "http://testserver/programs/" in printed


def test_the_month_sheet_and_digest_leave_out_displays_at_a_branch_that_closed(coordinator_client, january):
    closed = BranchFactory(name="Old Mill Branch", slug="old-mill", is_active=False)
    Display.objects.create(
        title="Looms of the old mill",
        slug="looms",
        branch=closed,
        area="Lobby",
        starts_on=dt.date(2027, 1, 2),
        ends_on=dt.date(2027, 1, 30),
    )
    printed = pdf_text(pdf_pages(coordinator_client.get(MONTH_SHEET, {"month": "2027-01"})))
    assert "Print your own bridge" in printed and "Looms of the old mill" not in printed
    digest = coordinator_client.get(reverse("promotion_staff:digest"), {"month": "2027-01"}).text
    assert "Print your own bridge" in digest and "Looms of the old mill" not in digest


def test_a_crowded_month_still_fits_one_page_and_says_how_many_more(coordinator_client, central):
    first = dt.date(2027, 1, 1)
    for n in range(45):
        program_on(central, [first + dt.timedelta(days=n % 31)], title=f"Very long program title number {n} " * 3)
    for n in range(9):
        Display.objects.create(
            title=f"Display {n} " * 8,
            slug=f"display-{n}",
            branch=central,
            area="By the entrance " * 5,
            starts_on=first,
            ends_on=first + dt.timedelta(days=40),
        )
    for n in range(12):
        ServiceTypeFactory(name=f"A service with a long name {n} " * 3, branch=central)
    pages = pdf_pages(coordinator_client.get(MONTH_SHEET, {"month": "2027-01"}))
    assert len(pages) == 1
    printed = pdf_text(pages)
    sheet = printables.month_sheet(printables.month_whats_on(month=first))
    assert sheet.more_sessions > 0 and len(sheet.sessions) + sheet.more_sessions == 45
    assert f"and {sheet.more_sessions} more at http://testserver/programs/" in printed
    assert "and 5 more at the library" in printed
    assert "and 4 more at http://testserver/book/" in printed


def test_the_digest_lists_the_months_programs_with_full_addresses_and_no_script(coordinator_client, january, media):
    give_picture(january)
    response = coordinator_client.get(DIGEST, {"month": "2027-01"})
    assert response.status_code == 200
    digest = response.context["digest"]
    assert "Robot Builders" in digest.html and "Open Lab Saturday" in digest.html
    assert "Every Tuesday, 5 January to 26 January, 2:00 to 3:30 p.m. (4 sessions)" in digest.html
    assert "<script" not in digest.html.lower() and "<table" in digest.html
    addresses = re.findall(r'(?:href|src)="([^"]*)"', digest.html)
    assert addresses and all(address.startswith("http://testserver/") for address in addresses), addresses
    assert "http://testserver/programs/robot-builders/" in addresses
    assert any(address.startswith("http://testserver/media/") for address in addresses)  # the picture
    assert 'style="' in digest.html and "<style" not in digest.html  # inline styles only
    assert "Print your own bridge" in digest.html and "3D printing orientation" in digest.html
    assert "Robot Builders" in digest.text and "http://testserver/programs/robot-builders/" in digest.text
    assert "<" not in digest.text
    page = response.content.decode()
    assert "&lt;table" in page  # the source, to copy, in a read-only box
    assert "readonly" in page and "js/copy-text.js" in page
    preview = coordinator_client.get(PREVIEW, {"month": "2027-01"})
    assert preview.status_code == 200 and digest.html in preview.content.decode()
    assert "frame-ancestors 'self'" in preview["Content-Security-Policy"]
    assert "script-src 'none'" in preview["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2027-13", "for example 2027-01"),
        ("January", "for example 2027-01"),
        ("", "This field is required."),
        ("<script>alert(1)</script>", "for example 2027-01"),
        ("2027-01\x00", "Null characters are not allowed."),
        ("\uff12\uff10\uff12\uff17-\uff10\uff11", "for example 2027-01"),  # full-width digits
        ("0000-01", "Choose a month from November 2025 to November 2028."),
        ("9999-12", "Choose a month from November 2025 to November 2028."),
        ("2024-01", "Choose a month from November 2025 to November 2028."),
    ],
)
def test_a_bad_month_is_told_on_the_form_never_a_server_error(coordinator_client, january, month, message):
    for url in (DIGEST, PRINTABLES, MONTH_SHEET):
        response = coordinator_client.get(url, {"month": month})
        assert response.status_code == 400, url
        assert response["Content-Type"].startswith("text/html")
        page = text(response)
        assert "There is a problem" in page and message in page, url
        assert "<script>alert" not in response.content.decode()
    assert coordinator_client.get(PREVIEW, {"month": month}).status_code == 400


# --- Who may get them -----------------------------------------------------------------------------------------


def every_url(program: Program) -> list[str]:
    return [
        PRINTABLES,
        f"/staff/promotion/printables/{program.pk}/poster-letter.pdf",
        f"/staff/promotion/printables/{program.pk}/poster-tabloid.pdf",
        f"/staff/promotion/printables/{program.pk}/flyers.pdf",
        f"{MONTH_SHEET}?month=2027-01",
        f"{DIGEST}?month=2027-01",
        f"{PREVIEW}?month=2027-01",
    ]


def test_anonymous_visitors_are_sent_to_log_in_and_volunteers_are_refused(client, volunteer, robots):
    for url in every_url(robots):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    client.force_login(volunteer)
    for url in every_url(robots):
        assert client.get(url).status_code == 403, url


def test_library_assistants_who_see_programs_may_print(client, assistant, robots):
    client.force_login(assistant)
    for url in every_url(robots):
        assert client.get(url).status_code == 200, url


# --- Queries ---------------------------------------------------------------------------------------------------


def more_of_everything(branch, n: int) -> None:
    for i in range(n):
        program_on(branch, [dt.date(2027, 1, 2 + i % 25), dt.date(2027, 1, 9 + i % 20)], title=f"Club {i}")
        Display.objects.create(
            title=f"Display {i}",
            slug=f"more-{i}",
            branch=branch,
            area="Lobby",
            starts_on=dt.date(2027, 1, 1),
            ends_on=dt.date(2027, 1, 31),
        )
        ServiceTypeFactory(branch=branch)


@pytest.mark.parametrize("extra", [0, 12])
def test_every_page_and_pdf_costs_the_same_few_queries_however_much_there_is(
    coordinator_client, january, central, django_assert_max_num_queries, extra
):
    more_of_everything(central, extra)
    robots = Program.objects.get(slug="robot-builders")
    budgets = {
        PRINTABLES: 2,
        f"/staff/promotion/printables/{robots.pk}/poster-letter.pdf": 2,
        f"/staff/promotion/printables/{robots.pk}/poster-tabloid.pdf": 2,
        f"/staff/promotion/printables/{robots.pk}/flyers.pdf": 2,
        f"{MONTH_SHEET}?month=2027-01": 4,
        f"{DIGEST}?month=2027-01": 5,
        f"{PREVIEW}?month=2027-01": 4,
    }
    assert ServiceType.objects.count() == 2 + extra
    for url, budget in budgets.items():
        with django_assert_max_num_queries(budget):
            assert coordinator_client.get(url).status_code == 200, url


def test_an_outreach_poster_says_the_partners_place_and_a_lost_picture_leaves_it_out(
    coordinator_client, robots, media, caplog
):
    give_picture(robots)
    for recorded in robots.image_renditions:
        robots.image.storage.delete(recorded["name"])
    site = PartnerSite.objects.create(
        name="Seniors' Centre",
        organisation="Elgin Seniors",
        street_address="12 Elm Street",
        city="Aylmer",
        postal_code="N5H 1A1",
    )
    Program.objects.filter(pk=robots.pk).update(branch=None, partner_site=site, room="")
    pages = pdf_pages(coordinator_client.get(f"/staff/promotion/printables/{robots.pk}/poster-letter.pdf"))
    printed = pdf_text(pages)
    assert "Seniors' Centre (Elgin Seniors), 12 Elm Street, Aylmer N5H 1A1" in printed
    assert "ask at the library desk" in printed and "call" not in printed
    assert len(pages) == 1 and not pages[0].images
    assert any("missing from storage" in record.getMessage() for record in caplog.records)
