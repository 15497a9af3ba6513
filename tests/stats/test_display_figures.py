"""The board report's Displays and exhibits section: displays installed and on in a month, and the use of what each
featured in the 28 days before it and from its first day to 28 days after its last, per week, at the month's edges,
across the spring clock change (14 March 2027), and in the page, the PDF, the XLSX and the CSV."""

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from bookings.models import Booking, EquipmentKind
from programs.models import Registration
from promotion.models import Display
from stats import services
from stats.figures import (
    BOOKINGS_MEASURE,
    DISPLAY_USE_DEFINITION,
    PLACES_MEASURE,
    UseComparison,
    compute_figures,
    display_use,
)
from stats.selectors import DisplayLine, report_view
from tests.factories import (
    BranchFactory,
    EquipmentFactory,
    PatronFactory,
    ProgramFactory,
    ServiceTypeFactory,
    StaffMemberFactory,
    at,
    make_booking,
)

MARCH, APRIL = dt.date(2027, 3, 1), dt.date(2027, 4, 1)
AFTER_MARCH = at(dt.date(2027, 4, 2), 9)
DISPLAY_KEYS = ["displays.installed", "displays.on"]

pytestmark = pytest.mark.time_machine(AFTER_MARCH)


def display(branch, title, starts_on, ends_on, *, equipment=(), programs=(), published=True) -> Display:
    shown = Display.objects.create(
        title=title,
        slug=title.lower().replace(" ", "-"),
        branch=branch,
        area="Display case by the main entrance",
        starts_on=starts_on,
        ends_on=ends_on,
        is_published=published,
    )
    shown.equipment.set(equipment)
    shown.programs.set(programs)
    return shown


def booking(service, starts_at, status=Booking.Status.BOOKED) -> Booking:
    return make_booking(service_type=service, starts_at=starts_at, staff_member=StaffMemberFactory(), status=status)


def registration(program, created_at, places=1, status=Registration.Status.CONFIRMED) -> Registration:
    return Registration.objects.create(
        program=program,
        patron=PatronFactory(),
        status=status,
        places=places,
        contact_name="Doris Campbell",
        contact_email="doris@example.net",
        created_at=created_at,
    )


@pytest.fixture
def march(db):
    """Laser cutting (Central, 14 to 20 March, the day the clocks go forward), 3D printing (East, February to the end
    of April), a one-day display with nothing featured on 1 March, and displays that must not count."""
    central = BranchFactory(name="Central Library", slug="central")
    east = BranchFactory(name="East Branch", slug="east")
    laser = EquipmentFactory(branch=central, kind=EquipmentKind.LASER_CUTTER, name="Laser cutter")
    printer = EquipmentFactory(branch=east, kind=EquipmentKind.PRINTER_3D, name="3D printer")
    sewing = EquipmentFactory(branch=central, kind=EquipmentKind.SEWING_MACHINE, name="Sewing machine")
    laser_time = ServiceTypeFactory(branch=central, name="Laser cutter time", equipment=laser)
    printer_help = ServiceTypeFactory(branch=east, name="3D printing help", equipment=printer)
    sewing_time = ServiceTypeFactory(branch=central, name="Sewing machine time", equipment=sewing)
    club = ProgramFactory(branch=central, title="Maker club")
    club.equipment.set([laser])  # featured directly and through the laser: its places count once
    workshop = ProgramFactory(branch=central, title="Laser workshop")
    workshop.equipment.set([laser, sewing])
    quilting = ProgramFactory(branch=central, title="Quilting")
    quilting.equipment.set([sewing])
    print_club = ProgramFactory(branch=east, title="Print club")

    display(central, "Laser cutting", dt.date(2027, 3, 14), dt.date(2027, 3, 20), equipment=[laser], programs=[club])
    display(east, "3D printing", dt.date(2027, 2, 1), dt.date(2027, 4, 30), equipment=[printer], programs=[print_club])
    display(central, "Seed library", dt.date(2027, 3, 1), dt.date(2027, 3, 1))
    display(central, "Planned quilts", dt.date(2027, 3, 5), dt.date(2027, 3, 10), equipment=[sewing], published=False)
    display(central, "Winter crafts", dt.date(2027, 1, 10), dt.date(2027, 2, 28), equipment=[sewing])
    display(central, "Spring robots", dt.date(2027, 4, 1), dt.date(2027, 4, 30), equipment=[laser])

    # Laser cutting: before is 14 February to 13 March; during and after 14 March to 17 April, cut at 31 March.
    booking(laser_time, at(dt.date(2027, 2, 13), 23))  # the day before the window (14 February in UTC)
    booking(laser_time, at(dt.date(2027, 2, 14), 0, 10))  # its first day
    booking(laser_time, at(dt.date(2027, 3, 13), 23, 30), Booking.Status.ATTENDED)  # its last (14 March in UTC)
    booking(laser_time, at(dt.date(2027, 3, 14), 0, 30))  # the display's first day
    booking(laser_time, at(dt.date(2027, 3, 14), 3, 30))  # just after the clocks went forward
    booking(laser_time, at(dt.date(2027, 3, 15), 10), Booking.Status.CANCELLED)
    booking(laser_time, at(dt.date(2027, 3, 20), 10), Booking.Status.NO_SHOW)  # booked, not cancelled: counts
    booking(laser_time, at(dt.date(2027, 3, 31), 23, 30))  # 1 April in UTC: still March
    booking(laser_time, at(dt.date(2027, 4, 1), 0, 30))  # after the month: not yet counted
    booking(sewing_time, at(dt.date(2027, 3, 16), 10))  # a machine not featured
    registration(club, at(dt.date(2027, 3, 16), 12), places=2)
    registration(workshop, at(dt.date(2027, 3, 17), 12))
    registration(club, at(dt.date(2027, 3, 18), 12), places=3, status=Registration.Status.CANCELLED)
    registration(club, at(dt.date(2027, 3, 18), 12), places=2, status=Registration.Status.WAITLISTED)
    registration(quilting, at(dt.date(2027, 3, 16), 12), places=4)  # its machine is not featured
    registration(workshop, at(dt.date(2027, 4, 1), 9))  # after the month

    # 3D printing: before is 4 to 31 January; during and after 1 February to 31 March (59 days).
    booking(printer_help, at(dt.date(2027, 1, 10), 10))
    booking(printer_help, at(dt.date(2027, 2, 10), 10))
    booking(printer_help, at(dt.date(2027, 3, 10), 10))
    booking(printer_help, at(dt.date(2027, 4, 5), 10))  # in the window, after the month
    registration(print_club, at(dt.date(2027, 1, 20), 12), places=4)
    registration(print_club, at(dt.date(2027, 2, 5), 12), places=2)
    return central, east


