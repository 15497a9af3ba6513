"""Signals one app sends and another acts on, so neither imports the other."""

from django.dispatch import Signal

# Sent by programs when a patron is marked present at a session of a program that counts as the
# seed library's seed-saving orientation. Arguments: patron_id, attended_on (a date), by (who marked it, or None).
seed_orientation_attended = Signal()
