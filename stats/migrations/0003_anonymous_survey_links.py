"""Surveys anonymous in fact: signed links kept nowhere, counts instead of invitations, coarse answers.

Existing invitations are dropped: what they said is kept as counts per subject and month (so the
months' figures do not change), and their links stop working (an unanswered one gets the page that
says the link does not work). Answers keep only the month they were given, lose the link to their
invitation, and get a random id; the quotes chosen for reports are pointed at the new ids.

Four migrations, each in its own transaction: PostgreSQL refuses to alter a table in the transaction
that updated its rows (their foreign-key checks wait for the commit).
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import TruncMonth


def invitations_to_counts(apps, schema_editor):
    SurveyInvitation = apps.get_model("stats", "SurveyInvitation")
    SurveysSent = apps.get_model("stats", "SurveysSent")
    subject = ["kind", "channel", "service_area", "service_type_id", "program_id", "branch_id", "month"]
    rows = SurveyInvitation.objects.values(*subject).annotate(count=Count("pk")).order_by()
    SurveysSent.objects.bulk_create([SurveysSent(**row) for row in rows], batch_size=2000)


def answered_in_month(apps, schema_editor):
    SurveyResponse = apps.get_model("stats", "SurveyResponse")
    SurveyResponse.objects.update(answered_in=TruncMonth("submitted_on"))


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0003_booking_survey_consent_and_more"),
        ("makerlab", "0003_notification_withdrawn"),
        ("programs", "0006_program_service_area_registration_survey_consent"),
        ("stats", "0002_board_send_window_and_stored_pdf"),
    ]

    operations = [
        migrations.CreateModel(
            name="SurveysSent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(choices=[("immediate", "Right after"), ("follow_up", "Follow-up")], max_length=10),
                ),
                (
                    "channel",
                    models.CharField(choices=[("email", "Email"), ("in_room", "QR code in the room")], max_length=8),
                ),
                (
                    "service_area",
                    models.CharField(
                        choices=[
                            ("digital_learning", "Digital learning"),
                            ("education", "Education and lifelong learning"),
                            ("job_skills", "Job skills"),
                            ("early_literacy", "Early literacy"),
                            ("summer_reading", "Summer reading"),
                            ("health", "Health"),
                            ("economic_development", "Economic development"),
                            ("civic_engagement", "Civic and community engagement"),
                        ],
                        max_length=24,
                    ),
                ),
                (
                    "month",
                    models.DateField(help_text="The first day of the month of the session the surveys are about."),
                ),
                ("count", models.PositiveIntegerField(default=0)),
                (
                    "branch",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="makerlab.branch",
                    ),
                ),
                (
                    "program",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="surveys_sent",
                        to="programs.program",
                    ),
                ),
                (
                    "service_type",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="surveys_sent",
                        to="bookings.servicetype",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "surveys sent",
                "ordering": ["-month", "kind", "channel", "service_area"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("month__day", 1)), name="surveys_sent_month_is_first_day"
                    ),
                    models.UniqueConstraint(
                        fields=("kind", "channel", "service_area", "service_type", "program", "branch", "month"),
                        name="surveys_sent_one_count_per_subject",
                        nulls_distinct=False,
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="UsedSurveyLink",
            fields=[("digest", models.CharField(max_length=64, primary_key=True, serialize=False))],
        ),
        migrations.RunPython(invitations_to_counts, migrations.RunPython.noop),
        migrations.AddField(model_name="surveyresponse", name="answered_in", field=models.DateField(null=True)),
        migrations.RunPython(answered_in_month, migrations.RunPython.noop),
    ]
