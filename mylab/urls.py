from django.urls import path, re_path

from mylab import views

app_name = "mylab"

PRIVATE_PART = r"(?P<token>[A-Za-z0-9_-]{20,64})"

urlpatterns = [
    path("", views.start, name="start"),
    path("sent/", views.sent, name="sent"),
    path("sign-out/", views.sign_out, name="sign_out"),
    re_path(rf"^sign-in/{PRIVATE_PART}/$", views.sign_in, name="sign_in"),
]
