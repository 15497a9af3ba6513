"""Promotion's staff pages, mounted under /staff/promotion/: displays calendar, printables, newsletter digest."""

from django.urls import path, re_path

from promotion import display_staff_views, print_views, staff_views, widget_views

app_name = "promotion_staff"

urlpatterns = [
    path("", staff_views.start, name="start"),
    # --- Displays calendar ---
    path("displays/", display_staff_views.display_calendar, name="displays"),
    # --- Printables and digest ---
    path("printables/", print_views.printables_page, name="printables"),
    re_path(
        r"^printables/(?P<pk>[0-9]{1,9})/poster-(?P<size>letter|tabloid)\.pdf$", print_views.poster_pdf, name="poster"
    ),
    re_path(r"^printables/(?P<pk>[0-9]{1,9})/flyers\.pdf$", print_views.flyer_pdf, name="flyers"),
    path("printables/month.pdf", print_views.month_pdf, name="month_sheet"),
    path("digest/", print_views.digest_page, name="digest"),
    path("digest/preview/", print_views.digest_preview, name="digest_preview"),
    # --- Widget snippet ---
    path("widget/", widget_views.widget_snippet, name="widget"),
]
