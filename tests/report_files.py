"""Helpers of the report file tests (export and `import_responses`): questionnaires, answers, the 2020 columns."""

import csv
import io

from rounds.columns import neutralise
from rounds.models import Choice, Question, Questionnaire, Report, Section
from rounds.questionnaire import definition_for
from rounds.seed.corona_2020 import SECTIONS as SECTIONS_2020
from rounds.selectors import report_values
from rounds.services.reports import answers_write
from summaries.exports import report_rows

THEMES_2020 = ["laptops", "reaching-all-pupils", "family-support", "summer-schools-reading"]
THEME_FIELDS_2020 = ["discussed", "agreements", "actions", "exchange", "informed"]


def columns_2020(slugs: list[str]) -> list[str]:
    """The columns of the report file of a 2020 round, exactly as the first version wrote them."""
    return [
        "platform_code", "platform_name", "level", "status", "registration_procedure_used",
        "application_period_adjusted", "enrolment_period_adjusted", "free_enrolment_period_adjusted", "newcomers",
        "preschool", "excluded_pupils", *[f"theme:{slug}:{field}" for slug in slugs for field in THEME_FIELDS_2020],
        "registrations_note", "newcomers_note", "preschool_note", "excluded_pupils_note",
        *[f"theme:{slug}:note" for slug in slugs],
    ]


def _question(key, kind, label=None, *, required=True, level="", relevant="", implied_when="", implied_value="",
              min_value=None, max_value=None, choices=()):
    return {"key": key, "label": label or key, "help_text": "", "kind": kind, "required": required, "level": level,
            "relevant": relevant, "implied_when": implied_when, "implied_value": implied_value,
            "min_value": min_value, "max_value": max_value, "choices": list(choices)}


def _section(key, questions, *, note_key="", level="", per_theme=False):
    return {"key": key, "title": key, "help_text": "", "level": level, "per_theme": per_theme,
            "note_key": note_key, "note_label": "Opmerking" if note_key else "", "questions": questions}


# Every kind, a condition, a level, an implied answer and a section asked per theme.
CUSTOM_SECTIONS = [
    _section("arrival", [
        _question("received", "yesno"),
        _question("pupils", "number", relevant="${received} = 'yes'", min_value=0, max_value=5000),
        _question("languages", "multiple", relevant="${received} = 'yes'",
                  choices=[("uk", "Oekraïens"), ("ru", "Russisch"), ("en", "Engels")]),
        _question("first_day", "date", required=False, relevant="${received} = 'yes'"),
        _question("contact", "text", required=False, level="secundair"),
    ], note_key="arrival_note"),
    _section("support", [
        _question("offered", "yesno"),
        _question("how", "choice", relevant="${offered} = 'yes'",
                  choices=[("school", "Op school"), ("online", "Online")]),
        _question("evaluated", "yesno", implied_when="${offered} = 'no'", implied_value="no"),
    ], note_key="support_note", per_theme=True),
]
CUSTOM_COLUMNS = ["received", "pupils", "languages", "first_day", "contact"]
CUSTOM_THEME_COLUMNS = ["offered", "how", "evaluated"]


def give_questionnaire(round, sections=SECTIONS_2020):
    """Give the round this questionnaire (a spec as in rounds/seed/corona_2020.py), built with the models."""
    questionnaire, _created = Questionnaire.objects.get_or_create(round=round)
    Section.objects.filter(questionnaire=questionnaire).delete()
    for s_position, spec in enumerate(sections):
        section = Section.objects.create(
            questionnaire=questionnaire, position=s_position,
            **{f: spec[f] for f in ("key", "title", "help_text", "level", "per_theme", "note_key", "note_label")})
        for q_position, q in enumerate(spec["questions"]):
            question = Question.objects.create(
                questionnaire=questionnaire, section=section, position=q_position,
                **{f: q[f] for f in ("key", "label", "help_text", "kind", "required", "level", "relevant",
                                     "implied_when", "implied_value", "min_value", "max_value")})
            Choice.objects.bulk_create(Choice(question=question, name=name, label=label, position=position)
                                       for position, (name, label) in enumerate(q["choices"]))
    questionnaire.version += 1
    questionnaire.save()
    round.questionnaire = questionnaire
    return round


def answer(report, values: dict, notes: dict | None = None):
    """Store these answers (by column, as Python values) through the one writer, as the form would."""
    definition = definition_for(report.round)
    clean, clean_notes, errors = definition.check(report.platform.level, values, notes or {})
    assert not errors, errors
    answers_write(actor=None, report=report, definition=definition, values=clean, notes=clean_notes)
    return report


def stored(report) -> tuple[dict, dict]:
    """The report's answers and notes by column, as read from the database."""
    report = Report.objects.select_related("round", "platform").get(pk=report.pk)
    return report_values(report, definition_for(report.round))


def export_csv(round, path):
    """Write the round's report file as the CSV export does (neutralised), to import it again."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        for row in report_rows(round):
            writer.writerow([neutralise(v) if isinstance(v, str) else v for v in row])
    return path


def read_csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
