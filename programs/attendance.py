"""Writes for the session roster: who came, and how many people were counted by age group.

One POST from the tablet saves the whole roster: every registered participant is marked present or
absent (a later save corrects an earlier one), and the headcounts replace what was counted before.
A cancelled session takes no attendance.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

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
        registered = {p.pk for p in roster_participants(session=session)}
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
    return len(present_ids)
