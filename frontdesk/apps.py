from django.apps import AppConfig


class FrontDeskConfig(AppConfig):
    name = "frontdesk"
    verbose_name = "Staff start page"
