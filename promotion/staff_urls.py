"""Promotion's staff pages, mounted under /staff/promotion/: displays calendar, printables, newsletter digest."""

from django.urls import path  # noqa: F401

app_name = "promotion_staff"

urlpatterns = [
    # --- Displays calendar ---
    # --- Printables and digest ---
]
