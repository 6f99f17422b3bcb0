"""The audit trail of a report, its answers, notes and initiatives, as readable changes (old → new).

django-simple-history keeps a row per change (who, when, what); this module turns those rows into
the list a history page shows, with a fixed number of queries however long the history is.

Answers and notes are rows (`Answer`, `Note`), written by `rounds.services.reports.answers_write`
with a history row per created, changed or removed row (the data migration of 2020 wrote such rows
for the history before it, with id 0 for answers that no longer exist). Replaying those rows in
order gives every question's answer at every moment. The rows of one save make one entry, with per
question (and theme) the answer before and after that save, in the questionnaire's order and in
Dutch words. A save is told from the next by its rows, not by the clock alone: rows of one user a
moment apart (`SAME_SAVE`) belong to one save, unless the row was already written by it (a save
writes each answer row once) or the report's own row was written in between (a save that creates
or submits the report writes that row first; the entry of that row takes the answers along).
"""

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import get_m2m_reverse_field_name

from initiatives.models import Initiative

from .models import Answer, Note, QuestionKind, Report
from .questionnaire import YES_NO_CHOICES, QuestionDef, definition_for, display_value, from_storage

REPORT_FIELDS = ["status", "return_comment", "reopened"]
INITIATIVE_FIELDS = [
    "title", "description", "kind", "target_groups", "asked_of", "partners_involved", "other_partners",
    "start_date", "end_date", "reached_count", "reached_unit", "themes",
]
INITIATIVE_M2M = ["target_groups", "asked_of", "partners_involved", "themes"]
ACTIONS = {"+": gettext_lazy("created"), "~": gettext_lazy("changed"), "-": gettext_lazy("deleted")}
# Answer rows of one user at most this far apart can belong to one save (it writes them one by one,
# each with its own time); see the module's docstring for what else tells two saves apart.
SAME_SAVE = datetime.timedelta(seconds=1)


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: object
    who: object
    subject: str
    action: str
    changes: list[Change] = field(default_factory=list)


# Report and initiative rows: a full copy of the object per change -----------------------------------------------


def _display(model, name: str, value) -> str:
    model_field = model._meta.get_field(name)
    if isinstance(value, (list, tuple)):
        return ", ".join(value) or "–"
    if value is None or value == "":
        return _("not answered") if model_field.null or model_field.choices else "–"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if hasattr(value, "year"):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _m2m_paths(model, name: str) -> tuple[str, str]:
    """(accessor on a history row, related field) of the rows that snapshot a many-to-many field."""
    history_model = model.history.model
    relation = next(r for r in history_model._meta.related_objects
                    if r.related_model._meta.object_name == f"{history_model._meta.object_name}_{name}")
    return relation.get_accessor_name(), get_m2m_reverse_field_name(model._meta.get_field(name))


def _snapshot(record, names, m2m) -> dict:
    values = {name: getattr(record, name) for name in names if name not in m2m}
    for name in m2m:
        accessor, related = _m2m_paths(record.instance_type, name)
        values[name] = sorted(str(getattr(row, related)) for row in getattr(record, accessor).all())
    return values


def _is_initial(model, name: str, value) -> bool:
    """Whether a value is what a new object starts with (not worth showing on its creation)."""
    if value in (None, "", []):
        return True
    field = model._meta.get_field(name)
    return not field.many_to_many and value == field.get_default()


def _entries(records, *, model, names, subject, m2m=(), keep_creation=False) -> list[tuple[object, HistoryEntry]]:
    """(history row, entry) for the history rows of one object, oldest first; rows that changed nothing are left out."""
    entries, previous = [], None
    for record in records:
        current = _snapshot(record, names, m2m)
        base = previous or dict.fromkeys(names)
        changes = [
            Change(str(model._meta.get_field(name).verbose_name), _display(model, name, base[name]),
                   _display(model, name, current[name]))
            for name in names
            if current[name] != base[name] and not (previous is None and _is_initial(model, name, current[name]))
        ]
        if changes or record.history_type == "-" or (keep_creation and record.history_type == "+"):
            entries.append((record, HistoryEntry(record.history_date, record.history_user, subject(record),
                                                 str(ACTIONS[record.history_type]), changes)))
        previous = current
    return entries


