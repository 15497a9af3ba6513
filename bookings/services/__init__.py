"""Writes for bookings, one module per part of the work:

- ``booking``: what patrons do (book, cancel, reschedule, ask to be told when a time opens);
- ``desk``: what staff do at the desk (attendance, outcomes, no-show pauses);
- ``reminders``: the periodic sweep that sends reminders before sessions;
- ``maintenance``: equipment out of service until cleared, and the bookings it cancels.
"""
