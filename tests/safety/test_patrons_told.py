"""Patrons told before they come: a machine's hazards, the protective equipment the library lends and what to bring,
and its minimum age, on its booking pages, the confirmation page and email, and the pages of programs that use it.
The coordinator sets them in the admin, and a change shows at once on the cached public pages."""

import datetime as dt
from html import unescape

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from bookings.models import Booking
from safety.models import Hazard, ProtectiveEquipment, RequiredProtection, SafetyProfile
from safety.selectors import equipment_safety
from tests.factories import EquipmentFactory, ProgramFactory, at, booking_form_data, with_sessions
from tests.safety.profiles import LASER_CHECKLIST, laser_service, safety_profile

TOLD = [
    "Staying safe on the Laser cutter",
    "It can be dangerous because of:",
    "Fumes: Smoke, vapours or particles that must not be breathed in.",
    "Laser radiation",
    "The library lends you, free:",
    "Safety glasses",
    "Please bring or wear your own:",
    "Closed-toe shoes",
    "Hair tied back",
    "Age: you must be 16 or older to use the Laser cutter.",
]


@pytest.fixture
def day() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=3)


@pytest.fixture
def laser(db, day):
    return laser_service(day)


def text(response) -> str:
    """The page's words as read, without tags."""
    return " ".join(unescape(strip_tags(response.content.decode())).split())


def assert_told(page: str) -> None:
    for words in TOLD:
        assert words in page, words


def book_url(service, starts_at: dt.datetime) -> str:
    return reverse("bookings:book", args=[service.slug]) + f"?starts_at={starts_at.isoformat().replace('+', '%2B')}"


# --- The facts, read in a bounded number of queries ------------------------------------------------------------


def test_the_facts_split_what_the_library_lends_from_what_to_bring(laser):
    facts = equipment_safety(equipment_ids=[laser.equipment_id], with_checklist=True)[laser.equipment_id]
    assert [hazard.name for hazard in facts.hazards] == ["Fumes", "Heat", "Laser radiation"]
    assert [thing.name for thing in facts.provided] == ["Safety glasses"]
    assert [thing.name for thing in facts.bring] == ["Closed-toe shoes", "Hair tied back"]
    assert facts.minimum_age == 16
    assert [line.text for line in facts.checklist] == list(LASER_CHECKLIST)
    assert facts.as_notice() == {
        "equipment": "Laser cutter",
        "hazards": ["Fumes", "Heat", "Laser radiation"],
        "provided": ["Safety glasses"],
        "bring": ["Closed-toe shoes", "Hair tied back"],
        "minimum_age": 16,
    }


def test_equipment_without_a_profile_has_no_facts_and_no_ids_cost_no_query(branch, django_assert_num_queries):
    bare = EquipmentFactory(branch=branch)
    with django_assert_num_queries(0):
        assert equipment_safety(equipment_ids=[]) == {}
    assert equipment_safety(equipment_ids=[bare.pk]) == {}


def test_the_facts_of_many_machines_take_as_many_queries_as_of_one(branch, django_assert_num_queries):
    machines = [EquipmentFactory(branch=branch) for _ in range(6)]
    safety_profile(machines[0])
    with CaptureQueriesContext(connection) as one:
        assert len(equipment_safety(equipment_ids=[machines[0].pk], with_checklist=True)) == 1
    for machine in machines[1:]:
        safety_profile(machine, hazards=("Heat", "Noise"), checklist=("Guard down", "Area clear"))
    with django_assert_num_queries(len(one)):
        assert len(equipment_safety(equipment_ids=[m.pk for m in machines], with_checklist=True)) == 6
    assert len(one) == 4


# --- On the patron's pages -------------------------------------------------------------------------------------


def test_the_time_page_and_the_form_tell_the_hazards_protection_and_age(client, laser, day):
    assert_told(text(client.get(reverse("bookings:service", args=[laser.slug]))))
    form_page = client.get(book_url(laser, at(day, 13)))
    assert form_page.status_code == 200
    assert_told(text(form_page))


def test_a_service_on_equipment_without_a_profile_tells_nothing_of_safety(client, db, day):
    service = laser_service(day)
    SafetyProfile.objects.all().delete()
    page = text(client.get(reverse("bookings:service", args=[service.slug])))
    assert "Staying safe" not in page


def test_the_confirmation_page_and_email_tell_it_too(client, laser, day, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("bookings:book", args=[laser.slug]), booking_form_data(at(day, 13), meets_minimum_age="on")
        )
    booking = Booking.objects.get()
    assert response["Location"] == reverse("bookings:confirmed", args=[booking.manage_token])
    assert_told(text(client.get(response["Location"])))
    assert_told(text(client.get(reverse("bookings:manage", args=[booking.manage_token]))))

    [message] = mail.outbox
    body = message.body
    assert "Staying safe on the Laser cutter" in body
    assert "- It can be dangerous because of: fumes, heat, laser radiation." in body
    assert "- The library lends you: safety glasses." in body
    assert "- Please bring or wear your own: closed-toe shoes, hair tied back." in body
    assert "- Age: you must be 16 or older to use it." in body
    html = unescape(message.alternatives[0][0])
    assert "Staying safe on the Laser cutter" in html
    assert "The library lends you:</strong> safety glasses." in html


