"""The public survey pages, included at ``survey/``."""

from django.urls import path, re_path

from stats import survey_views

app_name = "surveys"

urlpatterns = [
    path("thanks/", survey_views.thanks, name="thanks"),
    path("program/<str:code>/", survey_views.program_survey, name="program"),
    re_path(r"^(?P<token>[A-Za-z0-9_:-]{1,300})/$", survey_views.survey, name="survey"),
]
