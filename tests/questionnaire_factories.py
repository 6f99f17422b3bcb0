"""Helpers for tests of questionnaires: a round's questionnaire from a spec, and answers written as rows.

`answers_write` stores answers as the report service does (checked by the round's definition,
implied answers filled in, one row per chosen option) but without the service's workflow (versions,
deadlines, history), so that a test can give any report, submitted or not, its answers; `answer_rows`
builds the rows without saving them, for tests that bulk-create many reports.
"""

from django.utils import timezone

from rounds.models import Answer, Note, Report, ReportingRound, Section
from rounds.questionnaire import Definition, definition_for, storage_rows
from rounds.seed.corona_2020 import SECTIONS
from rounds.services.questionnaires import questionnaire_replace


def question(key, label=None, kind="yesno", **extra) -> dict:
    """A question of a spec (`rounds/spec.py`), required, of both levels unless told otherwise."""
    return {"key": key, "label": label or key.replace("_", " ").capitalize(), "help_text": "", "kind": kind,
            "required": True, "level": "", "relevant": "", "implied_when": "", "implied_value": "",
            "min_value": None, "max_value": None, "choices": [], **extra}


def section(key, questions, title=None, **extra) -> dict:
    return {"key": key, "title": title or key.replace("_", " ").capitalize(), "help_text": "", "level": "",
            "per_theme": False, "note_key": "", "note_label": "", "questions": questions, **extra}


def give_questionnaire(round: ReportingRound, sections: list[dict] | None = None) -> Definition:
    """Give the round these sections, or the questionnaire of 2020 when it has none; its definition.

    (`ReportingRoundFactory` gives a round the questionnaire of 2020, or the one named: `questionnaire=[...]`.)
    """
    if sections is not None or not Section.objects.filter(questionnaire__round=round).exists():
        questionnaire_replace(actor=None, round=round, sections=SECTIONS if sections is None else sections)
    round.refresh_from_db()
    return definition_for(ReportingRound.objects.select_related("questionnaire").get(pk=round.pk))


def answer_rows(definition: Definition, report: Report, level: str, values: dict,
                notes: dict | None = None) -> tuple[list[Answer], list[Note]]:
    """The answer and note rows of these values and notes (by column), checked for a report of this level."""
    clean, clean_notes, errors = definition.check(level, values, notes or {})
    assert not errors, errors
    answers = [Answer(report=report, question_id=slot.question.pk, theme_id=slot.theme.pk if slot.theme else None,
                      kind=slot.question.kind, value=value, number=number)
               for slot in definition.slots for value, number in storage_rows(slot.question, clean.get(slot.column))]
    note_rows = [Note(report=report, section_id=note.section.pk, theme_id=note.theme.pk if note.theme else None,
                      text=clean_notes[note.column]) for note in definition.note_slots if note.column in clean_notes]
    return answers, note_rows


def answers_write(report: Report, values: dict, notes: dict | None = None) -> Report:
    """Replace the report's answers and notes with these (by column)."""
    definition = definition_for(ReportingRound.objects.select_related("questionnaire").get(pk=report.round_id))
    answers, note_rows = answer_rows(definition, report, report.platform.level, values, notes)
    Answer.objects.filter(report=report).delete()
    Note.objects.filter(report=report).delete()
    Answer.objects.bulk_create(answers)
    Note.objects.bulk_create(note_rows)
    return report


def report_with_answers(round: ReportingRound, platform, values: dict, notes: dict | None = None, *,
                        status: str = "submitted") -> Report:
    """A report of the platform (submitted unless told otherwise) with these answers and notes."""
    report = Report.objects.create(round=round, platform=platform, status=status, version=1,
                                   submitted_at=timezone.now() if status == "submitted" else None)
    return answers_write(report, values, notes)
