"""The questions of the first version become data: every existing round gets the 2020 questionnaire,
and every answer, note and recorded change moves from the report's columns and the theme answers
into answer and note rows, without loss (tests/test_migration_questionnaire.py compares them).

Reversible: going back writes the rows into the columns again.
"""

from django.db import migrations

from rounds.seed.corona_2020 import SECTIONS

BOOLEAN_FIELDS = ["registration_procedure_used", "application_period_adjusted", "enrolment_period_adjusted",
                  "free_enrolment_period_adjusted"]
ARRANGEMENT_FIELDS = ["newcomers", "preschool", "excluded_pupils"]
REPORT_NOTES = ["registrations_note", "newcomers_note", "preschool_note", "excluded_pupils_note"]
THEME_FIELDS = ["discussed", "agreements", "actions", "exchange", "informed"]


def _text(field, value):
    """The stored answer of an old column's value; None for no answer."""
    if field in ARRANGEMENT_FIELDS:
        return value if value not in ("", None, "not_applicable") else None
    return None if value is None else ("yes" if value else "no")


def _make_questionnaire(apps, round):
    Questionnaire = apps.get_model("rounds", "Questionnaire")
    Section = apps.get_model("rounds", "Section")
    Question = apps.get_model("rounds", "Question")
    Choice = apps.get_model("rounds", "Choice")
    questionnaire = Questionnaire.objects.create(round=round, version=1)
    questions, sections = {}, {}
    for s_position, spec in enumerate(SECTIONS):
        section = Section.objects.create(
            questionnaire=questionnaire, key=spec["key"], title=spec["title"], help_text=spec["help_text"],
            position=s_position, level=spec["level"], per_theme=spec["per_theme"], note_key=spec["note_key"],
            note_label=spec["note_label"])
        sections[spec["note_key"]] = section
        for q_position, q in enumerate(spec["questions"]):
            question = Question.objects.create(
                questionnaire=questionnaire, section=section, key=q["key"], label=q["label"],
                help_text=q["help_text"], kind=q["kind"], required=q["required"], level=q["level"],
                position=q_position, relevant=q["relevant"], implied_when=q["implied_when"],
                implied_value=q["implied_value"], min_value=q["min_value"], max_value=q["max_value"])
            for c_position, (name, label) in enumerate(q["choices"]):
                Choice.objects.create(question=question, name=name, label=label, position=c_position)
            questions[q["key"]] = question
    return questions, sections


def _history(apps, records, fields, *, questions, sections, report_id, theme_id, answer_ids):
    """Answer and note history rows for the changes these old history rows of one object recorded."""
    HistoricalAnswer = apps.get_model("rounds", "HistoricalAnswer")
    HistoricalNote = apps.get_model("rounds", "HistoricalNote")
    answers, notes, previous = [], [], {}
    for record in records:
        if record.history_type == "-":
            continue
        for field, note_key in fields:
            old = previous.get(field)
            raw = getattr(record, field)
            new = (raw or None) if note_key else _text(field, raw)
            if old == new:
                continue
            history_type = "+" if old is None else ("-" if new is None else "~")
            common = {"history_date": record.history_date, "history_user_id": record.history_user_id,
                      "history_type": history_type, "history_change_reason": None,
                      "report_id": report_id, "theme_id": theme_id}
            if note_key:
                notes.append(HistoricalNote(id=0, section_id=sections[note_key].pk, text=new or old, **common))
            else:
                question = questions[field]
                answers.append(HistoricalAnswer(
                    id=answer_ids.get((report_id, question.pk, theme_id), 0), question_id=question.pk,
                    kind=question.kind, value=new or old, number=None, **common))
            previous[field] = new
    HistoricalAnswer.objects.bulk_create(answers, batch_size=500)
    HistoricalNote.objects.bulk_create(notes, batch_size=500)