def test_an_email_about_a_service_without_equipment_says_nothing_of_safety(
    client, db, day, django_capture_on_commit_callbacks
):
    from tests.factories import build_desk

    service = build_desk([day])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("bookings:book", args=[service.slug]), booking_form_data(at(day, 13)))
    [message] = mail.outbox
    assert "Staying safe" not in message.body


def test_a_program_using_the_machine_tells_it_and_one_without_machines_does_not(client, laser):
    program = with_sessions(ProgramFactory(title="Laser-cut lanterns", branch=laser.branch))
    program.equipment.add(laser.equipment)
    assert_told(text(client.get(reverse("programs:program", args=[program.slug]))))
    assert_told(text(client.get(reverse("programs:register", args=[program.slug]))))
    plain = with_sessions(ProgramFactory(title="Knitting circle", branch=laser.branch))
    assert "Staying safe" not in text(client.get(reverse("programs:program", args=[plain.slug])))


def test_the_program_page_costs_the_same_queries_with_one_machine_or_four(client, laser, django_assert_num_queries):
    program = with_sessions(ProgramFactory(title="Laser-cut lanterns", branch=laser.branch))
    program.equipment.add(laser.equipment)
    url = reverse("programs:program", args=[program.slug])
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(3):
        machine = EquipmentFactory(branch=laser.branch)
        safety_profile(machine, hazards=("Noise", "Moving parts"))
        program.equipment.add(machine)
    with django_assert_num_queries(len(small)):
        page = text(client.get(url))
    assert page.count("Staying safe on the") == 4


# --- The coordinator sets it in the admin, and cached pages follow at once -------------------------------------


def admin_data(profile: SafetyProfile, **overrides) -> dict:
    """The admin's change form for ``profile`` as the coordinator posts it: the profile, its protective equipment
    and its checklist."""
    protection = list(profile.required_protection.all())
    checklist = list(profile.checklist.all())
    data = {
        "equipment": str(profile.equipment_id),
        "hazards": [str(pk) for pk in profile.hazards.values_list("pk", flat=True)],
        "minimum_patron_age": str(profile.minimum_patron_age or ""),
        "required_protection-TOTAL_FORMS": str(len(protection)),
        "required_protection-INITIAL_FORMS": str(len(protection)),
        "required_protection-MIN_NUM_FORMS": "0",
        "required_protection-MAX_NUM_FORMS": "1000",
        "checklist-TOTAL_FORMS": str(len(checklist)),
        "checklist-INITIAL_FORMS": str(len(checklist)),
        "checklist-MIN_NUM_FORMS": "0",
        "checklist-MAX_NUM_FORMS": "1000",
    }
    for n, required in enumerate(protection):
        data |= {
            f"required_protection-{n}-id": str(required.pk),
            f"required_protection-{n}-profile": str(profile.pk),
            f"required_protection-{n}-protective_equipment": str(required.protective_equipment_id),
        }
        if required.provided_by_library:
            data[f"required_protection-{n}-provided_by_library"] = "on"
    for n, item in enumerate(checklist):
        data |= {
            f"checklist-{n}-id": str(item.pk),
            f"checklist-{n}-profile": str(profile.pk),
            f"checklist-{n}-text": item.text,
            f"checklist-{n}-position": str(item.position),
        }
    data.update(overrides)
    return data


def test_the_coordinator_sets_every_fact_in_the_admin(client, coordinator, branch):
    machine = EquipmentFactory(branch=branch, name="Sewing machine")
    client.force_login(coordinator)
    assert client.get("/admin/safety/safetyprofile/add/").status_code == 200
    needle, glasses, shoes = (
        Hazard.objects.get(name="Sharp tools"),
        ProtectiveEquipment.objects.get(name="Safety glasses"),
        ProtectiveEquipment.objects.get(name="Closed-toe shoes"),
    )
    data = {
        "equipment": str(machine.pk),
        "hazards": [str(needle.pk)],
        "minimum_patron_age": "10",
        "required_protection-TOTAL_FORMS": "2",
        "required_protection-INITIAL_FORMS": "0",
        "required_protection-MIN_NUM_FORMS": "0",
        "required_protection-MAX_NUM_FORMS": "1000",
        "required_protection-0-protective_equipment": str(glasses.pk),
        "required_protection-0-provided_by_library": "on",
        "required_protection-1-protective_equipment": str(shoes.pk),
        "checklist-TOTAL_FORMS": "1",
        "checklist-INITIAL_FORMS": "0",
        "checklist-MIN_NUM_FORMS": "0",
        "checklist-MAX_NUM_FORMS": "1000",
        "checklist-0-text": "Presser foot down before sewing",
        "checklist-0-position": "1",
    }
    response = client.post("/admin/safety/safetyprofile/add/", data)
    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    facts = equipment_safety(equipment_ids=[machine.pk], with_checklist=True)[machine.pk]
    assert (facts.minimum_age, [h.name for h in facts.hazards]) == (10, ["Sharp tools"])
    assert [p.name for p in facts.provided] == ["Safety glasses"]
    assert [p.name for p in facts.bring] == ["Closed-toe shoes"]
    assert [line.text for line in facts.checklist] == ["Presser foot down before sewing"]


