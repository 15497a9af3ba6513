"""Limits on the public forms per client address, counted by django-ratelimit in the shared cache.

A library's public computers and its Wi-Fi reach the site from one address, so a form that was refused
(a mistyped card number, a missing field) must not lock everyone there out. Two counts are kept per
address and area: what went through (a booking made, a registration, a request sent: what protects the
library from abuse), and what was refused on the form, with a higher ceiling. Both rates are settings
(``PUBLIC_POSTS_RATE``, ``PUBLIC_REFUSED_POSTS_RATE``), written like "10/10m" (ten per ten minutes).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

from makerlab.http import client_ip, private_page

DONE, REFUSED = "done", "refused"


@dataclass(frozen=True)
class WaitPage:
    """What an area's 429 page (too_many.html) offers: what to do instead of waiting, and the way back."""

    otherwise: str
    back_url: str
    back_text: str


def client_address(group: str | None, request: HttpRequest) -> str:
    """django-ratelimit's key: the visitor's address, read as for login lockouts."""
    return client_ip(request)


def _usage(request: HttpRequest, *, scope: str, outcome: str, rate: str, count: bool) -> dict:
    return get_usage(request, group=f"{scope}:{outcome}", key=client_address, rate=rate, increment=count)


def _rates(done_rate_setting: str) -> dict[str, str]:
    """The rates by outcome; ``done_rate_setting`` names the setting for posts that went through."""
    return {DONE: getattr(settings, done_rate_setting), REFUSED: settings.PUBLIC_REFUSED_POSTS_RATE}


def seconds_to_wait(request: HttpRequest, *, scope: str, done_rate_setting: str = "PUBLIC_POSTS_RATE") -> int:
    """0 when the address may post in ``scope``; else the seconds until its window ends."""
    waits = [
        usage["time_left"]
        for outcome, rate in _rates(done_rate_setting).items()
        if (usage := _usage(request, scope=scope, outcome=outcome, rate=rate, count=False))
        and usage["count"] >= usage["limit"]
    ]
    return max(waits, default=0)


def count_outcome(
    request: HttpRequest, *, scope: str, done: bool, done_rate_setting: str = "PUBLIC_POSTS_RATE"
) -> None:
    outcome = DONE if done else REFUSED
    _usage(request, scope=scope, outcome=outcome, rate=_rates(done_rate_setting)[outcome], count=True)


def too_many_response(
    request: HttpRequest, *, template: str, seconds: int, wait_page: WaitPage | None = None
) -> HttpResponse:
    """The 429 page, telling the visitor when to try again (never indexed: it may answer a private link)."""
    context = {"minutes": max(1, -(-seconds // 60)), "wait_page": wait_page}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(seconds)
    return private_page(response)


def limit_public_posts(
    scope: str,
    *,
    wait_page: WaitPage | None = None,
    template: str = "too_many.html",
    done_rate_setting: str = "PUBLIC_POSTS_RATE",
) -> Callable:
    """Decorate a public view: its POSTs are counted per address, and answered 429 once over a limit."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def limited(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method != "POST":
                return view(request, *args, **kwargs)
            seconds = seconds_to_wait(request, scope=scope, done_rate_setting=done_rate_setting)
            if seconds:
                return too_many_response(request, template=template, seconds=seconds, wait_page=wait_page)
            response = view(request, *args, **kwargs)
            # A post that led on (a redirect) went through; one whose form came back was refused.
            done = response.status_code in (301, 302, 303)
            count_outcome(request, scope=scope, done=done, done_rate_setting=done_rate_setting)
            return response

        return limited

    return decorate
