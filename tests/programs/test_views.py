import datetime as dt
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from makerlab.cards import card_number_make
from makerlab.models import Patron
from makerlab.refusals import PUBLIC_ANSWER
from programs.models import Audience, Category, Participant, PartnerSite, Program, Registration, Session
from programs.services.registration import (
    ParticipantDetails,
    RegistrantDetails,
    registration_cancel,
    registration_create,
)
from tests.factories import BranchFactory, ProgramFactory, register_url, with_sessions
from tests.factories import registration_form_data as form
from tests.outbox import card_refusal_text
from tests.refusals import refusal_codes

Status = Registration.Status


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def kids(db):
    return with_sessions(
        ProgramFactory(
            title="Little makers",
            slug="little-makers",
            audience=Audience.CHILDREN,
            category=Category.CRAFTS,
            min_age=6,
            max_age=10,
            capacity=3,
            waitlist_capacity=4,
            places_per_registration=3,
            accessibility="Step-free entrance.",
            materials="Bring an old T-shirt.",
        ),
        days=(3, 10),
    )


@pytest.fixture
def teens(db):
    return with_sessions(ProgramFactory(title="Teen coding", slug="teen-coding"), days=(5,))


# --- Calendar and program page -----------------------------------------------------------------------------


def test_calendar_lists_programs_with_next_session_and_places(client, kids, teens):
    drop_in = with_sessions(ProgramFactory(title="Open studio", slug="open-studio", registration_required=False))
    with_sessions(ProgramFactory(title="Hidden", slug="hidden", is_published=False))
    response = client.get(reverse("programs:list"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Little makers" in text and "Teen coding" in text and drop_in.title in text
    assert "Hidden" not in text
    assert "3 places left" in text and "Drop in, no registration" in text
    assert (timezone.localdate() + dt.timedelta(days=3)).strftime("%A") in text
    assert text.count("<h1") == 1


def test_calendar_filters_by_audience_age_category_and_place(client, kids, teens):
    site = PartnerSite.objects.create(
        name="Eastside Community Centre", organisation="City", street_address="1 Main", city="Guelph", postal_code="N1H"
    )
    outreach = with_sessions(ProgramFactory(title="Seed library", slug="seed", branch=None, partner_site=site))
    url = reverse("programs:list")

    def titles(**params):
        return {row.program.title for row in client.get(url, params).context["rows"]}

    assert titles(audience="children") == {"Little makers"}
    assert titles(age="8") == {"Little makers"}
    assert titles(age="15") == {"Teen coding", outreach.title}
    assert titles(age="40") == set()
    assert titles(category="crafts") == {"Little makers"}
    assert titles(where=f"site-{site.pk}") == {"Seed library"}
    assert titles(where=f"branch-{kids.branch_id}") == {"Little makers"}
    later = timezone.localdate() + dt.timedelta(days=9)
    assert titles(starts_after=later.isoformat()) == {"Little makers"}
    soon = timezone.localdate() + dt.timedelta(days=4)
    assert titles(starts_before=soon.isoformat()) == {"Little makers", "Seed library"}
    # Bad values are shown as errors and ignored, never a server error.
    response = client.get(url, {"age": "<script>", "audience": "robots", "starts_after": "soon"})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()


def test_full_program_shows_waitlist_then_full(client, kids):
    for n in range(3):
        registration_create(program=kids, details=details(n + 10))
    assert "Waitlist" in client.get(reverse("programs:list")).content.decode()
    for n in range(4):
        registration_create(program=kids, details=details(n + 20))
    page = client.get(reverse("programs:program", args=[kids.slug])).content.decode()
    assert "Full" in page and reverse("programs:register", args=[kids.slug]) not in page


def test_program_page_shows_sessions_place_accessibility_and_materials(client, kids):
    response = client.get(reverse("programs:program", args=[kids.slug]))
    text = response.content.decode()
    assert "Step-free entrance." in text and "Bring an old T-shirt." in text
    assert kids.branch.name in text and "ages 6 to 10" in text
    assert client.get(reverse("programs:program", args=["nope"])).status_code == 404


def details(sequence, *children):
    return RegistrantDetails(
        card_number=card_number_make(sequence),
        name=f"Parent {sequence}",
        email=f"p{sequence}@example.net",
        participants=[ParticipantDetails(first_name=f"Kid{sequence}", age=7, is_child=True)]
        if not children
        else list(children),
    )


def programs_at_scale(count):
    branch = BranchFactory()
    for n in range(count):
        program = with_sessions(ProgramFactory(branch=branch, capacity=5), days=(2, 9))
        registration_create(
            program=program,
            details=RegistrantDetails(
                card_number=card_number_make(1000 + n),
                name="P Q",
                email="p@example.net",
                participants=[ParticipantDetails(first_name="T", age=14)],
            ),
        )
    return program


@pytest.mark.parametrize("url_name", ["list", "feed"])
def test_query_budget_does_not_grow_with_programs(client, db, url_name):
    programs_at_scale(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(f"programs:{url_name}")).status_code == 200
    programs_at_scale(12)
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse(f"programs:{url_name}")).status_code == 200
    assert len(small) == len(large) <= 5, [q["sql"] for q in large.captured_queries]


def test_program_page_query_budget(client, db):
    program = programs_at_scale(1)
    with_sessions(program, days=range(12, 30))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("programs:program", args=[program.slug])).status_code == 200
    assert len(queries) <= 3


# --- Registering ---------------------------------------------------------------------------------------------


