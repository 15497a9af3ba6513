from django.urls import path, re_path

from bookings import views

app_name = "bookings"

PRIVATE_PART = r"(?P<token>[A-Za-z0-9_-]{20,64})"

urlpatterns = [
    path("", views.service_list, name="services"),
    re_path(rf"^manage/{PRIVATE_PART}/$", views.manage, name="manage"),
    re_path(rf"^manage/{PRIVATE_PART}/booked/$", views.confirmed, name="confirmed"),
    re_path(rf"^manage/{PRIVATE_PART}/cancel/$", views.manage_cancel, name="cancel"),
    re_path(rf"^manage/{PRIVATE_PART}/move/$", views.manage_move, name="move"),
    path("<slug:slug>/", views.service_detail, name="service"),
    path("<slug:slug>/share.png", views.service_share_image, name="share_image"),
    path("<slug:slug>/book/", views.book, name="book"),
    path("<slug:slug>/notify/", views.notify_request, name="notify"),
]
