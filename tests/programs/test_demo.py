"""The demo programs: a partner site, next week's term with a full club and its waitlist, a year of history."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from makerlab.models import Patron
from programs.models import Attendance, Headcount, Participant, PartnerSite, Program, Registration, Session
from staffing.models import Shift, ShiftRole

pytestmark = [pytest.mark.django_db, pytest.mark.calendar]


def counts() -> dict[str, int]:
    models = (PartnerSite, Program, Session, Registration, Participant, Attendance, Headcount, Patron)
    return {model.__name__: model.objects.count() for model in models}


def test_the_term_starts_next_week_with_a_full_club_and_a_waitlist(demo):
    now = timezone.now()
    site = PartnerSite.objects.get(name="Northside Seniors' Centre")
    assert site.organisation == "Elgin Seniors Association"
    term = {p.slug: p for p in Program.objects.filter(sessions__starts_at__gte=now).distinct()}
    assert set(term) == {
        "teen-coding-club",
        "family-3d-design",
        "seed-starting-workshop",
        "intro-to-arduino",
        "sewing-basics",
        "tech-help-cafe",
        "teen-maker-club",
        "sewing-circle",
    }
    sessions = {slug: program.sessions.count() for slug, program in term.items()}
    assert sessions == {
        "teen-coding-club": 6,
        "family-3d-design": 2,
        "seed-starting-workshop": 1,
        "intro-to-arduino": 4,
        "sewing-basics": 3,
        "tech-help-cafe": 2,
        "teen-maker-club": 8,
        "sewing-circle": 8,
    }
    first = Session.objects.filter(program__in=term.values()).earliest("starts_at").starts_at
    assert now < first < now + dt.timedelta(days=14)
    club = term["teen-coding-club"]
    assert (club.min_age, club.max_age, club.capacity) == (12, 17, 12)
    assert club.registrations.filter(status="confirmed").count() == 12
    assert club.registrations.filter(status="waitlisted").count() == 3
    cafe = term["tech-help-cafe"]
    assert cafe.partner_site == site and not cafe.registration_required and not cafe.registrations.exists()
    assert all(program.facilitators.exists() for program in term.values())


def test_every_program_shift_of_the_staff_is_a_program_patrons_can_find(demo):
    shifts = Shift.objects.filter(role=ShiftRole.PROGRAM, starts_at__gte=timezone.now())
    assert shifts.exists()
    for shift in shifts.prefetch_related("assignments__staff_member"):
        program = Program.objects.get(title=shift.notes, is_published=True)
        assert program.sessions.filter(starts_at=shift.starts_at, ends_at=shift.ends_at).exists(), shift
        on_shift = {assignment.staff_member for assignment in shift.assignments.all()}
        assert on_shift <= set(program.facilitators.all()), shift


def test_a_year_of_past_programs_with_attendance_and_headcounts(demo):
    now = timezone.now()
    past = Program.objects.exclude(sessions__starts_at__gte=now)
    assert past.count() >= 24
    assert Session.objects.filter(starts_at__lt=now).earliest("starts_at").starts_at < now - dt.timedelta(days=300)
    assert Attendance.objects.filter(present=True).exists() and Attendance.objects.filter(present=False).exists()
    assert not Attendance.objects.exclude(participant__registration__status="confirmed").exists()
    assert Headcount.objects.filter(session__program__registration_required=False).exists()


def test_running_twice_creates_nothing_new(demo):
    before = counts()
    call_command("load_demo", force=True)
    assert counts() == before
