"""Whole pages served from the cache: public pages for anonymous visitors without a stale place or packet, and
staff pages for the person who opened them.

A cached copy is named by its address and the period it depends on (the local day, or a minute where the
time of day shows, such as "Open now" or a time that has just passed), and keeps the version of each area
it shows ("bookings", "programs", "seeds", "branches", "safety", "promotion"). Every write that changes what an
area shows calls ``bump(area)``, which replaces that area's version once the transaction commits: a copy made with
an older version is stale, and the next visitor renders the page again. The versions and the copy are read in one
round trip to the cache. The versions, period and address, hashed, are the page's ETag, so a conditional GET
is answered 304 without touching the database.

A staff page is kept for one person (their permissions decide what it shows), depends on every area, "staff"
included (what only staff pages show: patrons, reports, hours, messages, logins and roles), and lasts until the
minute ends. Access checks run before it is looked up, and a page with a message waiting is never served from
the cache.

The cache is optional: when it is empty or unreachable, pages are rendered as if there were none. A copy
stays at most PAGE_SECONDS in the cache, which bounds how long a version bump lost to an outage can matter.
"""

import hashlib
import logging
import re
import uuid
from collections.abc import Callable
from functools import partial, wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.csrf import get_token
from django.template.response import SimpleTemplateResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

logger = logging.getLogger(__name__)

AREAS = ("bookings", "programs", "seeds", "branches", "safety", "promotion", "staff")
PAGE_SECONDS = 600
# A staff page shows the time of day ("now", "in progress", "late"): a copy lasts until the minute ends.
STAFF_PAGE_PERIOD_SECONDS = 60
_VERSION_KEY = "pagecache:version:{area}"
_PAGE_KEY = "pagecache:page:{digest}"
# A cached form keeps no visitor's CSRF token: each visitor's own is put back when the page is served.
_CSRF_FIELD = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]+(")')
_CSRF_PLACEHOLDER = b"\x00csrf-token\x00"
_NOT_SHARED = "_pagecache_not_shared"


def bump(area: str) -> None:
    """Make every cached page of ``area`` stale once the current transaction commits (at once outside one)."""
    if area not in AREAS:
        raise ValueError(f"Unknown page cache area {area!r}: one of {', '.join(AREAS)}.")
    transaction.on_commit(partial(_new_version, area), robust=True)


def _version_now(previous: str | None = None) -> str:
    """A new version: when it began (whole seconds, after the previous one's, for Last-Modified), and a nonce."""
    stamp = int(timezone.now().timestamp())
    if previous:
        stamp = max(stamp, _stamp(previous) + 1)
    return f"{stamp}-{uuid.uuid4().hex[:16]}"


def _stamp(version: str) -> int:
    head, _, _ = str(version).partition("-")
    return int(head) if head.isdigit() else 0


def _new_version(area: str) -> None:
    key = _VERSION_KEY.format(area=area)
    try:
        cache.set(key, _version_now(cache.get(key)), None)
    except Exception:
        logger.warning("The page cache could not record a change to %s: cached pages may lag.", area, exc_info=True)


def _look_up(areas: tuple[str, ...], page_key: str | None) -> tuple[list[str], dict | None]:
    """The current version of each area, and the cached page if ``page_key``: one round trip to the cache."""
    keys = [_VERSION_KEY.format(area=area) for area in areas]
    found = cache.get_many([*keys, page_key] if page_key else keys)
    for key in keys:
        if key not in found:
            # An area never bumped (or its version evicted) starts a new version: never an older page's.
            cache.add(key, _version_now(), None)
            found[key] = cache.get(key)
            if found[key] is None:
                # The cache does not answer (Redis down, or a blip that dropped a change): no copy and no
                # validator can be trusted, so the page is rendered as it is now.
                raise LookupError(f"The page cache keeps no version: {key}.")
    versions = [str(found[key]) for key in keys]
    stored = found.get(page_key) if page_key else None
    # A copy rendered before the latest change is stale: the next visitor renders it again.
    return versions, stored if stored is not None and stored.get("versions") == versions else None


def not_shared(response: HttpResponse) -> HttpResponse:
    """Keep this response out of the cache (a page that records something each time it is shown)."""
    setattr(response, _NOT_SHARED, True)
    return response


def _is_shared(request: HttpRequest) -> bool:
    """An anonymous GET or HEAD whose page would look the same for every visitor."""
    if request.method not in ("GET", "HEAD"):
        return False
    if request.COOKIES.get(getattr(settings, "MESSAGE_COOKIE_NAME", "messages")):
        return False
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return True
    # A session holding anything (a login, a seed basket, a message) changes the page.
    return not list(request.session.keys())


def _period_start(period_seconds: int | None) -> int:
    """When the current period began, in whole seconds: the local midnight, or the last multiple of the period."""
    now = timezone.now()
    if period_seconds is None:
        midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        return int(midnight.timestamp())
    return int(now.timestamp()) // period_seconds * period_seconds


def _stored(response: HttpResponse) -> dict:
    return {
        "status": response.status_code,
        "content": _CSRF_FIELD.sub(rb"\1" + _CSRF_PLACEHOLDER + rb"\2", response.content),
        "headers": list(response.headers.items()),
    }


def _rebuilt(stored: dict, request: HttpRequest) -> HttpResponse:
    content = stored["content"]
    if _CSRF_PLACEHOLDER in content:
        content = content.replace(_CSRF_PLACEHOLDER, get_token(request).encode())
    response = HttpResponse(content, status=stored["status"])
    for name, value in stored["headers"]:
        response[name] = value
    return response


def _cacheable(response: HttpResponse) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not getattr(response, _NOT_SHARED, False)
        and "private" not in cache_control
        and "no-store" not in cache_control
    )


