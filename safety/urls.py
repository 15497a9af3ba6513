"""Health and safety pages in the staff area, under /staff/safety/."""

from django.urls import path

from safety import views

app_name = "safety"

urlpatterns = [
    # --- Reports ---
    path("report/", views.report, name="report"),
    path("report/<int:pk>/filed/", views.report_filed, name="report_filed"),
    path("reports/mine/", views.my_reports, name="my_reports"),
]
