"""Answers keep only the month they were given and lose the link to their invitation (see 0003)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("stats", "0003_anonymous_survey_links")]

    operations = [
        migrations.AlterField(
            model_name="surveyresponse",
            name="answered_in",
            field=models.DateField(
                help_text="The first day of the month the answers were given: no closer time.",
            ),
        ),
        migrations.RemoveField(model_name="surveyresponse", name="submitted_on"),
        migrations.AddConstraint(
            model_name="surveyresponse",
            constraint=models.CheckConstraint(
                condition=models.Q(("answered_in__day", 1)), name="survey_response_answered_in_is_first_day"
            ),
        ),
        migrations.RemoveField(model_name="surveyresponse", name="invitation"),
        migrations.DeleteModel(name="SurveyInvitation"),
        migrations.AddField(model_name="surveyresponse", name="uid", field=models.UUIDField(null=True)),
    ]
