from django.conf import settings
from django.http import HttpRequest, HttpResponse


def private_page(response: HttpResponse) -> HttpResponse:
    """Private links (a booking, a registration, a calendar feed) must never be indexed by search engines."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def site_address(request: HttpRequest, path: str) -> str:
    """A page's full address as the library publishes it (SITE_URL), else as this request reached it."""
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/") + path
    return request.build_absolute_uri(path)
