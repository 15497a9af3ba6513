"""The random id becomes the answers' primary key (see 0003)."""

import uuid

from django.db import migrations, models

SWAP_PRIMARY_KEY = """
ALTER TABLE stats_surveyresponse DROP CONSTRAINT stats_surveyresponse_pkey;
ALTER TABLE stats_surveyresponse DROP COLUMN id;
ALTER TABLE stats_surveyresponse RENAME COLUMN uid TO id;
ALTER TABLE stats_surveyresponse ALTER COLUMN id SET NOT NULL;
ALTER TABLE stats_surveyresponse ADD PRIMARY KEY (id);
"""


class Migration(migrations.Migration):
    dependencies = [("stats", "0005_survey_answers_random_ids")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(SWAP_PRIMARY_KEY)],
            state_operations=[
                migrations.RemoveField(model_name="surveyresponse", name="uid"),
                migrations.AlterField(
                    model_name="surveyresponse",
                    name="id",
                    field=models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False),
                ),
            ],
        ),
    ]
