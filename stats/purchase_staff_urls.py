"""The coordinator's purchases page, included at ``staff/stats/purchases/``."""

from django.urls import path

from stats import purchase_views

app_name = "purchases_staff"

urlpatterns = [
    path("", purchase_views.purchases, name="page"),
    path("recommend/", purchase_views.recommend, name="recommend"),
    path("recommendations/<int:pk>/pdf/", purchase_views.recommendation_download, name="pdf"),
    path("suggestions/<int:pk>/answer/", purchase_views.answer, name="answer"),
]
