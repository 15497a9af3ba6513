"""The site's URLs plus the baseline view; only bench.settings points here, so production never serves it."""

from django.urls import path

from bench.views import baseline
from makerlab import urls as site

urlpatterns = [*site.urlpatterns, path("bench/baseline/", baseline, name="bench-baseline")]
handler500 = site.handler500