def test_a_parent_registers_two_children(client, kids, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            register_url(kids), form(child_2_name="Grace", child_2_age="9", photo_consent="on", accommodations="Quiet")
        )
    registration = Registration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("programs:registered", args=[registration.manage_token])
    assert registration.status == Status.CONFIRMED and registration.places == 2 and registration.photo_consent
    assert [(p.first_name, p.age, p.is_child) for p in registration.participants.all()] == [
        ("Ada", 7, True),
        ("Grace", 9, True),
    ]
    page = client.get(response["Location"]).content.decode()
    assert "Registered." in page and "Grace, age 9" in page
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.startswith(f"Registered: {kids.title}, ")
    assert registration.manage_token in mail.outbox[0].body


def test_an_adult_registers_themselves_without_an_age(client, db):
    program = with_sessions(ProgramFactory(audience=Audience.ADULTS, min_age=None, max_age=None))
    response = client.post(register_url(program), form(coming="on", child_1_name="", child_1_age=""))
    assert response.status_code == 302
    person = Participant.objects.get()
    assert (person.first_name, person.age, person.is_child) == ("Doris", None, False)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"child_1_age": "4"}, "too_young"),
        ({"child_1_age": "12"}, "too_old"),
        ({"child_1_age": "30"}, "max_value"),
        ({"child_1_age": ""}, "age_missing"),
        ({"child_1_name": "", "child_1_age": ""}, "child_required"),
        ({"child_1_name": "", "child_1_age": "", "coming": "on"}, "child_required"),
        ({"child_1_age": "seven"}, "invalid"),
        ({"child_1_age": "-1"}, "min_value"),
        ({"child_1_age": "99999999999999999999"}, "max_value"),
        ({"join_waitlist": "maybe", "child_1_age": "4"}, "too_young"),
        ({"child_2_name": "", "child_2_age": "8"}, "name_missing"),
        ({"child_2_name": "ada", "child_2_age": "8"}, "listed_twice"),
        ({"email": "not an email"}, "invalid"),
        ({"card_number": "123"}, "length"),
        ({"child_1_name": "<script>alert(1)</script>"}, "markup"),
        ({"name": "Doris\x07Campbell"}, "control"),
        ({"accommodations": "<img src=x onerror=alert(1)>"}, "markup"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_saved(client, kids, overrides, code):
    response = client.post(register_url(kids), form(**overrides))
    text = response.content.decode()
    assert response.status_code == 200
    assert code in refusal_codes(ValidationError(response.context["form"].errors.as_data()))
    assert "<script>alert(1)</script>" not in text
    assert not Registration.objects.exists() and not mail.outbox


def test_a_full_program_puts_the_next_family_on_the_waitlist_with_its_number(
    client, kids, django_capture_on_commit_callbacks
):
    registration_create(program=kids, details=details(50, *[ParticipantDetails("A", 7, True)] * 1))
    registration_create(program=kids, details=details(51))
    registration_create(program=kids, details=details(52))
    registration_create(program=kids, details=details(53))  # waitlist number 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(register_url(kids), form(join_waitlist="on"), follow=True)
    text = response.content.decode()
    assert "On the waitlist, number 2." in text
    assert mail.outbox[-1].subject == f"On the waitlist: {kids.title}"
    assert "number 2" in mail.outbox[-1].body


def test_the_same_child_twice_is_refused_per_person_with_what_to_do(client, kids):
    client.post(register_url(kids), form())
    response = client.post(register_url(kids), form(child_1_name="ada "))
    assert PUBLIC_ANSWER in response.content.decode() and "Ada" not in str(response.context["form"].errors)
    assert Registration.objects.count() == 1
    email = card_refusal_text(Patron.objects.get().email)
    assert "Ada (age 7) is already registered for this program with this library card" in email
    assert "To register a brother or sister, give their name and age instead" in email


def test_honeypot_refuses_and_saves_nothing(client, kids):
    response = client.post(register_url(kids), form(website="http://spam.example"))
    assert response.status_code == 400
    assert not Registration.objects.exists()


def test_rate_limit_per_address_counts_registrations_and_spares_typos(client, kids, settings):
    settings.PUBLIC_POSTS_RATE = "1/10m"
    for _ in range(10):
        assert client.post(register_url(kids), form(email="bad")).status_code == 200
    assert client.post(register_url(kids), form()).status_code == 302
    response = client.post(register_url(kids), form(card_number=card_number_make(77), email="other@example.net"))
    assert response.status_code == 429 and response["Retry-After"]
    assert Registration.objects.count() == 1
    other = client.post(
        register_url(kids), form(card_number=card_number_make(77), email="other@example.net"), REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 302


def test_drop_in_program_has_no_registration_form(client, db):
    program = with_sessions(ProgramFactory(registration_required=False))
    assert client.get(register_url(program)).status_code == 302


# --- Manage, cancel, claim -----------------------------------------------------------------------------------


def test_manage_page_cancels_and_offers_the_place_to_the_next_family(client, kids, django_capture_on_commit_callbacks):
    first = registration_create(program=kids, details=details(60, *[ParticipantDetails("A", 7, True)] * 1))
    registration_create(program=kids, details=details(61))
    registration_create(program=kids, details=details(62))
    waiting = registration_create(program=kids, details=details(63))
    manage = reverse("programs:manage", args=[first.manage_token])
    assert "Cancel my registration" in client.get(manage).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("programs:cancel", args=[first.manage_token]), follow=True)
    assert "is cancelled" in response.content.decode()
    assert "Cancel my registration" not in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Status.OFFERED
    subjects = [m.subject for m in mail.outbox]
    assert f"Cancelled: {kids.title}" in subjects
    offer = next(m for m in mail.outbox if m.subject.startswith("A place opened"))
    claim_url = reverse("programs:claim", args=[waiting.offer_token])
    assert claim_url in offer.body and "held for you until" in offer.body
    # The claim page shows the offer; claiming registers.
    assert "Claim the place" in client.get(claim_url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(claim_url, follow=True)
    assert "The place is yours" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED
    assert mail.outbox[-1].subject.startswith("Registered:")
    # A second cancel of the first is refused politely.
    assert "already cancelled" in client.post(reverse("programs:cancel", args=[first.manage_token])).content.decode()


def test_one_childs_place_is_cancelled_and_goes_to_the_next_family(client, kids, django_capture_on_commit_callbacks):
    siblings = [ParticipantDetails("Ada", 7, True), ParticipantDetails("Grace", 9, True)]
    first = registration_create(program=kids, details=details(90, *siblings))
    assert registration_create(program=kids, details=details(91)).status == Status.CONFIRMED
    waiting = registration_create(program=kids, details=details(92))
    assert waiting.status == Status.WAITLISTED
    grace = first.participants.get(first_name="Grace")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("programs:cancel_person", args=[first.manage_token, grace.pk]), follow=True)
    assert "Grace&#x27;s place is cancelled" in response.content.decode()
    first.refresh_from_db()
    waiting.refresh_from_db()
    assert (first.status, first.places) == (Status.CONFIRMED, 1)
    assert waiting.status == Status.OFFERED
    assert [e.kind for e in first.events.all()] == ["registered", "person_left"]
    assert mail.outbox[0].subject == f"Grace's place cancelled: {kids.title}"
    assert mail.outbox[1].subject.startswith("A place opened")
    # Ada is the only one left: her place goes with the whole registration, not alone.
    ada = first.participants.get()
    response = client.post(reverse("programs:cancel_person", args=[first.manage_token, ada.pk]))
    assert "cancel the registration instead" in response.content.decode()
    first.refresh_from_db()
    assert first.places == 1 and first.participants.count() == 1


def test_cancelling_a_place_refuses_tampered_and_foreign_people(client, kids):
    first = registration_create(
        program=kids, details=details(95, ParticipantDetails("Ada", 7, True), ParticipantDetails("Bo", 8, True))
    )
    other = registration_create(program=kids, details=details(96))
    stranger = other.participants.get()
    for token, pk in ((first.manage_token, stranger.pk), ("x" * 43, first.participants.first().pk)):
        assert client.post(reverse("programs:cancel_person", args=[token, pk])).status_code == 404
    assert client.get(reverse("programs:cancel_person", args=[first.manage_token, stranger.pk])).status_code == 404
    assert client.post(f"/programs/manage/{first.manage_token}/people/99999999999/cancel/").status_code == 404
    first.refresh_from_db()
    assert first.places == 2 and first.participants.count() == 2


def test_expired_offer_says_so(client, kids):
    for n in range(3):
        registration_create(program=kids, details=details(70 + n))
    waiting = registration_create(program=kids, details=details(80))
    registration_cancel(registration=Registration.objects.filter(status=Status.CONFIRMED).first())
    waiting.refresh_from_db()
    Registration.objects.filter(pk=waiting.pk).update(offer_expires_at=timezone.now() - dt.timedelta(minutes=1))
    url = reverse("programs:claim", args=[waiting.offer_token])
    assert "This offer has expired" in client.get(url).content.decode()
    assert "has expired" in client.post(url).content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Status.OFFERED


@pytest.mark.parametrize("name", ["manage", "registered", "claim"])
def test_unknown_or_tampered_tokens_are_404(client, kids, name):
    registration = registration_create(program=kids, details=details(90))
    tampered = registration.manage_token[:-1] + ("A" if registration.manage_token[-1] != "A" else "B")
    assert client.get(reverse(f"programs:{name}", args=[tampered])).status_code == 404
    assert client.get(f"/programs/{name}/short/").status_code == 404
    assert client.post(reverse("programs:cancel", args=[tampered])).status_code == 404


# --- Feed ----------------------------------------------------------------------------------------------------


def test_feed_lists_sessions_and_supports_conditional_requests(client, kids, teens):
    url = reverse("programs:feed")
    response = client.get(url)
    assert response["Content-Type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert sorted(str(e["summary"]) for e in events) == ["Little makers", "Little makers", "Teen coding"]
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    children = icalendar.Calendar.from_ical(client.get(url, {"audience": "children"}).content).walk("VEVENT")
    assert {str(e["summary"]) for e in children} == {"Little makers"}
    crafts = icalendar.Calendar.from_ical(client.get(url, {"category": "coding"}).content).walk("VEVENT")
    assert {str(e["summary"]) for e in crafts} == {"Teen coding"}


# --- Month view ----------------------------------------------------------------------------------------------

TORONTO = ZoneInfo("America/Toronto")


BEFORE_DECEMBER = dt.datetime(2026, 11, 18, 10, 30, tzinfo=TORONTO)


def session_at(program, year, month, day, hour=15, minute=0, *, hours=1, **fields):
    start = dt.datetime(year, month, day, hour, minute, tzinfo=TORONTO)
    return Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=hours), **fields)