def uses_by_title(uses) -> dict:
    return {use.title: use for use in uses}


def march_uses(branch=None) -> dict:
    return uses_by_title(compute_figures(start=MARCH, end=APRIL, branch=branch).displays)


def test_displays_installed_are_those_whose_first_day_is_in_the_month_and_on_those_on_any_day_of_it(march):
    figures = compute_figures(start=MARCH, end=APRIL)

    # Installed: Laser cutting and Seed library (1 March). On: those and 3D printing, put up in February.
    # Not the planned display, nor one that ended in February or starts on 1 April.
    assert {key: figures.values[key] for key in DISPLAY_KEYS} == {"displays.installed": 2, "displays.on": 3}
    assert list(uses_by_title(figures.displays)) == ["Seed library", "Laser cutting", "3D printing"]  # by branch


def test_a_branch_counts_only_its_own_displays(march):
    central, east = march
    for branch, expected in ((central, (2, 2)), (east, (0, 1))):
        values = compute_figures(start=MARCH, end=APRIL, branch=branch, keys=DISPLAY_KEYS).values
        assert (values["displays.installed"], values["displays.on"]) == expected
    assert list(march_uses(east)) == ["3D printing"]


def test_an_unpublished_display_counts_nowhere(march):
    Display.objects.filter(title="Laser cutting").update(is_published=False)

    figures = compute_figures(start=MARCH, end=APRIL)

    assert (figures.values["displays.installed"], figures.values["displays.on"]) == (1, 2)
    assert "Laser cutting" not in uses_by_title(figures.displays)


def test_the_windows_are_toronto_days_across_the_clock_change_and_cut_at_the_month_end(march):
    laser = march_uses()["Laser cutting"]

    # Before: 14 February 00:10 and 13 March 23:30 (not 13 February 23:00). During and after: 14 March 00:30 and
    # 3:30, the missed session of 20 March and 31 March 23:30 (not the cancelled one, not 1 April).
    assert (laser.bookings_before, laser.bookings_after) == (2, 4)
    assert laser.after_days == 18  # 14 to 31 March: the 28 days after 20 March stop at the end of March
    bookings = laser.comparisons[0]
    assert (bookings.measure, bookings.before_days, bookings.after_days) == (BOOKINGS_MEASURE, 28, 18)
    assert (bookings.before_per_week, bookings.after_per_week) == (0.5, 1.6)  # 2 in 4 weeks; 4 in 18 days
    assert bookings.change == 211.1  # (4/18 - 2/28) / (2/28)


