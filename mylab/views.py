"""The "My Maker Lab" pages: ask for a sign-in link, open it, see everything of yours in one place.

Nothing here says whether a card number is known: the request form answers the same way for every
well-formed card and email. The page opens only in the browser that used the emailed link, for
MYLAB_SESSION_MINUTES. Every page is private: never indexed, never cached, never a referrer to another site.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from makerlab.http import private_page
from makerlab.models import Patron
from makerlab.ratelimit import WaitPage, limit_public_posts
from mylab.forms import SignInRequestForm
from mylab.selectors import SignInRefusal, my_lab, patron_signed_in, sign_in_link_by_token, sign_in_link_refusal
from mylab.services import SignInRefused, sign_in_link_send, sign_in_link_use

SESSION_KEY = "mylab"
BOT_REFUSAL = "We could not send a link. Please try again, or ask at the library."

rate_limited = limit_public_posts(
    "mylab",
    wait_page=WaitPage(otherwise="ask at the library", back_url="mylab:start", back_text="Back to My Maker Lab"),
)


def _private(response: HttpResponse, *, has_form: bool = False) -> HttpResponse:
    """Private pages never tell another site their address. Pages without a form send no referrer at all;
    a page with a form keeps it for our own site only ("same-origin"), because under "no-referrer" browsers
    post forms with "Origin: null", which the CSRF protection rightly refuses."""
    response["Referrer-Policy"] = "same-origin" if has_form else "no-referrer"
    return private_page(response)


def _signed_in_patron(request: HttpRequest) -> Patron | None:
    held = request.session.get(SESSION_KEY)
    if not isinstance(held, dict) or not isinstance(held.get("until"), int | float):
        return None
    if held["until"] <= time.time():
        request.session.pop(SESSION_KEY, None)
        return None
    patron_id = held.get("patron")
    return patron_signed_in(patron_id=patron_id) if isinstance(patron_id, int) else None


def _request_page(request: HttpRequest, form: SignInRequestForm, *, status: int = 200) -> HttpResponse:
    context = {"form": form, "link_minutes": settings.MYLAB_LINK_MINUTES}
    return _private(render(request, "mylab/request.html", context, status=status), has_form=True)


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@rate_limited
def start(request: HttpRequest) -> HttpResponse:
    """Signed in: the patron's page. Otherwise the form that asks for a sign-in link."""
    if request.method != "POST":
        patron = _signed_in_patron(request)
        if patron is None:
            return _request_page(request, SignInRequestForm())
        context = {
            "patron": patron,
            "lab": my_lab(patron=patron, now=timezone.now()),
            "session_minutes": settings.MYLAB_SESSION_MINUTES,
            "today": timezone.localdate(),
        }
        return _private(render(request, "mylab/page.html", context), has_form=True)
    form = SignInRequestForm(request.POST)
    if form.is_bot:
        form.add_error(None, BOT_REFUSAL)
        return _request_page(request, form, status=400)
    if not form.is_valid():
        return _request_page(request, form)
    details = form.cleaned_data
    sign_in_link_send(card_number=details["card_number"], email=details["email"], now=timezone.now())
    # The same answer whether or not the card and email matched: the form tells nobody about a card.
    return redirect("mylab:sent")


@require_safe
@never_cache
def sent(request: HttpRequest) -> HttpResponse:
    return _private(render(request, "mylab/sent.html", {"link_minutes": settings.MYLAB_LINK_MINUTES}))


REFUSAL_PAGES = {
    SignInRefusal.UNKNOWN: 404,
    SignInRefusal.USED: 410,
    SignInRefusal.EXPIRED: 410,
}


def _refused_page(request: HttpRequest, reason: SignInRefusal) -> HttpResponse:
    context = {"reason": reason.value, "link_minutes": settings.MYLAB_LINK_MINUTES}
    return _private(render(request, "mylab/link_refused.html", context, status=REFUSAL_PAGES[reason]))


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@rate_limited
def sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks the patron to press a button; POST spends the link and opens the page.

    Opening takes a press of a button because mail services open links on their own to check them:
    a link spent by such a visit would fail the patron when they click it.
    """
    now = timezone.now()
    if request.method != "POST":
        refusal = sign_in_link_refusal(link=sign_in_link_by_token(token=token), now=now)
        if refusal is not None:
            return _refused_page(request, refusal)
        return _private(render(request, "mylab/sign_in.html", {"token": token}), has_form=True)
    try:
        patron = sign_in_link_use(token=token, now=now)
    except SignInRefused as refused:
        return _refused_page(request, refused.reason)
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"patron": patron.pk, "until": time.time() + settings.MYLAB_SESSION_MINUTES * 60}
    return redirect("mylab:start")


@require_POST
@never_cache
def sign_out(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    messages.success(request, "You have left My Maker Lab. To come back, ask for a new link.")
    return redirect("mylab:start")
