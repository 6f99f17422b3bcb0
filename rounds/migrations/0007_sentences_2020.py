"""The questionnaires of 2020 get the sentences of the minister's answer (rounds/seed/corona_2020.py).

A questionnaire asks the questions of 2020 when it has every one of their keys with the same kind; its
questions whose sentence is still blank get the seed's sentence (one an admin wrote stays). Questionnaires
made from the seed from now on get them from the seed itself. Reversible: going back blanks the sentences
that are still the seed's. The questionnaires' versions are raised: their cached definitions hold the
sentences.
"""

from django.db import migrations
from django.db.models import F

from rounds.seed.corona_2020 import SECTIONS

SEED = {q["key"]: (q["kind"], q["sentence"]) for section in SECTIONS for q in section["questions"]}


def _questionnaires_of_2020(apps, db):
    """The pks of the questionnaires that ask every question of 2020 (same key, same kind)."""
    Question = apps.get_model("rounds", "Question")
    kinds: dict[int, dict[str, str]] = {}
    for questionnaire_id, key, kind in (Question.objects.using(db).filter(key__in=list(SEED))
                                        .values_list("questionnaire_id", "key", "kind")):
        kinds.setdefault(questionnaire_id, {})[key] = kind
    return [pk for pk, found in kinds.items()
            if all(found.get(key) == kind for key, (kind, _sentence) in SEED.items())]


def _set(apps, schema_editor, *, forward: bool):
    Question = apps.get_model("rounds", "Question")
    Questionnaire = apps.get_model("rounds", "Questionnaire")
    db = schema_editor.connection.alias
    questionnaires = _questionnaires_of_2020(apps, db)
    for key, (_kind, sentence) in SEED.items():
        questions = Question.objects.using(db).filter(questionnaire_id__in=questionnaires, key=key)
        if forward:
            questions.filter(sentence="").update(sentence=sentence)
        else:
            questions.filter(sentence=sentence).update(sentence="")
    Questionnaire.objects.using(db).filter(pk__in=questionnaires).update(version=F("version") + 1)


def fill(apps, schema_editor):
    _set(apps, schema_editor, forward=True)


def blank(apps, schema_editor):
    _set(apps, schema_editor, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("rounds", "0006_round_platforms_fill"),
    ]

    operations = [migrations.RunPython(fill, blank)]
