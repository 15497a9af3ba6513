"""The commitments registry and the programs provider: what takes a person or a machine, asked for by id."""

import datetime as dt

import pytest
from django.utils import timezone

from makerlab import commitments
from makerlab.commitments import EQUIPMENT, STAFF, Commitment, busy_time
from programs.models import PartnerSite, Session
from tests.factories import (
    BranchFactory,
    EquipmentFactory,
    ProgramFactory,
    StaffMemberFactory,
    at,
)


@pytest.fixture
def day() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=5)


@pytest.fixture
def lab(db, day):
    branch = BranchFactory(name="Central Library")
    facilitator, other = StaffMemberFactory(), StaffMemberFactory()
    printer, laser = EquipmentFactory(branch=branch), EquipmentFactory(branch=branch)
    program = ProgramFactory(branch=branch, title="Family 3D design", slug="family-3d-design", room="Maker Lab")
    program.facilitators.set([facilitator])
    program.equipment.set([printer])
    session = Session.objects.create(program=program, starts_at=at(day, 10), ends_at=at(day, 11, 30))
    return {"facilitator": facilitator, "other": other, "printer": printer, "laser": laser, "session": session}


def test_programs_register_their_provider_when_the_app_loads():
    assert "programs" in commitments.registered_commitment_providers()


def test_a_session_takes_its_facilitator_and_its_equipment(lab, day):
    found = busy_time(
        staff_member_ids=[lab["facilitator"].pk, lab["other"].pk],
        equipment_ids=[lab["printer"].pk, lab["laser"].pk],
        starts=at(day, 0),
        ends=at(day, 23),
    )
    common = {
        "starts_at": at(day, 10),
        "ends_at": at(day, 11, 30),
        "title": "Family 3D design",
        "url": "/programs/family-3d-design/",
        "key": f"programs-session-{lab['session'].pk}",
        "place": "Central Library, Maker Lab",
    }
    assert found == [
        Commitment(kind=EQUIPMENT, resource_id=lab["printer"].pk, **common),
        Commitment(kind=STAFF, resource_id=lab["facilitator"].pk, **common),
    ]


def test_an_unpublished_program_has_no_link_and_an_outreach_site_is_its_place(lab, day):
    program = lab["session"].program
    program.is_published = False
    program.branch = None
    program.room = ""
    program.partner_site = PartnerSite.objects.create(
        name="Northside Seniors' Centre", organisation="Elgin", street_address="45 Wellington", city="St. Thomas"
    )
    program.save()
    (found,) = busy_time(staff_member_ids=[lab["facilitator"].pk], starts=at(day, 0), ends=at(day, 23))
    assert (found.url, found.place) == ("", "Northside Seniors' Centre")


@pytest.mark.parametrize(
    ("starts", "ends", "overlaps"),
    [
        ((9, 0), (10, 0), False),  # ends as the session starts
        ((11, 30), (12, 0), False),  # starts as it ends
        ((9, 0), (10, 1), True),
        ((11, 29), (12, 0), True),
        ((10, 15), (10, 45), True),  # inside it
    ],
)
def test_only_overlapping_time_counts(lab, day, starts, ends, overlaps):
    found = busy_time(staff_member_ids=[lab["facilitator"].pk], starts=at(day, *starts), ends=at(day, *ends))
    assert bool(found) is overlaps


def test_a_cancelled_session_takes_nothing(lab, day):
    lab["session"].cancelled_at = timezone.now()
    lab["session"].save()
    assert (
        busy_time(
            staff_member_ids=[lab["facilitator"].pk],
            equipment_ids=[lab["printer"].pk],
            starts=at(day, 0),
            ends=at(day, 23),
        )
        == []
    )


def test_one_query_per_kind_asked_and_none_for_an_empty_list(lab, day, django_assert_num_queries):
    window = {"starts": at(day, 0), "ends": at(day, 23)}
    with django_assert_num_queries(0):
        assert busy_time(staff_member_ids=[], equipment_ids=[], **window) == []
    with django_assert_num_queries(1):
        assert len(busy_time(staff_member_ids=[lab["facilitator"].pk], **window)) == 1
    with django_assert_num_queries(1):
        assert len(busy_time(equipment_ids=[lab["printer"].pk], **window)) == 1
    more = [StaffMemberFactory() for _ in range(5)]
    for n in range(10):
        program = ProgramFactory(branch=lab["session"].program.branch)
        program.facilitators.set(more)
        program.equipment.set([lab["printer"], lab["laser"]])
        Session.objects.create(program=program, starts_at=at(day, 12, n), ends_at=at(day, 13, n))
    with django_assert_num_queries(2):
        found = busy_time(staff_member_ids=[person.pk for person in more], equipment_ids=[lab["laser"].pk], **window)
    assert len(found) == 10 * 5 + 10


def test_every_registered_provider_is_asked_and_the_answers_come_in_time_order(lab, day):
    def desk_duty(*, staff_member_ids, equipment_ids, starts, ends):
        return [
            Commitment(kind=STAFF, resource_id=pk, starts_at=at(day, 8), ends_at=at(day, 9), title="Desk duty")
            for pk in staff_member_ids
        ]

    commitments.register_commitment_provider("desk duty", desk_duty)
    try:
        found = busy_time(staff_member_ids=[lab["facilitator"].pk], starts=at(day, 0), ends=at(day, 23))
    finally:
        commitments.unregister_commitment_provider("desk duty")
    assert [commitment.title for commitment in found] == ["Desk duty", "Family 3D design"]
    assert "desk duty" not in commitments.registered_commitment_providers()