def _grouped(records):
    by_object = defaultdict(list)
    for record in records:
        by_object[record.id].append(record)
    return by_object.values()


# Answer and note rows: one row per answer (per chosen option), replayed ---------------------------------------


@dataclass
class _Save:
    """The answer and note rows of one save: who, from when to when, and each slot's value before and after it."""

    user: object
    user_id: int | None
    start: datetime.datetime
    end: datetime.datetime
    before: dict = field(default_factory=dict)  # slot key -> value before the save
    after: dict = field(default_factory=dict)  # slot key -> value after the save
    rows: set = field(default_factory=set)  # the stored rows it wrote: a save writes each at most once

    def takes(self, row, stored, report_dates) -> bool:
        """Whether the row was written by this save: the same user, a moment later, a row it did not write
        yet, and no change of the report's own in between (a save that creates or submits the report
        writes the report's row first)."""
        return (row.history_user_id == self.user_id and row.history_date - self.end <= SAME_SAVE
                and stored not in self.rows
                and bisect.bisect_right(report_dates, row.history_date) == bisect.bisect_right(report_dates, self.end))


class _Slots:
    """Labels, order and display of the answer and note slots of a report, known or no longer asked."""

    def __init__(self, report: Report):
        definition = definition_for(report.round)
        self.questions = {q.pk: q for s in definition.sections for q in s.questions}
        self.sections = {s.pk: s for s in definition.sections}
        self.labels, self.order = {}, {}
        for instance in definition.instances:
            theme_pk = instance.theme.pk if instance.theme else None
            for slot in instance.slots:
                self._add(("answer", slot.question.pk, theme_pk), slot.label)
            if instance.note:
                self._add(("note", instance.section.pk, theme_pk),
                          self._with_theme(instance.theme and instance.theme.name, self._note_label(instance.section)))

    def _add(self, key, label):
        self.labels[key] = label
        self.order[key] = len(self.order)

    @staticmethod
    def _with_theme(theme_name, label: str) -> str:
        return f"{theme_name} – {label}" if theme_name else label

    @staticmethod
    def _note_label(section) -> str:
        return section.note_label or section.title

    def learn(self, key, row) -> None:
        """The label of a slot the questionnaire (or the round's themes) no longer has, from the row's joins."""
        if key in self.labels:
            return
        kind, pk, _theme_pk = key
        if kind == "answer":
            question = self.questions.get(pk)
            label = question.label if question else (row.question_key or str(pk))
        else:
            section = self.sections.get(pk)
            label = self._note_label(section) if section else (row.note_label or row.section_title or str(pk))
        self.labels[key] = self._with_theme(row.theme_name, label)
        self.order[key] = len(self.order) + 10**6  # after the questionnaire's own, in order of appearance

    def question(self, pk: int, row) -> QuestionDef:
        question = self.questions.get(pk)
        if question is None:  # no longer in the questionnaire: its key, and its values as stored
            question = QuestionDef(
                pk=pk, key=row.question_key or str(pk), label=row.question_key or str(pk), help_text="",
                kind=row.kind, required=False, level="", relevant_text="", implied_when_text="",
                implied_value="", min_value=None, max_value=None, section_key="",
                choices=YES_NO_CHOICES if row.kind == QuestionKind.YESNO else ())
            self.questions[pk] = question
        return question


def _answer_rows(report: Report):
    return (Answer.history.filter(report_id=report.pk).select_related("history_user")
            .annotate(question_key=F("question__key"), theme_name=F("theme__name"))
            .order_by("history_date", "history_id"))


def _note_rows(report: Report):
    return (Note.history.filter(report_id=report.pk).select_related("history_user")
            .annotate(note_label=F("section__note_label"), section_title=F("section__title"),
                      theme_name=F("theme__name"))
            .order_by("history_date", "history_id"))


