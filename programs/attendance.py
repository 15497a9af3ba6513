"""Writes for the session roster: who came, and how many people were counted by age group.

One POST from the tablet saves the whole roster: every registered participant is marked present or
absent (a later save corrects an earlier one), and the headcounts replace what was counted before.
A cancelled session takes no attendance.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from makerlab.signals import seed_orientation_attended
from programs.models import AgeGroup, Attendance, Headcount, Participant, Registration, Session


def roster_participants(*, session: Session) -> list[Participant]:
    """The people registered (confirmed) for the session's program, in the order they registered."""
    return list(
        Participant.objects.filter(
            registration__program_id=session.program_id, registration__status=Registration.Status.CONFIRMED
        )
        .select_related("registration")
        .order_by("registration_id", "pk")
    )


def attendance_record(
    *,
    session: Session,
    present_ids: set[int] | list[int],
    by_user: AbstractBaseUser | None,
    headcounts: dict[str, int] | None = None,
) -> int:
    """Mark each registered participant present or absent and store the headcounts; returns how many came.

    ``headcounts`` maps an ``AgeGroup`` value to the people counted (walk-ins, or everyone at a drop-in).
    """
    present_ids = {int(pk) for pk in present_ids}
    headcounts = headcounts or {}
    if unknown_groups := set(headcounts) - set(AgeGroup.values):
        raise ValidationError(f"Unknown age group: {', '.join(sorted(unknown_groups))}.")
    if any(count < 0 or count > 1000 for count in headcounts.values()):
        raise ValidationError("Each headcount must be between 0 and 1000.")
    now = timezone.now()
    with transaction.atomic():
        # Locked: a cancel that commits first wins, and one that comes after waits for this save.
        if Session.objects.select_for_update().get(pk=session.pk).is_cancelled:
            raise ValidationError("This session was cancelled, so there is no attendance to record.")
        roster = roster_participants(session=session)
        registered = {p.pk for p in roster}
        if present_ids - registered:
            raise ValidationError("Someone marked present is not registered for this program.")
        Attendance.objects.bulk_create(
            [
                Attendance(
                    session=session, participant_id=pk, present=pk in present_ids, marked_at=now, marked_by=by_user
                )
                for pk in sorted(registered)
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
            _orientation_attended(session, roster, present_ids, by_user)
    return len(present_ids)


def _orientation_attended(session: Session, roster: list[Participant], present_ids: set[int], by_user) -> None:
    """Card holders who came in person to the seed-saving orientation may now borrow seed.

    A child's attendance does not count for the guardian whose card registered them.
    """
    attended_on = timezone.localtime(session.starts_at).date()
    patron_ids = {p.registration.patron_id for p in roster if p.pk in present_ids and not p.is_child}
    for patron_id in sorted(patron_ids):
        seed_orientation_attended.send(
            sender=Session, patron_id=patron_id, attended_on=attended_on, recorded_by=by_user
        )
