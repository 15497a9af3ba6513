from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "stats"
    verbose_name = "Statistics"

    def ready(self) -> None:
        from makerlab import retention
        from makerlab.demo import register_demo_step
        from makerlab.services import notification_attachments_register
        from stats.services import REPORT_EMAIL_KIND, report_email_attachments

        # The board email carries the month's PDF, the one stored at closing (built then if missing).
        notification_attachments_register(kind=REPORT_EMAIL_KIND, builder=report_email_attachments)
        register_demo_step("stats", step="stats.demo.stats_demo_step")
        # A suggestion's email is only for an answer: it goes after the retention period, the suggestion stays counted.
        retention.register_dated_personal_fields(
            "stats.PurchaseSuggestion", dated_by="created_at", blank_fields=("email",)
        )
