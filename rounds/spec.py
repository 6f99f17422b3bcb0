"""A questionnaire as plain data (its "spec"), and the rules every questionnaire keeps.

The spec is the list of section dicts that `rounds/seed/corona_2020.py` (SECTIONS) spells out:

    {"key", "title", "help_text", "level", "per_theme", "note_key", "note_label", "questions": [
        {"key", "label", "help_text", "kind", "required", "level", "relevant", "implied_when",
         "implied_value", "min_value", "max_value", "choices": [(name, label), ...], "sentence"}, ...]}

A question's `sentence` is its sentence in the answer text to parliament (summaries/references.py;
"" for the default of its kind); it changes nothing that is asked or stored.

Every way a questionnaire is written (the editor pages, an XLSForm file, a copy of an earlier
round) builds a spec, checks it with `validate_spec` and hands it to
`rounds.services.questionnaires.questionnaire_replace`; `spec_from_questionnaire` reads one back.
The rules live here once, so the pages, the file import and the service refuse the same things
with the same messages.
"""

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from . import conditions
from .models import Choice, LevelScope, Question, QuestionKind, Section

KEY_RE = re.compile(r"^[a-z][a-z0-9_]*\Z")
CHOICE_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*\Z")
INTEGER_RE = re.compile(r"^-?[0-9]+\Z")
KINDS_WITH_CHOICES = (QuestionKind.CHOICE, QuestionKind.MULTIPLE)
# The kinds a condition can be on: a comparison with a value the question's answers can take.
CONDITION_KINDS = (QuestionKind.YESNO, QuestionKind.CHOICE, QuestionKind.MULTIPLE)
YES_NO_VALUES = ("yes", "no")
NUMBER_LIMIT = 10**15  # what the report form accepts (rounds.questionnaire.value_problem)

KEY_MAX, TITLE_MAX, LABEL_MAX, NOTE_LABEL_MAX = 60, 200, 500, 200
CONDITION_MAX, IMPLIED_MAX, CHOICE_NAME_MAX, CHOICE_LABEL_MAX = 1000, 200, 60, 200
SENTENCE_MAX = 2000

SECTION_FIELDS = ("key", "title", "help_text", "level", "per_theme", "note_key", "note_label")
QUESTION_FIELDS = ("key", "label", "help_text", "kind", "required", "level", "relevant", "implied_when",
                   "implied_value", "min_value", "max_value", "sentence")


@dataclass(frozen=True)
class SpecError:
    """One broken rule: the section (index in the list), the question (index in the section, or None
    for the section itself), the field of the spec, and why (translated)."""

    section: int
    question: int | None
    field: str
    message: str

    def __str__(self):
        return self.message


# Reading ------------------------------------------------------------------------------------------------------


