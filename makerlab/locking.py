"""Row locks for counting places, packets and limits: one way to take them, in one order, never for long.

Wherever the Maker Lab counts what is left (places in a program, packets on a shelf, a card's bookings
this week, people on a shift), it locks the rows it counts from before counting, so two requests at the
same moment are counted one after the other. ``locked`` is the one way to ask for such a lock:

- it refuses to run outside a transaction, where the lock would end before the write it protects;
- it locks the rows in primary-key order, so two transactions locking the same rows never deadlock (a queue
  may keep its own order: its sweeps skip locked rows instead of waiting);
- it locks the rows of the model asked for only, not the rows of related tables it reads along;
- every connection waits at most ``LOCK_TIMEOUT_SECONDS`` for a lock (set in the database options), and a
  request that waited that long gets the "busy, try again" page (``BusyPageMiddleware``), not an error.
"""

from typing import TypeVar

from django.db import transaction
from django.db.models import Model, QuerySet
from django.db.utils import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

# PostgreSQL's codes for "a lock was not granted in time" and "a deadlock was broken".
BUSY_CODES = frozenset({"55P03", "40P01"})
BUSY_RETRY_SECONDS = 5

M = TypeVar("M", bound=Model)


def require_transaction() -> None:
    """Refuse to lock or count outside a transaction: the lock would end before the write it protects."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Rows are locked and counted inside a transaction only.")


def locked(queryset: QuerySet[M], *, skip_locked: bool = False) -> QuerySet[M]:
    """``queryset``'s rows, locked until the transaction ends when it is evaluated, in primary-key order
    unless the query asks for another (a queue served first come, first served).

    With ``skip_locked`` rows another transaction holds are left out instead of waited for (a sweep that
    more than one worker may run at once).
    """
    require_transaction()
    if not queryset.query.order_by:
        queryset = queryset.order_by("pk")
    return queryset.select_for_update(of=("self",), skip_locked=skip_locked)


def is_busy(error: BaseException) -> bool:
    """Whether ``error`` is a lock not granted in time (or a deadlock): the same request may succeed in a moment."""
    cause = getattr(error, "__cause__", None)
    return isinstance(error, OperationalError) and getattr(cause, "pgcode", None) in BUSY_CODES


class BusyPageMiddleware:
    """Answer a request that waited too long for a lock with a page that says to try again, not an error page."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_busy(exception):
            return None
        response = TemplateResponse(request, "busy.html", status=503)
        response["Retry-After"] = str(BUSY_RETRY_SECONDS)
        return response.render()
