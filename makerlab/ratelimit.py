"""A per-address limit on public POSTs (booking, registering), counted in the cache."""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

POSTS_PER_WINDOW = 10
POST_WINDOW_SECONDS = 600


def client_address(request: HttpRequest) -> str:
    """The visitor's address; behind PROXY_COUNT trusted proxies, the one they saw."""
    proxies = settings.AXES_IPWARE_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies][:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


def over_limit(request: HttpRequest, *, scope: str, limit: int = POSTS_PER_WINDOW) -> bool:
    """Count this POST for the visitor's address in ``scope``; True once it is over ``limit`` in the window."""
    key = f"ratelimit:{scope}:{client_address(request)}"
    cache.add(key, 0, POST_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, POST_WINDOW_SECONDS)
        count = 1
    return count > limit


def too_many_response(request: HttpRequest, *, template: str) -> HttpResponse:
    """The 429 page, telling the visitor when to try again."""
    response = render(request, template, status=429)
    response["Retry-After"] = str(POST_WINDOW_SECONDS)
    return response
