"""The program reminder carries the registration's private manage link, in the text and the HTML part."""

from makerlab.models import Notification
from makerlab.services import notification_render

MANAGE_URL = "http://testserver/programs/manage/abcdefghijklmnopqrstuvwxyz012345/"


def test_the_program_reminder_carries_the_manage_link(db):
    notification = Notification(
        kind="program_reminder",
        recipient="doris@example.net",
        template="program_reminder",
        context={
            "first_name": "Doris",
            "program": "Teen coding club",
            "when": "Sunday 1 November 2026, 10:00 to 11:30 a.m.",
            "place": "Central Library",
            "people": "Doris Campbell",
            "materials": "",
            "manage_url": MANAGE_URL,
        },
    )
    message = notification_render(notification)
    assert MANAGE_URL in message.body
    assert "private link" in message.body
    assert f'<a href="{MANAGE_URL}">Your registration</a>' in message.alternatives[0][0]
