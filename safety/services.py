"""Writes for health and safety. Each function is one transaction (or runs inside its caller's) and refuses with a
coded ValidationError, changing nothing."""

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError

from makerlab.equipment_rules import PRE_USE_CHECKLIST
from safety.models import PreUseCheck
from safety.selectors import pre_use_checklists

# --- Pre-use checks at check-in ----------------------------------------------------------------------------


def pre_use_check_record(
    *,
    booking_id: int,
    equipment_id: int,
    ticked: Sequence[str],
    by: AbstractBaseUser | None,
    now: dt.datetime,
) -> PreUseCheck | None:
    """Keep with the booking the pre-use checklist staff went through with the patron at check-in.

    Every line must be ticked: a machine is used only once each line was checked, so a partly ticked list is
    refused, naming what is left, and the check-in with it. The lines are kept as they read then (the checklist
    may change later). Equipment without a checklist needs nothing and records nothing. Called while the booking
    is locked for its check-in, inside that transaction.
    """
    lines = pre_use_checklists(equipment_ids=[equipment_id]).get(equipment_id, [])
    if not lines:
        return None
    ticked_keys = {str(key) for key in ticked}
    missing = [line.text for line in lines if line.key not in ticked_keys]
    if missing:
        raise ValidationError(
            {
                PRE_USE_CHECKLIST: ValidationError(
                    "Go through the safety checklist with the patron and tick every line before checking them in. "
                    f"Not ticked yet: {'; '.join(missing)}.",
                    code="pre_use_check_incomplete",
                )
            }
        )
    check, _ = PreUseCheck.objects.update_or_create(
        booking_id=booking_id,
        defaults={"checked_by": by, "checked_at": now, "items": [line.text for line in lines]},
    )
    return check
