from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Programs"

    def ready(self) -> None:
        from makerlab import retention

        retention.register_personal_fields(
            "programs.Registration",
            patron_path="patron",
            blank_fields=("contact_name", "contact_email", "contact_phone", "accommodations"),
        )
        retention.register_personal_fields(
            "programs.Participant",
            patron_path="registration__patron",
            blank_fields=("first_name",),
            null_fields=("age",),
        )
