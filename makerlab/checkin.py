"""Check-in codes: the QR code on a confirmation that staff scan at the desk.

A code names what it checks in (``B`` a booking, ``R`` a program registration) and its id, signed with
the site's secret: ``B.42.K7Q2MX4PZTA3HC9W``. It holds no personal data and gives no patron-side rights
(the manage links keep their own tokens); it only tells the staff check-in page, behind its login, which
booking or registration is in front of the desk. The QR code carries the full address of that page
with the code, so a phone's camera opens it, and a USB scanner types it into the page's field.

Apps that check people in make and read codes here; the page that reads them (``frontdesk``) asks each
app to find what a code names, so no app imports another for it.
"""

import base64
import io
import re
from dataclasses import dataclass
from email.mime.image import MIMEImage
from urllib.parse import unquote

import segno
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from makerlab.http import site_url

BOOKING = "B"
REGISTRATION = "R"
KINDS = (BOOKING, REGISTRATION)
_SALT = "makerlab.checkin"
# 80 bits of the HMAC, in base 32 so the code is short, case-free and made of QR's alphanumeric characters.
_SIGNATURE_BYTES = 10
_CODE = re.compile(r"^(?P<kind>[A-Z])\.(?P<pk>[0-9]{1,12})\.(?P<signature>[A-Z2-7]{16})$")
CODE_MAX_LENGTH = 300
QR_CONTENT_ID = "check-in-code"


class BadCode(ValueError):
    """Not a code this site made: mistyped, cut short, changed by hand, or from somewhere else."""


@dataclass(frozen=True)
class CheckInCode:
    kind: str
    pk: int

    @property
    def text(self) -> str:
        return f"{self.kind}.{self.pk}.{_signature(self.kind, self.pk)}"


def _signature(kind: str, pk: int) -> str:
    digest = salted_hmac(_SALT, f"{kind}.{pk}", algorithm="sha256").digest()[:_SIGNATURE_BYTES]
    return base64.b32encode(digest).decode()


def check_in_code(*, kind: str, pk: int) -> str:
    if kind not in KINDS:
        raise ValueError(f"Unknown check-in kind {kind!r}")
    return CheckInCode(kind=kind, pk=pk).text


def check_in_url(code: str) -> str:
    """The full address of the staff check-in page for this code: what the QR code holds."""
    return site_url(f"{reverse('frontdesk:check_in')}?code={code}")


def check_in_code_read(typed: str) -> CheckInCode:
    """The code in what was typed or scanned: the code alone, or the check-in page's address with it.

    Raises BadCode for anything else, including a code whose signature does not match.
    """
    text = (typed or "").strip()[:CODE_MAX_LENGTH]
    if "code=" in text:
        # The page's address, or whatever part of it reached the field: what follows the last "code=".
        text = unquote(text.rsplit("code=", 1)[1].split("&", 1)[0]).strip()
    match = _CODE.match(text.upper())
    if match is None:
        raise BadCode(text)
    kind, pk = match["kind"], int(match["pk"])
    if kind not in KINDS or not constant_time_compare(match["signature"], _signature(kind, pk)):
        raise BadCode(text)
    return CheckInCode(kind=kind, pk=pk)


def check_in_qr_svg(url: str, *, label: str) -> SafeString:
    """The QR code as inline SVG for a confirmation page, named for screen readers."""
    svg = segno.make(url, error="m").svg_inline(scale=6, border=4, dark="#000", light="#fff", omitsize=True)
    # segno draws the SVG from the address alone; the label is escaped before it joins it.
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" class="check-in-qr" ', 1))  # noqa: S308


def check_in_qr_png(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=6, border=4)
    return out.getvalue()


def check_in_qr_email_image(url: str) -> MIMEImage:
    """The QR code as an image inside the email: HTML emails show it with ``<img src="cid:check-in-code">``
    (mail programs block images given as data in the page, not those sent with the message)."""
    image = MIMEImage(check_in_qr_png(url), "png")
    image.add_header("Content-ID", f"<{QR_CONTENT_ID}>")
    image.add_header("Content-Disposition", "inline", filename="check-in-code.png")
    return image
