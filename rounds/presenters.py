"""Turning reports into what pages show: answers as Dutch text, progress, conflict messages."""

from dataclasses import dataclass
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from . import conditions
from .models import QuestionKind
from .questionnaire import (
    IMPLIED,
    NOT_ASKED,
    YES,
    Definition,
    NoteSlot,
    SectionInstance,
    Slot,
    condition_value,
    display_value,
    is_empty,
)


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


class Progress(NamedTuple):
    answered: int
    total: int
    sections: dict[str, tuple[int, int]]  # (answered, total) per section instance, by its anchor

    def as_json(self) -> dict:
        return {"answered": self.answered, "total": self.total,
                "sections": {anchor: list(counts) for anchor, counts in self.sections.items()}}


def progress(definition: Definition, level: str, values: dict) -> Progress:
    """Questions answered of those asked of a report of this level with these answers, overall and per section.

    The one count of the page, its script (static/js/report-guide.js, from `condition_rules`) and the
    autosave: a question not asked (by level or an earlier answer) is left out, one whose answer
    follows from an earlier answer counts as answered. Give it the answers the page shows
    (`shown_values`): counting the stored answers under a refused save's posted ones made the
    counter say 7 where the page, and its script, showed 9.
    """
    states = definition.states(level, values)
    sections = {}
    for instance in definition.instances_for(level):
        answered = total = 0
        for slot in instance.slots:
            state = states[slot.column]
            if state.status == NOT_ASKED:
                continue
            total += 1
            answered += state.status == IMPLIED or not is_empty(values.get(slot.column))
        sections[instance.anchor] = (answered, total)
    return Progress(sum(a for a, _t in sections.values()), sum(t for _a, t in sections.values()), sections)


def shown_values(form, values: dict) -> dict:
    """The answers the report form shows, by column: what was posted (also what did not pass its checks), else `values`.

    A posted value its field refuses ("12a" for a number) is kept as the text typed: it is shown, so it counts
    as answered, as the page's script counts it.
    """
    if not form.is_bound:
        return values
    shown = {}
    for name, slot in form.by_field.items():
        field = form.fields[name]
        raw = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        try:
            value = field.clean(raw)
        except ValidationError:
            value = raw
        if slot.question.kind == QuestionKind.MULTIPLE:
            value = frozenset(value or ())
        elif isinstance(value, str):
            value = value.strip()
        shown[slot.column] = None if is_empty(value) else value
    return shown


# The inputs' values of a yes/no question (rounds/forms.py YesNoRadio) as conditions compare them.
YES_NO_INPUTS = {"true": "yes", "false": "no"}


def condition_json(condition, definition: Definition, theme) -> dict | None:
    """A condition as the page's script evaluates it, its `${key}`s turned into the columns they name."""
    if condition is None:
        return None
    if isinstance(condition, conditions.Compare):
        return {"op": condition.op, "column": definition.column_of(condition.key, theme), "value": condition.value}
    if isinstance(condition, conditions.Selected):
        return {"op": "selected", "column": definition.column_of(condition.key, theme), "value": condition.value}
    return {"op": "all" if isinstance(condition, conditions.All) else "any",
            "items": [condition_json(item, definition, theme) for item in condition.items]}


def _implied_inputs(question, value) -> list[str]:
    """The input values that show an implied answer (checked radio buttons or boxes, or the text of an input)."""
    if question.kind == QuestionKind.YESNO:
        return ["true" if value == YES else "false"]
    if question.kind == QuestionKind.MULTIPLE:
        return sorted(value)
    return [condition_value(value)]


def condition_rules(form) -> dict:
    """What the report page's script needs to show live which questions are asked, and to count (json_script).

    Per question of the form, in the order `Definition.states` resolves them: its field, section,
    whether it is required, and when it is asked (`relevant`) and when its answer follows from others
    (`implied_when`, with the implied answer). The script mirrors `Definition.states` on these.
    """
    return form.definition.remembered(("rules", get_language(), form.level), lambda: _condition_rules(form))


def _condition_rules(form) -> dict:
    definition = form.definition
    questions = []
    for instance in form.instances:
        for slot in instance.slots:
            if slot.field_name not in form.fields:
                continue  # not asked of the level: no field, no answer (as `Definition.states`)
            question = slot.question
            rule = {"column": slot.column, "field": slot.field_name, "section": instance.anchor, "kind": question.kind,
                    "required": question.required, "label": slot.label}
            if question.relevant:
                rule["relevant"] = condition_json(question.relevant, definition, slot.theme)
            if question.implied_when and question.implied is not None:
                rule["implied_when"] = condition_json(question.implied_when, definition, slot.theme)
                implied = condition_value(question.implied)
                rule["implied"] = sorted(implied) if isinstance(implied, frozenset) else implied
                rule["implied_inputs"] = _implied_inputs(question, question.implied)
                rule["implied_text"] = implied_text(definition, slot)
            questions.append(rule)
    return {
        "questions": questions, "yes_no": YES_NO_INPUTS,
        "text": {"overall": _("%(done)s of %(total)s questions answered"),
                 "section": _("%(done)s of %(total)s answered")},
    }


def implied_text(definition: Definition, slot: Slot) -> str:
    """ "Volgt uit uw antwoord op ‘…’": which earlier answers an implied answer follows from."""
    labels = []
    for key, _value in conditions.references(slot.question.implied_when):
        question = definition.questions.get(key)
        label = f"“{question.label if question else key}”"
        if label not in labels:
            labels.append(label)
    return _("Follows from your answer to %(questions)s.") % {"questions": _(" and ").join(labels)}


@dataclass
class SubmitOverview:
    """What a coordinator confirms before submitting: how much is answered, what is missing, the initiatives."""

    answered: int
    total: int
    missing: list[tuple[str, str]]  # (question, anchor of its field) of the required questions unanswered
    initiative_count: int

    @property
    def initiatives_text(self) -> str:
        if not self.initiative_count:
            return _("0 initiatives: is that right?")
        return ngettext("%(count)d initiative recorded.", "%(count)d initiatives recorded.",
                        self.initiative_count) % {"count": self.initiative_count}


def submit_overview(form, values: dict, initiative_count: int) -> SubmitOverview:
    """The overview shown before a report is submitted, for the answers the form shows."""
    definition, level = form.definition, form.level
    counted = progress(definition, level, values)
    states = definition.states(level, values)
    missing = [(slot.label, f"div_{form[slot.field_name].auto_id}") for slot in form.slots
               if slot.question.required and states[slot.column].status not in (NOT_ASKED, IMPLIED)
               and is_empty(values.get(slot.column))]
    return SubmitOverview(counted.answered, counted.total, missing, initiative_count)


def report_navigation(form, counted: Progress) -> list[tuple[str, str, int, int]]:
    """(anchor, title, answered, total) of every section of the form, for its navigation."""
    return [(instance.anchor, instance.title, *counted.sections.get(instance.anchor, (0, 0)))
            for instance in form.instances]


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
