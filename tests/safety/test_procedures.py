"""Written safe operating procedures: versions, acknowledgements, and who still has to read the current one."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safety import selectors, services
from safety.models import ProcedureAcknowledgement
from tests.factories import QualificationFactory, StaffMemberFactory
from tests.safety.procedures import publish, supervised_equipment, supervisor, versions_of

pytestmark = pytest.mark.django_db


def test_each_new_version_is_numbered_after_the_last_and_becomes_current(branch, coordinator, now):
    laser, _ = supervised_equipment(branch)
    first = publish(laser, by=coordinator)
    second = publish(laser, title="Laser cutter, with the new extractor", by=coordinator, now=now)
    assert (first.number, second.number) == (1, 2)
    assert second.published_by == coordinator and second.published_at == now
    assert selectors.current_procedure(equipment=laser) == second
    assert not selectors.is_current(first) and selectors.is_current(second)
    printer, _ = supervised_equipment(branch, name="3D printer", skill_name="3D printing")
    assert publish(printer).number == 1


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"title": "  "}, "title", "required"),
        ({"body": ""}, "body", "required"),
        ({"body": "<script>alert(1)</script>"}, "body", "markup"),
        ({"title": "Laser\x00cutter"}, "title", "control"),
        ({"change_summary": "x" * 301}, "change_summary", "too_long"),
    ],
)
def test_a_procedure_is_plain_text_with_a_title_and_a_body(branch, fields, field, code):
    laser, _ = supervised_equipment(branch)
    arguments = {"equipment": laser, "title": "Using the laser cutter", "body": "Stay with it.", **fields}
    with pytest.raises(ValidationError) as refused:
        services.procedure_publish(**arguments)
    assert [error.code for error in refused.value.error_dict[field]] == [code]
    assert versions_of(laser) == []


def test_acknowledging_twice_counts_once(branch, now):
    laser, skill = supervised_equipment(branch)
    version = publish(laser)
    person = supervisor(skill)
    first = services.procedure_acknowledge(version=version, staff_member=person, now=now)
    again = services.procedure_acknowledge(version=version, staff_member=person, now=now + dt.timedelta(hours=1))
    assert first == again
    assert ProcedureAcknowledgement.objects.get().acknowledged_at == now


def test_a_version_replaced_since_cannot_be_acknowledged(branch):
    laser, skill = supervised_equipment(branch)
    old = publish(laser)
    publish(laser, body="New extractor: switch it on first.")
    person = supervisor(skill)
    with pytest.raises(ValidationError) as refused:
        services.procedure_acknowledge(version=old, staff_member=person)
    assert refused.value.code == "procedure_not_current"
    assert not ProcedureAcknowledgement.objects.exists()


def test_someone_who_left_cannot_acknowledge(branch):
    laser, skill = supervised_equipment(branch)
    person = supervisor(skill, is_active=False)
    with pytest.raises(ValidationError) as refused:
        services.procedure_acknowledge(version=publish(laser), staff_member=person)
    assert refused.value.code == "inactive"


def test_a_new_version_must_be_read_again_by_everyone_who_supervises_the_machine(branch, now):
    laser, skill = supervised_equipment(branch)
    printer, printing = supervised_equipment(branch, name="3D printer", skill_name="3D printing")
    first = publish(laser)
    publish(printer)
    karen = supervisor(skill, user__first_name="Karen", user__last_name="Van Dyk")
    jamal = supervisor(skill, user__first_name="Jamal", user__last_name="Haddad")
    StaffMemberFactory(user__first_name="Nobody", user__last_name="Supervises")
    services.procedure_acknowledge(version=first, staff_member=karen)
    today = now.date()

    assert selectors.procedures_to_acknowledge(staff_member=karen, day=today) == []
    assert [v.equipment for v in selectors.procedures_to_acknowledge(staff_member=jamal, day=today)] == [laser]
    assert [str(p) for p in selectors.not_acknowledged_by(version=first, day=today)] == ["Jamal Haddad"]

    second = publish(laser, body="New extractor: switch it on first.")
    assert selectors.procedures_to_acknowledge(staff_member=karen, day=today) == [second]
    assert selectors.procedures_to_acknowledge_count(staff_member=karen, day=today) == 1
    assert [str(p) for p in selectors.not_acknowledged_by(version=second, day=today)] == [
        "Jamal Haddad",
        "Karen Van Dyk",
    ]
    QualificationFactory(staff_member=karen, skill=printing)
    assert selectors.procedures_to_acknowledge_count(staff_member=karen, day=today) == 2


def test_a_skill_that_lapsed_no_longer_makes_someone_a_supervisor(branch, now):
    laser, skill = supervised_equipment(branch)
    version = publish(laser)
    person = StaffMemberFactory()
    lapsed = {"granted_on": dt.date(2020, 1, 1), "expires_on": dt.date(2021, 1, 1)}
    QualificationFactory(staff_member=person, skill=skill, **lapsed)
    assert selectors.procedures_to_acknowledge(staff_member=person, day=now.date()) == []
    assert selectors.not_acknowledged_by(version=version, day=now.date()) == []


def _queries(function) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured.captured_queries)


@pytest.mark.parametrize("size", [1, 5])
def test_the_procedure_reads_take_the_same_queries_at_two_sizes(branch, now, size):
    me = StaffMemberFactory()
    versions = []
    for index in range(size):
        machine, skill = supervised_equipment(branch, name=f"Machine {index}", skill_name=f"Skill {index}")
        publish(machine)
        versions.append(publish(machine))
        QualificationFactory(staff_member=me, skill=skill)
        for _ in range(size):
            supervisor(skill)
    *read, unread = versions
    for version in read:
        services.procedure_acknowledge(version=version, staff_member=me)
    today = now.date()
    assert _queries(lambda: selectors.procedures_to_acknowledge(staff_member=me, day=today)) == 2
    assert _queries(lambda: selectors.procedures_to_acknowledge_count(staff_member=me, day=today)) == 2
    assert _queries(lambda: selectors.acknowledgements_of(staff_member=me)) == 1
    assert _queries(lambda: selectors.not_acknowledged_by(version=unread, day=today)) == 3
    assert _queries(lambda: selectors.procedure_page(equipment_id=unread.equipment_id)) <= 4
    assert selectors.procedures_to_acknowledge(staff_member=me, day=today) == [unread]
    assert len(selectors.acknowledgements_of(staff_member=me)) == size - 1
    assert len(selectors.not_acknowledged_by(version=unread, day=today)) == size + 1
