"""Corrective actions: set from a report, a finding or on their own, moved to done by their owner, listed for the
owner and the coordinator, overdue ones emailed weekly and shown on the coordinator's start page."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from makerlab.models import Notification
from makerlab.services import notification_render
from safety import tasks
from safety.models import ActionStatus, CorrectiveAction, SafetyReport
from safety.services import action_create, action_status_change, actions_remind_overdue
from tests.factories import UserFactory
from tests.safety.helpers import action_for


@pytest.fixture
def today(now) -> dt.date:
    return timezone.localdate(now)


@pytest.fixture
def owner(db):
    return UserFactory(username="owner", first_name="Jamal", is_staff=True, role="Library assistant")


def reminders() -> list[Notification]:
    return list(Notification.objects.filter(kind="safety_actions_overdue").order_by("pk"))


# --- Weekly reminders ---


def test_an_overdue_action_is_emailed_to_its_owner_once_a_week(owner, today, time_machine):
    action = action_for(owner, due_on=today - dt.timedelta(days=1))
    due_today = action_for(owner, due_on=today, description="Due today: not overdue yet")
    action_for(owner, due_on=today - dt.timedelta(days=9), status=ActionStatus.DONE, description="Done already")

    tasks.actions_remind_overdue()
    tasks.actions_remind_overdue()

    [first] = reminders()
    assert first.recipient == owner.email
    body = notification_render(first).body
    assert "Restock the first-aid kit" in body
    assert "Due today" not in body and "Done already" not in body
    action.refresh_from_db()
    assert action.last_reminded_on == today

    due_today.delete()  # overdue tomorrow: its own first reminder would come then
    for days_later, expected in ((1, 1), (6, 1), (7, 2), (8, 2), (14, 3)):
        actions_remind_overdue(today=today + dt.timedelta(days=days_later))
        assert len(reminders()) == expected, days_later


def test_an_owner_gets_one_email_for_all_their_overdue_actions(owner, today):
    other = UserFactory(is_staff=True)
    action_for(owner, due_on=today - dt.timedelta(days=3), description="Tag the extinguisher")
    action_for(owner, due_on=today - dt.timedelta(days=1), description="Clear the aisle")
    action_for(other, due_on=today - dt.timedelta(days=1), description="Fix the fan")

    assert actions_remind_overdue(today=today) == 2

    by_recipient = {email.recipient: notification_render(email).body for email in reminders()}
    assert set(by_recipient) == {owner.email, other.email}
    assert "Tag the extinguisher" in by_recipient[owner.email] and "Clear the aisle" in by_recipient[owner.email]
    assert "Fix the fan" not in by_recipient[owner.email]


def test_an_action_done_stops_its_reminders(owner, today):
    action = action_for(owner, due_on=today - dt.timedelta(days=2))
    actions_remind_overdue(today=today)
    action_status_change(action_id=action.pk, status=ActionStatus.DONE, by=owner)

    assert actions_remind_overdue(today=today + dt.timedelta(days=7)) == 0
    assert len(reminders()) == 1


# --- Services ---


def test_actions_come_from_a_report_or_on_their_own(branch, coordinator, owner, today, now):
    report = SafetyReport.objects.create(
        kind=SafetyReport.Kind.HAZARD,
        branch=branch,
        occurred_at=now,
        reported_by=owner,
        location="Workbench",
        what_happened="Frayed cord.",
    )
    from_report = action_create(
        description="Replace the cord", owner_id=owner.pk, due_on=today, by=coordinator, report=report
    )
    on_its_own = action_create(description="Order gloves", owner_id=owner.pk, due_on=today, by=coordinator)

    assert from_report.report == report and from_report.status == ActionStatus.OPEN
    assert on_its_own.report is None and on_its_own.inspection_result is None


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"description": ""}, "required"),
        ({"description": "<b>x</b>"}, "markup"),
        ({"owner_id": None}, "action_owner_unknown"),
        ({"due_on": dt.date(2000, 1, 1)}, "action_due_in_past"),
    ],
)
def test_a_bad_action_is_refused_with_a_code(coordinator, owner, today, fields, code):
    values = {"description": "Order gloves", "owner_id": owner.pk, "due_on": today} | fields
    with pytest.raises(ValidationError) as refusal:
        action_create(by=coordinator, **values)
    assert code in [error.code for errors in refusal.value.error_dict.values() for error in errors]
    assert not CorrectiveAction.objects.exists()


def test_only_the_coordinator_sets_actions(assistant, owner, today):
    with pytest.raises(ValidationError) as refusal:
        action_create(description="x", owner_id=owner.pk, due_on=today, by=assistant)
    assert refusal.value.code == "not_coordinator"


def test_done_records_when_and_reopening_clears_it(owner, today):
    action = action_for(owner, due_on=today)
    done = action_status_change(action_id=action.pk, status=ActionStatus.DONE, by=owner)
    assert done.completed_at is not None
    reopened = action_status_change(action_id=action.pk, status=ActionStatus.IN_PROGRESS, by=owner)
    assert (reopened.status, reopened.completed_at) == (ActionStatus.IN_PROGRESS, None)


# --- Pages ---


def status_post(client, action, status: str, next_url: str = "/staff/safety/actions/"):
    return client.post(
        f"/staff/safety/actions/{action.pk}/status/", {f"a{action.pk}-status": status, "next": next_url}, follow=True
    )


def test_the_owner_sees_their_actions_and_marks_one_done(client, owner, coordinator, today):
    mine = action_for(owner, due_on=today - dt.timedelta(days=1), description="Clear the aisle")
    action_for(coordinator, due_on=today, description="Someone else's action")
    client.force_login(owner)

    page = client.get("/staff/safety/actions/")
    assert "Clear the aisle" in page.text
    assert "Overdue" in page.text
    assert "Someone else" not in page.text

    response = status_post(client, mine, "done")
    assert "is now done" in response.text
    assert CorrectiveAction.objects.get(pk=mine.pk).status == ActionStatus.DONE
    assert "Done in the last thirty days" in response.text


@pytest.mark.parametrize("status", ["", "finished", "<script>", "done" * 100])
def test_a_bad_status_changes_nothing(client, owner, today, status):
    action = action_for(owner, due_on=today)
    client.force_login(owner)
    response = status_post(client, action, status)
    assert response.status_code == 200
    assert "Choose open, in progress or done." in response.text
    assert CorrectiveAction.objects.get(pk=action.pk).status == ActionStatus.OPEN


def test_someone_else_cannot_change_an_action_and_next_stays_on_the_site(client, owner, assistant, coordinator, today):
    action = action_for(owner, due_on=today)
    client.force_login(assistant)
    assert status_post(client, action, "done").status_code == 403
    client.force_login(coordinator)
    response = client.post(
        f"/staff/safety/actions/{action.pk}/status/", {f"a{action.pk}-status": "done", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == "/staff/safety/actions/"
    assert CorrectiveAction.objects.get(pk=action.pk).status == ActionStatus.DONE


def test_the_coordinator_lists_every_open_action_and_adds_one(client, coordinator, owner, today):
    action_for(owner, due_on=today, description="Clear the aisle")
    client.force_login(coordinator)
    assert "Clear the aisle" in client.get("/staff/safety/actions/all/").text

    due = today + dt.timedelta(days=5)
    response = client.post(
        "/staff/safety/actions/all/",
        {"description": "Order nitrile gloves", "owner": str(owner.pk), "due_on": due.isoformat()},
        follow=True,
    )
    assert "Corrective action added." in response.text
    added = CorrectiveAction.objects.get(description="Order nitrile gloves")
    assert (added.owner, added.due_on, added.report, added.inspection_result) == (owner, due, None, None)


BAD_ACTIONS = [
    ({"description": ""}, "Say what to put right."),
    ({"description": "<img src=x onerror=alert(1)>"}, "Write plain text"),
    ({"description": "x" * 2001}, "2000 characters"),
    ({"owner": ""}, "Choose who puts it right."),
    ({"owner": "not-a-number"}, "Choose who puts it right from the list."),
    ({"owner": "99999999999999999999999"}, "Choose who puts it right from the list."),
    ({"due_on": ""}, "Choose a due date."),
    ({"due_on": "31/31/2026"}, "Enter the due date as a date"),
    ({"due_on": "2000-01-01"}, "Choose a due date from today on."),
    ({"due_on": "2999-01-01"}, "Choose a due date within a year."),
]


@pytest.mark.parametrize(("change", "message"), BAD_ACTIONS)
def test_bad_input_on_the_action_form_is_shown_and_changes_nothing(client, coordinator, owner, today, change, message):
    client.force_login(coordinator)
    data = {"description": "Order gloves", "owner": str(owner.pk), "due_on": today.isoformat()} | change
    response = client.post("/staff/safety/actions/all/", data)
    assert response.status_code == 400
    assert message in response.text
    assert not CorrectiveAction.objects.exists()


def test_an_assistant_cannot_open_every_action_or_add_one(client, assistant, owner, today):
    client.force_login(assistant)
    assert client.get("/staff/safety/actions/all/").status_code == 403
    data = {"description": "Order gloves", "owner": str(owner.pk), "due_on": today.isoformat()}
    assert client.post("/staff/safety/actions/all/", data).status_code == 403
    assert not CorrectiveAction.objects.exists()


def test_the_manager_reads_every_open_action_but_adds_none(client, owner, today):
    action_for(owner, due_on=today, description="Clear the aisle")
    client.force_login(UserFactory(is_staff=True, role="Manager"))
    page = client.get("/staff/safety/actions/all/")
    assert "Clear the aisle" in page.text
    assert "Add an action" not in page.text
    assert "/status/" not in page.text  # reads the status, changes none


def test_overdue_actions_are_on_the_coordinators_start_page_and_the_owners(
    client, branch, coordinator, owner, assistant, today
):
    action_for(owner, due_on=today - dt.timedelta(days=4), description="Tag the extinguisher")
    action_for(owner, due_on=today + dt.timedelta(days=4), description="Not due yet")

    client.force_login(coordinator)
    start = client.get("/staff/")
    assert "Corrective actions overdue" in start.text
    assert "Tag the extinguisher" in start.text and "Not due yet" not in start.text

    client.force_login(owner)
    start = client.get("/staff/")
    assert "You have 1 overdue action to put right" in start.text
    assert "Corrective actions overdue" not in start.text

    client.force_login(assistant)
    assert "Overdue health and safety work" not in client.get("/staff/").text


def test_the_action_pages_take_as_many_queries_whatever_the_data(
    client, branch, coordinator, owner, today, django_assert_max_num_queries
):
    action_for(owner, due_on=today - dt.timedelta(days=1))
    action_for(coordinator, due_on=today - dt.timedelta(days=1))
    pages = [("/staff/safety/actions/", owner), ("/staff/safety/actions/all/", coordinator), ("/staff/", coordinator)]
    budgets = {}
    for path, user in pages:
        client.force_login(user)
        with django_assert_max_num_queries(40) as small:
            assert client.get(path).status_code == 200
        budgets[path] = len(small.captured_queries)
    for number in range(60):
        action_for(owner if number % 2 else coordinator, due_on=today - dt.timedelta(days=number % 9 - 3))
        action_for(owner, due_on=today, status=ActionStatus.DONE)
    for path, user in pages:
        client.force_login(user)
        with django_assert_max_num_queries(budgets[path]):
            assert client.get(path).status_code == 200
