"""A round's questionnaire as the code reads it: one definition that every part interprets.

The form, the report service, the file import and export, the read-only view, the history page
and the summary all take the questions from a `Definition`, so a question is asked, checked,
stored and counted the same way everywhere. A definition is the questionnaire's sections,
questions and choices (parsed once per questionnaire version and cached) with the round's themes.

Values in Python, one per column (`key`, or `theme:<slug>:<key>` for a section asked per theme):
yes/no "yes" or "no"; one of a list the choice's name; several of a list a frozenset of names;
a number an int; a date a `datetime.date`; text a str. None (or "", or an empty set) is unanswered.
"""

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from django.core.cache import cache
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from platforms.models import Level

from . import conditions
from .models import QuestionKind, ReportingRound

TEXT_ANSWER_MAX_LENGTH = 1000
YES, NO = "yes", "no"
TRUE_CELLS = {"yes", "ja", "true", "1", "y"}
FALSE_CELLS = {"no", "nee", "false", "0", "n"}
NOT_ASKED, ASKED, IMPLIED = "not_asked", "asked", "implied"


def answer_required_message() -> str:
    return _("Answer this question before you submit.")


@dataclass(frozen=True)
class QuestionDef:
    """One question as the code reads it."""

    pk: int
    key: str
    label: str
    help_text: str
    kind: str
    required: bool
    level: str  # "" (both), basis or secundair: the question's and its section's together
    relevant_text: str
    implied_when_text: str
    implied_value: str
    min_value: int | None
    max_value: int | None
    choices: tuple[tuple[str, str], ...]  # (name, label); yes/no has (yes, Ja), (no, Nee)
    section_key: str
    # Its sentence in the answer text, with references to its figures; "" is the default for its kind
    # (summaries/references.py `sentence_for`).
    sentence: str = ""

    @cached_property
    def relevant(self):
        return conditions.parse(self.relevant_text)

    @cached_property
    def implied_when(self):
        return conditions.parse(self.implied_when_text)

    @cached_property
    def implied(self):
        """The implied answer as a value of this question (None when there is none)."""
        return parse_cell(self, self.implied_value) if self.implied_value else None

    def applies_to(self, level: str) -> bool:
        return not self.level or self.level == level

    def choice_label(self, name: str) -> str:
        return dict(self.choices).get(name, name)

    @property
    def has_choices(self) -> bool:
        return self.kind in (QuestionKind.YESNO, QuestionKind.CHOICE, QuestionKind.MULTIPLE)


@dataclass(frozen=True)
class SectionDef:
    pk: int
    key: str
    title: str
    help_text: str
    level: str
    per_theme: bool
    note_key: str
    note_label: str
    questions: tuple[QuestionDef, ...]

    def applies_to(self, level: str) -> bool:
        return not self.level or self.level == level


@dataclass(frozen=True)
class ThemeDef:
    pk: int
    slug: str
    name: str
    description: str


@dataclass(frozen=True)
class Slot:
    """A question as a report answers it: once, or once per theme (one column of the report file)."""

    question: QuestionDef
    section: SectionDef
    theme: ThemeDef | None = None

    # Cached: the export and the summary read them for every report (a frozen dataclass keeps its __dict__).
    @cached_property
    def column(self) -> str:
        return f"theme:{self.theme.slug}:{self.question.key}" if self.theme else self.question.key

    @cached_property
    def field_name(self) -> str:
        """The name of its form field (the names of the first version's form, kept for its users)."""
        return f"theme-{self.theme.slug}-{self.question.key}" if self.theme else self.question.key

    @property
    def label(self) -> str:
        return f"{self.theme.name} – {self.question.label}" if self.theme else self.question.label


@dataclass(frozen=True)
class NoteSlot:
    """A section's note in a report (per theme for a section asked per theme)."""

    section: SectionDef
    theme: ThemeDef | None = None

    @cached_property
    def column(self) -> str:
        return f"theme:{self.theme.slug}:{self.section.note_key}" if self.theme else self.section.note_key

    @property
    def field_name(self) -> str:
        return f"theme-{self.theme.slug}-{self.section.note_key}" if self.theme else self.section.note_key


