"""Reads for promotion: which displays are on, for the public pages, the widget and the coordinator's calendar."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from promotion.models import Display, DisplayPhoto


def displays_showing(*, on: dt.date, branch_ids: Iterable[int] | None = None) -> QuerySet[Display]:
    """Published displays on that day (the branch's local date), with their branch and photos, soonest to end first."""
    displays = Display.objects.filter(is_published=True, starts_on__lte=on, ends_on__gte=on)
    if branch_ids is not None:
        displays = displays.filter(branch_id__in=list(branch_ids))
    return (
        displays.select_related("branch")
        .prefetch_related(Prefetch("photos", queryset=DisplayPhoto.objects.order_by("position", "pk")))
        .order_by("ends_on", "title", "pk")
    )
