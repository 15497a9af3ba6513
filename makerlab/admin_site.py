from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class MakerLabAdminSite(admin.AdminSite):
    """The Django admin, branded with the library's name."""

    @property
    def site_header(self) -> str:
        return f"{settings.LIBRARY_NAME} Maker Lab"

    @property
    def site_title(self) -> str:
        return f"{settings.LIBRARY_NAME} Maker Lab admin"

    index_title = "Run the Maker Lab"


class MakerLabAdminConfig(AdminConfig):
    default_site = "makerlab.admin_site.MakerLabAdminSite"