def month_url(**params):
    return reverse("programs:list") + "?" + urlencode({"view": "month", **params})


def cells(response):
    """{day number: [(time, title, status)]} for the days of the month shown."""
    found = {}
    for week in response.context["weeks"]:
        for cell in week:
            if cell.in_month:
                found[cell.day.day] = [
                    (
                        entry.time,
                        entry.session.program.title,
                        entry.availability.short_text if entry.availability else None,
                    )
                    for entry in cell.entries
                ]
    return found


@pytest.mark.time_machine(BEFORE_DECEMBER)  # the sessions are in December 2026, still to come
@pytest.mark.calendar
def test_month_view_is_a_grid_of_days_with_sessions_and_their_status(client, db):
    full = ProgramFactory(title="Robot club", capacity=1, waitlist_capacity=0, places_per_registration=1)
    waitlist = ProgramFactory(title="Sewing circle", capacity=1, places_per_registration=1)
    open_studio = ProgramFactory(title="Open studio", registration_required=False)
    places = ProgramFactory(title="3D printing", capacity=5)
    session_at(full, 2026, 12, 2, 10)
    session_at(waitlist, 2026, 12, 2, 14, 30)
    session_at(open_studio, 2026, 12, 15, 18)
    session_at(places, 2026, 12, 31, 11)
    session_at(places, 2027, 1, 1, 11)  # next month: not shown
    for program in (full, waitlist):
        registration_create(program=program, details=details(program.pk + 400, ParticipantDetails("Teo", 14)))
    response = client.get(month_url(month="2026-12"))
    assert response.status_code == 200
    days = cells(response)
    assert sorted(days) == list(range(1, 32))
    assert days[2] == [
        ("10:00 to 11:00 a.m.", "Robot club", "Full"),
        ("2:30 to 3:30 p.m.", "Sewing circle", "Waitlist"),
    ]
    assert days[15] == [("6:00 to 7:00 p.m.", "Open studio", "Drop in")]
    assert days[31] == [("11:00 a.m. to noon", "3D printing", "5 places left")]
    assert not days[1]
    text = response.content.decode()
    assert '<th scope="col">Sunday</th>' in text and '<th scope="col">Saturday</th>' in text
    assert text.index("Sunday") < text.index("Monday")
    assert f'href="{reverse("programs:program", args=[full.slug])}"' in text
    assert "4 sessions in December." in text and text.count("<h1") == 1
    assert 'href="/programs/?view=month&amp;month=2026-11"' in text
    assert 'href="/programs/?view=month&amp;month=2027-01"' in text


