from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "stats"
    verbose_name = "Statistics"

    def ready(self) -> None:
        from makerlab.services import notification_attachments_register
        from stats.exports import report_email_attachments
        from stats.services import REPORT_EMAIL_KIND

        # The board email carries the month's PDF, rendered from the frozen figures when it is sent.
        notification_attachments_register(kind=REPORT_EMAIL_KIND, builder=report_email_attachments)