@dataclass(frozen=True)
class SectionInstance:
    """A section as the form shows it: per theme a section asked per theme appears once per theme."""

    section: SectionDef
    theme: ThemeDef | None
    slots: tuple[Slot, ...]
    note: NoteSlot | None

    @property
    def title(self) -> str:
        if self.theme:
            return _("%(section)s: %(theme)s") % {"section": self.section.title, "theme": self.theme.name}
        return self.section.title

    @property
    def anchor(self) -> str:
        return f"section-{self.section.key}" + (f"-{self.theme.slug}" if self.theme else "")


@dataclass(frozen=True)
class State:
    """Whether a question is asked of a report, given its level and earlier answers."""

    status: str  # NOT_ASKED, ASKED or IMPLIED
    implied: object = None
    reason: str = ""  # "level" or "condition" when not asked


@dataclass
class Definition:
    """A round's questionnaire with the round's themes; see the module's docstring."""

    questionnaire_pk: int
    version: int
    sections: tuple[SectionDef, ...]
    themes: tuple[ThemeDef, ...]
    instances: list[SectionInstance] = field(default_factory=list)

    def __post_init__(self):
        for section in self.sections:
            for theme in (self.themes if section.per_theme else (None,)):
                self.instances.append(SectionInstance(
                    section, theme, tuple(Slot(q, section, theme) for q in section.questions),
                    NoteSlot(section, theme) if section.note_key else None))
        self.slots = [slot for instance in self.instances for slot in instance.slots]
        self.note_slots = [instance.note for instance in self.instances if instance.note]
        self.by_column = {slot.column: slot for slot in self.slots}
        self.questions = {q.key: q for s in self.sections for q in s.questions}
        self.per_theme_keys = {q.key for s in self.sections if s.per_theme for q in s.questions}
        self._remembered: dict = {}

    def remembered(self, key, compute):
        """What `compute()` gives, worked out once per definition (with `definition_for`, once per process).

        For what follows from the definition alone, such as the form's hints; the key names the language
        when the result is in words."""
        try:
            return self._remembered[key]
        except KeyError:
            result = self._remembered[key] = compute()
            return result

    def instances_for(self, level: str) -> list[SectionInstance]:
        return [i for i in self.instances if i.section.applies_to(level)]

    def slots_for(self, level: str) -> list[Slot]:
        return [s for s in self.slots if s.question.applies_to(level)]

    def columns(self) -> list[str]:
        """The answer columns of the report file, in questionnaire order, then the notes."""
        return [s.column for s in self.slots] + [n.column for n in self.note_slots]

    def column_of(self, key: str, theme: ThemeDef | None) -> str:
        """The column a condition's `${key}` names, seen from a question of this theme."""
        return f"theme:{theme.slug}:{key}" if theme and key in self.per_theme_keys else key

    # Asking and checking --------------------------------------------------------------------------------------

    def states(self, level: str, values: dict) -> dict[str, State]:
        """For every column, whether it is asked of a report of this level with these answers."""
        return self._resolve(level, values)[0]

    def _resolve(self, level, values):
        states, effective = {}, {}

        for slot in self.slots:
            question = slot.question

            def lookup(key, theme=slot.theme):
                return condition_value(effective.get(self.column_of(key, theme)))

            if not question.applies_to(level):
                states[slot.column] = State(NOT_ASKED, reason="level")
            elif not conditions.holds(question.relevant, lookup):
                states[slot.column] = State(NOT_ASKED, reason="condition")
            elif question.implied_when and conditions.holds(question.implied_when, lookup):
                states[slot.column] = State(IMPLIED, implied=question.implied)
                effective[slot.column] = question.implied
            else:
                states[slot.column] = State(ASKED)
                effective[slot.column] = values.get(slot.column)
        return states, effective

    def check(self, level: str, values: dict, notes: dict | None = None, *, submitting: bool = False,
              strict: bool = False) -> tuple[dict, dict, dict[str, list[str]]]:
        """The answers and notes to store, and the errors per column, for a report of this level.

        Implied answers are filled in; answers to questions not asked are dropped (with `strict`,
        as a file import wants, they are an error); a value that contradicts an implied answer or
        is not valid for its question is an error; with `submitting`, so is an unanswered
        required question.
        """
        states, effective = self._resolve(level, values)
        clean, errors = {}, {}
        for slot in self.slots:
            column, question, state = slot.column, slot.question, states[slot.column]
            given = values.get(column)
            if state.status == NOT_ASKED:
                if strict and not is_empty(given):
                    errors[column] = [not_asked_message(state.reason, level)]
                continue
            if not is_empty(given):
                problem = value_problem(question, given)
                if problem:
                    errors[column] = [problem]
                    continue
            if state.status == IMPLIED:
                if not is_empty(given) and given != state.implied:
                    errors[column] = [_("This answer follows from an earlier one (%(why)s): it is “%(value)s”. "
                                        "Change the earlier answer, or this one.") % {
                        "why": self.describe(question.implied_when, slot.theme),
                        "value": display_value(question, state.implied)}]
                    continue
                clean[column] = state.implied
            elif is_empty(given):
                if submitting and question.required:
                    errors[column] = [answer_required_message()]
            else:
                clean[column] = given
        clean_notes = {}
        for note in self.note_slots:
            text = ((notes or {}).get(note.column) or "").strip()
            if text and note.section.applies_to(level):
                clean_notes[note.column] = text
            elif text and strict:
                errors[note.column] = [not_asked_message("level", level)]
        return clean, clean_notes, errors

    def describe(self, condition, theme: ThemeDef | None = None) -> str:
        """A condition in Dutch words, with the questions' wording."""
        def label(key):
            question = self.questions.get(key)
            return question.label if question else key

        def value_label(key, value):
            question = self.questions.get(key)
            return question.choice_label(value) if question else value

        return conditions.describe(condition, label, value_label)


