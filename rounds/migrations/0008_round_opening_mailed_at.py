"""A round records when its coordinators were told that it opened (the round-opened mail, sent once).

Every round that has already opened (its opening day is today or earlier) is marked as mailed: it
opened before this mail existed, so deploying must not announce it now. Rounds opening later are
left unmarked and get their mail on their opening day.
"""

from django.db import migrations, models
from django.utils import timezone


def mark_opened_rounds(apps, schema_editor):
    ReportingRound = apps.get_model("rounds", "ReportingRound")
    (ReportingRound.objects.using(schema_editor.connection.alias)
     .filter(opens_on__lte=timezone.localdate(), opening_mailed_at__isnull=True)
     .update(opening_mailed_at=timezone.now()))


class Migration(migrations.Migration):

    dependencies = [
        ("rounds", "0007_sentences_2020"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportinground",
            name="opening_mailed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="opening mailed at"),
        ),
        # Backwards the column is dropped: nothing to undo.
        migrations.RunPython(mark_opened_rounds, migrations.RunPython.noop),
    ]
