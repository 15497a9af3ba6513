import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from makerlab.cards import card_number_make
from programs.attendance import attendance_record
from programs.models import AgeGroup, Attendance, Headcount, Participant, Registration, Session
from programs.services import ParticipantDetails, RegistrantDetails, registration_cancel, registration_create
from tests.factories import ProgramFactory

_sequence = iter(range(20_000, 99_999))


def _register(program, *names: str) -> Registration:
    n = next(_sequence)
    details = RegistrantDetails(
        card_number=card_number_make(n),
        name=f"Parent {n}",
        email=f"parent{n}@example.net",
        participants=[ParticipantDetails(first_name=name, age=13, is_child=True) for name in names or ("Ana",)],
    )
    return registration_create(program=program, details=details)


@pytest.fixture
def session(db):
    program = ProgramFactory(title="Teen coding club", places_per_registration=4)
    start = timezone.now() + dt.timedelta(hours=1)
    return Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=2))


def _ids(*names: str) -> list[int]:
    return list(Participant.objects.filter(first_name__in=names).values_list("pk", flat=True))


def test_everyone_registered_is_marked_present_or_absent(session, assistant):
    _register(session.program, "Ana", "Ben")
    _register(session.program, "Chloe")
    came = attendance_record(session=session, present_ids=_ids("Ana", "Chloe"), by_user=assistant)
    assert came == 2
    marked = {a.participant.first_name: a.present for a in Attendance.objects.select_related("participant")}
    assert marked == {"Ana": True, "Ben": False, "Chloe": True}
    assert set(Attendance.objects.values_list("marked_by", flat=True)) == {assistant.pk}


def test_saving_again_corrects_the_roster_and_headcounts(session, assistant):
    _register(session.program, "Ana")
    attendance_record(session=session, present_ids=[], by_user=assistant, headcounts={AgeGroup.TEENS: 3})
    attendance_record(session=session, present_ids=_ids("Ana"), by_user=assistant, headcounts={AgeGroup.ADULTS: 2})
    assert Attendance.objects.get().present
    assert {(h.age_group, h.count) for h in Headcount.objects.all()} == {(AgeGroup.ADULTS, 2)}


def test_cancelled_registrations_are_not_on_the_roster(session, assistant):
    registration = _register(session.program, "Ana")
    registration_cancel(registration=registration)
    with pytest.raises(ValidationError):
        attendance_record(session=session, present_ids=_ids("Ana"), by_user=assistant)
    assert not Attendance.objects.exists()


def test_someone_from_another_program_cannot_be_marked(session, assistant):
    _register(ProgramFactory(), "Zed")
    with pytest.raises(ValidationError):
        attendance_record(session=session, present_ids=_ids("Zed"), by_user=assistant)


def test_implausible_headcounts_are_refused(session, assistant):
    with pytest.raises(ValidationError):
        attendance_record(session=session, present_ids=[], by_user=assistant, headcounts={AgeGroup.TEENS: 5000})
    with pytest.raises(ValidationError):
        attendance_record(session=session, present_ids=[], by_user=assistant, headcounts={"martians": 1})


def test_week_page_lists_todays_session_for_an_assistant(client, assistant, session):
    client.force_login(assistant)
    page = client.get("/staff/programs/")
    assert page.status_code == 200
    assert "Teen coding club" in page.content.decode()
    assert 'href="/staff/programs/"' in page.content.decode()  # the Programs link in the staff nav


def test_volunteers_cannot_take_attendance(client, volunteer, session):
    client.force_login(volunteer)
    assert client.get("/staff/programs/").status_code == 403
    assert client.get(f"/staff/programs/sessions/{session.pk}/").status_code == 403


def test_roster_post_saves_attendance_and_walk_ins(client, assistant, session):
    _register(session.program, "Ana", "Ben")
    client.force_login(assistant)
    url = f"/staff/programs/sessions/{session.pk}/"
    assert "Ben" in client.get(url).content.decode()
    response = client.post(url, {"present": _ids("Ben"), "count_13_17": "2", "count_18_64": ""})
    assert response.status_code == 302
    assert {a.participant.first_name: a.present for a in Attendance.objects.select_related("participant")} == {
        "Ana": False,
        "Ben": True,
    }
    assert Headcount.objects.get().count == 2
    assert "1 registered came, 2 counted" in client.get(url).content.decode()


