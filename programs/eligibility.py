"""Who a program is for, in one place.

The pages' words for a program's audience, the calendar's age filter, the questions the registration
form asks, and the check the registration service makes all come from here, so a children's program
can never be described one way, asked for another and checked a third.

- A children's program signs up children only: at least one child of an eligible age, and the grown-up
  registering never takes a place (they may stay with the children when the program says so).
- An adults' program (the Adults audience, or a youngest age of 16 or more) signs up the person
  registering and asks nothing about children.
- Teen, family and all-ages programs take the person registering, children, or both; everyone who gives
  an age must be in the program's age range, and a teen program needs everyone's age.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ValidationError
from django.db.models import Q

from makerlab.formatting import count_text
from programs.models import Audience, Program

# A program whose youngest age is this or more is for adults and older teens registering themselves.
ADULT_ONLY_FROM_AGE = 16
# The oldest age a child row takes; someone older registers as themselves.
CHILD_AGE_LIMIT = 17


class Person(Protocol):
    first_name: str
    age: int | None
    is_child: bool


@dataclass(frozen=True)
class WhoMayRegister:
    """What a program's registration form asks, and what its registrations may hold."""

    children: bool  # the form asks for children's names and ages
    registrant: bool  # the person registering may take a place themselves
    registrant_always: bool  # ... and is the only one who can: the form asks nothing about who is coming
    registrant_age_needed: bool  # the person registering gives their age when they take a place
    children_required: bool  # at least one child of an eligible age
    guardian_may_stay: bool  # a parent or carer may stay without taking a place
    most_people: int  # people one registration may sign up


def people_text(count: int, *, children: bool = False) -> str:
    """ "1 person", "3 people", "1 child", "2 children"."""
    return count_text(count, "child", "children") if children else count_text(count, "person", "people")


def registration_who_text(rules: WhoMayRegister) -> str:
    """What the registration form says about who one registration may sign up."""
    if rules.registrant_always:
        return "This registration is for you: each person registers with their own form."
    if not rules.registrant:
        if rules.most_people == 1:
            return (
                "One child per registration. To register a brother or sister too, send this form, "
                "then choose “Register another child”."
            )
        return f"Up to {people_text(rules.most_people, children=True)} on one registration."
    if rules.most_people == 1:
        return "One person per registration: you, or one child. Register others with another registration."
    return f"Up to {people_text(rules.most_people)} on one registration, you included if you are coming."


def registration_guardian_text(rules: WhoMayRegister) -> str:
    """What the form says about a parent staying, on a program only children take part in."""
    if rules.registrant:
        return ""
    if rules.guardian_may_stay:
        return "A parent or carer is welcome to stay with the children and does not need a place."
    return "Only the children take part: please bring them at the start and pick them up at the end."


def places_text(count: int) -> str:
    return count_text(count, "place")


def program_ages_text(program: Program) -> str:
    """ "ages 8 to 12", "ages 16 and up", "ages up to 5", or "" when the program has no age limits."""
    if program.min_age is None and program.max_age is None:
        return ""
    if program.max_age is None:
        return f"ages {program.min_age} and up"
    if program.min_age is None:
        return f"ages up to {program.max_age}"
    return f"ages {program.min_age} to {program.max_age}"


def program_audience_text(program: Program) -> str:
    """Who the program is for, in one phrase: "Children, ages 8 to 12", "Adults", "Families, all ages"."""
    ages = program_ages_text(program)
    if program.audience == Audience.ALL_AGES:
        return ages.capitalize() if ages else "All ages"
    label = Audience(program.audience).label if program.audience in Audience.values else "Everyone"
    if ages:
        return f"{label}, {ages}"
    if program.audience == Audience.FAMILIES:
        return f"{label}, all ages"
    return label


def program_is_for_adults(program: Program) -> bool:
    return program.audience == Audience.ADULTS or (
        program.min_age is not None and program.min_age >= ADULT_ONLY_FROM_AGE
    )


