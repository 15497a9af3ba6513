from django.urls import path, re_path

from seedlibrary import views

app_name = "seeds"

PRIVATE_PART = r"(?P<token>[A-Za-z0-9_-]{20,64})"

urlpatterns = [
    path("", views.variety_list, name="list"),
    path("request/", views.request_packets, name="request"),
    path("request/add/", views.basket_add, name="basket_add"),
    path("request/remove/", views.basket_remove, name="basket_remove"),
    re_path(rf"^request/{PRIVATE_PART}/$", views.request_manage, name="request_manage"),
    re_path(rf"^request/{PRIVATE_PART}/sent/$", views.request_sent, name="request_sent"),
    re_path(rf"^request/{PRIVATE_PART}/cancel/$", views.request_cancel, name="request_cancel"),
    path("<slug:slug>/share.png", views.variety_share_image, name="share_image"),
    path("<slug:slug>/", views.variety_page, name="variety"),
]