@pytest.mark.parametrize("age", ["0", "100", "-3", "sixteen", "1" * 50, "<script>alert(1)</script>"])
def test_an_out_of_range_or_unreadable_age_is_refused_in_the_admin(client, coordinator, laser, age):
    client.force_login(coordinator)
    profile = laser.equipment.safety_profile
    response = client.post(
        f"/admin/safety/safetyprofile/{profile.pk}/change/", admin_data(profile, minimum_patron_age=age)
    )
    assert response.status_code == 200
    assert "minimum_patron_age" in response.context["adminform"].form.errors
    profile.refresh_from_db()
    assert profile.minimum_patron_age == 16


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE = True


def test_a_change_in_the_admin_shows_at_once_on_the_cached_booking_and_program_pages(
    client, coordinator, laser, page_cache, django_capture_on_commit_callbacks
):
    visitor = Client()
    program = with_sessions(ProgramFactory(title="Laser-cut lanterns", branch=laser.branch))
    program.equipment.add(laser.equipment)
    pages = [reverse("bookings:service", args=[laser.slug]), reverse("programs:program", args=[program.slug])]
    for url in pages:
        assert "16 or older" in text(visitor.get(url))
        with CaptureQueriesContext(connection) as again:
            visitor.get(url)
        assert len(again) == 0, "the second look is served from the cache"

    profile = laser.equipment.safety_profile
    noise = Hazard.objects.get(name="Noise")
    hearing = ProtectiveEquipment.objects.get(name="Hearing protection")
    client.force_login(coordinator)
    data = admin_data(profile, minimum_patron_age="18")
    data["hazards"] = [*data["hazards"], str(noise.pk)]
    data |= {
        "required_protection-TOTAL_FORMS": str(int(data["required_protection-TOTAL_FORMS"]) + 1),
        "required_protection-3-protective_equipment": str(hearing.pk),
        "required_protection-3-provided_by_library": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/safety/safetyprofile/{profile.pk}/change/", data)
    assert response.status_code == 302
    for url in pages:
        page = text(visitor.get(url))
        assert "you must be 18 or older" in page
        assert "Noise: Sound loud enough to harm hearing over time." in page
        assert "Hearing protection" in page


@pytest.mark.parametrize(
    "change",
    [
        lambda profile: profile.hazards.clear(),
        lambda profile: RequiredProtection.objects.filter(profile=profile).delete(),
        lambda profile: Hazard.objects.get(name="Fumes").save(),
        lambda profile: ProtectiveEquipment.objects.get(name="Safety glasses").save(),
    ],
)
def test_every_change_to_what_patrons_are_told_makes_the_cached_pages_stale(
    laser, page_cache, change, django_capture_on_commit_callbacks
):
    visitor = Client()
    url = reverse("bookings:service", args=[laser.slug])
    visitor.get(url)
    with CaptureQueriesContext(connection) as cached:
        visitor.get(url)
    assert len(cached) == 0
    with django_capture_on_commit_callbacks(execute=True):
        change(laser.equipment.safety_profile)
    with CaptureQueriesContext(connection) as rendered:
        visitor.get(url)
    assert len(rendered) > 0, "the page was rendered again"


def test_the_booking_pages_cost_the_same_queries_whatever_the_safety_profile_holds(
    client, laser, day, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("bookings:book", args=[laser.slug]), booking_form_data(at(day, 14), meets_minimum_age="on"))
    booking = Booking.objects.get()
    urls = [
        reverse("bookings:services"),
        reverse("bookings:service", args=[laser.slug]),
        book_url(laser, at(day, 13)),
        reverse("bookings:confirmed", args=[booking.manage_token]),
        reverse("bookings:manage", args=[booking.manage_token]),
    ]

    def counts() -> list[int]:
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    small = counts()
    profile = laser.equipment.safety_profile
    profile.hazards.set(Hazard.objects.all())
    for thing in ProtectiveEquipment.objects.exclude(pk__in=profile.protective_equipment.all()):
        RequiredProtection.objects.create(profile=profile, protective_equipment=thing, provided_by_library=False)
    for _ in range(5):
        safety_profile(EquipmentFactory(branch=laser.branch))
    assert counts() == small
    # The times on equipment take 9 queries; the machine's minimum age 1 and its safety facts 3 more.
    assert max(small) <= 16


def test_the_reminder_tells_it_again_the_day_before(laser, day, settings, django_capture_on_commit_callbacks):
    from bookings.services.reminders import reminders_send_due
    from tests.factories import make_booking

    settings.BOOKING_REMINDER_HOURS = [24]
    booking = make_booking(service_type=laser, starts_at=at(day, 13), created_at=at(day, 13) - dt.timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due(now=booking.starts_at - dt.timedelta(hours=23)) == 1
    [message] = mail.outbox
    assert "Staying safe on the Laser cutter" in message.body
    assert "- Please bring or wear your own: closed-toe shoes, hair tied back." in message.body
