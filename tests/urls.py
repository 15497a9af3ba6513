"""The site's URLs plus a view that fails, to show the friendly error page, and a cached page with a form."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path
from django.views.decorators.csrf import csrf_protect

from makerlab.pagecache import cached_page
from makerlab.urls import handler500, urlpatterns

__all__ = ["handler500", "urlpatterns"]


def broken_view(request):
    raise RuntimeError("A failure the visitor must not see the details of.")


_FORM = engines["django"].from_string('<form method="post" action="/cached-form/">{% csrf_token %}</form>')


@csrf_protect
@cached_page("programs")
def cached_form_view(request):
    """A shared page with a form: each visitor must get their own CSRF token in it."""
    if request.method == "POST":
        return HttpResponse("taken")
    return HttpResponse(_FORM.render({}, request))


urlpatterns = [*urlpatterns, path("broken/", broken_view), path("cached-form/", cached_form_view)]