def cached_page(
    *areas: str, period_seconds: int | None = None, conditional: bool = False
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Serve the view's page from the cache for anonymous visitors, keyed by the versions of ``areas``.

    ``period_seconds``: the page changes with the time of day, so a cached copy lasts at most that long;
    without it, the page depends on the date only. ``conditional``: answer If-None-Match with 304.
    """
    unknown = set(areas) - set(AREAS)
    if unknown or not areas:
        raise ValueError(f"cached_page needs areas among {', '.join(AREAS)}, not {sorted(unknown)}.")

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not settings.PAGE_CACHE or not _is_shared(request):
                return view(request, *args, **kwargs)
            period_start = _period_start(period_seconds)
            address = request.build_absolute_uri()
            page_key = _PAGE_KEY.format(digest=_digest(str(period_start), address))
            revalidating = conditional and (
                "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META
            )
            try:
                # A revalidation fetches the versions only: most are answered 304 without the page.
                versions, stored = _look_up(areas, None if revalidating else page_key)
            except Exception:
                logger.warning("The page cache is unreachable: %s rendered uncached.", request.path, exc_info=True)
                return view(request, *args, **kwargs)
            last_modified = max(period_start, *(_stamp(version) for version in versions))
            # Weak: two visitors' copies differ only by their own CSRF token.
            etag = f'W/"{_digest(*versions, str(period_start), address)[:32]}"'
            if conditional:
                not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
                if isinstance(not_modified, HttpResponseNotModified):
                    return not_modified
            if revalidating:
                stored = _cached_copy(page_key, versions, request)
            response = _served_or_rendered(stored, page_key, versions, request, lambda: view(request, *args, **kwargs))
            if conditional and response.status_code == 200:
                response["ETag"] = etag
                response["Last-Modified"] = http_date(last_modified)
            return response

        return wrapper

    return decorator


def cached_staff_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve a staff page from the cache to the person who last opened it, until anything changes.

    Put it nearest the view, below the access checks: they run on every request.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.PAGE_CACHE or not _is_personal(request):
            return view(request, *args, **kwargs)
        period_start = _period_start(STAFF_PAGE_PERIOD_SECONDS)
        person = str(request.user.pk)
        page_key = _PAGE_KEY.format(digest=_digest("person", person, str(period_start), request.build_absolute_uri()))
        try:
            versions, stored = _look_up(AREAS, page_key)
        except Exception:
            logger.warning("The page cache is unreachable: %s rendered uncached.", request.path, exc_info=True)
            return view(request, *args, **kwargs)
        return _served_or_rendered(stored, page_key, versions, request, lambda: view(request, *args, **kwargs))

    return wrapper


def _is_personal(request: HttpRequest) -> bool:
    """A logged-in person's GET or HEAD with no message waiting to be shown."""
    return (
        request.method in ("GET", "HEAD")
        and request.user.is_authenticated
        and not request.COOKIES.get(getattr(settings, "MESSAGE_COOKIE_NAME", "messages"))
        and "_messages" not in request.session
    )


def _served_or_rendered(
    stored: dict | None, page_key: str, versions: list[str], request: HttpRequest, render: Callable[[], HttpResponse]
) -> HttpResponse:
    if stored is not None:
        return _rebuilt(stored, request)
    response = render()
    if isinstance(response, SimpleTemplateResponse) and _cacheable(response):
        response.render()  # an admin page: its content is kept as served
    if _cacheable(response):
        _store(page_key, response, versions, request)
    return response


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode(), usedforsecurity=False).hexdigest()


