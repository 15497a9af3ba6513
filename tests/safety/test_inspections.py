"""Monthly workplace inspections: scheduled once per branch and month for its representative, recorded on the
staff page, every line not OK becoming a corrective action, and an inspection past its due date an alert."""

import datetime as dt

import pytest
from django.utils import timezone

from makerlab.models import Notification
from safety import tasks
from safety.models import CorrectiveAction, Inspection, InspectionItem, InspectionResult
from safety.services import ACTION_DEFAULT_DAYS, inspections_schedule
from tests.factories import BranchFactory, UserFactory
from tests.safety.helpers import answers_all_ok, checklist_texts, inspection_for, representative_of


@pytest.fixture
def today(now) -> dt.date:
    return timezone.localdate(now)


@pytest.fixture
def rep(branch):
    user = UserFactory(username="rep", first_name="Jamal", is_staff=True, role="Library assistant")
    representative_of(branch, user)
    return user


def due_emails() -> list[Notification]:
    return list(Notification.objects.filter(kind="safety_inspection_due").order_by("pk"))


# --- Scheduling ---


def test_the_task_makes_each_branchs_inspection_once_for_its_representative_run_twice(branch, rep, today):
    other = BranchFactory(name="East Branch")
    closed = BranchFactory(name="Old Branch", is_active=False)
    InspectionItem.objects.create(text="Ladder inspected", position=99, active=False)

    tasks.inspections_schedule()
    tasks.inspections_schedule()

    month = today.replace(day=1)
    ours = Inspection.objects.get(branch=branch)
    assert (ours.month, ours.inspector) == (month, rep)
    assert ours.due_on.month == month.month and (ours.due_on + dt.timedelta(days=1)).day == 1  # the last day
    assert list(ours.results.values_list("item_text", flat=True)) == checklist_texts()
    assert "Ladder inspected" not in checklist_texts()
    assert Inspection.objects.filter(branch=other, inspector=None).count() == 1
    assert not Inspection.objects.filter(branch=closed).exists()
    assert Inspection.objects.count() == 2
    [email] = due_emails()
    assert email.recipient == rep.email
    assert f"/staff/safety/inspections/{ours.pk}/" in email.context["url"]


def test_a_branch_that_names_its_representative_later_gets_the_inspection_assigned_and_emailed(branch, today):
    assert inspections_schedule(today=today) == 1
    assert Inspection.objects.get().inspector is None
    assert due_emails() == []

    rep = UserFactory(is_staff=True)
    representative_of(branch, rep)
    assert inspections_schedule(today=today + dt.timedelta(days=1)) == 0

    assert Inspection.objects.get().inspector == rep
    assert [email.recipient for email in due_emails()] == [rep.email]


def test_the_checklist_of_an_inspection_does_not_change_with_the_list_afterwards(branch, rep, today):
    inspections_schedule(today=today)
    InspectionItem.objects.create(text="Eyewash station flushed", position=50)

    inspections_schedule(today=today)

    assert "Eyewash station flushed" not in Inspection.objects.get().results.values_list("item_text", flat=True)


# --- Recording ---


def page_url(inspection) -> str:
    return f"/staff/safety/inspections/{inspection.pk}/"


@pytest.fixture
def open_inspection(branch, rep, today):
    return inspection_for(branch, month=today.replace(day=1), inspector=rep)


def lines(inspection) -> dict[str, InspectionResult]:
    return {result.item_text: result for result in inspection.results.all()}


def test_the_representative_records_the_inspection_and_each_line_not_ok_becomes_an_action(
    client, open_inspection, rep, coordinator, today
):
    client.force_login(rep)
    page = client.get(page_url(open_inspection))
    assert page.status_code == 200
    for text in checklist_texts():
        assert text in page.text

    results = lines(open_inspection)
    kit, extinguisher = results["First-aid kit stocked"], results["Fire extinguisher tagged"]
    chosen_due = today + dt.timedelta(days=3)
    data = answers_all_ok(open_inspection) | {
        f"result-{kit.pk}-ok": "not_ok",
        f"result-{kit.pk}-note": "No burn gel left.",
        f"result-{extinguisher.pk}-ok": "not_ok",
        f"result-{extinguisher.pk}-note": "Tag expired in October.",
        f"result-{extinguisher.pk}-owner": str(coordinator.pk),
        f"result-{extinguisher.pk}-due_on": chosen_due.isoformat(),
    }
    response = client.post(page_url(open_inspection), data, follow=True)

    assert "Inspection recorded. 2 corrective actions made." in response.text
    open_inspection.refresh_from_db()
    assert open_inspection.completed_by == rep and open_inspection.completed_at is not None
    actions = {action.inspection_result_id: action for action in CorrectiveAction.objects.all()}
    assert set(actions) == {kit.pk, extinguisher.pk}
    assert actions[kit.pk].description == "First-aid kit stocked: No burn gel left."
    assert (actions[kit.pk].owner, actions[kit.pk].due_on) == (rep, today + dt.timedelta(days=ACTION_DEFAULT_DAYS))
    assert (actions[extinguisher.pk].owner, actions[extinguisher.pk].due_on) == (coordinator, chosen_due)
    saved = lines(open_inspection)
    assert saved["Floors clear"].ok is True
    assert (saved["First-aid kit stocked"].ok, saved["First-aid kit stocked"].note) == (False, "No burn gel left.")
    assert "Tag expired in October." in client.get(page_url(open_inspection)).text


