"""Safety's public pages, mounted under /safety/: a procedure as posted beside its machine (its QR code opens it)."""

from django.urls import path

from safety import views

app_name = "safety_public"

urlpatterns = [
    path("procedures/<int:equipment_id>/", views.procedure_page, name="procedure"),
]
