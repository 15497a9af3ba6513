"""The staff page for surveys in the room, included at ``staff/stats/surveys/``."""

from django.urls import path

from stats import survey_views

app_name = "surveys_staff"

urlpatterns = [
    path("programs/<int:pk>/qr/", survey_views.program_qr, name="program_qr"),
]
