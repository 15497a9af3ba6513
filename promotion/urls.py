"""Promotion's public pages: displays on now, and the "What's on" widget the library's website embeds."""

from django.urls import path  # noqa: F401

app_name = "promotion"

urlpatterns = [
    # --- Displays ---
    # --- Widget ---
]
