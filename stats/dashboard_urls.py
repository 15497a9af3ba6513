from django.urls import path

from stats import dashboard_views

app_name = "stats_dashboard"

urlpatterns = [
    path("", dashboard_views.dashboard, name="dashboard"),
]
