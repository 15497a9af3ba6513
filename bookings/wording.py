"""A service's own settings told in plain words: how long, how far ahead, how late, until when to change,
what to bring and from what age. The pages only show these sentences; they never restate a number themselves."""

from dataclasses import dataclass

from bookings.models import ServiceType
from makerlab.formatting import count_text, full_stop


def duration_text(minutes: int) -> str:
    """45 -> "45 minutes", 60 -> "1 hour", 90 -> "1 hour 30 minutes"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return count_text(rest, "minute")
    return count_text(hours, "hour") if not rest else f"{count_text(hours, 'hour')} {count_text(rest, 'minute')}"


def hours_text(hours: int) -> str:
    """Whole days read as days: 48 -> "2 days", 2 -> "2 hours"."""
    return count_text(hours // 24, "day") if hours and hours % 24 == 0 else count_text(hours, "hour")


def days_text(days: int) -> str:
    """Whole weeks read as weeks: 28 -> "4 weeks", 10 -> "10 days"."""
    return count_text(days // 7, "week") if days % 7 == 0 else count_text(days, "day")


def age_text(minimum_age: int) -> str:
    return f"ages {minimum_age} and up"


def age_confirmation_label(minimum_age: int, *, patron_is_you: bool = True) -> str:
    return f"I am {minimum_age} or older" if patron_is_you else f"The patron is {minimum_age} or older"


@dataclass(frozen=True)
class ServiceFacts:
    """Each sentence is complete and ends with its full stop; ``length`` and ``ages`` are phrases for short lists."""

    length: str
    ages: str
    duration: str
    how_far_ahead: str
    changes: str
    what_to_bring: str
    age: str


def service_facts(service_type: ServiceType, *, minimum_age: int | None = None) -> ServiceFacts:
    """``minimum_age``: the age the service is booked from when its equipment's safety minimum is higher than
    the service's own (see selectors.service_minimum_ages)."""
    notice = service_type.minimum_notice_hours
    latest = f"up to {hours_text(notice)} before the session starts" if notice else "until the session starts"
    cutoff = service_type.change_cutoff_hours
    change_until = f"until {hours_text(cutoff)} before the session starts" if cutoff else "until the session starts"
    bring = full_stop(service_type.what_to_bring.strip()) if service_type.what_to_bring.strip() else ""
    length = duration_text(service_type.duration_minutes)
    minimum_age = minimum_age or service_type.minimum_age
    ages = age_text(minimum_age) if minimum_age else ""
    return ServiceFacts(
        length=length,
        ages=ages,
        duration=f"The session lasts {length}.",
        how_far_ahead=f"You can book up to {days_text(service_type.horizon_days)} ahead, and {latest}.",
        changes=f"You can change or cancel your booking online {change_until}.",
        what_to_bring=bring,
        age=f"For {ages}." if ages else "",
    )
