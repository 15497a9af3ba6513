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

_providers: dict[str, ShiftRulesProvider] = {}


def register_shift_rules(name: str, provider: ShiftRulesProvider) -> None:
    """Register ``provider(staff_member_ids=[...])`` under ``name`` (the app's label); registering again replaces it."""
    _providers[name] = provider


def unregister_shift_rules(name: str) -> None:
    _providers.pop(name, None)


def registered_shift_rules() -> dict[str, ShiftRulesProvider]:
    return dict(_providers)


def shift_rules_for(*, staff_member_ids: Sequence[int]) -> list[ShiftRules]:
    """Every registered app's rules for these people, in the order of the apps' names."""
    staff_member_ids = list(staff_member_ids)
    return [_providers[name](staff_member_ids=staff_member_ids) for name in sorted(_providers)]
