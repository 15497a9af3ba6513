from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.http import HttpRequest, HttpResponse

from makerlab.forms import AdminLoginForm
from makerlab.sessions import staff_session_start


class RefusesImpossibleFilters:
    """A list filtered by something the database cannot take (a year past 9999, a NUL character) shows the admin's
    own "invalid filter" answer instead of an error page; Django turns only some bad filters into that answer."""

    def get_changelist_instance(self, request: HttpRequest):
        try:
            return super().get_changelist_instance(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


class MakerLabAdminSite(admin.AdminSite):
    """The Django admin, branded with the library's name."""

    index_title = "Run the Maker Lab"
    login_form = AdminLoginForm

    def register(self, model_or_iterable, admin_class=None, **options) -> None:
        """Every model's admin refuses impossible filters (RefusesImpossibleFilters)."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, RefusesImpossibleFilters):
            admin_class = type(admin_class.__name__, (RefusesImpossibleFilters, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)

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