def test_an_inspection_is_recorded_once(client, open_inspection, rep):
    client.force_login(rep)
    client.post(page_url(open_inspection), answers_all_ok(open_inspection))
    first = Inspection.objects.get().completed_at

    again = client.post(page_url(open_inspection), answers_all_ok(open_inspection))

    assert again.status_code == 400
    assert "already recorded" in again.text
    assert Inspection.objects.get().completed_at == first


def test_someone_else_cannot_open_or_record_an_inspection(client, open_inspection, assistant):
    client.force_login(assistant)
    assert client.get(page_url(open_inspection)).status_code == 403
    assert client.post(page_url(open_inspection), answers_all_ok(open_inspection)).status_code == 403
    listing = client.get("/staff/safety/inspections/")
    assert "You have no inspections to do" in listing.text
    assert page_url(open_inspection) not in listing.text
    assert Inspection.objects.get().completed_at is None


def test_who_opens_an_inspection_is_the_services_answer(open_inspection, rep, coordinator, assistant):
    from safety.services import inspection_can_open

    assert inspection_can_open(open_inspection, user=rep)
    assert inspection_can_open(open_inspection, user=coordinator)
    assert not inspection_can_open(open_inspection, user=assistant)


def test_the_coordinator_may_record_a_branchs_inspection(client, open_inspection, coordinator):
    client.force_login(coordinator)
    client.post(page_url(open_inspection), answers_all_ok(open_inspection))
    assert Inspection.objects.get().completed_by == coordinator


BAD_LINES = [
    ({"ok": ""}, "Say whether “First-aid kit stocked” is OK."),
    ({"ok": "maybe"}, "Say whether “First-aid kit stocked” is OK."),
    ({"ok": "not_ok"}, "Say what is wrong with “First-aid kit stocked”."),
    ({"ok": "not_ok", "note": "   "}, "Say what is wrong with “First-aid kit stocked”."),
    ({"ok": "not_ok", "note": "<script>alert(1)</script>"}, "Write plain text"),
    ({"ok": "not_ok", "note": "x" * 2001}, "2000 characters"),
    ({"ok": "not_ok", "note": "Empty", "due_on": "yesterday"}, "Enter the due date as a date"),
    ({"ok": "not_ok", "note": "Empty", "due_on": "1999-01-01"}, "Choose a due date from today on."),
    ({"ok": "not_ok", "note": "Empty", "due_on": "2999-01-01"}, "Choose a due date within a year."),
    ({"ok": "not_ok", "note": "Empty", "owner": "999999"}, "Choose who puts it right from the list."),
    ({"ok": "not_ok", "note": "Empty", "owner": "١٢"}, "Choose who puts it right from the list."),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES)
def test_bad_input_is_shown_on_the_form_and_changes_nothing(client, open_inspection, rep, line, message):
    client.force_login(rep)
    kit = lines(open_inspection)["First-aid kit stocked"]
    data = answers_all_ok(open_inspection) | {f"result-{kit.pk}-{name}": value for name, value in line.items()}

    response = client.post(page_url(open_inspection), data)

    assert response.status_code == 400
    assert message in response.text
    assert "There is a problem" in response.text
    assert Inspection.objects.get().completed_at is None
    assert not CorrectiveAction.objects.exists()
    assert list(InspectionResult.objects.filter(ok__isnull=False)) == []


def test_an_inspection_that_is_not_a_number_is_not_found(client, rep):
    client.force_login(rep)
    assert client.get("/staff/safety/inspections/abc/").status_code == 404
    assert client.get("/staff/safety/inspections/99999/").status_code == 404


# --- Overdue ---


@pytest.fixture
def late_inspection(branch, rep, today):
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return inspection_for(branch, month=last_month, inspector=rep)


