from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from ipware import get_client_ip

# What a browser says of a request it sends from one of our own pages (Fetch Metadata), or typed by the visitor.
_OWN_PAGE_FETCHES = frozenset({"same-origin", "none"})


def private_page(response: HttpResponse) -> HttpResponse:
    """Private links (a booking, a registration, a calendar feed) must never be indexed by search engines."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def site_url(path: str) -> str:
    """A page's full address as the library publishes it (SITE_URL), for emails, files and feeds."""
    return settings.SITE_URL.rstrip("/") + path


def site_address(request: HttpRequest, path: str) -> str:
    """A page's full address as the library publishes it (SITE_URL), else as this request reached it."""
    if settings.SITE_URL:
        return site_url(path)
    return request.build_absolute_uri(path)


def absolute_address(request: HttpRequest, url: str) -> str:
    """``url`` as it is when already absolute (a file storage's own address), else on this site (``site_address``)."""
    return site_address(request, url) if url.startswith("/") else url


def client_ip(request: HttpRequest) -> str:
    """The visitor's address, for login lockouts (django-axes) and the limits on public forms alike.

    Without a proxy, the connection's address: X-Forwarded-For is then whatever the visitor typed. Behind
    PROXY_COUNT proxies, the nearest one connects and the others append, each, the address it saw to
    X-Forwarded-For: the visitor's is the entry PROXY_COUNT from the end, and anything the visitor wrote
    before it is ignored. django-ipware counts only the proxies listed in the header, not the nearest one.
    Only X-Forwarded-For is read behind a proxy: ranked against the connection's address, a public proxy
    would win over a visitor's private address on the library's own network.
    """
    proxies = settings.PROXY_COUNT
    if proxies:
        address, _routable = get_client_ip(
            request, proxy_count=proxies - 1, request_header_order=["HTTP_X_FORWARDED_FOR"], strict=False
        )
    else:
        address, _routable = get_client_ip(request, request_header_order=["REMOTE_ADDR"])
    return address or request.META.get("REMOTE_ADDR", "")


def from_own_pages(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Take a post without a CSRF token when the browser says it comes from one of our own pages.

    For a public form that acts for no one logged in (a seed basket, a purchase suggestion): pages showing it
    need no token for each visitor, so they are served to everyone from the cache without minting one and
    setting its cookie. The browser's own headers decide, as the CSRF middleware's origin check does: a post
    another site sends (Sec-Fetch-Site cross-site or same-site, an Origin or Referer of another host) is
    refused with 403. The rate limits on public forms still count every post.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST" and not _sent_from_own_page(request):
            raise PermissionDenied("This form can only be sent from the Maker Lab's own pages.")
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapper)


def _sent_from_own_page(request: HttpRequest) -> bool:
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None and fetch_site not in _OWN_PAGE_FETCHES:
        return False
    origin = request.META.get("HTTP_ORIGIN") or request.META.get("HTTP_REFERER")
    if not origin:
        return True  # an old browser's post, or none from a browser at all: no other site's page sent it
    try:
        sent_from = urlsplit(origin)
    except ValueError:  # not an address at all ("http://[")
        return False
    return sent_from.scheme in ("http", "https") and sent_from.netloc == request.get_host()
