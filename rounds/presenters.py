"""Turning reports into what pages show: answers as Dutch text, progress, conflict messages."""

from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from initiatives.models import ThemeAnswer
from initiatives.questions import (
    ARRANGEMENT_QUESTIONS,
    REGISTRATION_QUESTIONS,
    THEME_QUESTIONS,
    Question,
    report_questions,
)

from .models import Arrangement, Report


@dataclass
class AnsweredQuestion:
    question: Question
    value: object

    @property
    def answered(self) -> bool:
        return self.value not in (None, "")

    @property
    def display(self) -> str:
        if not self.answered:
            return _("not answered")
        if self.question.kind == "arrangement":
            return str(Arrangement(self.value).label)
        return _("yes") if self.value else _("no")


@dataclass
class Section:
    title: str
    questions: list[AnsweredQuestion]
    notes: list[tuple[str, str]]


def report_sections(report: Report, answers_by_theme: dict[int, ThemeAnswer]) -> list[Section]:
    """The report's questions and answers in the order of the form, for reading and for progress."""
    asked = {q.field for q in report_questions(report.platform.level)}
    sections = [
        Section(_("Registrations"),
                [AnsweredQuestion(q, getattr(report, q.field)) for q in REGISTRATION_QUESTIONS],
                [(_("Note"), report.registrations_note)]),
        Section(_("Decretal tasks"),
                [AnsweredQuestion(q, getattr(report, q.field)) for q in ARRANGEMENT_QUESTIONS if q.field in asked],
                [(str(q.label), getattr(report, f"{q.field}_note")) for q in ARRANGEMENT_QUESTIONS
                 if q.field in asked]),
    ]
    for theme in report.round.themes.all():
        answer = answers_by_theme.get(theme.pk)
        sections.append(Section(
            _("Theme: %(name)s") % {"name": theme.name},
            [AnsweredQuestion(q, getattr(answer, q.field) if answer else None) for q in THEME_QUESTIONS],
            [(_("Note"), answer.note if answer else "")],
        ))
    return sections


def progress(sections: list[Section]) -> tuple[int, int]:
    """(answered, total) over every question of the report."""
    questions = [q for s in sections for q in s.questions]
    return sum(q.answered for q in questions), len(questions)


def stale_save_message(obj) -> str:
    """Tell the user their save was refused because someone else saved first, and what to do."""
    if obj.updated_at is None:  # the version the form names does not exist (any more)
        return _("Not saved: this was changed or removed in the meantime. Your changes are still in the form "
                 "below; open the page again in another tab to see what is there now, then copy over what you "
                 "want to keep.")
    who = obj.updated_by.get_full_name() or obj.updated_by.username if obj.updated_by else _("someone else")
    when = date_format(localtime(obj.updated_at), "SHORT_DATETIME_FORMAT")
    return _(
        "Not saved: %(who)s saved this in the meantime (%(when)s). Your changes are still in the form below; "
        "open the page again in another tab to see the latest version, then copy over what you want to keep."
    ) % {"who": who, "when": when}


def form_error_links(forms) -> list[tuple[str, str, str]]:
    """(question, anchor, first message) for every field with an error, in the order of the page."""
    links = []
    for form in forms:
        theme = getattr(form, "theme", None)
        for name, errors in form.errors.items():
            if name in form.fields:
                field = form[name]
                label = f"{theme.name} – {field.label}" if theme else str(field.label)
                links.append((label, f"div_{field.auto_id}", str(errors[0])))
    return links
