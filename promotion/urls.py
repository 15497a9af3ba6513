"""Promotion's public pages: displays on now, and the "What's on" widget the library's website embeds."""

from django.urls import path

from promotion import display_views, widget_views

app_name = "promotion"

urlpatterns = [
    # --- Displays ---
    path("displays/", display_views.display_list, name="displays"),
    path("displays/<slug:slug>/", display_views.display_detail, name="display"),
    # --- Widget ---
    path("whats-on/widget/", widget_views.widget_page, name="widget"),
    path("whats-on/widget.html", widget_views.widget_fragment, name="widget_fragment"),
]
