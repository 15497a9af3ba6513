"""Promotion's staff pages, mounted under /staff/promotion/: displays calendar, printables, newsletter digest."""

from django.urls import path

from promotion import display_staff_views, staff_views, widget_views

app_name = "promotion_staff"

urlpatterns = [
    path("", staff_views.start, name="start"),
    # --- Displays calendar ---
    path("displays/", display_staff_views.display_calendar, name="displays"),
    # --- Printables and digest ---
    # --- Widget snippet ---
    path("widget/", widget_views.widget_snippet, name="widget"),
]