def programs_open_to_age(age: int) -> Q:
    """The calendar's "Age" filter: programs someone this age may take a place in, by the rules above."""
    in_range = (Q(min_age__isnull=True) | Q(min_age__lte=age)) & (Q(max_age__isnull=True) | Q(max_age__gte=age))
    if age < ADULT_ONLY_FROM_AGE:
        in_range &= ~Q(audience=Audience.ADULTS)
    if age > CHILD_AGE_LIMIT:
        in_range &= ~Q(audience=Audience.CHILDREN)
    return in_range


def program_who_may_register(program: Program) -> WhoMayRegister:
    most = max(program.places_per_registration, 1)
    guardian = program.guardian_may_stay
    if program.audience == Audience.CHILDREN:
        return WhoMayRegister(
            children=True,
            registrant=False,
            registrant_always=False,
            registrant_age_needed=False,
            children_required=True,
            guardian_may_stay=guardian,
            most_people=most,
        )
    if program_is_for_adults(program):
        return WhoMayRegister(
            children=False,
            registrant=True,
            registrant_always=True,
            registrant_age_needed=False,
            children_required=False,
            guardian_may_stay=False,
            most_people=1,
        )
    return WhoMayRegister(
        children=True,
        registrant=True,
        registrant_always=False,
        # Someone in a program that stops before adulthood says their age, so it can be checked; in a family
        # program the ages are the children's.
        registrant_age_needed=program.audience != Audience.FAMILIES
        and program.max_age is not None
        and program.max_age < 18,
        children_required=False,
        guardian_may_stay=guardian,
        most_people=most,
    )


def participants_check(program: Program, people: Sequence[Person]) -> None:
    """Refuse people the program is not for, naming the person and what to do; codes are stable."""
    rules = program_who_may_register(program)
    if not people:
        raise ValidationError("Say who is coming.", code="nobody")
    if len(people) > rules.most_people:
        most = people_text(rules.most_people, children=not rules.registrant)
        raise ValidationError(
            f"One registration can sign up at most {most}. Register the others with a second registration.",
            code="too_many_people",
        )
    names = [person.first_name.strip().casefold() for person in people]
    if any(not name for name in names):
        raise ValidationError("Give the first name of everyone who is coming.", code="name_missing")
    if len(set(names)) != len(names):
        raise ValidationError("The same person is listed twice.", code="listed_twice")
    children = [person for person in people if person.is_child]
    grown_ups = [person for person in people if not person.is_child]
    if children and not rules.children:
        raise ValidationError(
            f"This program is for {program_audience_text(program).lower()}: children cannot take part.",
            code="children_not_taken",
        )
    if grown_ups and not rules.registrant:
        raise ValidationError(
            f"This program is for children ({program_ages_text(program) or 'all ages'}): "
            "add at least one child. The grown-up registering does not need a place.",
            code="children_only",
        )
    if rules.children_required and not children:
        raise ValidationError("Add at least one child who is coming.", code="child_required")
    for person in people:
        if person.age is None and (person.is_child or rules.registrant_age_needed):
            raise ValidationError(f"Give {person.first_name}'s age.", code="age_missing")
        # In a family program the age range is the children's; the grown-ups come with them.
        if person.age is None or (program.audience == Audience.FAMILIES and not person.is_child):
            continue
        if person.is_child and person.age > CHILD_AGE_LIMIT:
            raise ValidationError(
                f"{person.first_name} is {person.age}: someone 18 or older registers as themselves.",
                code="child_too_old",
            )
        if program.min_age is not None and person.age < program.min_age:
            raise ValidationError(
                f"{person.first_name} is too young: this program is for {program_ages_text(program)}.",
                code="too_young",
            )
        if program.max_age is not None and person.age > program.max_age:
            raise ValidationError(
                f"{person.first_name} is too old: this program is for {program_ages_text(program)}.",
                code="too_old",
            )
