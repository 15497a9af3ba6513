import datetime as dt

import pytest
from django.contrib.admin import helpers
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from makerlab.formatting import day_text
from programs.models import AgeGroup, Attendance, Headcount, PartnerSite, Program, Registration, Session
from programs.services.registration import ParticipantDetails
from tests.factories import ProgramFactory, StaffMemberFactory
from tests.factories import registration_for as _register
from tests.programs.test_selling import change_form, change_url

Status = Registration.Status


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def _grow(model: str, count: int) -> None:
    for _ in range(count):
        program = ProgramFactory()
        program.facilitators.add(StaffMemberFactory())
        start = timezone.now() + dt.timedelta(days=3)
        session = Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=1))
        registration = _register(program)
        Attendance.objects.create(session=session, participant=registration.participants.get(), present=True)
        Headcount.objects.create(session=session, age_group=AgeGroup.TEENS, count=4)
        PartnerSite.objects.create(
            name="Seniors' centre",
            organisation="City",
            street_address="1 Main St",
            city="Guelph",
            postal_code="N1H 1A1",
        )


@pytest.mark.parametrize("model", ["program", "registration", "attendance", "headcount", "partnersite"])
def test_changelists_cost_the_same_queries_at_any_size(coordinator_client, model):
    url = f"/admin/programs/{model}/"
    _grow(model, 2)
    with CaptureQueriesContext(connection) as small:
        assert coordinator_client.get(url).status_code == 200
    _grow(model, 10)
    with CaptureQueriesContext(connection) as large:
        assert coordinator_client.get(url).status_code == 200
    assert len(small) == len(large), f"{model}: {len(small)} then {len(large)}"


def _weekly(program: Program, first: dt.date, weeks: int, hour: int = 18) -> list[Session]:
    zone = program.branch.zone
    sessions = []
    for week in range(weeks):
        start = dt.datetime.combine(first + dt.timedelta(weeks=week), dt.time(hour), tzinfo=zone)
        sessions.append(
            Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(minutes=90))
        )
    return sessions


def test_two_runs_of_a_program_are_told_apart_by_their_dates_and_next_session(coordinator_client, now):
    today = timezone.localdate(now)
    autumn = ProgramFactory(title="Sewing machine basics", slug="sewing-autumn")
    winter = ProgramFactory(title="Sewing machine basics", slug="sewing-winter")
    autumn_sessions = _weekly(autumn, today - dt.timedelta(days=20), 6)  # three done, three to come
    _weekly(winter, today + dt.timedelta(days=60), 4)
    cancelled = autumn_sessions[3]
    cancelled.cancelled_at = now
    cancelled.save()
    response = coordinator_client.get("/admin/programs/program/")
    assert response.status_code == 200
    rows = {program.pk: program for program in response.context["cl"].result_list}
    assert list(rows) == [autumn.pk, winter.pk]  # same title: the earlier run first
    html = response.content.decode()
    first = today - dt.timedelta(days=20)
    assert _range(first, first + dt.timedelta(weeks=5)) in html
    coming = autumn_sessions[4].starts_at.astimezone(autumn.branch.zone).date()
    assert f"{day_text(coming, today=today)} at 6:00 p.m." in html
    winter_first = today + dt.timedelta(days=60)
    assert f"{day_text(winter_first, today=today)} at 6:00 p.m." in html
    by_dates = coordinator_client.get("/admin/programs/program/", {"o": "-2"})  # the dates column, latest first
    assert [program.pk for program in by_dates.context["cl"].result_list] == [winter.pk, autumn.pk]


def _range(first: dt.date, last: dt.date) -> str:
    if first.year == last.year:
        return f"{first.day} {first:%B} to {last.day} {last:%B %Y}"
    return f"{first.day} {first:%B %Y} to {last.day} {last:%B %Y}"


def test_a_program_with_no_sessions_to_come_says_so(coordinator_client, now):
    done = ProgramFactory(title="Finished")
    _weekly(done, timezone.localdate(now) - dt.timedelta(days=40), 2)
    ProgramFactory(title="Not scheduled yet")
    html = coordinator_client.get("/admin/programs/program/").content.decode()
    assert "No sessions yet" in html and "None to come" in html