def spec_from_questionnaire(questionnaire) -> list[dict]:
    """The questionnaire's sections, questions and choices as a spec, in order (three queries)."""
    sections = list(Section.objects.filter(questionnaire=questionnaire).order_by("position", "pk"))
    questions: dict[int, list[Question]] = {}
    for question in Question.objects.filter(questionnaire=questionnaire).order_by("position", "pk"):
        questions.setdefault(question.section_id, []).append(question)
    choices: dict[int, list[tuple[str, str]]] = {}
    for choice in Choice.objects.filter(question__questionnaire=questionnaire).order_by("position", "pk"):
        choices.setdefault(choice.question_id, []).append((choice.name, choice.label))
    return [
        {**{field: getattr(section, field) for field in SECTION_FIELDS},
         "questions": [{**{field: getattr(q, field) for field in QUESTION_FIELDS}, "choices": choices.get(q.pk, [])}
                       for q in questions.get(section.pk, [])]}
        for section in sections
    ]


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _integer(value):
    """An int for a whole number (also given as text or as 3.0); anything else as it was, for
    `validate_spec` to refuse; None for nothing."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and INTEGER_RE.match(value.strip()):
        return int(value.strip())
    return value


def _choice(item) -> tuple[str, str]:
    if isinstance(item, dict):
        return _text(item.get("name")), _text(item.get("label"))
    if isinstance(item, list | tuple) and len(item) == 2:
        return _text(item[0]), _text(item[1])
    return _text(item), ""


def normalise_spec(sections) -> list[dict]:
    """The spec with every field present, texts stripped, flags as bools and limits as ints where
    they can be read as such (what is left is for `validate_spec` to refuse)."""
    result = []
    for section in sections or []:
        section = section if isinstance(section, dict) else {}
        result.append({
            "key": _text(section.get("key")), "title": _text(section.get("title")),
            "help_text": _text(section.get("help_text")), "level": _text(section.get("level")),
            "per_theme": bool(section.get("per_theme")), "note_key": _text(section.get("note_key")),
            "note_label": _text(section.get("note_label")),
            "questions": [{
                "key": _text(q.get("key")), "label": _text(q.get("label")), "help_text": _text(q.get("help_text")),
                "kind": _text(q.get("kind")), "required": bool(q.get("required", True)),
                "level": _text(q.get("level")), "relevant": _text(q.get("relevant")),
                "implied_when": _text(q.get("implied_when")), "implied_value": _text(q.get("implied_value")),
                "min_value": _integer(q.get("min_value")), "max_value": _integer(q.get("max_value")),
                "choices": [_choice(c) for c in (q.get("choices") or [])],
                "sentence": _text(q.get("sentence")),
            } for q in (section.get("questions") or []) if isinstance(q, dict)],
        })
    return result


# Checking -----------------------------------------------------------------------------------------------------


def _length_error(value: str, limit: int) -> str:
    return _("Use at most %(n)d characters.") % {"n": limit} if len(value) > limit else ""


def _key_error(key: str) -> str:
    if not key:
        return _("Give a key.")
    if not KEY_RE.match(key):
        return _("Use lower-case letters, digits and underscores, starting with a letter.")
    return _length_error(key, KEY_MAX)


def _level_error(level: str) -> str:
    if level not in LevelScope.values:
        return _("Unknown level: use basis, secundair, or leave it empty for both.")
    return ""


@dataclass(frozen=True)
class _Seen:
    """A question that conditions of later questions may refer to."""

    kind: str
    choices: tuple[str, ...]
    section: int
    per_theme: bool


def _comparisons(condition):
    """(operator, key, value) of every comparison in a parsed condition; `selected` for selected()."""
    if isinstance(condition, conditions.Compare):
        return [(condition.op, condition.key, condition.value)]
    if isinstance(condition, conditions.Selected):
        return [("selected", condition.key, condition.value)]
    return [item for part in condition.items for item in _comparisons(part)]


def _condition_errors(text: str, *, seen: dict[str, _Seen], all_keys: set[str], section: int,
                      per_theme: bool) -> list[str]:
    """Why a condition of a question in this section cannot stand, given the questions before it."""
    if not text:
        return []
    if len(text) > CONDITION_MAX:
        return [_length_error(text, CONDITION_MAX)]
    try:
        parsed = conditions.parse(text)
    except conditions.ConditionError as error:
        return [str(error)]
    errors = []
    for op, key, value in _comparisons(parsed):
        words = {"key": key, "value": value}
        earlier = seen.get(key)
        if earlier is None:
            if key in all_keys:  # this question itself, or a later one
                errors.append(_("${%(key)s} is not asked before this question: a condition can only refer to "
                                "earlier questions.") % words)
            else:
                errors.append(_("There is no question ${%(key)s}.") % words)
            continue
        if per_theme and earlier.per_theme and earlier.section != section:
            errors.append(_("${%(key)s} is asked per theme in another section: a question asked per theme can only "
                            "refer to questions of its own section or to questions asked once.") % words)
            continue
        if not per_theme and earlier.per_theme:
            errors.append(_("${%(key)s} is asked once per theme: a question asked once cannot depend on it.")
                          % words)
            continue
        if earlier.kind not in QuestionKind.values:
            continue  # refused for its kind already
        if earlier.kind not in CONDITION_KINDS:
            errors.append(_("${%(key)s} is not a yes/no or list question: a condition can only be on those.")
                          % words)
            continue
        if op == "selected" and earlier.kind != QuestionKind.MULTIPLE:
            errors.append(_("selected() is only for a several-of-a-list question: write ${%(key)s} = '%(value)s'.")
                          % words)
        elif op != "selected" and earlier.kind == QuestionKind.MULTIPLE:
            errors.append(_("${%(key)s} allows several answers: write selected(${%(key)s}, '%(value)s').") % words)
        elif earlier.kind == QuestionKind.YESNO and value not in YES_NO_VALUES:
            errors.append(_("${%(key)s} is answered yes or no, not “%(value)s”.") % words)
        elif earlier.kind != QuestionKind.YESNO and value not in earlier.choices:
            errors.append(_("“%(value)s” is not a choice of ${%(key)s}: use %(choices)s.")
                          % {**words, "choices": ", ".join(earlier.choices)})
    return errors


def _implied_value_error(question: dict, names: list[str]) -> str:
    value, kind = question["implied_value"], question["kind"]
    if kind == QuestionKind.YESNO:
        return "" if value in YES_NO_VALUES else _("The answer that follows must be yes or no.")
    if kind == QuestionKind.CHOICE:
        return "" if value in names else _("The answer that follows must be one of %(choices)s.") % {
            "choices": ", ".join(names)}
    if kind == QuestionKind.MULTIPLE:
        if set(value.split()) <= set(names):
            return ""
        return _("The answer that follows must be names of %(choices)s, separated by spaces.") % {
            "choices": ", ".join(names)}
    if kind == QuestionKind.NUMBER:
        low, high = question["min_value"], question["max_value"]
        if not INTEGER_RE.match(value) or abs(int(value)) > NUMBER_LIMIT:
            return _("The answer that follows must be a whole number.")
        if (isinstance(low, int) and int(value) < low) or (isinstance(high, int) and int(value) > high):
            return _("The answer that follows lies outside the minimum and maximum.")
        return ""
    if kind == QuestionKind.DATE:
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            return _("The answer that follows must be a date as YYYY-MM-DD.")
        return "" if len(value) == 10 else _("The answer that follows must be a date as YYYY-MM-DD.")
    return _length_error(value, IMPLIED_MAX)


def _choice_errors(question: dict) -> list[str]:
    kind, choices = question["kind"], question["choices"]
    if kind not in KINDS_WITH_CHOICES:
        return [_("This kind of question has no choices.")] if choices and kind in QuestionKind.values else []
    if not choices:
        return [_("Give at least one choice.")]
    errors, names = [], set()
    for name, label in choices:
        words = {"name": name}
        if not name:
            errors.append(_("Give every choice a name."))
        elif not CHOICE_NAME_RE.match(name) or len(name) > CHOICE_NAME_MAX:
            errors.append(_("Choice “%(name)s”: use letters, digits, _, . and - (at most 60), starting with a "
                            "letter or _.") % words)
        elif name in names:
            errors.append(_("The choice name “%(name)s” appears twice.") % words)
        names.add(name)
        if not label:
            errors.append(_("Choice “%(name)s” has no label.") % words)
        elif len(label) > CHOICE_LABEL_MAX:
            errors.append(_("Choice “%(name)s”: use at most %(n)d characters.") % {**words, "n": CHOICE_LABEL_MAX})
    return errors


def _limit_errors(question: dict) -> list[tuple[str, str]]:
    low, high = question["min_value"], question["max_value"]
    if question["kind"] != QuestionKind.NUMBER:
        return [(field, _("Only a number question has a minimum and a maximum."))
                for field in ("min_value", "max_value") if question[field] is not None]
    errors = [(field, _("Give a whole number (of at most 15 digits), or nothing."))
              for field in ("min_value", "max_value")
              if question[field] is not None
              and (not isinstance(question[field], int) or isinstance(question[field], bool)
                   or abs(question[field]) > NUMBER_LIMIT)]
    if not errors and low is not None and high is not None and low > high:
        errors.append(("min_value", _("The minimum cannot be above the maximum.")))
    return errors


def _question_errors(question: dict, section: dict, s_index: int, seen: dict[str, _Seen],
                     all_keys: set[str]) -> list[tuple[str, str]]:
    errors = []
    if error := _key_error(question["key"]):
        errors.append(("key", error))
    if not question["label"]:
        errors.append(("label", _("Give the question's wording.")))
    elif error := _length_error(question["label"], LABEL_MAX):
        errors.append(("label", error))
    if question["kind"] not in QuestionKind.values:
        errors.append(("kind", _("Unknown kind of question.")))
    if error := _length_error(question["sentence"], SENTENCE_MAX):
        errors.append(("sentence", error))
    if error := _level_error(question["level"]):
        errors.append(("level", error))
    elif section["level"] in LevelScope.values and section["level"] and question["level"] \
            and question["level"] != section["level"]:
        errors.append(("level", _("The section is asked of %(level)s platforms only: the question cannot be "
                                  "asked of other platforms.") % {"level": section["level"]}))
    errors += [("choices", error) for error in _choice_errors(question)]
    errors += _limit_errors(question)
    for field in ("relevant", "implied_when"):
        errors += [(field, error) for error in _condition_errors(
            question[field], seen=seen, all_keys=all_keys, section=s_index, per_theme=section["per_theme"])]
    if question["implied_when"] and not question["implied_value"]:
        errors.append(("implied_value", _("Give the answer that follows too.")))
    elif question["implied_value"] and not question["implied_when"]:
        errors.append(("implied_when", _("Give the condition under which the answer follows too.")))
    elif question["implied_value"] and question["kind"] in QuestionKind.values:
        names = [name for name, _label in question["choices"]]
        if error := _implied_value_error(question, names):
            errors.append(("implied_value", error))
    return errors


def validate_spec(sections: list[dict]) -> list[SpecError]:
    """Every rule the spec breaks, in order; an empty list when it can be saved.

    Keys are slugs, unique among the questionnaire's questions; section keys are unique; note keys
    are unique and differ from every question key; a list question has choices with unique names;
    only a number has a minimum and maximum; a condition refers to earlier yes/no or list
    questions with values they can take (a question asked per theme to its own section or to
    questions asked once; a question asked once never to one asked per theme); an answer that
    follows has both its condition and a value the question can take.
    """
    sections = normalise_spec(sections)
    errors: list[SpecError] = []
    all_keys = {q["key"] for s in sections for q in s["questions"] if q["key"]}
    note_keys = {}
    for s_index, section in enumerate(sections):
        if section["note_key"]:
            note_keys.setdefault(section["note_key"], s_index)

    section_keys: set[str] = set()
    seen: dict[str, _Seen] = {}
    for s_index, section in enumerate(sections):
        def add(field, message, question=None, s_index=s_index):
            errors.append(SpecError(s_index, question, field, message))

        if error := _key_error(section["key"]):
            add("key", error)
        elif section["key"] in section_keys:
            add("key", _("Another section has this key."))
        section_keys.add(section["key"])
        if not section["title"]:
            add("title", _("Give a title."))
        elif error := _length_error(section["title"], TITLE_MAX):
            add("title", error)
        if error := _level_error(section["level"]):
            add("level", error)
        if section["note_key"]:
            if error := _key_error(section["note_key"]):
                add("note_key", error)
            elif note_keys[section["note_key"]] != s_index:
                add("note_key", _("Another section's note has this key."))
            elif section["note_key"] in all_keys:
                add("note_key", _("A question has this key: a note's key differs from every question's key."))
            if not section["note_label"]:
                add("note_label", _("Give the note a label."))
            elif error := _length_error(section["note_label"], NOTE_LABEL_MAX):
                add("note_label", error)
        elif section["note_label"]:
            add("note_key", _("Give the note a key, or leave its label empty."))
        if not section["questions"] and not section["note_key"]:
            add("questions", _("A section needs at least one question or a note."))

        for q_index, question in enumerate(section["questions"]):
            for field, message in _question_errors(question, section, s_index, seen, all_keys):
                add(field, message, q_index)
            key = question["key"]
            if key and key in seen:
                add("key", _("Another question has this key."), q_index)
            elif key:
                seen[key] = _Seen(question["kind"], tuple(name for name, _label in question["choices"]), s_index,
                                  section["per_theme"])
    return errors
