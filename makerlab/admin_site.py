from django.conf import settings
from django.contrib import admin

from makerlab.forms import AdminLoginForm


class MakerLabAdminSite(admin.AdminSite):
    """The Django admin, branded with the library's name."""

    index_title = "Run the Maker Lab"
    login_form = AdminLoginForm

    @property
    def site_header(self) -> str:
        return f"{settings.LIBRARY_NAME} Maker Lab"

    @property
    def site_title(self) -> str:
        return f"{settings.LIBRARY_NAME} Maker Lab admin"
