"""The four themes of the minister's answer (2020) and the target groups of initiatives."""

from django.db import migrations

THEMES = [
    ("laptops", "Verstrekken van laptops",
     "Laptops en internettoegang voor leerlingen die thuis geen toestel hadden om afstandsonderwijs te volgen."),
    ("reaching-all-pupils", "Bereiken van alle leerlingen door de scholen",
     "Hoe scholen contact hielden met alle leerlingen, ook met wie moeilijk bereikbaar was."),
    ("family-support", "Ondersteuningsaanbod voor kansarme gezinnen van niet-onderwijspartners",
     "Het aanbod van welzijns-, armoede- en andere partners voor kansarme gezinnen."),
    ("summer-schools-reading", "Zomerscholen en projecten rond leesbevordering",
     "Zomerscholen, taalkampen en projecten rond lezen om leerachterstand in te halen."),
]
TARGET_GROUPS = [
    ("low-ses", "Leerlingen met een lage SES"),
    ("newcomers", "Anderstalige nieuwkomers"),
    ("preschoolers", "Kleuters"),
    ("at-risk", "Leerlingen met risico op leerachterstand"),
    ("parents", "Ouders"),
]


def create(apps, schema_editor):
    Theme = apps.get_model("initiatives", "Theme")
    TargetGroup = apps.get_model("initiatives", "TargetGroup")
    for position, (slug, name, description) in enumerate(THEMES, start=1):
        Theme.objects.update_or_create(slug=slug, defaults={"name": name, "description": description,
                                                            "position": position})
    for position, (slug, name) in enumerate(TARGET_GROUPS, start=1):
        TargetGroup.objects.update_or_create(slug=slug, defaults={"name": name, "position": position})


def remove(apps, schema_editor):
    apps.get_model("initiatives", "Theme").objects.filter(slug__in=[t[0] for t in THEMES]).delete()
    apps.get_model("initiatives", "TargetGroup").objects.filter(slug__in=[t[0] for t in TARGET_GROUPS]).delete()


class Migration(migrations.Migration):
    dependencies = [("initiatives", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
