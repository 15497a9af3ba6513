"""Writes about health and safety: the rules the admin, the staff area and the tasks share."""

import datetime as dt

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from bookings.models import Equipment
from makerlab.locking import locked
from makerlab.validators import validate_plain_text
from safety.models import ProcedureAcknowledgement, ProcedureVersion
from safety.selectors import is_current
from staffing.models import StaffMember

# --- Procedures ------------------------------------------------------------------------------------------------

TITLE_MAX = ProcedureVersion._meta.get_field("title").max_length
CHANGE_SUMMARY_MAX = ProcedureVersion._meta.get_field("change_summary").max_length
BODY_MAX = 20_000


def procedure_check(*, title: str, body: str, change_summary: str = "") -> None:
    """A procedure's text is plain text (it reaches a PDF), with a title and a body of a readable length."""
    errors: dict[str, list[ValidationError]] = {}
    for name, value, longest, required in (
        ("title", title, TITLE_MAX, True),
        ("body", body, BODY_MAX, True),
        ("change_summary", change_summary, CHANGE_SUMMARY_MAX, False),
    ):
        if required and not value.strip():
            errors.setdefault(name, []).append(ValidationError("Write this part of the procedure.", code="required"))
        if len(value) > longest:
            errors.setdefault(name, []).append(
                ValidationError(f"Keep this to {longest} characters at most.", code="too_long")
            )
        try:
            validate_plain_text(value)
        except ValidationError as error:
            errors.setdefault(name, []).append(error)
    if errors:
        raise ValidationError(errors)


def procedure_publish(
    *,
    equipment: Equipment,
    title: str,
    body: str,
    change_summary: str = "",
    by: AbstractBaseUser | None = None,
    now: dt.datetime | None = None,
) -> ProcedureVersion:
    """Publish a new version of the equipment's procedure: it becomes the current one, numbered one after the
    last, and everyone who supervises the equipment is asked to read and acknowledge it again.

    The equipment row is locked, so two versions published at once get consecutive numbers.
    """
    title, body, change_summary = title.strip(), body.strip(), change_summary.strip()
    procedure_check(title=title, body=body, change_summary=change_summary)
    try:
        with transaction.atomic():
            locked(Equipment.objects.filter(pk=equipment.pk)).get()
            last = ProcedureVersion.objects.filter(equipment=equipment).aggregate(last=Max("number"))["last"] or 0
            return ProcedureVersion.objects.create(
                equipment=equipment,
                number=last + 1,
                title=title,
                body=body,
                change_summary=change_summary,
                published_at=now or timezone.now(),
                published_by=by,
            )
    except IntegrityError as error:
        raise ValidationError(
            "Another version of this procedure was published at the same moment. Reload and try again.",
            code="procedure_version_taken",
        ) from error


def procedure_acknowledge(
    *, version: ProcedureVersion, staff_member: StaffMember, now: dt.datetime | None = None
) -> ProcedureAcknowledgement:
    """Record that ``staff_member`` read and understood this version; acknowledging it again changes nothing.

    Only the current version can be acknowledged: an older one, replaced since the page was opened, is refused.
    """
    if not staff_member.is_active:
        raise ValidationError("Only people who work in the Maker Lab acknowledge procedures.", code="inactive")
    existing = ProcedureAcknowledgement.objects.filter(version=version, staff_member=staff_member).first()
    if existing is not None:
        return existing
    if not is_current(version):
        raise ValidationError(
            f"A newer version of the procedure of {version.equipment} has been published since. "
            "Read the current version, then acknowledge it.",
            code="procedure_not_current",
        )
    acknowledgement, _ = ProcedureAcknowledgement.objects.get_or_create(
        version=version, staff_member=staff_member, defaults={"acknowledged_at": now or timezone.now()}
    )
    return acknowledgement
