from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Bookings"

    def ready(self) -> None:
        from bookings.documents import booking_confirmation_attachments, booking_email_attachments
        from makerlab import retention, services
        from makerlab.demo import register_demo_step

        services.notification_attachments_register(
            kind="booking_confirmation", builder=booking_confirmation_attachments
        )
        for kind in ("booking_rescheduled", "booking_cancelled", "booking_cancelled_out_of_service"):
            services.notification_attachments_register(kind=kind, builder=booking_email_attachments)

        retention.register_personal_fields(
            "bookings.Booking",
            patron_path="patron",
            blank_fields=("contact_name", "contact_email", "contact_phone", "accessibility_needs", "outcome_notes"),
            json_fields=("intake_answers",),
        )
        register_demo_step("bookings", step="bookings.demo.bookings_demo_step")
