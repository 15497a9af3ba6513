"""Health and safety staff pages, under /staff/safety/."""

from django.urls import path

from safety import views

app_name = "safety"

urlpatterns = [
    # --- Inspections and corrective actions ---
    path("inspections/", views.inspections, name="inspections"),
    path("inspections/<int:pk>/", views.inspection, name="inspection"),
    path("actions/", views.my_actions, name="my_actions"),
    path("actions/all/", views.all_actions, name="all_actions"),
    path("actions/<int:pk>/status/", views.action_status, name="action_status"),
]
