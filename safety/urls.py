"""Safety's staff pages, mounted under /staff/safety/."""

from django.urls import path

from safety import views

app_name = "safety"

urlpatterns = [
    # --- Procedures ---
    path("procedures/", views.procedures_to_read, name="procedures"),
    path("procedures/<int:equipment_id>/sheet.pdf", views.procedure_sheet_pdf, name="procedure_sheet"),
    # --- Reports ---
    path("report/", views.report, name="report"),
    path("report/<int:pk>/filed/", views.report_filed, name="report_filed"),
    path("reports/mine/", views.my_reports, name="my_reports"),
    # --- Inspections and corrective actions ---
    path("inspections/", views.inspections, name="inspections"),
    path("inspections/<int:pk>/", views.inspection, name="inspection"),
    path("actions/", views.my_actions, name="my_actions"),
    path("actions/all/", views.all_actions, name="all_actions"),
    path("actions/<int:pk>/status/", views.action_status, name="action_status"),
]
