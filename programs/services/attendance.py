"""Writes for the session roster: who came, and how many people were counted by age group.

Attendance is taken while a session is on or after it: before it starts nothing is saved (staff may tick
people to get ready, but the roster is not taken), and nobody is marked absent before it ends. One POST from
the tablet saves the whole roster: the people ticked are marked present; the others stay "not marked yet"
while the session is on and are marked absent once it has ended (a later save corrects an earlier one); the
headcounts replace what was counted before. A cancelled session takes no attendance.

The door's check-in (``registration_mark_present``) marks one registration's people present from
``CHECK_IN_OPENS_BEFORE`` the start until the end. A roster opened before someone checked in and saved after
keeps that check-in: only the people it showed ticked and the person then unticked are unmarked.
"""

import datetime as dt

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from makerlab.formatting import clock_text, when_text
from makerlab.locking import locked
from makerlab.signals import seed_orientation_attended
from programs.models import AgeGroup, Attendance, Headcount, Participant, Registration, Session

CHECK_IN_OPENS_BEFORE = dt.timedelta(minutes=30)
HEADCOUNT_MAX = 1000


def roster_participants(*, session: Session) -> list[Participant]:
    """The people registered (confirmed) for the session's program, in the order they registered."""
    return list(
        Participant.objects.filter(
            registration__program_id=session.program_id, registration__status=Registration.Status.CONFIRMED
        )
        .select_related("registration")
        .order_by("registration_id", "pk")
    )


def attendance_is_open(*, session: Session, now: dt.datetime) -> bool:
    """Whether the roster can be saved as taken: the session has started and is not cancelled."""
    return not session.is_cancelled and session.starts_at <= now


def _locked_session(session: Session) -> Session:
    """The session row locked: a cancel that commits first wins, and one that comes after waits for this save."""
    session = locked(Session.objects.select_related("program__branch").filter(pk=session.pk)).get()
    if session.is_cancelled:
        raise ValidationError("This session was cancelled, so there is no attendance to record.", code="cancelled")
    return session


def _not_started(session: Session) -> ValidationError:
    zone = session.program.zone
    starts = clock_text(session.starts_at.astimezone(zone).time())
    return ValidationError(
        f"This session has not started yet, so attendance cannot be saved as taken. You can save it from {starts}, "
        "when the session starts.",
        code="not_started",
    )


def _check_headcounts(headcounts: dict[str, int]) -> None:
    if unknown_groups := set(headcounts) - set(AgeGroup.values):
        raise ValidationError(f"Unknown age group: {', '.join(sorted(unknown_groups))}.", code="unknown_age_group")
    if any(count < 0 or count > HEADCOUNT_MAX for count in headcounts.values()):
        raise ValidationError(f"Each headcount must be between 0 and {HEADCOUNT_MAX}.", code="headcount_range")


