"""Writes for programs, one module per part of the work:

- ``registration``: registration, waitlists, offers and capacity; every function that counts places locks
  the program row first, so a program never holds more places than its capacity;
- ``messaging``: telling registrants about a change (a session cancelled, moved or added, a message);
- ``attendance``: the session roster (who came, headcounts) and check-in at the door;
- ``term``: a new term copied from an old one;
- ``reminders``: the periodic sweep that sends reminders the day before each session.
"""
