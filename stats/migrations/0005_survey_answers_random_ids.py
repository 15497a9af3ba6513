"""Each answer gets a random id; the quotes chosen for reports are pointed at the new ids (see 0003)."""

import uuid

from django.db import migrations


def random_ids(apps, schema_editor):
    SurveyResponse = apps.get_model("stats", "SurveyResponse")
    MonthlyReport = apps.get_model("stats", "MonthlyReport")
    new_ids = {}
    for response in SurveyResponse.objects.only("pk").iterator():
        new_ids[response.pk] = uuid.uuid4()
        SurveyResponse.objects.filter(pk=response.pk).update(uid=new_ids[response.pk])
    for report in MonthlyReport.objects.exclude(quotes=[]).only("pk", "quotes"):
        for quote in report.quotes:
            old = quote.get("response_id")
            quote["response_id"] = str(new_ids[old]) if old in new_ids else None
        MonthlyReport.objects.filter(pk=report.pk).update(quotes=report.quotes)


class Migration(migrations.Migration):
    dependencies = [("stats", "0004_survey_answers_without_links")]

    operations = [
        migrations.RunPython(random_ids, migrations.RunPython.noop),
    ]
