from django.urls import path

from programs import staff_views

app_name = "programs_staff"

urlpatterns = [
    path("", staff_views.sessions, name="sessions"),
    path("sessions/<int:pk>/", staff_views.roster, name="roster"),
]