def attendance_record(
    *,
    session: Session,
    present_ids: set[int] | list[int],
    by: AbstractBaseUser | None,
    headcounts: dict[str, int] | None = None,
    shown_present: set[int] | list[int] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Save the roster as taken and store the headcounts; returns how many registered people came.

    ``headcounts`` maps an ``AgeGroup`` value to the people counted (walk-ins, or everyone at a drop-in).
    ``shown_present`` is who the roster showed as present when it was opened (all marked present when
    omitted): someone marked present since then, at the door, stays present though not ticked here.
    """
    now = now or timezone.now()
    present_ids = {int(pk) for pk in present_ids}
    headcounts = headcounts or {}
    _check_headcounts(headcounts)
    with transaction.atomic():
        session = _locked_session(session)
        if session.starts_at > now:
            raise _not_started(session)
        roster = roster_participants(session=session)
        registered = {p.pk for p in roster}
        if present_ids - registered:
            raise ValidationError("Someone marked present is not registered for this program.", code="not_registered")
        marked = dict(Attendance.objects.filter(session=session).values_list("participant_id", "present"))
        shown = set(_present(marked)) if shown_present is None else {int(pk) for pk in shown_present}
        checked_in_since = {pk for pk in _present(marked) if pk not in shown and pk not in present_ids}
        came = (present_ids | checked_in_since) & registered
        ended = session.ends_at <= now
        wanted = {pk: True for pk in came}
        if ended:
            wanted.update({pk: False for pk in registered - came})
        changed = {pk: present for pk, present in wanted.items() if marked.get(pk) is not present}
        # While the session is on, someone unticked goes back to "not marked yet": they may still come.
        unmarked = set(marked) - set(wanted) if not ended else set()
        Attendance.objects.filter(session=session, participant_id__in=unmarked).delete()
        Attendance.objects.bulk_create(
            [
                Attendance(session=session, participant_id=pk, present=present, marked_at=now, marked_by=by)
                for pk, present in sorted(changed.items())
            ],
            update_conflicts=True,
            unique_fields=["session", "participant"],
            update_fields=["present", "marked_at", "marked_by"],
        )
        counted = {group: count for group, count in headcounts.items() if count}
        Headcount.objects.filter(session=session).exclude(age_group__in=counted).delete()
        Headcount.objects.bulk_create(
            [Headcount(session=session, age_group=g, count=c, recorded_at=now) for g, c in counted.items()],
            update_conflicts=True,
            unique_fields=["session", "age_group"],
            update_fields=["count", "recorded_at"],
        )
        if session.program.grants_seed_orientation:
            _orientation_attended(session, [p for p in roster if p.pk in came], by)
    return len(came)


def _present(marked: dict[int, bool]) -> list[int]:
    return [pk for pk, present in marked.items() if present]


def registration_mark_present(
    *, session: Session, registration: Registration, by: AbstractBaseUser | None, now: dt.datetime | None = None
) -> int:
    """Mark everyone on one registration present at one session (the door's check-in); returns how many.

    Open from ``CHECK_IN_OPENS_BEFORE`` the start until the session ends; marking someone present twice changes
    nothing. Nobody is ever marked absent here.
    """
    now = now or timezone.now()
    with transaction.atomic():
        session = _locked_session(session)
        zone = session.program.zone
        if now < session.starts_at - CHECK_IN_OPENS_BEFORE:
            opens = clock_text((session.starts_at - CHECK_IN_OPENS_BEFORE).astimezone(zone).time())
            raise ValidationError(
                f"Check-in for this session opens at {opens}, half an hour before it starts.", code="too_early"
            )
        if session.ends_at <= now:
            raise ValidationError(
                f"This session ended ({when_text(session.starts_at, session.ends_at, zone=zone)}): "
                "record who came on its roster instead.",
                code="session_over",
            )
        registration = locked(Registration.objects.filter(pk=registration.pk)).get()
        if registration.program_id != session.program_id or registration.status != Registration.Status.CONFIRMED:
            raise ValidationError("This registration has no place at this session.", code="not_registered")
        people = list(registration.participants.all())
        already = set(
            Attendance.objects.filter(session=session, participant__in=people, present=True).values_list(
                "participant_id", flat=True
            )
        )
        Attendance.objects.bulk_create(
            [
                Attendance(session=session, participant=p, present=True, marked_at=now, marked_by=by)
                for p in people
                if p.pk not in already
            ],
            update_conflicts=True,
            unique_fields=["session", "participant"],
            update_fields=["present", "marked_at", "marked_by"],
        )
        if session.program.grants_seed_orientation:
            for person in people:
                person.registration = registration
            _orientation_attended(session, people, by)
    return len(people)


def _orientation_attended(session: Session, came: list[Participant], by) -> None:
    """Card holders who came in person to the seed-saving orientation may now borrow seed.

    A child's attendance does not count for the guardian whose card registered them.
    """
    attended_on = timezone.localtime(session.starts_at).date()
    patron_ids = {p.registration.patron_id for p in came if not p.is_child}
    for patron_id in sorted(patron_ids):
        seed_orientation_attended.send(sender=Session, patron_id=patron_id, attended_on=attended_on, by=by)
