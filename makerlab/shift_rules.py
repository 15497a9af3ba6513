"""Rules about putting people on shifts that another app knows, asked by staffing's schedule checks.

Staffing warns when someone put on a shift lacks a skill, but what supervising a machine asks of a person (its
written procedure read and acknowledged, an adult to supervise it) is health and safety's to say, and staffing
imports no other domain app. So an app registers a provider here in its AppConfig.ready(); staffing's
``WarningChecker`` asks ``shift_rules_for`` once per checker, and the answers then serve every (shift, person)
pair without another query. Each provider answers in a fixed number of queries, however many people it is asked
about.
"""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from makerlab.registry import Registry


@dataclass(frozen=True)
class ShiftConcern:
    """A soft rule that putting a person on a shift breaks: ``text`` reads after the person's name."""

    code: str
    text: str


class ShiftRules(Protocol):
    """What one app says about the people it was asked about, for shifts requiring some skills."""

    def concerns(self, *, staff_member_id: int, skill_ids: Collection[int], branch_id: int) -> list[ShiftConcern]:
        """The warnings for this person on a shift at the branch requiring ``skill_ids``."""
        ...

    def adult_only(self, *, skill_ids: Collection[int], branch_id: int) -> list[str]:
        """What a shift at the branch requiring ``skill_ids`` supervises that no one under 18 supervises alone."""
        ...


ShiftRulesProvider = Callable[..., ShiftRules]

_providers: Registry[ShiftRulesProvider] = Registry()
# ``provider(staff_member_ids=[...])`` under the app's label.
register_shift_rules = _providers.register
unregister_shift_rules = _providers.unregister
registered_shift_rules = _providers.registered


def shift_rules_for(*, staff_member_ids: Sequence[int]) -> list[ShiftRules]:
    """Every registered app's rules for these people, in the order of the apps' names."""
    staff_member_ids = list(staff_member_ids)
    return [provider(staff_member_ids=staff_member_ids) for provider in _providers.in_order()]
