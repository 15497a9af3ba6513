import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from makerlab.cards import validate_card_number
from makerlab.demo import _registry as demo_registry
from makerlab.models import Branch, Closure, OpeningHours, Patron

pytestmark = pytest.mark.calendar

# The demo term's registrants are patrons of their own, beside the 40 per scale step.
PROGRAM_TERM_REGISTRANTS = 46


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Branch, OpeningHours, Closure, Patron, User)}


def test_demo_data_loads_once_however_often_it_runs(db, demo, debug):
    first = counts()
    call_command("load_demo")
    assert counts() == first
    assert first["Branch"] == 1
    assert first["Patron"] == 40 + PROGRAM_TERM_REGISTRANTS
    assert first["OpeningHours"] == 7


def test_demo_logins_have_their_roles(db, demo):
    coordinator = User.objects.get(username="coordinator")
    assert coordinator.is_staff
    assert coordinator.check_password("makerlab-demo")
    assert coordinator.groups.filter(name="Coordinator").exists()
    assert User.objects.get(username="assistant").groups.filter(name="Library assistant").exists()
    assert User.objects.get(username="volunteer").groups.filter(name="Volunteer").exists()


def test_demo_patrons_have_valid_card_numbers(db, demo):
    for number in Patron.objects.values_list("card_number", flat=True):
        validate_card_number(number)


def test_scale_out_of_range_is_refused(db, debug):
    with pytest.raises(CommandError, match="between 1 and 1000"):
        call_command("load_demo", scale=0)


def test_demo_data_is_refused_in_production_unless_forced_and_scale_multiplies_it(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="known password"):
        call_command("load_demo")
    assert not User.objects.exists()
    call_command("load_demo", "--now", "2027-03-14T10:00", force=True, scale=2)
    assert User.objects.filter(username="coordinator").exists()
    assert Patron.objects.count() == 80 + PROGRAM_TERM_REGISTRANTS
    # Built around the moment it was given, not the day it ran.
    assert Closure.objects.get(reason="Christmas Eve").start_date == dt.date(2027, 12, 24)
    assert Closure.objects.get(reason="Staff development day").start_date >= dt.date(2027, 4, 3)


@pytest.mark.parametrize("moment", ["tomorrow", "2027-02-30T10:00", "x" * 200])
def test_a_moment_the_demo_cannot_read_is_refused_clearly(db, debug, moment):
    with pytest.raises(CommandError, match="is not a date and time like 2027-03-14T10:00"):
        call_command("load_demo", "--now", moment)
    assert not Patron.objects.exists()


def test_a_demo_step_the_command_does_not_order_is_refused_and_nothing_is_loaded(db, debug, monkeypatch):
    monkeypatch.setitem(demo_registry, "lending_library", "lending_library.demo.lending_library_demo_step")
    with pytest.raises(ImproperlyConfigured, match=r"registered but not ordered: \['lending_library'\]"):
        call_command("load_demo")
    assert not Patron.objects.exists()
