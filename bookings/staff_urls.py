from django.urls import path

from bookings import staff_views

app_name = "bookings_staff"

urlpatterns = [
    path("", staff_views.agenda_desk, name="agenda"),
    path("mine/", staff_views.agenda_mine, name="agenda_mine"),
    path("bookings/<int:pk>/attended/", staff_views.booking_attended, name="attended"),
    path("bookings/<int:pk>/no-show/", staff_views.booking_no_show, name="no_show"),
    path("bookings/<int:pk>/outcome/", staff_views.booking_outcome, name="outcome"),
    path("bookings/<int:pk>/cancel/", staff_views.booking_cancel_at_desk, name="cancel"),
    path("book/", staff_views.book_on_behalf, name="book"),
    path("paused/", staff_views.pauses, name="pauses"),
    path("paused/<int:pk>/lift/", staff_views.pause_lift, name="pause_lift"),
]
