"""The personal calendar feed (iCal) and the printed record of community involvement hours (PDF)."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import icalendar
import pytest
from django.test import Client
from django.utils import timezone

from programs.models import Session
from staffing import documents
from staffing.models import DecisionStatus, HoursEntry, StaffKind
from tests.factories import (
    AssignmentFactory,
    BranchFactory,
    ProgramFactory,
    ShiftFactory,
    StaffMemberFactory,
    UserFactory,
)

TORONTO = zoneinfo.ZoneInfo("America/Toronto")


@pytest.fixture
def central(db):
    return BranchFactory(
        name="Central Library",
        slug="central",
        street_address="153 Curtis Street",
        city="St. Thomas",
        postal_code="N5P 3Z7",
        observes_statutory_holidays=False,
    )


@pytest.fixture
def emma(db):
    return StaffMemberFactory(
        user=UserFactory(username="emma", first_name="Emma", last_name="Tremblay", role="Volunteer"),
        kind=StaffKind.VOLUNTEER,
    )


def feed(client, staff_member) -> icalendar.Calendar:
    response = client.get(f"/staff/calendar/{staff_member.calendar_token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


# --- The calendar feed -------------------------------------------------------------------------------------


def test_the_feed_lists_my_published_shifts_in_the_branchs_time(client, central, emma):
    # A July shift and a January one: 14:00 local on both sides of the daylight-saving change.
    summer_day = timezone.localdate() + dt.timedelta(days=10)
    winter_day = summer_day + dt.timedelta(days=182)
    summer = AssignmentFactory(
        staff_member=emma,
        shift=ShiftFactory(
            branch=central,
            starts_at=dt.datetime.combine(summer_day, dt.time(14), tzinfo=TORONTO),
            ends_at=dt.datetime.combine(summer_day, dt.time(16), tzinfo=TORONTO),
            notes="Bring the seed catalogue",
        ),
    )
    AssignmentFactory(
        staff_member=emma,
        shift=ShiftFactory(
            branch=central,
            starts_at=dt.datetime.combine(winter_day, dt.time(14), tzinfo=TORONTO),
            ends_at=dt.datetime.combine(winter_day, dt.time(16), tzinfo=TORONTO),
        ),
    )
    AssignmentFactory(staff_member=emma, shift=ShiftFactory(branch=central, is_published=False))
    AssignmentFactory(shift=ShiftFactory(branch=central))  # someone else's
    long_ago = timezone.now() - dt.timedelta(days=40)
    AssignmentFactory(
        staff_member=emma,
        shift=ShiftFactory(branch=central, starts_at=long_ago, ends_at=long_ago + dt.timedelta(hours=2)),
    )

    calendar = feed(client, emma)
    assert "Emma Tremblay" in str(calendar.get("X-WR-CALNAME"))
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    first, second = events
    for event, day in ((first, summer_day), (second, winter_day)):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert start == dt.datetime.combine(day, dt.time(14), tzinfo=TORONTO)
        assert end - start == dt.timedelta(hours=2)
        assert start.astimezone(TORONTO).hour == 14
        assert event["DTSTART"].params["TZID"] == "America/Toronto"
        assert str(event["SUMMARY"]) == "1-on-1 help desk at Central Library"
        assert str(event["LOCATION"]) == "Central Library, 153 Curtis Street, St. Thomas, ON N5P 3Z7"
    assert str(first["DESCRIPTION"]) == "Bring the seed catalogue"
    assert str(first["UID"]) == f"staffing-assignment-{summer.pk}@testserver"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/Toronto"]
    assert str(calendar["X-PUBLISHED-TTL"].to_ical().decode()) == "PT1H"


def test_an_event_keeps_its_uid_from_one_fetch_to_the_next(client, central, emma):
    AssignmentFactory(staff_member=emma, shift=ShiftFactory(branch=central))
    first = [str(e["UID"]) for e in feed(client, emma).walk("VEVENT")]
    second = [str(e["UID"]) for e in feed(client, emma).walk("VEVENT")]
    assert first == second
    assert len(first) == 1


def test_the_feed_lists_the_program_sessions_i_facilitate(client, central, emma):
    # One session in summer time, one after the clocks go back: both at 2 p.m. in Toronto.
    program = ProgramFactory(branch=central, title="Family 3D design", slug="family-3d-design", room="Maker Lab")
    program.facilitators.add(emma)
    summer_day = timezone.localdate() + dt.timedelta(days=10)
    winter_day = summer_day + dt.timedelta(days=182)
    sessions = [
        Session.objects.create(
            program=program,
            starts_at=dt.datetime.combine(day, dt.time(14), tzinfo=TORONTO),
            ends_at=dt.datetime.combine(day, dt.time(15, 30), tzinfo=TORONTO),
        )
        for day in (summer_day, winter_day)
    ]
    cancelled = Session.objects.create(
        program=program,
        starts_at=dt.datetime.combine(summer_day, dt.time(18), tzinfo=TORONTO),
        ends_at=dt.datetime.combine(summer_day, dt.time(19), tzinfo=TORONTO),
        cancelled_at=timezone.now(),
    )
    someone_elses = ProgramFactory(branch=central, title="Teen coding club")
    someone_elses.facilitators.add(StaffMemberFactory())
    Session.objects.create(
        program=someone_elses, starts_at=cancelled.starts_at, ends_at=cancelled.ends_at + dt.timedelta(hours=1)
    )

    events = feed(client, emma).walk("VEVENT")
    assert [str(event["SUMMARY"]) for event in events] == ["Program: Family 3D design"] * 2
    for event, session in zip(events, sessions, strict=True):
        start = event.decoded("DTSTART")
        assert start == session.starts_at
        assert start.astimezone(TORONTO).hour == 14
        assert event["DTSTART"].params["TZID"] == "America/Toronto"
        assert event.decoded("DTEND") - start == dt.timedelta(minutes=90)
        assert str(event["LOCATION"]) == "Central Library, Maker Lab"
        assert str(event["URL"]) == "http://testserver/programs/family-3d-design/"
        assert str(event["UID"]) == f"programs-session-{session.pk}-staff-{emma.pk}@testserver"


def test_the_feed_needs_no_login_and_costs_three_queries(client, central, emma, django_assert_num_queries):
    for day in range(5):
        start = dt.datetime.combine(timezone.localdate() + dt.timedelta(days=3 + day), dt.time(10), tzinfo=TORONTO)
        AssignmentFactory(staff_member=emma, shift=ShiftFactory(branch=central, starts_at=start))
        program = ProgramFactory(branch=central)
        program.facilitators.add(emma)
        Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    # The person, their shifts, and the program sessions they facilitate.
    with django_assert_num_queries(3):
        response = client.get(f"/staff/calendar/{emma.calendar_token}.ics")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.parametrize(
    "path",
    [
        "/staff/calendar/not-a-real-token-at-all-000000.ics",
        "/staff/calendar/short.ics",
        "/staff/calendar/%3Cscript%3Ealert(1)%3C%2Fscript%3E.ics",
        "/staff/calendar/" + "a" * 300 + ".ics",
        "/staff/calendar/' OR 1=1 --.ics",
    ],
)
def test_an_unknown_address_is_not_found(client, emma, path):
    assert client.get(path).status_code == 404


def test_an_inactive_persons_feed_stops(client, emma):
    emma.is_active = False
    emma.save()
    assert client.get(f"/staff/calendar/{emma.calendar_token}.ics").status_code == 404


def test_the_feed_refuses_writes(client, emma):
    assert client.post(f"/staff/calendar/{emma.calendar_token}.ics").status_code == 405


# --- The record of community involvement hours ------------------------------------------------------------


@pytest.fixture
def student(db):
    return StaffMemberFactory(
        user=UserFactory(username="sam", first_name="Sam", last_name="Lee", role="Volunteer"),
        kind=StaffKind.COMMUNITY_SERVICE_STUDENT,
        date_of_birth=timezone.localdate().replace(year=timezone.localdate().year - 15) - dt.timedelta(days=30),
        school="Central Elgin Collegiate Institute",
    )


@pytest.fixture
def hours_of(student):
    today = timezone.localdate()

    def make(status=DecisionStatus.APPROVED, counts=True, days_ago=10, hours="3.5", activity="Open lab helper"):
        return HoursEntry.objects.create(
            staff_member=student,
            day=today - dt.timedelta(days=days_ago),
            hours=Decimal(hours),
            activity=activity,
            counts_for_community_hours=counts,
            status=status,
        )

    return make


def test_the_record_lists_approved_community_hours_with_the_people_who_sign(
    student, hours_of, central, coordinator, settings
):
    settings.LIBRARY_NAME = "Elgin Valley Public Library"
    coordinator.first_name, coordinator.last_name = "Priya", "Raman"
    coordinator.save()
    first = hours_of(days_ago=20, hours="2", activity="Seed library table <at the market>")
    last = hours_of(days_ago=5, hours="3.5")
    hours_of(status=DecisionStatus.PENDING, activity="Not yet approved")
    hours_of(status=DecisionStatus.DECLINED, activity="Declined entry")
    hours_of(counts=False, activity="Laser cutter operation")

    record = documents.community_hours_record(staff_member=student)
    html = documents.community_hours_html(record)
    assert "Sam Lee" in html
    assert "Central Elgin Collegiate Institute" in html
    assert "Elgin Valley Public Library, Maker Lab" in html
    assert "Central Library, 153 Curtis Street, St. Thomas, ON N5P 3Z7" in html
    assert "Priya Raman, Maker Lab coordinator" in html
    assert f"{first.day:%-d %B %Y} to {last.day:%-d %B %Y}" in html
    assert "Seed library table &lt;at the market&gt;" in html
    assert "Open lab helper" in html
    assert "5.50" in html
    for left_out in ("Not yet approved", "Declined entry", "Laser cutter operation"):
        assert left_out not in html
    assert "Supervisor: Priya Raman" in html
    assert "Parent or guardian (the student is under 18)" in html
    assert record.total_hours == Decimal("5.5")


def test_an_adult_student_needs_no_parent_signature(student, hours_of, central):
    student.date_of_birth = dt.date(2000, 1, 1)
    student.save()
    hours_of()
    html = documents.community_hours_html(documents.community_hours_record(staff_member=student))
    assert "Parent or guardian" not in html


def test_the_coordinator_printing_the_record_signs_it(student, hours_of, central, coordinator, db):
    UserFactory(username="aaron", first_name="Aaron", last_name="Abbott", role="Coordinator")
    coordinator.first_name, coordinator.last_name = "Priya", "Raman"
    coordinator.save()
    mine = documents.community_hours_record(staff_member=student)
    theirs = documents.community_hours_record(staff_member=student, supervisor=coordinator)
    assert mine.supervisor_name == "Aaron Abbott"  # the first coordinator by name
    assert theirs.supervisor_name == "Priya Raman"


def test_with_no_coordinator_the_supervisor_line_is_left_blank(student, central):
    record = documents.community_hours_record(staff_member=student)
    assert record.supervisor_name == ""
    assert "No approved community involvement hours yet." in documents.community_hours_html(record)


def test_the_student_downloads_the_pdf(client, student, hours_of, central):
    hours_of()
    client.force_login(student.user)
    response = client.get("/staff/hours/community-involvement.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 2000
    assert 'filename="community-involvement-hours-sam-lee-' in response["Content-Disposition"]


def test_the_coordinator_downloads_a_students_pdf(client, coordinator, student, hours_of, central):
    hours_of()
    client.force_login(coordinator)
    response = client.get(f"/staff/people/{student.pk}/community-involvement.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert client.get("/staff/people/999999/community-involvement.pdf").status_code == 404


def test_an_assistant_cannot_download_someone_elses_record(student, db):
    assistant = StaffMemberFactory(user=UserFactory(username="dan", role="Library assistant"))
    client = Client()
    client.force_login(assistant.user)
    assert client.get(f"/staff/people/{student.pk}/community-involvement.pdf").status_code == 403


def test_the_pdf_fetches_nothing_from_outside(student, hours_of, central):
    hours_of(activity='Tried <img src="http://example.com/x.png"> and url(file:///etc/passwd)')
    pdf = documents.community_hours_pdf(documents.community_hours_record(staff_member=student))
    assert pdf.startswith(b"%PDF")