def test_places_count_featured_programs_and_those_using_a_featured_machine_once_and_only_confirmed(march):
    laser = march_uses()["Laser cutting"]

    # Maker club's 2 places (featured and using the laser: once) and the Laser workshop's 1; not the cancelled or
    # waitlisted registrations, not Quilting (sewing machine), not April's.
    assert (laser.places_before, laser.places_after) == (0, 3)
    places = laser.comparisons[1]
    assert places.measure == PLACES_MEASURE
    assert places.is_new and places.change is None
    assert DisplayLine(places).change_text == "new"


def test_a_display_ending_after_the_month_is_counted_up_to_the_end_of_the_month(march):
    printing = march_uses()["3D printing"]

    assert (printing.bookings_before, printing.bookings_after) == (1, 2)
    assert (printing.places_before, printing.places_after) == (4, 2)
    assert printing.after_days == 59  # 1 February to 31 March
    bookings, places = printing.comparisons
    assert (bookings.before_per_week, bookings.after_per_week, bookings.change) == (0.2, 0.2, -5.1)
    assert (places.before_per_week, places.after_per_week, places.change) == (1.0, 0.2, -76.3)
    assert DisplayLine(bookings).change_text == "down 5.1%"


def test_nothing_either_time_is_no_change_not_new(march):
    seeds = march_uses()["Seed library"]

    assert [(line.before, line.after) for line in seeds.comparisons] == [(0, 0), (0, 0)]
    assert [DisplayLine(line).change_text for line in seeds.comparisons] == ["none either time"] * 2
    assert all(line.change is None and not line.is_new for line in seeds.comparisons)


def test_later_use_never_changes_a_past_month(march):
    before = compute_figures(start=MARCH, end=APRIL).as_json()["displays"]
    laser_time = Booking.objects.filter(service_type__name="Laser cutter time").first().service_type
    booking(laser_time, at(dt.date(2027, 4, 10), 10))

    assert compute_figures(start=MARCH, end=APRIL).as_json()["displays"] == before


def test_a_month_so_far_counts_up_to_its_moment(march):
    values = compute_figures(start=MARCH, end=APRIL, until=at(dt.date(2027, 3, 10), 12), keys=DISPLAY_KEYS).values
    assert values == {"displays.installed": 1, "displays.on": 2}  # Seed library; 3D printing

    uses = display_use(start=MARCH, end_day=dt.date(2027, 3, 15), end_at=at(dt.date(2027, 3, 14), 1), branch=None)
    laser = uses_by_title(uses)["Laser cutting"]
    assert (laser.bookings_after, laser.after_days) == (1, 1)  # 00:30 on the first day; not 3:30


def test_a_change_is_in_percent_of_the_weekly_rate_before():
    assert UseComparison("x", before=4, before_days=28, after=2, after_days=7).change == 100.0
    assert UseComparison("x", before=4, before_days=28, after=1, after_days=14).change == -50.0
    assert UseComparison("x", before=0, before_days=28, after=1, after_days=7).is_new


