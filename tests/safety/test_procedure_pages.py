"""The staff's "Procedures to read" page, the start page's count, each procedure's public page and its posted sheet."""

import io
import re
from html import unescape

import pytest
import segno
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import strip_tags
from pypdf import PdfReader

from safety import documents, selectors
from safety.models import Hazard, ProcedureAcknowledgement, ProtectiveEquipment, RequiredProtection
from tests.factories import QualificationFactory, StaffMemberFactory, UserFactory
from tests.safety.procedures import publish, supervised_equipment, supervisor

pytestmark = pytest.mark.django_db

URL = "/staff/safety/procedures/"


def text(response) -> str:
    """The page as a person reads it: without tags, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", unescape(strip_tags(response.content.decode())))


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def laser(branch):
    """The laser cutter, with its hazards and protective equipment, supervised by those holding its skill."""
    equipment, skill = supervised_equipment(branch, adult_only_supervision=True, minimum_patron_age=14)
    profile = equipment.safety_profile
    profile.hazards.set([Hazard.objects.get_or_create(name=name)[0] for name in ("Laser radiation", "Fumes")])
    for name, provided in (("Safety glasses", True), ("Closed-toe shoes", False)):
        RequiredProtection.objects.create(
            profile=profile,
            protective_equipment=ProtectiveEquipment.objects.get_or_create(name=name)[0],
            provided_by_library=provided,
        )
    return equipment, skill


@pytest.fixture
def me(laser):
    _, skill = laser
    return supervisor(skill, user__first_name="Karen", user__last_name="Van Dyk", user__username="karen")


def test_staff_see_the_procedures_to_read_and_acknowledge_one(client, laser, me, now):
    equipment, _ = laser
    version = publish(equipment, title="Using the laser cutter", body="Never leave a cut running.")
    client.force_login(me.user)

    page = text(client.get(URL))
    assert "Using the laser cutter" in page and "Never leave a cut running." in page
    assert "I have read and understood this procedure" in page
    assert "You have not acknowledged any procedure yet." in page

    response = client.post(URL, {"version": str(version.pk)}, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    page = text(response)
    assert "you acknowledged “Using the laser cutter”, version 1" in page
    assert "You have read every procedure of the equipment you supervise." in page
    assert "Karen Van Dyk" in page and "Using the laser cutter" in page
    acknowledgement = ProcedureAcknowledgement.objects.get()
    assert (acknowledgement.version, acknowledgement.staff_member) == (version, me)


def test_a_new_version_is_listed_again_and_the_old_one_is_marked_replaced(client, laser, me):
    equipment, _ = laser
    client.force_login(me.user)
    client.post(URL, {"version": str(publish(equipment).pk)})
    publish(equipment, body="New extractor: switch it on before the laser.")
    page = text(client.get(URL))
    assert "New extractor: switch it on before the laser." in page
    assert "(a newer version replaces it)" in page


@pytest.mark.parametrize(
    "value", ["", "abc", "-1", "0", "999999", "99999999999999999999999", "1 OR 1=1", "\uff11", "<script>"]
)
def test_an_unknown_or_hostile_version_is_explained_and_changes_nothing(client, laser, me, value):
    equipment, _ = laser
    publish(equipment)
    client.force_login(me.user)
    response = client.post(URL, {"version": value})
    assert response.status_code == 400
    assert "This procedure was not found." in text(response)
    assert not ProcedureAcknowledgement.objects.exists()


def test_a_version_replaced_since_the_page_opened_is_refused_with_the_reason(client, laser, me):
    equipment, _ = laser
    old = publish(equipment)
    publish(equipment, body="New extractor.")
    client.force_login(me.user)
    response = client.post(URL, {"version": str(old.pk)})
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["version"][0].code == "procedure_not_current"
    assert "A newer version of the procedure of Laser cutter has been published since." in text(response)
    assert not ProcedureAcknowledgement.objects.exists()


def test_the_page_is_for_people_who_work_in_the_lab(client, laser, coordinator):
    assert client.get(URL)["Location"].startswith("/accounts/login/")
    client.force_login(coordinator)  # a login without a staff record
    assert client.get(URL).status_code == 403
    gone = StaffMemberFactory(is_active=False)
    client.force_login(gone.user)
    assert client.post(URL, {"version": "1"}).status_code == 403


def test_the_start_page_counts_the_procedures_to_read(client, laser, me, branch):
    equipment, _ = laser
    printer, printing = supervised_equipment(branch, name="3D printer", skill_name="3D printing")
    QualificationFactory(staff_member=me, skill=printing)
    publish(equipment)
    publish(printer)
    client.force_login(me.user)
    page = text(client.get("/staff/"))
    assert "2 procedures to read" in page
    assert 'href="/staff/safety/procedures/"' in client.get("/staff/").content.decode()

    client.post(URL, {"version": str(selectors.current_procedure(equipment=equipment).pk)})
    assert "1 procedure to read" in text(client.get("/staff/"))
    client.post(URL, {"version": str(selectors.current_procedure(equipment=printer).pk)})
    assert "to read" not in text(client.get("/staff/")).replace("Procedures to read", "")


def test_the_public_page_shows_the_procedure_hazards_and_protection_without_login(client, laser, coordinator):
    equipment, _ = laser
    publish(equipment, title="Using the laser cutter", body="Never leave a cut running.", by=coordinator)
    page = text(client.get(f"/safety/procedures/{equipment.pk}/"))
    assert "Using the laser cutter" in page and "Never leave a cut running." in page
    assert "Laser radiation" in page and "Fumes" in page
    assert "Safety glasses: the library provides it" in page and "Closed-toe shoes: bring your own" in page
    assert "Minimum age: 14 years." in page
    assert coordinator.get_full_name() not in page


def test_the_public_page_is_kept_until_a_new_version_or_the_profile_changes(
    client, laser, coordinator, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE = True
    equipment, _ = laser
    with django_capture_on_commit_callbacks(execute=True):
        publish(equipment, title="Using the laser cutter", by=coordinator)
    url = f"/safety/procedures/{equipment.pk}/"
    assert "Using the laser cutter" in text(client.get(url))
    with CaptureQueriesContext(connection) as kept:
        client.get(url)
    assert len(kept.captured_queries) == 0

    with django_capture_on_commit_callbacks(execute=True):
        publish(equipment, title="Using the laser cutter safely", by=coordinator)
    assert "Using the laser cutter safely" in text(client.get(url))
    with django_capture_on_commit_callbacks(execute=True):
        profile = equipment.safety_profile
        profile.minimum_patron_age = 16
        profile.save()
    assert "Minimum age: 16 years." in text(client.get(url))


def test_a_public_page_for_unknown_equipment_or_without_a_procedure_is_not_found(client, laser):
    equipment, _ = laser
    assert client.get(f"/safety/procedures/{equipment.pk}/").status_code == 404
    assert client.get("/safety/procedures/999999/").status_code == 404
    assert client.get("/safety/procedures/99999999999999999999999/").status_code == 404


def test_the_posted_sheet_is_a_pdf_with_the_procedure_and_a_qr_code_to_its_page(client, laser, assistant, settings):
    settings.SITE_URL = "https://makerlab.example.org"
    equipment, _ = laser
    publish(equipment, title="Using the laser cutter", body="Never leave a cut running.")
    client.force_login(assistant)
    response = client.get(f"/staff/safety/procedures/{equipment.pk}/sheet.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    content = pdf_text(response.content)
    target = f"https://makerlab.example.org/safety/procedures/{equipment.pk}/"
    assert "Using the laser cutter" in content and "Never leave a cut running." in content
    assert "Laser radiation" in content and "Safety glasses" in content
    assert target in content.replace("\n", "")

    sheet = documents.procedure_sheet(page=selectors.procedure_page(equipment_id=equipment.pk), url=target)
    drawn = segno.make(target, error="m").svg_inline(scale=1, border=2, omitsize=True).split('d="')[1]
    assert drawn in documents.procedure_sheet_html(sheet)


def test_the_sheet_is_for_staff(client, laser, volunteer):
    equipment, _ = laser
    publish(equipment)
    url = f"/staff/safety/procedures/{equipment.pk}/sheet.pdf"
    assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(volunteer)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("size", [1, 6])
def test_the_procedures_page_takes_the_same_queries_at_two_sizes(
    client, branch, size, now, django_assert_max_num_queries
):
    me = StaffMemberFactory(user=UserFactory(username="reader"))

    for index in range(size):
        for unread in (True, False):
            equipment, skill = supervised_equipment(
                branch, name=f"Machine {index} {unread}", skill_name=f"S{index}{unread}"
            )
            QualificationFactory(staff_member=me, skill=skill)
            version = publish(equipment)
            if not unread:
                ProcedureAcknowledgement.objects.create(version=version, staff_member=me)
    client.force_login(me.user)
    with django_assert_max_num_queries(9):
        page = text(client.get(URL))
    assert page.count("I have read and understood this procedure") == size


@pytest.mark.parametrize("size", [1, 6])
def test_the_public_page_takes_the_same_queries_at_two_sizes(client, laser, size, django_assert_max_num_queries):
    equipment, _ = laser
    for index in range(size):
        publish(equipment, body=f"Step {index}.")
    with django_assert_max_num_queries(4):
        assert client.get(f"/safety/procedures/{equipment.pk}/").status_code == 200
