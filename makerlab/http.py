from django.http import HttpResponse


def private_page(response: HttpResponse) -> HttpResponse:
    """Private links (a booking, a registration, a calendar feed) must never be indexed by search engines."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
