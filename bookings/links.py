"""Absolute addresses of a booking's pages, for emails and calendar files (no request to build them from)."""

from django.conf import settings
from django.urls import reverse

from bookings.models import Booking, ServiceType


def booking_manage_url(booking: Booking) -> str:
    """The private address where the patron sees, cancels or moves the booking."""
    return settings.SITE_URL.rstrip("/") + reverse("bookings:manage", args=[booking.manage_token])


def booking_book_url(service_type: ServiceType) -> str:
    """The service's public page, where a patron books another time."""
    return settings.SITE_URL.rstrip("/") + reverse("bookings:service", args=[service_type.slug])
