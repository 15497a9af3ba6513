"""The staff's packet labels, mounted under /staff/seeds/lots/ beside the seed desk's own pages."""

from django.urls import path

from seedlibrary import views

app_name = "seed_labels"

urlpatterns = [
    path("<int:pk>/labels.pdf", views.lot_labels, name="lot_labels"),
]
