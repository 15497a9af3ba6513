from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Bookings"

    def ready(self) -> None:
        from makerlab import retention

        retention.register_personal_fields(
            "bookings.Booking",
            patron_path="patron",
            blank_fields=("contact_name", "contact_email", "contact_phone", "accessibility_needs", "outcome_notes"),
            json_fields=("intake_answers",),
        )
