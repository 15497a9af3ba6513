"""The safety admin keeps reports private: only those who read every report see names and injuries."""

import datetime as dt

import pytest
from django.utils import timezone

from safety.models import ActionStatus, CorrectiveAction, SafetyReport
from tests.factories import UserFactory
from tests.safety.helpers import action_for


def file_report(branch, reporter, now, **fields) -> SafetyReport:
    return SafetyReport.objects.create(
        kind=SafetyReport.Kind.INCIDENT,
        branch=branch,
        occurred_at=now,
        reported_by=reporter,
        location=fields.pop("location", "Laser room"),
        what_happened="Burn on the hot bed.",
        names_involved=fields.pop("names_involved", "Jordan Example"),
        injury=True,
        severity=SafetyReport.Severity.FIRST_AID,
        first_aid_given="Cool water for ten minutes",
        **fields,
    )


@pytest.fixture
def reports(branch, assistant, now):
    own = file_report(branch, assistant, now, location="Sewing corner", names_involved="Alex Ownreport")
    other = file_report(branch, UserFactory(is_staff=True), now, location="Laser room", names_involved="Sam Other")
    return own, other


def test_an_assistant_sees_only_their_own_reports_without_names_or_injuries(client, assistant, reports):
    own, other = reports
    client.force_login(assistant)
    listing = client.get("/admin/safety/safetyreport/")
    assert listing.status_code == 200
    assert "Sewing corner" in listing.text
    assert "Laser room" not in listing.text

    page = client.get(f"/admin/safety/safetyreport/{own.pk}/change/")
    assert page.status_code == 200
    assert "Sewing corner" in page.text
    for private in ("Alex Ownreport", "Cool water", "First aid"):
        assert private not in page.text

    elsewhere = client.get(f"/admin/safety/safetyreport/{other.pk}/change/", follow=True)
    assert "Sam Other" not in elsewhere.text
    assert "Laser room" not in elsewhere.text


@pytest.mark.parametrize("role", ["Coordinator", "Manager"])
def test_the_coordinator_and_the_manager_read_every_report_in_full(client, role, reports):
    _own, other = reports
    client.force_login(UserFactory(is_staff=True, role=role))
    assert "Laser room" in client.get("/admin/safety/safetyreport/").text
    page = client.get(f"/admin/safety/safetyreport/{other.pk}/change/")
    assert page.status_code == 200
    assert "Sam Other" in page.text
    assert "Cool water" in page.text


def test_the_admins_add_opens_the_staff_report_page_so_filing_does_what_it_calls_for(client, assistant):
    client.force_login(assistant)
    response = client.get("/admin/safety/safetyreport/add/")
    assert response.status_code == 302
    assert response.url == "/staff/safety/report/"
    assert client.post("/admin/safety/safetyreport/add/", {"kind": "hazard"}).status_code == 302
    assert not SafetyReport.objects.exists()


@pytest.mark.parametrize("url", ["/admin/safety/inspection/", "/admin/safety/safetyprofile/add/"])
def test_the_board_sees_no_safety_admin(client, board_member, url):
    board_member.is_staff = True
    board_member.save()
    client.force_login(board_member)
    assert client.get(url).status_code == 403


SAFETY_MODELS = [
    "hazard",
    "protectiveequipment",
    "safetyprofile",
    "procedureversion",
    "procedureacknowledgement",
    "preusecheck",
    "safetyreport",
    "outofservice",
    "inspectionitem",
    "inspection",
    "correctiveaction",
    "branchsafety",
]


# Reports are added on the staff page; out-of-service periods only by a report.
ADDED_ELSEWHERE = {"safetyreport": 302, "outofservice": 403}


@pytest.mark.parametrize("model", SAFETY_MODELS)
def test_the_coordinator_opens_every_safety_list_and_add_form(client, coordinator, reports, model):
    client.force_login(coordinator)
    assert client.get(f"/admin/safety/{model}/").status_code == 200
    assert client.get(f"/admin/safety/{model}/add/").status_code == ADDED_ELSEWHERE.get(model, 200)


def test_the_coordinator_marks_an_action_done_in_the_admin_and_when_is_recorded(client, assistant, now):
    action = action_for(assistant, due_on=timezone.localdate(now) + dt.timedelta(days=7))
    client.force_login(UserFactory(is_staff=True, role="Coordinator"))
    url = f"/admin/safety/correctiveaction/{action.pk}/change/"

    def post(status: str):
        return client.post(
            url,
            {
                "description": action.description,
                "owner": assistant.pk,
                "due_on": action.due_on.isoformat(),
                "status": status,
                "created_at_0": timezone.localtime(action.created_at).date().isoformat(),
                "created_at_1": timezone.localtime(action.created_at).strftime("%H:%M:%S"),
            },
        )

    assert post(ActionStatus.DONE).status_code == 302
    action = CorrectiveAction.objects.get(pk=action.pk)
    assert action.status == ActionStatus.DONE
    assert action.completed_at is not None

    assert post(ActionStatus.OPEN).status_code == 302
    action = CorrectiveAction.objects.get(pk=action.pk)
    assert action.status == ActionStatus.OPEN
    assert action.completed_at is None