def test_program_change_page_opens(coordinator_client):
    program = ProgramFactory()
    program.facilitators.add(StaffMemberFactory())
    assert coordinator_client.get(f"/admin/programs/program/{program.pk}/change/").status_code == 200


def test_registrations_are_not_added_or_deleted_in_the_admin(coordinator_client):
    registration = _register(ProgramFactory())
    assert coordinator_client.get("/admin/programs/registration/add/").status_code == 403
    page = coordinator_client.get(f"/admin/programs/registration/{registration.pk}/change/")
    assert page.status_code == 200
    assert "Ana" in page.content.decode()
    assert coordinator_client.get(f"/admin/programs/registration/{registration.pk}/delete/").status_code == 403


def test_roster_csv_has_contacts_children_and_consent(coordinator_client):
    program = ProgramFactory(places_per_registration=4)
    registration = _register(
        program,
        name="=Maria Lopez",
        participants=[
            ParticipantDetails(first_name="Ana", age=13, is_child=True),
            ParticipantDetails(first_name="Luis", age=15, is_child=True),
        ],
        accommodations="Needs a quiet space",
        photo_consent=True,
    )
    response = coordinator_client.post(
        "/admin/programs/registration/",
        {"action": "export_csv", helpers.ACTION_CHECKBOX_NAME: [registration.pk]},
    )
    body = b"".join(response.streaming_content).decode()
    header, row = body.strip().splitlines()
    assert header.startswith("program,registration,status,contact name,email,phone,places")
    assert "'=Maria Lopez" in row  # never a spreadsheet formula
    assert "Ana (13); Luis (15)" in row
    assert "Needs a quiet space" in row
    assert row.endswith(",yes")


def test_cancel_action_gives_the_place_to_the_waitlist(coordinator_client):
    program = ProgramFactory(capacity=1, automatic_enrolment=True)
    first, waiting = _register(program), _register(program)
    assert waiting.status == Status.WAITLISTED
    coordinator_client.post(
        "/admin/programs/registration/", {"action": "cancel", helpers.ACTION_CHECKBOX_NAME: [first.pk]}
    )
    first.refresh_from_db()
    waiting.refresh_from_db()
    assert first.status == Status.CANCELLED
    assert waiting.status == Status.CONFIRMED


def test_assistants_cannot_cancel_or_export_from_the_admin(client, assistant):
    registration = _register(ProgramFactory())
    client.force_login(assistant)
    client.post("/admin/programs/registration/", {"action": "cancel", helpers.ACTION_CHECKBOX_NAME: [registration.pk]})
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED
    export = client.post(
        "/admin/programs/registration/", {"action": "export_csv", helpers.ACTION_CHECKBOX_NAME: [registration.pk]}
    )
    assert export.get("Content-Type", "").startswith("text/html")
    assert registration.contact_email not in export.content.decode()


def test_duplicate_asks_for_weeks_then_copies(coordinator_client):
    program = ProgramFactory(title="Sewing basics", slug="sewing-basics")
    start = dt.datetime(2026, 3, 3, 18, 0, tzinfo=dt.UTC)
    Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    selection = {"action": "duplicate", helpers.ACTION_CHECKBOX_NAME: [program.pk]}
    page = coordinator_client.post("/admin/programs/program/", selection)
    assert page.status_code == 200
    assert "Move the sessions by this many weeks" in page.content.decode()
    assert Program.objects.count() == 1
    coordinator_client.post("/admin/programs/program/", {**selection, "apply": "1", "weeks": "10"})
    copy = Program.objects.exclude(pk=program.pk).get()
    assert not copy.is_published
    # 1 p.m. in Toronto stays 1 p.m. after the clocks go forward
    assert copy.sessions.get().starts_at == start + dt.timedelta(weeks=10, hours=-1)