def forwards(apps, schema_editor):
    ReportingRound = apps.get_model("rounds", "ReportingRound")
    Report = apps.get_model("rounds", "Report")
    Answer = apps.get_model("rounds", "Answer")
    Note = apps.get_model("rounds", "Note")
    ThemeAnswer = apps.get_model("initiatives", "ThemeAnswer")
    HistoricalReport = apps.get_model("rounds", "HistoricalReport")
    HistoricalThemeAnswer = apps.get_model("initiatives", "HistoricalThemeAnswer")

    for round in ReportingRound.objects.order_by("pk"):
        questions, sections = _make_questionnaire(apps, round)
        reports = list(Report.objects.filter(round=round).order_by("pk"))
        answers, notes = [], []
        for report in reports:
            for field in BOOLEAN_FIELDS + ARRANGEMENT_FIELDS:
                value = _text(field, getattr(report, field))
                if value is not None:
                    question = questions[field]
                    answers.append(Answer(report=report, question=question, kind=question.kind, value=value))
            for note_key in REPORT_NOTES:
                if getattr(report, note_key):
                    notes.append(Note(report=report, section=sections[note_key], text=getattr(report, note_key)))
        for theme_answer in ThemeAnswer.objects.filter(report__round=round).order_by("pk"):
            for field in THEME_FIELDS:
                value = _text(field, getattr(theme_answer, field))
                if value is not None:
                    question = questions[field]
                    answers.append(Answer(report_id=theme_answer.report_id, question=question,
                                          theme_id=theme_answer.theme_id, kind=question.kind, value=value))
            if theme_answer.note:
                notes.append(Note(report_id=theme_answer.report_id, section=sections["note"],
                                  theme_id=theme_answer.theme_id, text=theme_answer.note))
        Answer.objects.bulk_create(answers, batch_size=500)
        Note.objects.bulk_create(notes, batch_size=500)

        answer_ids = {(a.report_id, a.question_id, a.theme_id): a.pk
                      for a in Answer.objects.filter(report__round=round).only("pk", "report_id", "question_id",
                                                                                "theme_id")}
        report_fields = [(f, None) for f in BOOLEAN_FIELDS + ARRANGEMENT_FIELDS] + [(n, n) for n in REPORT_NOTES]
        for report in reports:
            records = HistoricalReport.objects.filter(id=report.pk).order_by("history_date", "history_id")
            _history(apps, records, report_fields, questions=questions, sections=sections, report_id=report.pk,
                     theme_id=None, answer_ids=answer_ids)
        theme_fields = [(f, None) for f in THEME_FIELDS] + [("note", "note")]
        old = HistoricalThemeAnswer.objects.filter(report__round=round).order_by("id", "history_date", "history_id")
        by_object = {}
        for record in old:
            by_object.setdefault((record.id, record.report_id, record.theme_id), []).append(record)
        for (_pk, report_id, theme_id), records in by_object.items():
            _history(apps, records, theme_fields, questions=questions, sections=sections, report_id=report_id,
                     theme_id=theme_id, answer_ids=answer_ids)


def backwards(apps, schema_editor):
    Report = apps.get_model("rounds", "Report")
    Answer = apps.get_model("rounds", "Answer")
    Note = apps.get_model("rounds", "Note")
    ThemeAnswer = apps.get_model("initiatives", "ThemeAnswer")
    Questionnaire = apps.get_model("rounds", "Questionnaire")
    for report in Report.objects.select_related("platform"):
        for answer in Answer.objects.filter(report=report, theme__isnull=True).select_related("question"):
            key = answer.question.key
            if key in BOOLEAN_FIELDS:
                setattr(report, key, answer.value == "yes")
            elif key in ARRANGEMENT_FIELDS:
                setattr(report, key, answer.value)
        if report.platform.level != "basis":
            report.preschool = "not_applicable"
        for note in Note.objects.filter(report=report, theme__isnull=True).select_related("section"):
            if note.section.note_key in REPORT_NOTES:
                setattr(report, note.section.note_key, note.text)
        report.save()
        themes = {}
        for answer in Answer.objects.filter(report=report, theme__isnull=False).select_related("question"):
            if answer.question.key in THEME_FIELDS:
                themes.setdefault(answer.theme_id, {})[answer.question.key] = answer.value == "yes"
        for note in Note.objects.filter(report=report, theme__isnull=False):
            themes.setdefault(note.theme_id, {})["note"] = note.text
        for theme_id, values in themes.items():
            ThemeAnswer.objects.update_or_create(report=report, theme_id=theme_id, defaults=values)
    Answer.objects.all().delete()
    Note.objects.all().delete()
    Questionnaire.objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("rounds", "0002_questionnaires"),
        ("initiatives", "0005_move_to_rounds"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
