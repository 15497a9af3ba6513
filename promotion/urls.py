"""Promotion's public pages: displays on now, and the "What's on" widget the library's website embeds."""

from django.urls import path

from promotion import widget_views

app_name = "promotion"

urlpatterns = [
    # --- Displays ---
    # --- Widget ---
    path("whats-on/widget/", widget_views.widget_page, name="widget"),
    path("whats-on/widget.html", widget_views.widget_fragment, name="widget_fragment"),
]
