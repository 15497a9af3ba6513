"""The "What's on" widget the library's website embeds: what it shows, chosen from its address's parameters.

The same choices make the iframe page, the HTML fragment and the staff page's snippet. The programs are the
public calendar's (``programs_published`` with the calendar's own filters); the services are those patrons can
book; the displays are those on today. A parameter the widget cannot use is left out, never refused: an
embedded widget must not turn into an error on the library's website when a branch closes or a link is mistyped.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.urls import reverse
from django.utils import timezone

from bookings.selectors import services_bookable
from makerlab.formatting import count_text, day_text, when_text
from programs.eligibility import program_audience_text
from programs.filters import ProgramFilter
from programs.models import Program
from programs.selectors import programs_published
from promotion.selectors import displays_on_now

PROGRAMS, SERVICES, DISPLAYS = "programs", "services", "displays"
SECTIONS = [
    (PROGRAMS, "Programs coming up"),
    (SERVICES, "1-on-1 help you can book"),
    (DISPLAYS, "Displays on now"),
]
# The calendar's filters the widget passes on: who it is for, what kind, where.
PROGRAM_FILTERS = ("audience", "category", "where")
LIMIT_DEFAULT, LIMIT_MIN, LIMIT_MAX = 6, 1, 20


class WidgetForm(forms.Form):
    """What the widget shows. The program filters are the public calendar's own fields, with its choices."""

    limit = forms.IntegerField(
        label="How many of each",
        min_value=LIMIT_MIN,
        max_value=LIMIT_MAX,
        required=False,
        help_text=f"From {LIMIT_MIN} to {LIMIT_MAX}. Leave empty for {LIMIT_DEFAULT}.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": f"Enter a whole number from {LIMIT_MIN} to {LIMIT_MAX}.",
            "min_value": f"Show at least {LIMIT_MIN}.",
            "max_value": f"Show at most {LIMIT_MAX}: the widget is meant to be short.",
        },
    )
    show = forms.MultipleChoiceField(
        label="What to show",
        choices=SECTIONS,
        required=False,
        help_text="Leave all unticked to show all three.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose programs, 1-on-1 help or displays."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        calendar_fields = ProgramFilter(queryset=Program.objects.none()).form.fields
        self.fields = {name: calendar_fields[name] for name in PROGRAM_FILTERS} | self.fields
        for name in PROGRAM_FILTERS:
            self.fields[name].error_messages["invalid_choice"] = "Choose one of the choices in the list."


@dataclass(frozen=True)
class WidgetChoices:
    program_filters: dict[str, str]
    limit: int
    sections: tuple[str, ...]

    @property
    def branch_id(self) -> int | None:
        """The branch the programs are filtered to, which the services and displays follow."""
        kind, _, pk = self.program_filters.get("where", "").partition("-")
        return int(pk) if kind == "branch" else None

    @property
    def at_partner_site(self) -> bool:
        return self.program_filters.get("where", "").startswith("site-")

    def query(self) -> str:
        """The widget's query string for these choices, without the defaults."""
        pairs = list(self.program_filters.items())
        if self.limit != LIMIT_DEFAULT:
            pairs.append(("limit", str(self.limit)))
        if set(self.sections) != {key for key, _ in SECTIONS}:
            pairs.extend(("show", section) for section in self.sections)
        return urlencode(pairs)


def widget_choices(form: WidgetForm) -> WidgetChoices:
    """The choices the form holds, each one that is not valid replaced by its default."""
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    filters = {name: cleaned[name] for name in PROGRAM_FILTERS if cleaned.get(name)}
    limit = cleaned.get("limit") or LIMIT_DEFAULT
    chosen = cleaned.get("show") or []
    sections = tuple(key for key, _ in SECTIONS if key in chosen) or tuple(key for key, _ in SECTIONS)
    return WidgetChoices(program_filters=filters, limit=limit, sections=sections)


# A page's full address on this site, from its path: the widget's links work wherever it is shown.
Address = Callable[[str], str]


@dataclass(frozen=True)
class Item:
    title: str
    url: str
    when: str
    where: str
    detail: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    items: list[Item]
    more_url: str
    more_text: str
    empty_text: str


def _programs(choices: WidgetChoices, now: dt.datetime, address: Address) -> Section:
    programs = programs_published(filters=choices.program_filters, now=now)[: choices.limit]
    items = []
    for program in programs:
        zone = program.zone
        items.append(
            Item(
                title=program.title,
                url=address(reverse("programs:program", args=[program.slug])),
                when=when_text(
                    program.next_starts_at, program.next_ends_at, zone=zone, today=now.astimezone(zone).date()
                ),
                where=program.branch.name if program.branch_id else program.partner_site.name,
                detail=program_audience_text(program),
            )
        )
    calendar = reverse("programs:list")
    query = urlencode(choices.program_filters)
    return Section(
        key=PROGRAMS,
        heading="Programs coming up",
        items=items,
        more_url=address(f"{calendar}?{query}" if query else calendar),
        more_text="See all programs",
        empty_text="No programs are coming up just now. New ones are added often.",
    )


def _services(choices: WidgetChoices, address: Address) -> Section:
    if choices.at_partner_site:
        services = []
    else:
        branch_ids = None if choices.branch_id is None else [choices.branch_id]
        services = services_bookable(branch_ids=branch_ids)[: choices.limit]
    items = [
        Item(
            title=service.name,
            url=address(reverse("bookings:service", args=[service.slug])),
            when=f"{count_text(service.duration_minutes, 'minute')}, free. Choose a time and book online.",
            where=service.branch.name,
        )
        for service in services
    ]
    return Section(
        key=SERVICES,
        heading="1-on-1 help you can book",
        items=items,
        more_url=address(reverse("bookings:services")),
        more_text="See all help you can book",
        empty_text="No 1-on-1 help can be booked online just now. Call the library and we will help.",
    )


def _displays(choices: WidgetChoices, now: dt.datetime, address: Address) -> Section:
    if choices.at_partner_site:
        displays = []
    else:
        branch_ids = None if choices.branch_id is None else [choices.branch_id]
        displays = displays_on_now(now=now, limit=choices.limit, branch_ids=branch_ids)
    items = [
        Item(
            title=display.title,
            url=address(reverse("promotion:display", args=[display.slug])),
            when=f"On until {day_text(display.ends_on, today=timezone.localdate(now, timezone=display.branch.zone))}",
            where=f"{display.branch.name}, {display.area}",
        )
        for display in displays
    ]
    return Section(
        key=DISPLAYS,
        heading="Displays on now",
        items=items,
        more_url=address(reverse("promotion:displays")),
        more_text="See all displays",
        empty_text="No displays are on just now.",
    )


def whats_on(*, choices: WidgetChoices, address: Address, now: dt.datetime | None = None) -> list[Section]:
    """The widget's sections for these choices, in the order the choices name them."""
    now = now or timezone.now()
    build = {
        PROGRAMS: lambda: _programs(choices, now, address),
        SERVICES: lambda: _services(choices, address),
        DISPLAYS: lambda: _displays(choices, now, address),
    }
    return [build[section]() for section in choices.sections]
