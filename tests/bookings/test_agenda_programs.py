"""My sessions at the desk list the program sessions I facilitate, in time order with my desk sessions, as the
shifts page and the calendar feed do."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from programs.models import Session
from tests.factories import ProgramFactory, ServiceTypeFactory, StaffMemberFactory, at, make_booking


def session_of(program, starts_at: dt.datetime, **fields) -> Session:
    return Session.objects.create(
        program=program, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2), **fields
    )


def test_my_sessions_show_the_programs_i_facilitate_in_time_order(desk_client, desk_user, branch):
    today = timezone.localdate()
    service = ServiceTypeFactory(branch=branch, name="Tech help: phone, tablet, laptop")
    make_booking(service_type=service, starts_at=at(today, 10), staff_member=desk_user, contact_name="Mei Chen")
    make_booking(service_type=service, starts_at=at(today, 17), staff_member=desk_user, contact_name="Harold Fraser")
    mine = ProgramFactory(title="Robots and rockets", branch=branch, room="Maker room")
    mine.facilitators.add(desk_user)
    session_of(mine, at(today, 14))
    session_of(mine, at(today, 12), cancelled_at=timezone.now())  # cancelled: takes nobody
    session_of(mine, at(today + dt.timedelta(days=1), 14))  # another day
    not_mine = ProgramFactory(title="Sewing circle", branch=branch)
    not_mine.facilitators.add(StaffMemberFactory())
    session_of(not_mine, at(today, 15))

    html = desk_client.get("/staff/desk/mine/").content.decode()
    assert "Sewing circle" not in html
    assert html.count("<strong>Program:</strong>") == 1
    assert html.index("Mei Chen") < html.index("Robots and rockets") < html.index("Harold Fraser")
    assert "2:00 to 4:00 p.m." in html and "Maker room" in html
    # The whole desk's agenda is about desk sessions only.
    assert "Robots and rockets" not in desk_client.get("/staff/desk/").content.decode()


def test_a_day_with_only_a_program_session_shows_it(desk_client, desk_user, branch):
    day = timezone.localdate() + dt.timedelta(days=2)
    program = ProgramFactory(title="Teen coding club", branch=branch)
    program.facilitators.add(desk_user)
    session_of(program, at(day, 18))
    html = desk_client.get("/staff/desk/mine/", {"day": f"{day:%Y-%m-%d}"}).content.decode()
    assert "Teen coding club" in html and "No sessions" not in html


def test_my_sessions_cost_the_same_with_more_program_sessions(desk_client, desk_user, branch):
    today = timezone.localdate()
    service = ServiceTypeFactory(branch=branch)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = desk_client.get("/staff/desk/mine/")
        assert response.status_code == 200
        return len(queries)

    def add(n: int, first_hour: int) -> None:
        for index in range(n):
            program = ProgramFactory(branch=branch)
            program.facilitators.add(desk_user)
            session_of(program, at(today, first_hour + index))
            make_booking(
                service_type=service,
                starts_at=at(today, first_hour + index),
                staff_member=desk_user,
            )

    add(1, 7)
    small = count()
    add(10, 9)
    assert count() == small