@pytest.mark.calendar
def test_month_view_shows_when_registration_opens_and_nothing_for_sessions_already_over(client, db):
    now = timezone.now()
    later = ProgramFactory(title="Bike repair", registration_opens_at=now + dt.timedelta(days=1))
    over = ProgramFactory(title="Knitting")
    later_session = Session.objects.create(
        program=later, starts_at=now + dt.timedelta(days=2), ends_at=now + dt.timedelta(days=2, hours=1)
    )
    Session.objects.create(program=over, starts_at=now - dt.timedelta(hours=3), ends_at=now - dt.timedelta(hours=2))
    Session.objects.create(program=over, starts_at=now + dt.timedelta(hours=3), ends_at=now + dt.timedelta(hours=4))
    statuses = {}
    moments = (now - dt.timedelta(hours=3), later_session.starts_at)
    months = {f"{timezone.localtime(moment):%Y-%m}" for moment in moments}
    for month in sorted(months):
        for entries in cells(client.get(month_url(month=month))).values():
            for _, title, status in entries:
                statuses.setdefault(title, []).append(status)
    opens = timezone.localtime(later.registration_opens_at)
    # A day in another year says its year (tomorrow, seen on New Year's Eve).
    year = f" {opens.year}" if opens.year != timezone.localdate().year else ""
    assert statuses["Bike repair"] == [f"Registration opens {opens:%A} {opens.day} {opens:%B}{year}"]
    assert statuses["Knitting"] == [None, "12 places left"]


@pytest.mark.calendar
def test_month_view_marks_today(client, db):
    response = client.get(month_url())
    today = timezone.localdate()
    marked = [cell.day for week in response.context["weeks"] for cell in week if cell.is_today]
    assert marked == [today]
    assert response.content.decode().count('aria-current="date"') == 1
    assert response.context["month"] == today.replace(day=1)


@pytest.mark.calendar
def test_month_view_applies_the_filters_and_its_links_keep_them(client, kids, teens):
    month = (timezone.localdate() + dt.timedelta(days=3)).replace(day=1)
    response = client.get(month_url(audience="children", month=f"{month:%Y-%m}"))
    titles = {title for entries in cells(response).values() for _, title, _ in entries}
    assert titles == {"Little makers"}
    text = response.content.decode()
    # The list switch, the months either side and the filter form all keep the audience.
    assert 'href="/programs/?audience=children"' in text
    following = (month + dt.timedelta(days=32)).replace(day=1)
    assert f'href="/programs/?audience=children&amp;view=month&amp;month={following:%Y-%m}"' in text
    assert '<input type="hidden" name="view" value="month">' in text
    listing = client.get(reverse("programs:list"), {"audience": "children"}).content.decode()
    assert f'href="/programs/?audience=children&amp;view=month&amp;month={timezone.localdate():%Y-%m}"' in listing
    # A date range narrows the sessions shown, not just the programs.
    first_only = kids.sessions.order_by("starts_at").first().starts_at.astimezone(TORONTO).date()
    narrowed = client.get(month_url(starts_before=first_only.isoformat(), month=f"{first_only:%Y-%m}"))
    shown = [title for entries in cells(narrowed).values() for _, title, _ in entries]
    assert shown.count("Little makers") == 1


