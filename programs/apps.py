from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Programs"

    def ready(self) -> None:
        from makerlab import retention
        from makerlab.commitments import register_commitment_provider
        from makerlab.demo import register_demo_step
        from programs.commitments import program_sessions_busy_time

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

        register_commitment_provider("programs", program_sessions_busy_time)
        register_demo_step("programs", step="programs.demo.programs_demo_step")

        from makerlab.services import notification_attachments_register
        from programs.documents import registration_calendar_attachments, registration_confirmation_attachments
        from programs.services.messaging import SESSION_ADDED, SESSION_MOVED

        # The confirmation (also sent when a waitlist place is claimed or given) carries the program's sessions as
        # a calendar file and the check-in QR code; the emails about a moved or added session the calendar file.
        notification_attachments_register(kind="program_registered", builder=registration_confirmation_attachments)
        for kind in (SESSION_MOVED, SESSION_ADDED):
            notification_attachments_register(kind=kind, builder=registration_calendar_attachments)
