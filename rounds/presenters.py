"""Turning reports into what pages show: answers as Dutch text, progress, conflict messages."""

from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from .questionnaire import IMPLIED, NOT_ASKED, Definition, NoteSlot, SectionInstance, Slot, display_value, is_empty


@dataclass
class AnsweredQuestion:
    slot: Slot
    value: object
    implied: bool = False
    implied_why: str = ""

    @property
    def question(self):
        return self.slot.question

    @property
    def answered(self) -> bool:
        return not is_empty(self.value)

    @property
    def display(self) -> str:
        return display_value(self.slot.question, self.value)


@dataclass
class Section:
    instance: SectionInstance
    questions: list[AnsweredQuestion]
    notes: list[tuple[str, str]]

    @property
    def title(self) -> str:
        return self.instance.title

    @property
    def answered(self) -> int:
        return sum(q.answered for q in self.questions)


def report_sections(definition: Definition, level: str, values: dict, notes: dict) -> list[Section]:
    """The questions asked of a report of this level and their answers, in the order of the form.

    Questions not asked (by level or by an earlier answer) are left out; implied answers say so.
    """
    states = definition.states(level, values)
    sections = []
    for instance in definition.instances_for(level):
        questions = []
        for slot in instance.slots:
            state = states[slot.column]
            if state.status == NOT_ASKED:
                continue
            if state.status == IMPLIED:
                questions.append(AnsweredQuestion(slot, state.implied, True,
                                                  definition.describe(slot.question.implied_when, slot.theme)))
            else:
                questions.append(AnsweredQuestion(slot, values.get(slot.column)))
        note: NoteSlot | None = instance.note
        section_notes = [(note.section.note_label or _("Note"), notes.get(note.column, ""))] if note else []
        if questions or section_notes:
            sections.append(Section(instance, questions, section_notes))
    return sections


def progress(sections: list[Section]) -> tuple[int, int]:
    """(answered, total) over every question asked of the report."""
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


def form_error_links(form) -> list[tuple[str, str, str]]:
    """(question, anchor, first message) for every field with an error, in the order of the page."""
    links = []
    for name, errors in form.errors.items():
        if name in form.fields and name != "loaded_version":
            field = form.fields[name]
            slot = getattr(field, "slot", None)
            links.append((slot.label if slot else str(field.label), f"div_{form[name].auto_id}", str(errors[0])))
    return links
