"""The public suggestion form, included at ``suggest/``."""

from django.urls import path

from stats import purchase_views

app_name = "purchases"

urlpatterns = [
    path("", purchase_views.suggest, name="suggest"),
    path("thanks/", purchase_views.thanks, name="thanks"),
]
