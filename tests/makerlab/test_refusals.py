"""A public refusal about a card's own record: its reason goes to the address on file, at most once a day."""

import datetime as dt
from functools import partial

from makerlab.models import Notification
from makerlab.services import card_refusal_tell
from tests.factories import TORONTO, PatronFactory

MORNING = dt.datetime(2027, 3, 10, 9, 0, tzinfo=TORONTO)


def test_one_email_a_day_per_card_and_reason(db):
    patron = PatronFactory(email="doris@example.net")
    tell = partial(card_refusal_tell, card_number=patron.card_number, doing="book Tech help", reason="Why.")
    assert tell(code="upcoming_limit", now=MORNING) is True
    assert tell(code="upcoming_limit", now=MORNING + dt.timedelta(hours=14)) is False
    assert not card_refusal_tell(
        card_number=patron.card_number, doing="book Tech help at 3", reason="Why.", code="upcoming_limit", now=MORNING
    )
    assert tell(code="week_limit", now=MORNING) is True
    assert tell(code="upcoming_limit", now=MORNING + dt.timedelta(days=1)) is True
    assert card_refusal_tell(
        card_number=patron.card_number, doing="register for Robot club", reason="Why.", code="x", now=MORNING
    )
    assert set(Notification.objects.values_list("recipient", flat=True)) == {"doris@example.net"}
    assert Notification.objects.count() == 4


def test_nothing_is_sent_for_an_unknown_card_or_a_card_without_an_address(db):
    without_email = PatronFactory(email="")
    for card in (without_email.card_number, "29999000000000", ""):
        assert not card_refusal_tell(card_number=card, doing="book Tech help", reason="Why.", code="c", now=MORNING)
    assert not Notification.objects.exists()


def test_a_card_typed_with_spaces_finds_its_patron(db):
    patron = PatronFactory(card_number="29999001234567", email="doris@example.net")
    assert card_refusal_tell(card_number="2 9999 0012 34567", doing="b", reason="Why.", code="c", now=MORNING)
    assert Notification.objects.get().recipient == patron.email
