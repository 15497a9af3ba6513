"""Taking attendance: who came and the headcounts, never saved before a session starts, nobody absent before it ends."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from makerlab.cards import card_number_make
from programs.models import AgeGroup, Attendance, Headcount, Participant, Registration, Session
from programs.services.attendance import attendance_record, registration_mark_present
from programs.services.registration import (
    ParticipantDetails,
    RegistrantDetails,
    registration_cancel,
    registration_create,
)
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
    """A two-hour session that started half an hour ago."""
    program = ProgramFactory(title="Teen coding club", places_per_registration=4)
    start = timezone.now() - dt.timedelta(minutes=30)
    return Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=2))


def _marks(session) -> dict[str, bool]:
    rows = Attendance.objects.filter(session=session).select_related("participant")
    return {a.participant.first_name: a.present for a in rows}


def _ids(*names: str) -> list[int]:
    return list(Participant.objects.filter(first_name__in=names).values_list("pk", flat=True))


def test_after_the_end_everyone_registered_is_marked_present_or_absent(session, assistant):
    _register(session.program, "Ana", "Ben")
    _register(session.program, "Chloe")
    after = session.ends_at + dt.timedelta(minutes=5)
    came = attendance_record(session=session, present_ids=_ids("Ana", "Chloe"), by=assistant, now=after)
    assert came == 2
    assert _marks(session) == {"Ana": True, "Ben": False, "Chloe": True}
    assert set(Attendance.objects.values_list("marked_by", flat=True)) == {assistant.pk}


def test_before_the_start_attendance_is_refused_and_nothing_is_saved(session, assistant):
    _register(session.program, "Ana", "Ben")
    before = session.starts_at - dt.timedelta(minutes=1)
    with pytest.raises(ValidationError) as refused:
        attendance_record(
            session=session, present_ids=_ids("Ana"), by=assistant, headcounts={AgeGroup.TEENS: 2}, now=before
        )
    assert refused.value.code == "not_started"
    assert "You can save it from" in refused.value.messages[0]
    assert not Attendance.objects.exists()
    assert not Headcount.objects.exists()


def test_during_the_session_nobody_is_marked_absent(session, assistant):
    _register(session.program, "Ana", "Ben")
    assert attendance_record(session=session, present_ids=_ids("Ana"), by=assistant, now=session.starts_at) == 1
    assert _marks(session) == {"Ana": True}
    # Ana was ticked by mistake: unticking her while the session is on puts her back to "not marked yet".
    just_before_the_end = session.ends_at - dt.timedelta(seconds=1)
    attendance_record(session=session, present_ids=_ids("Ben"), by=assistant, now=just_before_the_end)
    assert _marks(session) == {"Ben": True}
    # Saved once it has ended, the people still unticked are absent.
    attendance_record(session=session, present_ids=_ids("Ben"), by=assistant, now=session.ends_at)
    assert _marks(session) == {"Ana": False, "Ben": True}


def test_a_check_in_at_the_door_since_the_roster_was_opened_is_kept(session, assistant):
    first, _ = _register(session.program, "Ana"), _register(session.program, "Ben")
    shown_present: list[int] = []  # the tablet opened the roster before Ana checked in
    assert registration_mark_present(session=session, registration=first, by=None) == 1
    came = attendance_record(session=session, present_ids=_ids("Ben"), shown_present=shown_present, by=assistant)
    assert came == 2
    assert _marks(session) == {"Ana": True, "Ben": True}
    # Shown ticked and then unticked on the tablet: that is a correction, and it counts.
    attendance_record(session=session, present_ids=_ids("Ben"), shown_present=_ids("Ana", "Ben"), by=assistant)
    assert _marks(session) == {"Ben": True}


def test_check_in_opens_half_an_hour_before_the_start_and_closes_at_the_end(session, assistant):
    registration = _register(session.program, "Ana", "Ben")
    with pytest.raises(ValidationError) as refused:
        registration_mark_present(
            session=session, registration=registration, by=None, now=session.starts_at - dt.timedelta(minutes=31)
        )
    assert refused.value.code == "too_early"
    half_an_hour_before = session.starts_at - dt.timedelta(minutes=30)
    assert registration_mark_present(session=session, registration=registration, by=None, now=half_an_hour_before)
    assert _marks(session) == {"Ana": True, "Ben": True}
    # Twice is once; and a check-in never marks anyone absent.
    registration_mark_present(session=session, registration=registration, by=assistant)
    assert Attendance.objects.count() == 2
    with pytest.raises(ValidationError) as refused:
        registration_mark_present(session=session, registration=registration, by=None, now=session.ends_at)
    assert refused.value.code == "session_over"


def test_check_in_refuses_a_registration_without_a_place(session):
    cancelled = _register(session.program, "Ana")
    registration_cancel(registration=cancelled)
    other = _register(ProgramFactory(), "Zed")
    for registration in (cancelled, other):
        with pytest.raises(ValidationError) as refused:
            registration_mark_present(session=session, registration=registration, by=None)
        assert refused.value.code == "not_registered"
    assert not Attendance.objects.exists()


def test_saving_again_corrects_the_roster_and_headcounts(session, assistant):
    _register(session.program, "Ana")
    attendance_record(session=session, present_ids=[], by=assistant, headcounts={AgeGroup.TEENS: 3})
    attendance_record(session=session, present_ids=_ids("Ana"), by=assistant, headcounts={AgeGroup.ADULTS: 2})
    assert Attendance.objects.get().present
    assert {(h.age_group, h.count) for h in Headcount.objects.all()} == {(AgeGroup.ADULTS, 2)}


def test_cancelled_registrations_are_not_on_the_roster(session, assistant):
    registration = _register(session.program, "Ana")
    registration_cancel(registration=registration)
    with pytest.raises(ValidationError) as refused:
        attendance_record(session=session, present_ids=_ids("Ana"), by=assistant)
    assert refused.value.code == "not_registered"
    assert not Attendance.objects.exists()


def test_someone_from_another_program_cannot_be_marked(session, assistant):
    _register(ProgramFactory(), "Zed")
    with pytest.raises(ValidationError) as refused:
        attendance_record(session=session, present_ids=_ids("Zed"), by=assistant)
    assert refused.value.code == "not_registered"


def test_implausible_headcounts_are_refused(session, assistant):
    with pytest.raises(ValidationError) as refused:
        attendance_record(session=session, present_ids=[], by=assistant, headcounts={AgeGroup.TEENS: 5000})
    assert refused.value.code == "headcount_range"
    with pytest.raises(ValidationError) as refused:
        attendance_record(session=session, present_ids=[], by=assistant, headcounts={"martians": 1})
    assert refused.value.code == "unknown_age_group"


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


def test_roster_post_during_the_session_saves_who_came_and_walk_ins(client, assistant, session):
    _register(session.program, "Ana", "Ben")
    client.force_login(assistant)
    url = f"/staff/programs/sessions/{session.pk}/"
    page = client.get(url).content.decode()
    assert "Ben" in page and "The session is on until" in page
    response = client.post(url, {"present": _ids("Ben"), "count_13_17": "2", "count_18_64": ""})
    assert response.status_code == 302
    assert _marks(session) == {"Ben": True}
    assert Headcount.objects.get().count == 2
    page = client.get(url).content.decode()
    assert "1 registered came, 2 counted" in page
    assert "not marked yet" in page


def test_roster_post_before_the_start_is_refused_with_the_ticks_kept(client, assistant, session, time_machine):
    _register(session.program, "Ana", "Ben")
    client.force_login(assistant)
    url = f"/staff/programs/sessions/{session.pk}/"
    time_machine.move_to(session.starts_at - dt.timedelta(minutes=10), tick=False)
    page = client.get(url).content.decode()
    assert "This session has not started yet." in page
    assert "attendance can be saved only once the session starts" in page
    response = client.post(url, {"present": _ids("Ben"), "count_13_17": "2"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This session has not started yet, so attendance cannot be saved as taken." in page
    (ben,) = _ids("Ben")
    (ana,) = _ids("Ana")
    assert f'value="{ben}" id="present-{ben}" checked' in page
    assert f'value="{ana}" id="present-{ana}">' in page
    assert 'id="count-13_17" value="2"' in page
    assert not Attendance.objects.exists()
    assert not Headcount.objects.exists()


def test_roster_post_after_the_end_marks_the_unticked_absent(client, assistant, session, time_machine):
    _register(session.program, "Ana", "Ben")
    client.force_login(assistant)
    url = f"/staff/programs/sessions/{session.pk}/"
    time_machine.move_to(session.ends_at + dt.timedelta(hours=3), tick=False)
    assert "The session has ended." in client.get(url).content.decode()
    assert client.post(url, {"present": _ids("Ben")}).status_code == 302
    assert _marks(session) == {"Ana": False, "Ben": True}
    assert "absent" in client.get(url).content.decode()


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
    assert not Attendance.objects.exists()
    assert Headcount.objects.get().count == 1


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
    from programs.services.messaging import session_cancel

    _register(session.program, "Ana")
    session_cancel(session=session, reason="The instructor is ill.", by=coordinator)
    with pytest.raises(ValidationError) as refused:
        attendance_record(session=session, present_ids=_ids("Ana"), by=assistant, headcounts={AgeGroup.TEENS: 2})
    assert refused.value.code == "cancelled"
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
    start = timezone.now() - dt.timedelta(minutes=30)
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
    attendance_record(session=session, present_ids=_ids("Rosa", "Kid"), by=assistant)
    assert patron_has_orientation(came.patron)
    assert not patron_has_orientation(absent.patron)
    assert not patron_has_orientation(only_child.patron)
    orientation = Orientation.objects.get()
    assert (orientation.source, orientation.completed_on) == (Orientation.Source.PROGRAM, timezone.localdate(start))
    # Saving the roster again records nothing twice.
    attendance_record(session=session, present_ids=_ids("Rosa", "Kid"), by=assistant)
    assert Orientation.objects.count() == 1


def test_other_programs_do_not_count_as_the_orientation(db, assistant):
    from seedlibrary.models import Orientation

    program = ProgramFactory(audience="adults", min_age=None, max_age=None)
    start = timezone.now() - dt.timedelta(minutes=30)
    session = Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    details = RegistrantDetails(
        card_number=card_number_make(31_010),
        name="Rosa Gardener",
        email="rosa@example.net",
        participants=[ParticipantDetails(first_name="Rosa")],
    )
    registration_create(program=program, details=details)
    assert attendance_record(session=session, present_ids=_ids("Rosa"), by=assistant) == 1
    assert not Orientation.objects.exists()


@pytest.mark.parametrize("shown", ["²", "9" * 5000, "-1", "<script>"])
def test_roster_post_ignores_a_shown_mark_that_is_not_an_id(client, assistant, session, shown):
    _register(session.program, "Ana")
    client.force_login(assistant)
    response = client.post(
        f"/staff/programs/sessions/{session.pk}/", {"present": _ids("Ana"), "shown_present": [shown]}
    )
    assert response.status_code == 302
    assert _marks(session) == {"Ana": True}


def test_roster_of_no_such_session_is_not_found(client, assistant):
    client.force_login(assistant)
    assert client.get("/staff/programs/sessions/999999999/").status_code == 404
    assert client.post("/staff/programs/sessions/999999999/", {"present": ["1"]}).status_code == 404


def test_a_roster_opened_before_a_check_in_and_saved_after_keeps_it(client, assistant, session):
    first, _ = _register(session.program, "Ana"), _register(session.program, "Ben")
    client.force_login(assistant)
    url = f"/staff/programs/sessions/{session.pk}/"
    page = client.get(url).content.decode()
    assert 'name="shown_present" value=""' in page
    registration_mark_present(session=session, registration=first, by=None)
    assert client.post(url, {"present": _ids("Ben"), "shown_present": [""]}).status_code == 302
    assert _marks(session) == {"Ana": True, "Ben": True}
    # Opened again, Ana is shown ticked; unticking her now is a correction.
    shown = _ids("Ana", "Ben")
    assert client.post(url, {"present": _ids("Ben"), "shown_present": ["", *shown]}).status_code == 302
    assert _marks(session) == {"Ben": True}
