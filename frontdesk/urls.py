"""The staff start page and the desk's check-in, mounted at /staff/ before the staffing pages."""

from django.urls import path

from frontdesk import checkin, views

app_name = "frontdesk"

urlpatterns = [
    path("", views.start, name="start"),
    path("check-in/", checkin.check_in, name="check_in"),
]