@pytest.mark.parametrize(
    ("when", "day"),
    [
        # The clocks fall back at 2 a.m. on Sunday 1 November 2026: a late session is still on the 1st.
        (dt.datetime(2026, 11, 1, 23, 30, tzinfo=TORONTO), 1),
        (dt.datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=TORONTO), 1),
        # They spring forward on Sunday 14 March 2027: 8 p.m. there is 00:00 UTC on the 15th.
        (dt.datetime(2027, 3, 14, 20, 0, tzinfo=TORONTO), 14),
        (dt.datetime(2027, 3, 14, 3, 0, tzinfo=TORONTO), 14),
    ],
)
@pytest.mark.calendar
def test_month_view_puts_sessions_on_their_local_day_across_daylight_saving(client, db, when, day):
    program = ProgramFactory(title="Night sky")
    Session.objects.create(program=program, starts_at=when, ends_at=when + dt.timedelta(minutes=45))
    days = cells(client.get(month_url(month=f"{when:%Y-%m}")))
    assert [title for title in (e[1] for e in days[day])] == ["Night sky"]
    assert sum(len(entries) for entries in days.values()) == 1
    local = when.astimezone(TORONTO)
    assert days[day][0][0].startswith(f"{local.hour % 12 or 12}:{local.minute:02d}")


@pytest.mark.calendar
def test_month_view_ends_at_local_midnight(client, db):
    program = ProgramFactory(title="Late show")
    session_at(program, 2026, 11, 30, 23, 30, hours=1)  # 04:30 UTC on 1 December
    assert cells(client.get(month_url(month="2026-11")))[30][0][1] == "Late show"
    assert not any(cells(client.get(month_url(month="2026-12"))).values())


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("13", "We could not read that month"),
        ("2026-13", "There is no such month"),
        ("2026-00", "There is no such month"),
        ("abc", "We could not read that month"),
        ("99999-01", "We could not read that month"),
        ("9999-01", "The calendar does not reach that year"),
        ("0001-01", "The calendar does not reach that year"),
        ("<script>alert(1)</script>", "We could not read that month"),
        ("2026-12-01", "We could not read that month"),
    ],
)
def test_unreadable_month_shows_this_month_and_says_so(client, db, month, message):
    response = client.get(month_url(month=month))
    assert response.status_code == 200
    assert response.context["month"] == timezone.localdate().replace(day=1)
    text = response.content.decode()
    assert message in text and "<script>alert" not in text


def test_unknown_view_is_the_list(client, kids):
    response = client.get(reverse("programs:list"), {"view": "year", "month": "nonsense"})
    assert response.status_code == 200 and "rows" in response.context


@pytest.mark.calendar
def test_month_view_has_no_next_link_beyond_its_reach(client, db):
    last = dt.date(timezone.localdate().year + 5, 12, 1)
    text = client.get(month_url(month=f"{last:%Y-%m}")).content.decode()
    assert "Previous month" in text and "Next month" not in text


def month_at_scale(count):
    branch = BranchFactory()
    for n in range(count):
        program = ProgramFactory(branch=branch, capacity=5, registration_required=n % 3 != 0)
        for day in (3, 10, 17):
            session_at(program, 2026, 12, day + n % 4, 10 + n % 6)
        if program.registration_required:
            registration_create(program=program, details=details(2000 + n, ParticipantDetails("Teo", 14)))
    cancelled = session_at(program, 2026, 12, 28, 10)
    Session.objects.filter(pk=cancelled.pk).update(cancelled_at=timezone.now(), cancellation_reason="Snow")


