from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from makerlab.forms import AdminLoginForm
from makerlab.sessions import staff_session_start


class MakerLabAdminSite(admin.AdminSite):
    """The Django admin, branded with the library's name."""

    index_title = "Run the Maker Lab"
    login_form = AdminLoginForm

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """The admin's login ends like the staff login's default: with the browser, or after the idle hours."""
        response = super().login(request, extra_context)
        if request.method == "POST" and response.status_code == 302 and request.user.is_authenticated:
            staff_session_start(request.session, keep_logged_in=False)
        return response

    @property
    def site_header(self) -> str:
        return f"{settings.LIBRARY_NAME} Maker Lab"

    @property
    def site_title(self) -> str:
        return f"{settings.LIBRARY_NAME} Maker Lab admin"
