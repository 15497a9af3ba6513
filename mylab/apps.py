from django.apps import AppConfig


class MylabConfig(AppConfig):
    name = "mylab"
    verbose_name = "My Maker Lab"
