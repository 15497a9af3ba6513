"""The registry through which other apps add rules to staffing's schedule checks, without staffing importing them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from makerlab import shift_rules
from makerlab.shift_rules import ShiftConcern
from staffing.selectors import WarningChecker
from tests.factories import ShiftFactory, SkillFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db


class _NeedsBadge:
    """A rule of a made-up app: whoever supervises a skill needs a badge, which no one has."""

    asked: list[list[int]] = []

    def __init__(self, *, staff_member_ids):
        type(self).asked.append(list(staff_member_ids))

    def concerns(self, *, staff_member_id, skill_ids, branch_id):
        return [ShiftConcern("badge", "has no badge.")]

    def adult_only(self, *, skill_ids, branch_id):
        return []


@pytest.fixture
def badge_rule():
    _NeedsBadge.asked = []
    shift_rules.register_shift_rules("badges", _NeedsBadge)
    yield _NeedsBadge
    shift_rules.unregister_shift_rules("badges")


def test_safety_registers_its_rules_when_the_app_loads():
    assert "safety" in shift_rules.registered_shift_rules()


def test_a_registered_rule_warns_once_per_checker_for_shifts_requiring_skills(branch, badge_rule):
    skill = SkillFactory(name="Badge holders")
    people = [StaffMemberFactory(user__first_name="Ana", user__last_name=f"Person{n}") for n in range(3)]
    with_skill = ShiftFactory(branch=branch, required_skills=[skill])
    without = ShiftFactory(branch=branch, starts_at=with_skill.starts_at.replace(hour=16))
    checker = WarningChecker(people=people, shifts=[with_skill, without])
    with CaptureQueriesContext(connection) as captured:
        for person in people:
            assert checker.warnings(shift=without, staff_member=person, required_skills=[]) == []
    assert badge_rule.asked == [] and not captured.captured_queries

    for person in people:
        codes = {
            w.code: w.message for w in checker.warnings(shift=with_skill, staff_member=person, required_skills=[skill])
        }
        assert codes["badge"] == f"{person} has no badge."
    assert badge_rule.asked == [[person.pk for person in people]]


def test_an_unregistered_rule_is_no_longer_asked(branch, badge_rule):
    shift_rules.unregister_shift_rules("badges")
    skill = SkillFactory(name="Badge holders")
    person = StaffMemberFactory()
    shift = ShiftFactory(branch=branch, required_skills=[skill])
    warnings = WarningChecker(people=[person], shifts=[shift]).warnings(
        shift=shift, staff_member=person, required_skills=[skill]
    )
    assert "badge" not in {w.code for w in warnings}
