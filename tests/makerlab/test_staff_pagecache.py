"""Staff pages served from the cache to the person who opened them: never stale after a write, never shared.

Each write runs inside ``django_capture_on_commit_callbacks(execute=True)``, as in test_pagecache: a test's
transaction never commits, and the version bumps then run as they do after a commit.
"""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from bookings.models import Booking
from staffing.models import HoursEntry
from staffing.services import hours_decide
from tests.factories import StaffMemberFactory, at, booking_form_data, build_desk

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE = True


@pytest.fixture
def day():
    return timezone.localdate() + dt.timedelta(days=2)


@pytest.fixture
def service(day):
    return build_desk([day])


@pytest.fixture
def desk(assistant) -> Client:
    desk = Client()
    desk.force_login(assistant)
    return desk


def _agenda(day: dt.date) -> str:
    return f"{reverse('bookings_staff:agenda')}?day={day.isoformat()}"


def _queries(do) -> tuple[int, str]:
    """How many queries a look took, and the page without its CSRF tokens (each look masks them afresh)."""
    with CaptureQueriesContext(connection) as queries:
        text = do().text
    return len(queries), re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


def _book(client: Client, service, starts_at: dt.datetime, **fields) -> None:
    booked = client.post(reverse("bookings:book", args=[service.slug]), booking_form_data(starts_at, **fields))
    assert booked.status_code == 302


def test_the_second_look_at_a_staff_page_is_not_rendered_again(desk, day, service):
    first_count, first = _queries(lambda: desk.get(_agenda(day)))
    again_count, again = _queries(lambda: desk.get(_agenda(day)))
    assert again == first
    assert again_count < first_count, "only the login is looked up again"


def test_a_booking_shows_on_the_desk_agenda_at_once(client, desk, day, service, django_capture_on_commit_callbacks):
    assert "Doris Campbell" not in desk.get(_agenda(day)).text
    with django_capture_on_commit_callbacks(execute=True):
        _book(client, service, at(day, 14))
    assert "Doris Campbell" in desk.get(_agenda(day)).text


def test_a_patrons_new_name_shows_at_once(client, desk, day, service, django_capture_on_commit_callbacks):
    """A patron's record is shown by staff pages only: its change makes them stale too."""
    with django_capture_on_commit_callbacks(execute=True):
        _book(client, service, at(day, 14))
    assert "Doris Campbell" in desk.get(_agenda(day)).text
    booking = Booking.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        booking.contact_name = "Doris Campbell-Reyes"
        booking.save(update_fields=["contact_name"])
    assert "Doris Campbell-Reyes" in desk.get(_agenda(day)).text


def test_one_persons_page_is_never_served_to_another(client, day, service, django_capture_on_commit_callbacks):
    """ "My desk sessions" of someone with no booking, then of the person the booking is with, at the same address."""
    with django_capture_on_commit_callbacks(execute=True):
        _book(client, service, at(day, 14))
    helper = Booking.objects.get().staff_member.user
    helper.groups.add(Group.objects.get(name="Library assistant"))
    mine = f"{reverse('bookings_staff:agenda_mine')}?day={day.isoformat()}"
    pages = []
    for person in (StaffMemberFactory().user, helper):
        person.groups.add(Group.objects.get(name="Library assistant"))
        looking = Client()
        looking.force_login(person)
        pages.append(looking.get(mine).text)
    assert "Doris Campbell" not in pages[0]
    assert "Doris Campbell" in pages[1]


def test_access_is_checked_before_the_cache(assistant, desk, day, service, django_capture_on_commit_callbacks):
    assert desk.get(_agenda(day)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assistant.groups.remove(Group.objects.get(name="Library assistant"))
    assert desk.get(_agenda(day)).status_code == 403


def test_a_page_with_a_message_waiting_is_rendered_for_it(
    client, desk, day, service, django_capture_on_commit_callbacks
):
    """A refusal changes nothing, so the agenda's copy is still current: the message must show all the same."""
    with django_capture_on_commit_callbacks(execute=True):
        _book(client, service, at(day, 14))
    agenda = _agenda(day)
    cancel = reverse("bookings_staff:cancel", args=[Booking.objects.get().pk])
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(cancel, {"next": agenda})
    desk.get(agenda)  # shows the "Cancelled" message
    desk.get(agenda)  # kept in the cache
    kept, _ = _queries(lambda: desk.get(agenda))

    answer = desk.post(cancel, {"next": agenda}, follow=True)

    assert answer.redirect_chain[-1][0] == agenda
    messages = [escape(str(message)) for message in answer.context["messages"]]
    assert messages and all(message in answer.text for message in messages)
    assert _queries(lambda: desk.get(agenda))[0] == kept, "once shown, the message is gone and the copy serves again"


def test_a_page_lasts_until_the_minute_ends(desk, day, service, time_machine):
    time_machine.move_to(timezone.now().replace(second=5), tick=False)
    first_count, _ = _queries(lambda: desk.get(_agenda(day)))
    time_machine.move_to(timezone.now().replace(second=59), tick=False)
    assert _queries(lambda: desk.get(_agenda(day)))[0] < first_count
    time_machine.move_to(timezone.now() + dt.timedelta(seconds=2), tick=False)
    assert _queries(lambda: desk.get(_agenda(day)))[0] == first_count, "a new minute renders the page again"


def test_without_the_page_cache_every_look_is_rendered(settings, desk, day, service):
    settings.PAGE_CACHE = False
    first_count, _ = _queries(lambda: desk.get(_agenda(day)))
    assert _queries(lambda: desk.get(_agenda(day)))[0] == first_count


def test_a_coordinators_approval_of_hours_shows_at_once(coordinator, django_capture_on_commit_callbacks):
    """Approving hours writes through an update that sends no signal: the service makes the pages stale."""
    worker = StaffMemberFactory(user__first_name="Ahmed", user__last_name="Haddad")
    entry = HoursEntry.objects.create(
        staff_member=worker, day=timezone.localdate(), hours=2, activity="Sorted the seed returns"
    )
    approvals = Client()
    approvals.force_login(coordinator)
    url = reverse("staffing:hours_approve")
    assert "Ahmed Haddad" in approvals.get(url).text
    with django_capture_on_commit_callbacks(execute=True):
        assert hours_decide(entry_ids=[entry.pk], approve=True, by=coordinator) == 1
    assert "Ahmed Haddad" not in approvals.get(url).text


def test_someone_logging_in_leaves_the_others_pages_in_the_cache(
    desk, day, service, coordinator, django_capture_on_commit_callbacks
):
    """A login records only its time, which no page shows: the assistant's agenda stays served from the cache."""
    rendered, _ = _queries(lambda: desk.get(_agenda(day)))
    kept, _ = _queries(lambda: desk.get(_agenda(day)))
    assert kept < rendered
    with django_capture_on_commit_callbacks(execute=True):
        Client().force_login(coordinator)
    assert _queries(lambda: desk.get(_agenda(day)))[0] == kept
