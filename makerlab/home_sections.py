"""Sections other apps add to the public home page ("On display now"), without makerlab importing them (apps
depend downward only). Each app registers a provider in its AppConfig.ready(); the home page asks them in the
order of their names and shows each section that has something to say.

The home page is cached with the areas in HOME_AREAS: a section shows only what those areas cover.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from makerlab.registry import Registry

HOME_AREAS = ("branches", "promotion")


@dataclass(frozen=True)
class HomeSection:
    """A template to include on the home page and what it needs."""

    template: str
    context: dict = field(default_factory=dict)


HomeSectionProvider = Callable[[dt.datetime], HomeSection | None]

_providers: Registry[HomeSectionProvider] = Registry()
register_home_section = _providers.register
unregister_home_section = _providers.unregister


def home_sections(*, now: dt.datetime) -> list[HomeSection]:
    """Every registered section with something to show at ``now``."""
    return [section for provider in _providers.in_order() if (section := provider(now)) is not None]