@pytest.mark.calendar
def test_month_view_query_budget_does_not_grow(client, db, django_assert_num_queries):
    url = month_url(month="2026-12", audience="teens")
    month_at_scale(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    month_at_scale(20)
    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert sum(len(cell.entries) for week in response.context["weeks"] for cell in week) == 22 * 3 + 2
    assert len(small) <= 4, [q["sql"] for q in small.captured_queries]


def test_bench_measures_the_busiest_month_at_a_steady_query_count(client, db, django_assert_num_queries):
    from bench.pages import PAGES, busiest_program_month

    assert "programs_month" in {page.name for page in PAGES}
    assert busiest_program_month() == "/programs/?view=month"
    session_at(ProgramFactory(), 2027, 1, 5)
    session_at(ProgramFactory(), 2026, 12, 31, 23, 30)  # 1 January in UTC, December in Toronto
    month_at_scale(1)
    path = busiest_program_month()
    assert path == "/programs/?view=month&month=2026-12"
    with CaptureQueriesContext(connection) as small:
        assert client.get(path).status_code == 200
    month_at_scale(15)
    assert busiest_program_month() == path
    with django_assert_num_queries(len(small)):
        assert client.get(path).status_code == 200


# --- Cancelled sessions --------------------------------------------------------------------------------------


def cancel_session(session, reason="The facilitator is ill"):
    session.cancelled_at = timezone.now()
    session.cancellation_reason = reason
    session.save(update_fields=["cancelled_at", "cancellation_reason"])
    return session


def test_program_page_strikes_through_a_cancelled_session_with_its_reason(client, kids):
    cancel_session(kids.sessions.order_by("starts_at").first(), "The room is flooded")
    text = client.get(reverse("programs:program", args=[kids.slug])).content.decode()
    assert "<s>" in text and "<strong>Cancelled</strong>: The room is flooded" in text
    assert text.count("<s>") == 1
    assert "3 places left" in text and reverse("programs:register", args=[kids.slug]) in text


def test_calendar_list_skips_cancelled_sessions(client, kids):
    first, second = kids.sessions.order_by("starts_at")
    cancel_session(first)
    response = client.get(reverse("programs:list"))
    (row,) = response.context["rows"]
    assert row.next_session.startswith(f"{second.starts_at.astimezone(TORONTO):%A}")
    cancel_session(second)
    assert client.get(reverse("programs:list")).context["rows"] == []


def test_a_program_with_every_session_cancelled_offers_no_registration(client, kids):
    for session in kids.sessions.all():
        cancel_session(session, "Not enough registrations")
    page = client.get(reverse("programs:program", args=[kids.slug])).content.decode()
    assert "<strong>Cancelled</strong></p>" in page and "every session of this program is cancelled" in page
    assert register_url(kids) not in page
    assert client.get(register_url(kids)).status_code == 302
    response = client.post(register_url(kids), form())
    assert response.status_code == 302 and response["Location"] == reverse("programs:program", args=[kids.slug])
    assert not Registration.objects.exists()


@pytest.mark.time_machine(BEFORE_DECEMBER)  # the sessions are in December 2026, still to come
@pytest.mark.calendar
def test_month_view_marks_cancelled_sessions_and_leaves_them_out_of_the_count(client, db):
    program = ProgramFactory(title="Soldering basics")
    session_at(program, 2026, 12, 8)
    cancel_session(session_at(program, 2026, 12, 15), "Snow day")
    response = client.get(month_url(month="2026-12"))
    days = cells(response)
    assert days[8][0][2] == "12 places left" and days[15][0][2] == "Cancelled"
    text = response.content.decode()
    assert "1 session in December." in text and "<s>3:00 to 4:00 p.m." in text


def test_feed_marks_a_cancelled_session_and_its_etag_and_date_change(client, kids, teens):
    url = reverse("programs:feed")
    Program.objects.update(created_at=timezone.now() - dt.timedelta(hours=1))
    before = client.get(url)
    assert all("STATUS" not in e for e in icalendar.Calendar.from_ical(before.content).walk("VEVENT"))
    session = cancel_session(kids.sessions.order_by("starts_at").first())
    after = client.get(url)
    assert after["ETag"] != before["ETag"] and after["Last-Modified"] != before["Last-Modified"]
    assert client.get(url, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 200
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=before["Last-Modified"]).status_code == 200
    assert client.get(url, HTTP_IF_NONE_MATCH=after["ETag"]).status_code == 304
    events = {str(e["uid"]): e for e in icalendar.Calendar.from_ical(after.content).walk("VEVENT")}
    cancelled = events[f"programs-session-{session.pk}@testserver"]
    assert str(cancelled["status"]) == "CANCELLED" and int(cancelled["sequence"]) == 1
    assert cancelled.decoded("dtstamp") == session.cancelled_at.replace(microsecond=0)
    assert sum("STATUS" in e for e in events.values()) == 1


# --- Who a program is for (issue 12) -------------------------------------------------------------------------


def adults_program(**fields):
    values = {"title": "Lino printing", "slug": "lino", "audience": Audience.ADULTS, "min_age": 18, "max_age": None}
    return with_sessions(ProgramFactory(**{**values, **fields}))


def test_an_adult_alone_cannot_take_a_place_in_a_childrens_program(client, kids):
    page = client.get(register_url(kids)).content.decode()
    assert "I am coming too" not in page and "My age" not in page
    response = client.post(register_url(kids), form(coming="on", my_age="40", child_1_name="", child_1_age=""))
    assert response.status_code == 200
    assert refusal_codes(ValidationError(response.context["form"].errors.as_data())) == ["child_required"]
    assert not Registration.objects.exists()


def test_a_childrens_program_says_whether_a_parent_may_stay(client, kids):
    assert "Only the children take part" in client.get(register_url(kids)).content.decode()
    Program.objects.filter(pk=kids.pk).update(guardian_may_stay=True)
    page = client.get(register_url(kids)).content.decode()
    assert "A parent or carer is welcome to stay with the children and does not need a place." in page
    # Staying does not take a place: the two children take two.
    client.post(register_url(kids), form(child_2_name="Grace", child_2_age="9"))
    assert Registration.objects.get().places == 2


@pytest.mark.parametrize(
    ("fields", "label"),
    [
        ({"min_age": 18}, "Adults, ages 18 and up"),
        ({"min_age": 16, "audience": Audience.TEENS, "max_age": None}, "Teens, ages 16 and up"),
        ({"min_age": None}, "Adults"),
    ],
)
def test_an_adults_program_asks_nothing_about_children(client, db, fields, label):
    program = adults_program(**fields)
    page = client.get(register_url(program)).content.decode()
    assert "Child" not in page and "I am coming too" not in page
    assert "This registration is for you" in page
    assert f'<dd class="col-sm-9">{label}</dd>' in page
    response = client.post(register_url(program), form(child_1_name="Ada", child_1_age="7"))
    assert response.status_code == 302
    person = Participant.objects.get()
    assert (person.first_name, person.is_child) == ("Doris", False)


def test_no_page_says_adults_all_ages(client, db):
    program = adults_program(min_age=None, registration_required=False)
    family = with_sessions(ProgramFactory(audience=Audience.FAMILIES, min_age=None, max_age=None, slug="family"))
    everyone = with_sessions(ProgramFactory(audience=Audience.ALL_AGES, min_age=6, max_age=None, slug="everyone"))
    listing = client.get(reverse("programs:list")).content.decode()
    detail = client.get(reverse("programs:program", args=[program.slug])).content.decode()
    for text in (listing, detail):
        assert "Adults, all ages" not in text and "adults, all ages" not in text.lower()
    assert "Lino printing</a></h3>" in listing and "Who it is for: </span>Adults</span>" in listing
    assert "Families, all ages" in client.get(reverse("programs:program", args=[family.slug])).content.decode()
    assert "Ages 6 and up" in client.get(reverse("programs:program", args=[everyone.slug])).content.decode()


def test_the_age_filter_follows_who_may_take_a_place(client, db):
    adults = adults_program(min_age=None)
    children = with_sessions(ProgramFactory(audience=Audience.CHILDREN, min_age=None, max_age=None, slug="kids"))
    family = with_sessions(ProgramFactory(audience=Audience.FAMILIES, min_age=None, max_age=None, slug="family"))

    def titles(age):
        return {row.program.title for row in client.get(reverse("programs:list"), {"age": age}).context["rows"]}

    assert titles(8) == {children.title, family.title}
    assert titles(40) == {adults.title, family.title}


def test_a_teen_registering_themselves_gives_their_age(client, teens):
    fields = {"coming": "on", "child_1_name": "", "child_1_age": ""}
    response = client.post(register_url(teens), form(**fields))
    assert "Give your age: this program is for ages 12 to 17." in response.content.decode()
    response = client.post(register_url(teens), form(my_age="40", **fields))
    assert "Doris is too old: this program is for ages 12 to 17." in response.content.decode()
    response = client.post(register_url(teens), form(my_age="many", **fields))
    assert "Enter a whole number." in response.content.decode()
    assert not Registration.objects.exists()
    assert client.post(register_url(teens), form(my_age="14", **fields)).status_code == 302


# --- Siblings (issue 12) ------------------------------------------------------------------------------------


@pytest.fixture
def one_per_card(db):
    return with_sessions(
        ProgramFactory(
            title="3D print a cookie cutter",
            slug="cookie-cutter",
            audience=Audience.CHILDREN,
            min_age=8,
            max_age=12,
            capacity=10,
            places_per_registration=1,
        )
    )


def test_a_parent_registers_a_second_child_when_the_program_takes_one_per_registration(client, one_per_card):
    page = client.get(register_url(one_per_card)).content.decode()
    assert "Up to 1 people" not in page and "people" not in page.split("Who is coming")[1].split("</fieldset>")[0]
    assert "One child per registration. To register a brother or sister too" in page
    assert "Child: first name" in page and "Child 2" not in page
    ada = {"child_1_name": "Ada", "child_1_age": "8"}
    assert client.post(register_url(one_per_card), form(**ada)).status_code == 302
    response = client.post(register_url(one_per_card), form(child_1_name="Grace", child_1_age="11"))
    assert response.status_code == 302
    people = Participant.objects.filter(registration__program=one_per_card).order_by("pk")
    assert [(p.first_name, p.age) for p in people] == [("Ada", 8), ("Grace", 11)]
    assert Registration.objects.filter(status=Status.CONFIRMED).count() == 2
    # The confirmation offers the next child's registration.
    registered = client.get(response["Location"]).content.decode()
    grace = Registration.objects.get(participants__first_name="Grace")
    next_child = f"{register_url(one_per_card)}?after={grace.manage_token}"
    assert f'href="{next_child}">Register another child</a>' in registered
    prefilled = client.get(next_child)
    assert f'value="{card_number_make(1)}"' in prefilled.content.decode()
    assert 'value="doris1@example.net"' in prefilled.content.decode()
    assert "no-store" in prefilled["Cache-Control"] and prefilled["X-Robots-Tag"] == "noindex, nofollow"
    # Another program's link, or a made-up one, fills in nothing.
    for after in (registration_create(program=kids_elsewhere(), details=details(77)).manage_token, "x" * 43, "x" * 999):
        assert card_number_make(1) not in client.get(register_url(one_per_card), {"after": after}).content.decode()


def kids_elsewhere():
    return with_sessions(ProgramFactory(audience=Audience.CHILDREN, min_age=6, max_age=10, slug="elsewhere"))


def test_up_to_three_children_is_said_in_words(client, kids):
    page = client.get(register_url(kids)).content.decode()
    assert "Up to 3 children on one registration." in page


# --- Waitlist before submitting (issue 12) -----------------------------------------------------------------


def three_children(**overrides):
    return form(child_2_name="Grace", child_2_age="9", child_3_name="Bo", child_3_age="8", **overrides)


def test_a_group_larger_than_the_places_left_is_told_before_joining_the_waitlist(
    client, kids, django_capture_on_commit_callbacks
):
    registration_create(
        program=kids, details=details(40, ParticipantDetails("A", 7, True), ParticipantDetails("B", 7, True))
    )
    page = client.get(register_url(kids)).content.decode()
    assert "<strong>1 place left</strong>. If you register more people than that, we ask you" in page
    assert "Yes, put us on the waitlist" not in page
    response = client.post(register_url(kids), three_children())
    text = response.content.decode()
    assert response.status_code == 200
    assert "Only 1 place left and you are registering 3 people, so we can only put you on the waitlist" in text
    assert 'name="join_waitlist"' in text and "Yes, put us on the waitlist" in text
    assert Registration.objects.count() == 1 and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(register_url(kids), three_children(join_waitlist="on"), follow=True)
    text = response.content.decode()
    assert "On the waitlist, number 1." in text and "You do not have a place yet" in text
    assert Registration.objects.get(contact_email="doris1@example.net").status == Status.WAITLISTED
    [email] = mail.outbox
    assert "is full" not in email.body
    assert "You do not have a place yet" in email.body and "places open for all 3 people" in email.body


def test_a_full_program_asks_for_the_waitlist_on_the_first_visit(client, kids):
    for n in range(3):
        registration_create(program=kids, details=details(n + 10))
    page = client.get(register_url(kids)).content.decode()
    assert "there is no place free right now, so this form puts you on the waitlist" in page
    assert "Yes, put us on the waitlist" in page and "Join the waitlist</button>" in page
    response = client.post(register_url(kids), form())
    assert "This program has no places left right now" in response.content.decode()
    assert Registration.objects.count() == 3


def test_leaving_the_waitlist_is_worded_for_the_waitlist(client, kids, django_capture_on_commit_callbacks):
    for n in range(3):
        registration_create(program=kids, details=details(n + 10))
    waiting = registration_create(
        program=kids, details=details(20, ParticipantDetails("Ada", 7, True), ParticipantDetails("Grace", 9, True))
    )
    manage = client.get(reverse("programs:manage", args=[waiting.manage_token])).content.decode()
    assert "Take Grace off the waitlist" in manage and "Leave the waitlist" in manage
    assert "The place goes to the next person waiting" not in manage
    grace = waiting.participants.get(first_name="Grace")
    url = reverse("programs:cancel_person", args=[waiting.manage_token, grace.pk])
    confirm = client.get(url).content.decode()
    assert "Take Grace off the waitlist for Little makers?" in confirm
    assert "still coming" not in confirm.lower() and "next person waiting" not in confirm
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    text = response.content.decode()
    assert "Grace is off the waitlist." in text
    [email] = mail.outbox
    assert email.subject == f"Grace is off the waitlist: {kids.title}"
    assert "Still on the waitlist: Ada" in email.body
    assert "Still coming" not in email.body and "the place goes to the next person waiting" not in email.body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("programs:cancel", args=[waiting.manage_token]), follow=True)
    assert "You have left the waitlist for Little makers." in response.content.decode()
    assert mail.outbox[-1].subject == f"Off the waitlist: {kids.title}"
    assert "next person waiting" not in mail.outbox[-1].body