def test_roster_post_with_a_bad_count_saves_nothing(client, assistant, session):
    _register(session.program, "Ana")
    client.force_login(assistant)
    response = client.post(f"/staff/programs/sessions/{session.pk}/", {"present": _ids("Ana"), "count_0_12": "lots"})
    assert response.status_code == 400
    assert "whole number" in response.content.decode()
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("count", ["²", "9" * 5000])
def test_roster_post_with_a_count_that_is_not_a_plain_number_saves_nothing(client, assistant, session, count):
    _register(session.program, "Ana")
    client.force_login(assistant)
    response = client.post(f"/staff/programs/sessions/{session.pk}/", {"present": _ids("Ana"), "count_0_12": count})
    assert response.status_code == 400
    assert "whole number" in response.content.decode()
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("present", ["²", "9" * 5000])
def test_roster_post_ignores_a_present_mark_that_is_not_an_id(client, assistant, session, present):
    _register(session.program, "Ana")
    client.force_login(assistant)
    response = client.post(f"/staff/programs/sessions/{session.pk}/", {"present": [present], "count_0_12": "1"})
    assert response.status_code == 302
    assert Attendance.objects.get().present is False


def test_roster_costs_the_same_queries_for_few_or_many_participants(client, assistant, session):
    client.force_login(assistant)
    url = f"/staff/programs/sessions/{session.pk}/"
    _register(session.program, "Ana")
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(8):
        _register(session.program, "Ana", "Ben")
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(small) == len(large)


def test_a_cancelled_session_takes_no_attendance(client, session, assistant, coordinator):
    from programs.messaging import session_cancel

    _register(session.program, "Ana")
    session_cancel(session=session, reason="The instructor is ill.", by=coordinator)
    with pytest.raises(ValidationError, match="This session was cancelled"):
        attendance_record(session=session, present_ids=_ids("Ana"), by_user=assistant, headcounts={AgeGroup.TEENS: 2})
    client.force_login(assistant)
    response = client.post(f"/staff/programs/sessions/{session.pk}/", {"present": _ids("Ana"), "count_13_17": "2"})
    assert "This session was cancelled, so there is no attendance to record." in response.content.decode()
    assert not Attendance.objects.exists()
    assert not Headcount.objects.exists()


def test_coming_to_the_seed_saving_orientation_lets_the_card_holder_borrow_seed(db, assistant):
    from seedlibrary.models import Orientation
    from seedlibrary.selectors import patron_has_orientation

    program = ProgramFactory(
        title="Seed-saving orientation",
        audience="families",
        min_age=None,
        max_age=None,
        grants_seed_orientation=True,
        places_per_registration=2,
    )
    start = timezone.now() + dt.timedelta(hours=1)
    session = Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    came, absent, only_child = (
        registration_create(
            program=program,
            details=RegistrantDetails(
                card_number=card_number_make(n),
                name=f"Gardener {n}",
                email=f"gardener{n}@example.net",
                participants=[ParticipantDetails(first_name=first_name, age=age, is_child=is_child)],
            ),
        )
        for n, first_name, age, is_child in (
            (31_001, "Rosa", None, False),
            (31_002, "Sam", None, False),
            (31_003, "Kid", 9, True),
        )
    )
    attendance_record(session=session, present_ids=_ids("Rosa", "Kid"), by_user=assistant)
    assert patron_has_orientation(came.patron)
    assert not patron_has_orientation(absent.patron)
    assert not patron_has_orientation(only_child.patron)
    orientation = Orientation.objects.get()
    assert (orientation.source, orientation.completed_on) == (Orientation.Source.PROGRAM, timezone.localdate(start))
    # Saving the roster again records nothing twice.
    attendance_record(session=session, present_ids=_ids("Rosa", "Kid"), by_user=assistant)
    assert Orientation.objects.count() == 1


def test_other_programs_do_not_count_as_the_orientation(db, assistant):
    from seedlibrary.models import Orientation

    program = ProgramFactory(audience="adults", min_age=None, max_age=None)
    start = timezone.now() + dt.timedelta(hours=1)
    session = Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    details = RegistrantDetails(
        card_number=card_number_make(31_010),
        name="Rosa Gardener",
        email="rosa@example.net",
        participants=[ParticipantDetails(first_name="Rosa")],
    )
    registration_create(program=program, details=details)
    assert attendance_record(session=session, present_ids=_ids("Rosa"), by_user=assistant) == 1
    assert not Orientation.objects.exists()
