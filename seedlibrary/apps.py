from django.apps import AppConfig


class SeedlibraryConfig(AppConfig):
    name = "seedlibrary"
    verbose_name = "Seed library"