# --- Cancelling asks first (issue 12) ----------------------------------------------------------------------


def test_cancelling_a_registration_asks_first_naming_what_is_cancelled(client, kids):
    registration = registration_create(
        program=kids, details=details(30, ParticipantDetails("Ada", 7, True), ParticipantDetails("Grace", 9, True))
    )
    token = registration.manage_token
    manage = client.get(reverse("programs:manage", args=[token])).content.decode()
    cancel_url = reverse("programs:cancel", args=[token])
    assert f'action="{cancel_url}"' not in manage and f'href="{cancel_url}"' in manage
    response = client.get(cancel_url)
    text = response.content.decode()
    assert response.status_code == 200 and response["X-Robots-Tag"] == "noindex, nofollow"
    assert "Cancel your registration for Little makers?" in text
    assert "Ada, age 7" in text and "Grace, age 9" in text
    for session in kids.sessions.all():
        assert timezone.localtime(session.starts_at).strftime("%A") in text
    assert "Yes, cancel my registration</button>" in text
    assert f'href="{reverse("programs:manage", args=[token])}">No, keep my registration</a>' in text
    assert 'name="csrfmiddlewaretoken"' in text
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED
    grace = registration.participants.get(first_name="Grace")
    person_text = client.get(reverse("programs:cancel_person", args=[token, grace.pk])).content.decode()
    assert "Cancel Grace's place in Little makers?" in person_text
    assert "Yes, cancel Grace&#x27;s place</button>" in person_text and "Ada, age 7" not in person_text
    assert registration.participants.count() == 2
    client.post(cancel_url)
    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED
    # Once cancelled, the confirmation step leads back to the registration page.
    assert client.get(cancel_url)["Location"] == reverse("programs:manage", args=[token])


