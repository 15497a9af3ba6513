from django.apps import AppConfig


class MakerlabConfig(AppConfig):
    name = "makerlab"
    verbose_name = "Library and patrons"

    def ready(self) -> None:
        from makerlab import retention

        retention.register_personal_fields(
            "makerlab.Patron",
            patron_path="",
            blank_fields=("first_name", "last_name", "email", "phone"),
            null_fields=("card_number",),
        )
