"""Every existing round asks the platforms it counted until now: the active platforms.

From here on a round's platforms are fixed (rounds.RoundPlatform): a platform made or imported
later is not in a round that has opened, so `corona-2020` keeps its 70 platforms after any import.
Reversing drops the rows again (the rounds then count the active platforms, as before).
"""

from django.db import migrations


def fill(apps, schema_editor):
    ReportingRound = apps.get_model("rounds", "ReportingRound")
    Platform = apps.get_model("platforms", "Platform")
    RoundPlatform = apps.get_model("rounds", "RoundPlatform")
    db = schema_editor.connection.alias
    active = list(Platform.objects.using(db).filter(is_active=True).values_list("pk", flat=True))
    for round_pk in ReportingRound.objects.using(db).values_list("pk", flat=True):
        RoundPlatform.objects.using(db).bulk_create(
            [RoundPlatform(round_id=round_pk, platform_id=pk) for pk in active], ignore_conflicts=True)


def empty(apps, schema_editor):
    apps.get_model("rounds", "RoundPlatform").objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("rounds", "0005_round_platforms_and_sentences"),
        ("platforms", "0002_reserved_codes"),
    ]

    operations = [migrations.RunPython(fill, empty)]
