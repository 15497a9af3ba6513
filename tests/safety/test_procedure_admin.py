"""The coordinator publishes procedure versions in the admin, through the service, and sees who has not read them."""

import pytest
from django.utils.html import escape

from safety.models import ProcedureVersion
from safety.services import procedure_acknowledge
from tests.safety.procedures import publish, supervised_equipment, supervisor, versions_of

pytestmark = pytest.mark.django_db

ADD = "/admin/safety/procedureversion/add/"


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def version_form(machine, **overrides) -> dict[str, str]:
    return {
        "equipment": str(machine.pk),
        "title": "Using the laser cutter",
        "body": "Switch on the extractor.\nNever leave a cut running.",
        "change_summary": "",
        **overrides,
    }


def test_publishing_from_the_admin_numbers_the_version_and_records_who(coordinator_client, coordinator, branch):
    laser, _ = supervised_equipment(branch)
    publish(laser)
    response = coordinator_client.post(ADD, version_form(laser, change_summary="The new extractor"))
    assert response.status_code == 302, response.content.decode()
    latest = ProcedureVersion.objects.get(number=2)
    assert latest.published_by == coordinator
    assert latest.change_summary == "The new extractor"
    assert versions_of(laser) == [1, 2]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"body": "<b>Stop</b>"}, "body", "Write plain text, without < and > tags."),
        ({"title": "   "}, "title", "This field is required."),
        ({"change_summary": "Fixed\x07"}, "change_summary", "Remove the invisible control characters"),
        ({"equipment": "999999"}, "equipment", "Select a valid choice."),
        ({"equipment": "nope"}, "equipment", "Select a valid choice."),
    ],
)
def test_bad_input_in_the_admin_is_explained_and_publishes_nothing(
    coordinator_client, branch, overrides, field, message
):
    laser, _ = supervised_equipment(branch)
    response = coordinator_client.post(ADD, version_form(laser, **overrides))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert any(message in error for error in errors[field])
    assert escape(message) in response.content.decode()
    assert not ProcedureVersion.objects.exists()


def test_a_new_version_starts_from_the_current_text(coordinator_client, branch):
    laser, _ = supervised_equipment(branch)
    publish(laser, body="Switch on the extractor first.")
    form = coordinator_client.get(ADD, {"equipment": str(laser.pk)}).context["adminform"].form
    assert form.initial["body"] == "Switch on the extractor first."
    assert coordinator_client.get(ADD, {"equipment": "x' OR 1=1"}).status_code == 200


def test_a_published_version_is_read_only_and_shows_who_has_not_acknowledged_it(coordinator_client, branch):
    laser, skill = supervised_equipment(branch)
    version = publish(laser)
    supervisor(skill, user__first_name="Jamal", user__last_name="Haddad")
    karen = supervisor(skill, user__first_name="Karen", user__last_name="Van Dyk")
    procedure_acknowledge(version=version, staff_member=karen)
    url = f"/admin/safety/procedureversion/{version.pk}/change/"
    page = coordinator_client.get(url).content.decode()
    assert "Jamal Haddad" in page and "Karen Van Dyk" not in page
    assert f"/staff/safety/procedures/{laser.pk}/sheet.pdf" in page
    response = coordinator_client.post(url, {"title": "Changed", "body": "Changed", "equipment": str(laser.pk)})
    assert response.status_code == 403
    assert ProcedureVersion.objects.get().title == version.title


def test_the_safety_profile_shows_the_current_procedure_and_who_has_not_read_it(coordinator_client, branch):
    laser, skill = supervised_equipment(branch, adult_only_supervision=True)
    supervisor(skill, user__first_name="Jamal", user__last_name="Haddad")
    url = f"/admin/safety/safetyprofile/{laser.safety_profile.pk}/change/"
    assert "No procedure yet." in coordinator_client.get(url).content.decode()
    publish(laser, title="Using the laser cutter")
    page = coordinator_client.get(url).content.decode()
    assert "Using the laser cutter</a>, version 1" in page
    assert "Has not acknowledged this version" in page and "Jamal Haddad" in page
    assert f"{ADD}?equipment={laser.pk}" in page