def test_an_inspection_not_done_by_its_due_date_is_an_alert_for_the_coordinator(
    client, late_inspection, open_inspection, coordinator, assistant
):
    client.force_login(coordinator)
    start = client.get("/staff/")
    assert "Inspections overdue" in start.text
    assert f"{late_inspection.month:%B %Y}" in start.text
    assert f"{open_inspection.month:%B %Y}</a>: was due" not in start.text  # not due yet
    listing = client.get("/staff/safety/inspections/")
    assert "Overdue" in listing.text

    client.force_login(assistant)
    assert "Inspections overdue" not in client.get("/staff/").text


def test_an_inspection_done_is_no_longer_an_alert(client, late_inspection, coordinator, rep):
    client.force_login(rep)
    client.post(page_url(late_inspection), answers_all_ok(late_inspection))
    client.force_login(coordinator)
    assert "Inspections overdue" not in client.get("/staff/").text


# --- Query budgets ---


def more_history(branch, rep, months: int) -> None:
    month = timezone.localdate().replace(day=1)
    for _ in range(months):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        inspection_for(branch, month=month, inspector=rep, completed_at=timezone.now())


def test_the_inspection_pages_take_as_many_queries_whatever_the_history(
    client, branch, rep, open_inspection, coordinator, django_assert_max_num_queries
):
    pages = ["/staff/safety/inspections/", page_url(open_inspection)]
    client.force_login(coordinator)
    budgets = {}
    for path in pages:
        with django_assert_max_num_queries(20) as small:
            assert client.get(path).status_code == 200
        budgets[path] = len(small.captured_queries)
    more_history(branch, rep, 30)
    BranchFactory.create_batch(3)
    for path in pages:
        with django_assert_max_num_queries(budgets[path]):
            assert client.get(path).status_code == 200


@pytest.mark.parametrize("field", ["ok", "note", "owner", "due_on"])
def test_hostile_values_on_the_inspection_form_never_answer_500(client, open_inspection, rep, field):
    """A value that is fine after all (an empty owner or due date: the defaults; SQL-like text in a note) records
    the inspection, which is then put back to be recorded again with the next value."""
    from tests.test_hostile_urls import HOSTILE_VALUES

    client.raise_request_exception = False
    client.force_login(rep)
    kit = lines(open_inspection)["First-aid kit stocked"]
    for value in HOSTILE_VALUES:
        data = answers_all_ok(open_inspection) | {
            f"result-{kit.pk}-ok": "not_ok",
            f"result-{kit.pk}-note": "Empty",
            f"result-{kit.pk}-{field}": value,
        }
        response = client.post(page_url(open_inspection), data)
        assert response.status_code in (302, 400), (field, value[:40])
        recorded = Inspection.objects.get().completed_at is not None
        assert recorded == (response.status_code == 302), (field, value[:40])
        CorrectiveAction.objects.all().delete()
        Inspection.objects.update(completed_at=None, completed_by=None)


def test_an_inspection_without_a_checklist_cannot_be_recorded(client, branch, rep, today):
    InspectionItem.objects.all().delete()
    empty = inspection_for(branch, month=today.replace(day=1), inspector=rep)
    client.force_login(rep)
    response = client.post(page_url(empty), {})
    assert response.status_code == 400
    assert "The checklist is empty" in response.text
    assert Inspection.objects.get().completed_at is None


def test_recording_an_inspection_takes_as_many_queries_however_many_lines_are_not_ok(
    branch, rep, coordinator, today, django_assert_max_num_queries
):
    """Each line not OK becomes an action, its owner read with the others: no query per finding."""
    from safety.services import Finding, inspection_complete

    def record(inspection, *, not_ok: int) -> int:
        results = list(inspection.results.order_by("position", "pk"))
        findings = [
            Finding(result_id=result.pk, ok=index >= not_ok, note="Needs work", owner_id=coordinator.pk)
            for index, result in enumerate(results)
        ]
        with django_assert_max_num_queries(100) as counted:
            made = inspection_complete(inspection_id=inspection.pk, findings=findings, by=rep)
        assert len(made) == not_ok
        return len(counted.captured_queries)

    month = today.replace(day=1)
    one = record(inspection_for(branch, month=month, inspector=rep), not_ok=1)
    every = record(inspection_for(BranchFactory(), month=month, inspector=rep), not_ok=len(checklist_texts()))

    assert len(checklist_texts()) > 2
    assert every == one
    assert set(CorrectiveAction.objects.values_list("owner", flat=True)) == {coordinator.pk}


def test_the_start_page_tells_how_many_more_inspections_are_overdue_than_it_lists(
    client, branch, rep, coordinator, today
):
    """Five overdue inspections are listed; the start page counts every other one, not just the next."""
    from safety.selectors import START_ALERT_ROWS

    month = today.replace(day=1)
    for _ in range(START_ALERT_ROWS + 3):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        inspection_for(branch, month=month, inspector=rep)
    client.force_login(coordinator)

    start = client.get("/staff/").text

    assert "and 3 more" in start