def _saves(report: Report, slots: _Slots, report_dates: list) -> list[_Save]:
    """The answer and note rows replayed in order, in saves; each save with every slot it touched.

    `report_dates`: when the report's own rows were written, in order.
    """
    rows = sorted([("answer", row) for row in _answer_rows(report)] + [("note", row) for row in _note_rows(report)],
                  key=lambda item: (item[1].history_date, item[0], item[1].history_id))
    state: dict = {}  # slot key -> stored values (a set of answer values, or the note's text)
    option_of: dict = {}  # answer id -> the option it holds (a several-of-a-list answer changed in place)
    saves: list[_Save] = []
    for kind, row in rows:
        key = (kind, row.question_id if kind == "answer" else row.section_id, row.theme_id)
        slots.learn(key, row)
        multiple = kind == "answer" and slots.question(row.question_id, row).kind == QuestionKind.MULTIPLE
        stored = (key, row.value if multiple else None)
        save = saves[-1] if saves else None
        if save is None or not save.takes(row, stored, report_dates):
            save = _Save(row.history_user, row.history_user_id, row.history_date, row.history_date)
            saves.append(save)
        save.end = row.history_date
        save.rows.add(stored)
        current = state.get(key, frozenset() if kind == "answer" else "")
        save.before.setdefault(key, current)
        if kind == "note":
            state[key] = "" if row.history_type == "-" else row.text
        elif not multiple:
            state[key] = frozenset() if row.history_type == "-" else frozenset([row.value])
        else:
            options = set(current)
            if row.history_type == "-":
                options.discard(row.value)
            else:
                if row.history_type == "~" and row.id in option_of:
                    options.discard(option_of[row.id])
                options.add(row.value)
            if row.id:  # 0: a row of the data migration, of an answer that no longer exists
                option_of[row.id] = row.value
            state[key] = frozenset(options)
        save.after[key] = state[key]
    return saves


def _value_text(slots: _Slots, key, value) -> str:
    kind, pk, _theme_pk = key
    if kind == "note":
        return value or "–"
    question = slots.questions[pk]  # every question of a replayed row is known by now
    try:
        return display_value(question, from_storage(question, sorted(value)))
    except ValueError:  # a stored value this question's kind cannot read: show it as it is
        return ", ".join(sorted(value))


def _changes(slots: _Slots, save: _Save) -> list[Change]:
    keys = sorted((key for key in save.after if save.after[key] != save.before[key]), key=slots.order.__getitem__)
    return [Change(slots.labels[key], _value_text(slots, key, save.before[key]),
                   _value_text(slots, key, save.after[key])) for key in keys]


def _report_entries(report: Report, slots: _Slots) -> list[HistoryEntry]:
    """The report's own changes with the answers and notes of the same save; a save of answers alone is one entry."""
    report_label = _("Report")
    records = list(report.history.select_related("history_user").order_by("history_date", "history_id"))
    entries = _entries(records, model=Report, names=REPORT_FIELDS, subject=lambda r: report_label, keep_creation=True)
    dates = [record.history_date for record in records]
    by_record = {record.history_id: entry for record, entry in entries}
    answers_only, taken = [], set()
    for save in _saves(report, slots, dates):
        changes = _changes(slots, save)
        if not changes:
            continue
        # The report's row this save wrote first (when it created or submitted the report): the last
        # one before its answers, by the same user, a moment before.
        index = bisect.bisect_right(dates, save.start) - 1
        record = records[index] if index >= 0 else None
        if (record is not None and record.history_id in by_record and record.history_id not in taken
                and record.history_user_id == save.user_id and save.start - record.history_date <= SAME_SAVE):
            taken.add(record.history_id)
            by_record[record.history_id].changes += changes
        else:
            answers_only.append(HistoryEntry(save.start, save.user, report_label, str(ACTIONS["~"]), changes))
    return [entry for _record, entry in entries] + answers_only


def report_history(report: Report) -> list[HistoryEntry]:
    """Every recorded change to the report, its answers, notes and initiatives, newest first."""
    if report.pk is None:
        return []
    entries = _report_entries(report, _Slots(report))
    related = ["__".join(_m2m_paths(Initiative, name)) for name in INITIATIVE_M2M]
    initiative_records = (Initiative.history.filter(report_id=report.pk).select_related("history_user")
                          .prefetch_related(*related).order_by("history_date", "history_id"))
    for records in _grouped(initiative_records):
        entries += [entry for _record, entry in _entries(
            records, model=Initiative, names=INITIATIVE_FIELDS, m2m=INITIATIVE_M2M,
            subject=lambda r: _("Initiative: %(title)s") % {"title": r.title})]
    return sorted(entries, key=lambda e: e.when, reverse=True)
