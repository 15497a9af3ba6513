"""What the seed library does when another app reports something (connected in SeedlibraryConfig.ready)."""

import datetime as dt

from django.contrib.auth.base_user import AbstractBaseUser

from seedlibrary import services


def orientation_attended(
    sender, *, patron_id: int, attended_on: dt.date, by: AbstractBaseUser | None = None, **kwargs
) -> None:
    """A patron attended the seed-saving orientation program: they may now borrow seeds."""
    services.orientation_record_attended(patron_id=patron_id, attended_on=attended_on, by=by)
