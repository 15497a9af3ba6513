from django.urls import path

from seedlibrary import staff_views

app_name = "seeds_staff"

urlpatterns = [
    path("", staff_views.lend, name="lend"),
    path("orientation/", staff_views.orientation, name="orientation"),
    path("requests/", staff_views.requests_queue, name="requests"),
    path("requests/<int:pk>/ready/", staff_views.request_ready, name="request_ready"),
    path("requests/<int:pk>/picked-up/", staff_views.request_picked_up, name="request_picked_up"),
    path("requests/<int:pk>/cancel/", staff_views.request_cancel, name="request_cancel"),
    path("returns/", staff_views.return_record, name="returns"),
    path("report/", staff_views.report, name="report"),
]
