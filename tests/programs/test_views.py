import datetime as dt

import icalendar
import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from makerlab.cards import card_number_make
from makerlab.ratelimit import POSTS_PER_WINDOW
from programs.models import Audience, Category, Participant, PartnerSite, Registration, Session
from programs.services import ParticipantDetails, RegistrantDetails, registration_cancel, registration_create
from tests.factories import BranchFactory, ProgramFactory

Status = Registration.Status


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def with_sessions(program, *, days=(3,), hour=15):
    today = timezone.localdate()
    zone = timezone.get_default_timezone()
    for offset in days:
        start = dt.datetime.combine(today + dt.timedelta(days=offset), dt.time(hour), tzinfo=zone)
        Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    return program


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


def form(sequence=1, **overrides):
    data = {
        "card_number": card_number_make(sequence),
        "name": "Doris Campbell",
        "email": f"doris{sequence}@example.net",
        "phone": "",
        "coming": "",
        "my_age": "",
        "child_1_name": "Ada",
        "child_1_age": "7",
        "child_2_name": "",
        "child_2_age": "",
        "child_3_name": "",
        "child_3_age": "",
        "accommodations": "",
        "website": "",
    }
    data.update(overrides)
    return data


def register_url(program):
    return reverse("programs:register", args=[program.slug])


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
    ("overrides", "message"),
    [
        ({"child_1_age": "4"}, "Ada is too young"),
        ({"child_1_age": "12"}, "Ada is too old"),
        ({"child_1_age": "30"}, "someone older registers as themselves"),
        ({"child_1_age": ""}, "Give child 1&#x27;s age."),
        ({"child_1_name": "", "child_1_age": ""}, "Say who is coming"),
        ({"child_2_name": "", "child_2_age": "8"}, "Give child 2&#x27;s first name."),
        ({"child_2_name": "ada", "child_2_age": "8"}, "The same person is listed twice."),
        ({"email": "not an email"}, "Enter a valid email address."),
        ({"card_number": "123"}, "card"),
        ({"child_1_name": "<script>alert(1)</script>"}, "plain text"),
        ({"name": "Doris\x07Campbell"}, "control characters"),
        ({"accommodations": "<img src=x onerror=alert(1)>"}, "plain text"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_saved(client, kids, overrides, message):
    response = client.post(register_url(kids), form(**overrides))
    text = response.content.decode()
    assert response.status_code == 200
    assert message.lower() in text.lower() or message == ""
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
        response = client.post(register_url(kids), form(), follow=True)
    text = response.content.decode()
    assert "On the waitlist, number 2." in text
    assert mail.outbox[-1].subject == f"On the waitlist: {kids.title}"
    assert "number 2" in mail.outbox[-1].body


def test_already_registered_card_is_refused_on_the_form(client, kids):
    client.post(register_url(kids), form())
    response = client.post(register_url(kids), form(child_1_name="Other"))
    assert "already registered" in response.content.decode()
    assert Registration.objects.count() == 1


def test_honeypot_refuses_and_saves_nothing(client, kids):
    response = client.post(register_url(kids), form(website="http://spam.example"))
    assert response.status_code == 400
    assert not Registration.objects.exists()


def test_rate_limit_per_address(client, kids):
    for _ in range(POSTS_PER_WINDOW):
        client.post(register_url(kids), form(email="bad"))
    response = client.post(register_url(kids), form())
    assert response.status_code == 429 and response["Retry-After"]
    assert not Registration.objects.exists()
    assert client.post(register_url(kids), form(), REMOTE_ADDR="10.0.0.9").status_code == 302


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
