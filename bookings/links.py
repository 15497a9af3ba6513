"""Absolute addresses of a booking's pages, for emails and calendar files (no request to build them from)."""

from django.urls import reverse

from bookings.models import Booking, ServiceType
from makerlab.checkin import BOOKING, check_in_code, check_in_url
from makerlab.http import site_url


def booking_manage_url(booking: Booking) -> str:
    """The private address where the patron sees, cancels or moves the booking."""
    return site_url(reverse("bookings:manage", args=[booking.manage_token]))


def booking_book_url(service_type: ServiceType) -> str:
    """The service's public page, where a patron books another time."""
    return site_url(reverse("bookings:service", args=[service_type.slug]))


def booking_check_in_code(booking: Booking) -> str:
    """The code staff scan at the desk; it names the booking and gives none of the manage link's rights."""
    return check_in_code(kind=BOOKING, pk=booking.pk)


def booking_check_in_url(booking: Booking) -> str:
    """The staff check-in page's address with the booking's code: what the QR code on the confirmation holds."""
    return check_in_url(booking_check_in_code(booking))