def test_messages_sent_are_a_read_only_record(coordinator_client, coordinator):
    from programs.services.messaging import program_message_send

    program = ProgramFactory()
    _register(program)
    message = program_message_send(
        program=program, audience="registered", subject="Bring a laptop", body="Line one\nLine two", by=coordinator
    )
    assert coordinator_client.get("/admin/programs/programmessage/add/").status_code == 403
    page = coordinator_client.get(f"/admin/programs/programmessage/{message.pk}/change/")
    assert page.status_code == 200
    assert "Line one" in page.content.decode() and 'name="subject"' not in page.content.decode()
    assert coordinator_client.get(f"/admin/programs/programmessage/{message.pk}/delete/").status_code == 403
    assert coordinator_client.post(f"/admin/programs/programmessage/{message.pk}/change/", {}).status_code == 403


def test_sessions_are_not_edited_or_deleted_outside_their_program(coordinator_client):
    program = ProgramFactory()
    start = timezone.now() + dt.timedelta(days=2)
    session = Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    page = coordinator_client.get(f"/admin/programs/session/{session.pk}/change/").content.decode()
    assert f"/admin/programs/session/{session.pk}/move/" in page and 'name="starts_at"' not in page
    assert coordinator_client.get(f"/admin/programs/session/{session.pk}/delete/").status_code == 403
    assert coordinator_client.get("/admin/programs/session/add/").status_code == 403


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_the_program_list_with_dates_is_accessible(page, coordinator, assert_accessible, width):
    from playwright.sync_api import expect

    from tests.conftest import PASSWORD

    today = timezone.localdate()
    _weekly(ProgramFactory(title="Sewing machine basics", slug="sewing-a"), today - dt.timedelta(days=20), 6)
    _weekly(ProgramFactory(title="Sewing machine basics", slug="sewing-b"), today + dt.timedelta(days=60), 4)
    ProgramFactory(title="Not scheduled yet")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/admin/programs/program/")
    expect(page.locator("#result_list")).to_contain_text("at 6:00 p.m.")
    expect(page.locator("#result_list")).to_contain_text("No sessions yet")
    assert_accessible(page)


# A program's capacity: changed through programs.services.program_capacity_change, with the program locked.


def test_raising_the_capacity_offers_the_new_places_to_the_waitlist(
    coordinator_client, django_capture_on_commit_callbacks
):
    program = ProgramFactory(capacity=1, offer_hours=24)
    first, waiting = _register(program), _register(program)
    assert waiting.status == Status.WAITLISTED
    mail.outbox.clear()
    data = change_form(coordinator_client, program, capacity="2")
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(change_url(program), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    program.refresh_from_db()
    waiting.refresh_from_db()
    assert program.capacity == 2
    assert waiting.status == Status.OFFERED
    assert [message.to for message in mail.outbox] == [[waiting.contact_email]]
    assert waiting.offer_token in mail.outbox[0].body
    first.refresh_from_db()
    assert first.status == Status.CONFIRMED


def test_lowering_the_capacity_below_the_places_held_is_refused_on_the_form(coordinator_client):
    program = ProgramFactory(capacity=3)
    _register(program), _register(program)
    response = coordinator_client.post(change_url(program), change_form(coordinator_client, program, capacity="1"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert [error.code for error in form.errors.as_data()["capacity"]] == ["below_places_held"]
    assert "Registrations hold 2 places in this program, so the capacity cannot be less than 2." in (
        response.content.decode()
    )
    program.refresh_from_db()
    assert program.capacity == 3


def test_lowering_the_capacity_to_the_places_held_is_allowed(coordinator_client):
    program = ProgramFactory(capacity=3)
    _register(program), _register(program)
    response = coordinator_client.post(change_url(program), change_form(coordinator_client, program, capacity="2"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    program.refresh_from_db()
    assert program.capacity == 2


@pytest.mark.parametrize(
    ("capacity", "code"),
    [
        ("-1", "min_value"),
        ("many", "invalid"),
        ("99999999", "max_value"),
        ("<script>", "invalid"),
        ("0", "below_places_held"),
    ],
)
def test_bad_capacities_are_refused_on_the_form(coordinator_client, capacity, code):
    program = ProgramFactory(capacity=3)
    _register(program)
    response = coordinator_client.post(change_url(program), change_form(coordinator_client, program, capacity=capacity))
    assert response.status_code == 200
    assert [error.code for error in response.context["adminform"].form.errors.as_data()["capacity"]] == [code]
    program.refresh_from_db()
    assert program.capacity == 3