def test_cancelling_still_needs_a_post_with_csrf(kids):
    from django.test import Client

    registration = registration_create(program=kids, details=details(31))
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("programs:cancel", args=[registration.manage_token])).status_code == 403
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED


def test_an_adult_registering_twice_is_told_where_their_registration_is(client, db):
    program = adults_program()
    assert client.post(register_url(program), form()).status_code == 302
    assert PUBLIC_ANSWER in client.post(register_url(program), form()).content.decode()
    text = card_refusal_text(Patron.objects.get().email)
    assert "Doris is already registered for this program with this library card." in text
    assert "use the private link in the email we sent you" in text and "brother or sister" not in text
    assert Registration.objects.count() == 1


def test_registration_and_cancel_pages_query_budget_does_not_grow(client, kids, django_assert_max_num_queries):
    mine = registration_create(
        program=kids, details=details(500, ParticipantDetails("Ada", 7, True), ParticipantDetails("Bo", 8, True))
    )
    ada = mine.participants.get(first_name="Ada")
    urls = [
        register_url(kids),
        f"{register_url(kids)}?after={mine.manage_token}",
        reverse("programs:manage", args=[mine.manage_token]),
        reverse("programs:cancel", args=[mine.manage_token]),
        reverse("programs:cancel_person", args=[mine.manage_token, ada.pk]),
    ]
    small = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        small[url] = len(queries)
    with_sessions(kids, days=range(12, 30))
    for n in range(4):
        registration_create(program=kids, details=details(600 + n))
    for url in urls:
        with django_assert_max_num_queries(small[url]):
            assert client.get(url).status_code == 200
    assert max(small.values()) <= 8, small
