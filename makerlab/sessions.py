"""Sessions: Django's cached database sessions (read from the cache, written to both; the database answers when
the cache cannot), where a staff login ends after a working day without use (STAFF_SESSION_IDLE_HOURS) and,
unless the person asked to stay logged in, when the browser closes.

Staff log in on shared desk computers. Patrons' sessions (the seed basket, My Maker Lab) carry no staff mark and
keep Django's lifetime; My Maker Lab limits itself inside its session.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDatabaseSessionStore
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

ENDS_WITH_BROWSER = "_staff_ends_with_browser"
ACTIVE_AT = "_staff_active_at"
# A page moves a staff session's end on at most this often: one write every few minutes, not one per page.
ACTIVITY_STEP_SECONDS = 300


class SessionStore(CachedDatabaseSessionStore):
    def get_expire_at_browser_close(self) -> bool:
        # Django's set_expiry(0) ends the cookie with the browser but lets the session live its 14 days on the
        # server: a browser left open on a desk would stay logged in. This keeps both limits.
        return bool(self.get(ENDS_WITH_BROWSER)) or super().get_expire_at_browser_close()


def staff_session_start(session: SessionBase, *, keep_logged_in: bool) -> None:
    """Called once a person has logged in with their password."""
    session.set_expiry(settings.STAFF_SESSION_IDLE_HOURS * 3600)
    session[ENDS_WITH_BROWSER] = not keep_logged_in
    session[ACTIVE_AT] = int(timezone.now().timestamp())


class StaffSessionActivityMiddleware:
    """Each page a logged-in person opens moves their session's end on by STAFF_SESSION_IDLE_HOURS."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return response  # a first visit: nothing to read, and no session to load for it
        session = request.session
        active_at = session.get(ACTIVE_AT)
        now = int(timezone.now().timestamp())
        if active_at is not None and now - active_at >= ACTIVITY_STEP_SECONDS:
            session[ACTIVE_AT] = now  # saved with a new end by the session middleware
        return response