def _cached_copy(page_key: str, versions: list[str], request: HttpRequest) -> dict | None:
    try:
        stored = cache.get(page_key)
    except Exception:
        logger.warning("The page cache is unreachable: %s rendered uncached.", request.path, exc_info=True)
        return None
    return stored if stored is not None and stored.get("versions") == versions else None


def _store(key: str, response: HttpResponse, versions: list[str], request: HttpRequest) -> None:
    try:
        cache.set(key, {**_stored(response), "versions": versions}, PAGE_SECONDS)
    except Exception:
        logger.warning("The page cache is unreachable: %s not kept.", request.path, exc_info=True)


# What each app's saves and deletions make stale. Staff shifts and skills decide which times can be booked.
_AREA_OF_APP = {
    "bookings": "bookings",
    "programs": "programs",
    "seedlibrary": "seeds",
    "staffing": "bookings",
    "safety": "safety",
    "promotion": "promotion",
}
_AREA_OF_MODEL = {"makerlab.branch": "branches", "makerlab.openinghours": "branches", "makerlab.closure": "branches"}
# Shown on the pages of more than one area: a machine's safety facts are told on its booking and program pages,
# and on its posted procedure.
_AREAS_OF_MODEL = {
    label: ("bookings", "programs", "safety")
    for label in (
        "safety.safetyprofile",
        "safety.hazard",
        "safety.protectiveequipment",
        "safety.requiredprotection",
        "safety.checklistitem",
    )
}
# Shown on staff pages only.
_STAFF_ONLY = {"bookings.unmetdemand", "bookings.notifyrequest", "staffing.hoursentry", "programs.programmessage"}
# Who may see what: a name, a role or a permission changed.
_ACCOUNTS = {"auth.user", "auth.group"}
# The outbox: its worker records each email's progress, which no page shows.
_NEVER_SHOWN = {"makerlab.notification"}


def _areas_of(model: type) -> tuple[str, ...]:
    """Every area whose pages show this model (none for a model no page shows)."""
    if model._meta.label_lower in _AREAS_OF_MODEL:
        return _AREAS_OF_MODEL[model._meta.label_lower]
    area = _area_of(model)
    return (area,) if area is not None else ()


def _area_of(model: type) -> str | None:
    label = model._meta.label_lower
    if label in _NEVER_SHOWN or model.__name__.startswith("Historical"):
        return None
    if label in _STAFF_ONLY or label in _ACCOUNTS:
        return "staff"
    area = _AREA_OF_MODEL.get(label) or _AREA_OF_APP.get(model._meta.app_label)
    if area is not None:
        return area
    return "staff" if _is_project_model(model) else None


def _is_project_model(model: type) -> bool:
    """A model of the lab's own apps (not Django's sessions, the login guard or the task schedules)."""
    return (
        Path(model._meta.app_config.path).is_relative_to(settings.BASE_DIR)
        and ".venv" not in Path(model._meta.app_config.path).parts
    )


def _model_changed(sender: type, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) == {"last_login"}:
        return  # a login records its time, which no page shows
    for area in _areas_of(sender):
        bump(area)


def connect_model_changes() -> None:
    """Admin saves (hours, closures, services, programs, varieties, stock, shifts) make their pages stale.

    The services bump their areas themselves; this covers every other save and deletion of a model.
    Writes through ``QuerySet.update()`` send no signal: the services that use it call ``bump`` too.
    """
    from django.apps import apps
    from django.db.models.signals import m2m_changed, post_delete, post_save

    # Connected model by model: a listener on every model would stop Django's fast deletes everywhere.
    for model in apps.get_models():
        if not _areas_of(model):
            continue
        label = model._meta.label_lower
        post_save.connect(_model_changed, sender=model, dispatch_uid=f"pagecache_save_{label}")
        post_delete.connect(_model_changed, sender=model, dispatch_uid=f"pagecache_delete_{label}")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                _m2m_changed, sender=field.remote_field.through, dispatch_uid=f"pagecache_m2m_{label}_{field.name}"
            )


def _m2m_changed(sender: type, instance, action: str, **kwargs) -> None:
    if action.startswith("post_"):
        for area in _areas_of(type(instance)):
            bump(area)