def is_empty(value) -> bool:
    return value is None or value == "" or value == frozenset() or value == set()


def condition_value(value) -> str | frozenset:
    """A value as conditions compare it: text, or a set for several of a list; "" when unanswered."""
    if value is None:
        return ""
    if isinstance(value, frozenset | set):
        return frozenset(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def not_asked_message(reason: str, level: str) -> str:
    if reason == "level":
        return _("This question is not asked of %(level)s platforms: leave it empty.") % {
            "level": dict(Level.choices).get(level, level)}
    return _("This question is not asked with the earlier answers given: leave it empty.")


def value_problem(question: QuestionDef, value) -> str:
    """Why this value is not an answer to the question ("" when it is)."""
    names = [name for name, _label in question.choices]
    if question.kind in (QuestionKind.YESNO, QuestionKind.CHOICE):
        if value not in names:
            return _("Not one of the choices: %(choices)s.") % {"choices": ", ".join(names)}
    elif question.kind == QuestionKind.MULTIPLE:
        if not isinstance(value, frozenset | set) or not set(value) <= set(names):
            return _("Not one of the choices: %(choices)s.") % {"choices": ", ".join(names)}
    elif question.kind == QuestionKind.NUMBER:
        if not isinstance(value, int) or isinstance(value, bool):
            return _("Give a whole number.")
        if question.min_value is not None and value < question.min_value:
            return _("Give a number of at least %(min)d.") % {"min": question.min_value}
        if question.max_value is not None and value > question.max_value:
            return _("Give a number of at most %(max)d.") % {"max": question.max_value}
        if abs(value) > 10**15:
            return _("This number is too large.")
    elif question.kind == QuestionKind.DATE:
        if not isinstance(value, datetime.date):
            return _("Give a date as YYYY-MM-DD.")
    elif question.kind == QuestionKind.TEXT:
        if not isinstance(value, str):
            return _("Give a text.")
        if len(value) > TEXT_ANSWER_MAX_LENGTH:
            return _("Use at most %(n)d characters.") % {"n": TEXT_ANSWER_MAX_LENGTH}
        if "\x00" in value:
            return _("The text holds a NUL character.")
    return ""


# Cells of the report file and rows of the database -----------------------------------------------------------


def parse_cell(question: QuestionDef, text: str):
    """The value a cell of the report file (or an implied answer) stands for; None when empty.

    Raises ValueError with a Dutch message when the text is not an answer to the question.
    """
    text = (text or "").strip()
    if not text:
        return None
    names = [name for name, _label in question.choices]
    if question.kind == QuestionKind.YESNO:
        lowered = text.lower()
        if lowered in TRUE_CELLS:
            return YES
        if lowered in FALSE_CELLS:
            return NO
        raise ValueError(_("Not a valid answer: use yes or no (ja or nee), or leave the cell empty."))
    if question.kind == QuestionKind.CHOICE:
        if text in names:
            return text
        if text.lower() in names:
            return text.lower()
        raise ValueError(_("Not a valid answer: use %(values)s, or leave the cell empty.")
                         % {"values": ", ".join(names)})
    if question.kind == QuestionKind.MULTIPLE:
        chosen = frozenset(text.split())
        unknown = sorted(chosen - set(names))
        if unknown:
            raise ValueError(_("Not a valid answer: %(unknown)s; use names of %(values)s separated by spaces, or "
                               "leave the cell empty.") % {"unknown": ", ".join(unknown), "values": ", ".join(names)})
        return chosen
    if question.kind == QuestionKind.NUMBER:
        try:
            number = int(text)
        except ValueError:
            raise ValueError(_("Not a whole number: write digits only, or leave the cell empty.")) from None
        problem = value_problem(question, number)
        if problem:
            raise ValueError(problem)
        return number
    if question.kind == QuestionKind.DATE:
        try:
            return datetime.date.fromisoformat(text[:10] if len(text) > 10 and text[10] in "T " else text)
        except ValueError:
            raise ValueError(_("Not a date: write it as YYYY-MM-DD, or leave the cell empty.")) from None
    problem = value_problem(question, text)
    if problem:
        raise ValueError(problem)
    return text


def cell_text(question: QuestionDef, value) -> str:
    """A value as the report file writes it (see `parse_cell`); "" when unanswered."""
    if is_empty(value):
        return ""
    if question.kind == QuestionKind.MULTIPLE:
        order = [name for name, _label in question.choices]
        return " ".join(sorted(value, key=lambda n: order.index(n) if n in order else len(order)))
    if question.kind == QuestionKind.DATE:
        return value.isoformat()
    return str(value)


def display_value(question: QuestionDef, value) -> str:
    """A value in Dutch words for people ("Ja", the choice's label, 12, 18/12/2026)."""
    if is_empty(value):
        return _("not answered")
    if question.kind in (QuestionKind.YESNO, QuestionKind.CHOICE):
        return question.choice_label(value)
    if question.kind == QuestionKind.MULTIPLE:
        order = [name for name, _label in question.choices]
        return ", ".join(question.choice_label(n) for n in sorted(value, key=lambda n: order.index(n)
                                                                     if n in order else len(order)))
    if question.kind == QuestionKind.DATE:
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def storage_rows(question: QuestionDef, value) -> list[tuple[str, int | None]]:
    """(value, number) of the answer rows that store a value (one per option for several of a list)."""
    if is_empty(value):
        return []
    if question.kind == QuestionKind.MULTIPLE:
        return [(name, None) for name in sorted(value)]
    if question.kind == QuestionKind.NUMBER:
        return [(str(value), value)]
    if question.kind == QuestionKind.DATE:
        return [(value.isoformat(), None)]
    return [(str(value), None)]


def from_storage(question: QuestionDef, rows: list[str]):
    """The value that these stored answer values stand for."""
    if not rows:
        return None
    if question.kind == QuestionKind.MULTIPLE:
        return frozenset(rows)
    if question.kind == QuestionKind.NUMBER:
        return int(rows[0])
    if question.kind == QuestionKind.DATE:
        return datetime.date.fromisoformat(rows[0])
    return rows[0]


# Loading ------------------------------------------------------------------------------------------------------

YES_NO_CHOICES = ((YES, "Ja"), (NO, "Nee"))
CACHE_SECONDS = 3600


def _combined_level(section_level: str, question_level: str) -> str:
    return question_level or section_level


def _structure(questionnaire) -> tuple[SectionDef, ...]:
    """The sections, questions and choices of a questionnaire (three queries)."""
    from .models import Choice, Question, Section

    sections = list(Section.objects.filter(questionnaire=questionnaire).order_by("position", "pk"))
    questions = list(Question.objects.filter(questionnaire=questionnaire).order_by("position", "pk"))
    choices: dict[int, list] = {}
    for choice in Choice.objects.filter(question__questionnaire=questionnaire).order_by("position", "pk"):
        choices.setdefault(choice.question_id, []).append((choice.name, choice.label))
    by_section: dict[int, list] = {}
    for question in questions:
        by_section.setdefault(question.section_id, []).append(question)
    result = []
    for section in sections:
        result.append(SectionDef(
            pk=section.pk, key=section.key, title=section.title, help_text=section.help_text, level=section.level,
            per_theme=section.per_theme, note_key=section.note_key, note_label=section.note_label,
            questions=tuple(QuestionDef(
                pk=q.pk, key=q.key, label=q.label, help_text=q.help_text, kind=q.kind, required=q.required,
                level=_combined_level(section.level, q.level), relevant_text=q.relevant,
                implied_when_text=q.implied_when, implied_value=q.implied_value, min_value=q.min_value,
                max_value=q.max_value, section_key=section.key, sentence=q.sentence,
                choices=YES_NO_CHOICES if q.kind == QuestionKind.YESNO else tuple(choices.get(q.pk, ())),
            ) for q in by_section.get(section.pk, [])),
        ))
    return tuple(result)


# The definitions built in this process, by questionnaire, version and themes: a definition is only read once
# built, and what it works out lazily (the conditions parsed, the form's hints) is then worked out once per
# process instead of on every request. A questionnaire's every change raises its version, so an entry is never
# stale; a round's themes are part of the key.
_definitions: dict[tuple, "Definition"] = {}
DEFINITIONS_KEPT = 64


def definition_for(round: ReportingRound) -> Definition:
    """The round's questionnaire with its themes; the structure is cached per questionnaire version.

    Costs no query when the round came with its questionnaire (`select_related`) and its themes
    (`prefetch_related`) and the structure is cached; three when it is not.
    """
    questionnaire = questionnaire_of(round)
    themes = tuple(ThemeDef(t.pk, t.slug, t.name, t.description) for t in round.themes.all())
    memo_key = (questionnaire.pk, questionnaire.version, themes)
    definition = _definitions.get(memo_key)
    if definition is not None:
        return definition
    key = f"questionnaire:{questionnaire.pk}:{questionnaire.version}"
    sections = cache.get(key)
    if sections is None:
        sections = _structure(questionnaire)
        cache.set(key, sections, CACHE_SECONDS)
    definition = Definition(questionnaire_pk=questionnaire.pk, version=questionnaire.version, sections=sections,
                            themes=themes)
    if len(_definitions) >= DEFINITIONS_KEPT:
        _definitions.clear()
    _definitions[memo_key] = definition
    return definition


def forget_definitions() -> None:
    """Empty this process's definitions (tests: their rows, and so their keys, come and go with each test)."""
    _definitions.clear()


def questionnaire_of(round: ReportingRound):
    """The round's questionnaire, made (empty) for a round that has none yet."""
    from .models import Questionnaire

    try:
        return round.questionnaire
    except Questionnaire.DoesNotExist:
        questionnaire, _created = Questionnaire.objects.get_or_create(round=round)
        round.questionnaire = questionnaire
        return questionnaire