def test_the_display_figures_take_as_many_queries_whatever_the_data(march, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        compute_figures(start=MARCH, end=APRIL, keys=DISPLAY_KEYS)
    central, _east = march
    laser_time = Booking.objects.filter(service_type__name="Laser cutter time").first().service_type
    club = Display.objects.get(title="Laser cutting").programs.get()
    for day in range(1, 29):
        shown = display(central, f"Display {day}", dt.date(2027, 3, day), dt.date(2027, 3, day) + dt.timedelta(9))
        shown.equipment.set([laser_time.equipment])
        shown.programs.set([club])
        booking(laser_time, at(dt.date(2027, 3, day), 9))
        registration(club, at(dt.date(2027, 3, day), 9))

    with django_assert_max_num_queries(1):
        figures = compute_figures(start=MARCH, end=APRIL, keys=DISPLAY_KEYS)
    assert figures.values == {"displays.installed": 2 + 28, "displays.on": 3 + 28}


def test_an_older_report_without_displays_still_reads(db):
    view = report_view(figures={"period": {"values": {}, "breakdowns": {}}}, month=MARCH)

    assert view.section("displays").displays == []
    assert view.footnotes[-1].definition == DISPLAY_USE_DEFINITION


@pytest.fixture
def closed(march, settings):
    settings.BOARD_REPORT_EMAILS = []
    return services.month_close(month=MARCH, now=AFTER_MARCH)


def url(name: str, *args, **query) -> str:
    address = reverse(f"stats_reports:{name}", args=args)
    return address + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_page_shows_the_section_the_comparison_and_how_it_is_counted(client, coordinator, closed):
    client.force_login(coordinator)

    page = client.get(url("detail", "2027-03")).content.decode()

    assert 'id="area-displays"' in page and 'data-key="displays.on"' in page
    table = page[page.index('id="display-use"') :]
    assert "Laser cutting" in table and "Central Library, 14 Mar 2027 to 20 Mar 2027" in table
    assert ">new<" in table and ">none either time<" in table and ">up 211.1%<" in table
    assert "the 28 days before the day it went up" in page


def test_the_section_is_in_the_pdf_the_xlsx_and_the_csv(client, coordinator, closed):
    client.force_login(coordinator)

    pdf = client.get(url("pdf", "2027-03"))
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages).split())
    assert "Displays and exhibits" in text
    assert re.search(r"Displays installed\s*\d*\s+2\b", text)
    assert re.search(r"Displays on\s*\d*\s+3\b", text)
    assert re.search(r"1-on-1 sessions on featured machines\s+0\.5\s+1\.6\s+up 211\.1%", text)
    assert re.search(r"Program places registered\s+0\.0\s+1\.2\s+new", text)
    assert "until 28 days after it came down" in text

    workbook = load_workbook(io.BytesIO(client.get(url("xlsx", "2027-03")).content))
    sheet = list(workbook["Displays and exhibits"].iter_rows(values_only=True))
    by_label = {row[0]: row for row in sheet[2:] if row and row[0]}
    assert by_label["Displays installed"][1:3] == ("number", 2)
    assert by_label["Displays on"][1:3] == ("number", 3)
    header = sheet.index(next(row for row in sheet if row[0] == "Display"))
    comparisons = {(row[0], row[4]): row for row in sheet[header + 1 :]}
    laser = comparisons[("Laser cutting", BOOKINGS_MEASURE)]
    assert laser[1] == "Central Library" and laser[2].date() == dt.date(2027, 3, 14)
    assert laser[5:] == (2, 28, 0.5, 4, 18, 1.6, 211.1)
    assert comparisons[("Laser cutting", PLACES_MEASURE)][-1] == "new"
    assert comparisons[("Seed library", PLACES_MEASURE)][-1] is None
    definitions = [row[2] for row in workbook["Definitions"].iter_rows(values_only=True)]
    assert DISPLAY_USE_DEFINITION in definitions

    rows = list(csv.reader(io.StringIO(client.get(url("csv", "2027-03", area="displays")).content.decode())))
    assert rows[0] == ["Displays and exhibits, March 2027"]
    figures = {row[0]: row for row in rows[2:] if row}
    assert figures["Displays on"][1:3] == ["number", "3"]
    header = rows.index(next(row for row in rows if row and row[0] == "Display"))
    printing = {(row[0], row[4]): row for row in rows[header + 1 :]}[("3D printing", PLACES_MEASURE)]
    assert printing[:5] == ["3D printing", "East Branch", "2027-02-01", "2027-04-30", PLACES_MEASURE]
    assert printing[5:] == ["4", "28", "1.0", "2", "59", "0.2", "-76.3"]


def test_a_program_using_two_featured_machines_and_featured_itself_counts_once(march):
    central, _east = march
    laser, sewing = (Display.objects.get(title=title).equipment.get() for title in ("Laser cutting", "Planned quilts"))
    workshop = laser.programs.get(title="Laser workshop")
    display(central, "Cutting and sewing", dt.date(2027, 3, 15), dt.date(2027, 3, 31), equipment=[laser, sewing])
    Display.objects.get(title="Cutting and sewing").programs.set([workshop])

    both = march_uses()["Cutting and sewing"]

    # The Laser workshop's 1 place (laser, sewing machine and featured: once) and Quilting's 4 (sewing machine);
    # Maker club's 2 through the laser. Before (15 February to 14 March): three laser sessions; during and after:
    # two laser sessions and the sewing session of 16 March.
    assert (both.places_before, both.places_after) == (0, 1 + 4 + 2)
    assert (both.bookings_before, both.bookings_after) == (3, 3)
