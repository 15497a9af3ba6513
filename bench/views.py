from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from makerlab.models import Branch


@require_safe
def baseline(request: HttpRequest) -> HttpResponse:
    """The yardstick, like TechEmpower's "fortunes": exactly one query and a small template."""
    names = list(Branch.objects.order_by("name").values_list("name", flat=True)[:10])
    return render(request, "bench/baseline.html", {"names": names})
