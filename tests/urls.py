"""The site's URLs plus a view that fails, to show the friendly error page."""

from django.urls import path

from makerlab.urls import handler500, urlpatterns

__all__ = ["handler500", "urlpatterns"]


def broken_view(request):
    raise RuntimeError("A failure the visitor must not see the details of.")


urlpatterns = [*urlpatterns, path("broken/", broken_view)]
