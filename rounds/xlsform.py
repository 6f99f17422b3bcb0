"""A questionnaire as an XLSForm workbook (the format of ODK, KoboToolbox and most survey tools), in and out.

Sheet `survey`, one row per section boundary or question:

    type        begin group / end group (a section), select_one yes_no (yes/no),
                select_one <list>, select_multiple <list>, integer, text, date;
                note rows and metadata (start, end, today, deviceid, ...) are skipped
    name        the key of the section or question
    label       its wording (or label::Dutch (nl), or another label::<language>)
    hint        its help text (or hint::<language>)
    required    yes when the question must be answered to submit
    relevant    asked only when: ${key} = 'value', ${key} != 'value', selected(${key}, 'value'),
                and, or, parentheses
    level       basis or secundair (empty: both), on a begin group row or a question row
    per_theme   yes on a begin group row: the section is asked once per theme of the round
    note_name, note_label   on a begin group row: the key and label of the section's note
    implied_when, implied_value   the answer follows (and is not asked) when the condition holds
    min, max    the limits of an integer question
    answer_sentence   the question's sentence in the answer text to parliament (ours; empty: the default)

Sheet `choices`: list_name, name, label (or label::<language>). The list `yes_no` stands for yes
and no. Sheet `settings` is written (form_title, form_id, default_language) and not read.

A bad file is refused whole: `read_xlsform` returns every error, each at its sheet, row and
column. pyxform (the reference XLSForm parser) reads the workbook and knows the type names; the
rules of a questionnaire are `rounds.spec.validate_spec`'s, mapped back to the cells they are about.
"""

import io
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from pyxform import aliases
from pyxform import constants as xlsform
from pyxform.errors import PyXFormError
from pyxform.question_type_dictionary import QUESTION_TYPE_DICT
from pyxform.xls2json import RE_SELECT
from pyxform.xls2json_backends import xlsx_to_dict

from lopportal.imports import RowErrors, scan_workbook

from . import conditions
from .models import QuestionKind, Questionnaire, ReportingRound
from .spec import (
    CHOICE_LABEL_MAX,
    CHOICE_NAME_MAX,
    CHOICE_NAME_RE,
    normalise_spec,
    spec_from_questionnaire,
    validate_spec,
)

MAX_BYTES = 2 * 1024 * 1024
MAX_SURVEY_ROWS = 2000
# What the workbook takes once unpacked, its rows and its cells are bounded by the settings IMPORT_* (a small zip
# can unpack to a huge sheet; a survey of 2,000 rows takes a few MB): see lopportal.imports.
EXTENSIONS = (".xlsx", ".xlsm")
LANGUAGE = "Dutch (nl)"
YES_NO_LIST = "yes_no"
SURVEY, CHOICES, SETTINGS = xlsform.SURVEY, xlsform.CHOICES, xlsform.SETTINGS
HEADER_ROW = 1

SURVEY_COLUMNS = ["type", "name", f"label::{LANGUAGE}", f"hint::{LANGUAGE}", "required", "relevant", "level",
                  "per_theme", "note_name", "note_label", "implied_when", "implied_value", "min", "max",
                  "answer_sentence"]
CHOICES_COLUMNS = ["list_name", "name", f"label::{LANGUAGE}"]
# XLSForm columns that would change what is asked or stored, which a questionnaire here cannot hold.
UNSUPPORTED_COLUMNS = {"constraint", "calculation", "choice_filter", "default", "readonly", "read_only",
                       "repeat_count", "trigger"}
MIDNIGHT = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2} 00:00:00\Z")
GROUP_ROW = re.compile(r"^(?P<edge>begin|end)[ _](?P<control>[a-z ]+)$")
TRUE_TEXTS = {text.lower() for text, value in aliases.yes_no.items() if value} | {"ja", "1"}
FALSE_TEXTS = {text.lower() for text, value in aliases.yes_no.items() if not value} | {"nee", "0"}

# The column of the survey sheet that holds each field of the spec.
SECTION_COLUMNS = {"key": "name", "title": "label", "help_text": "hint", "level": "level", "per_theme": "per_theme",
                   "note_key": "note_name", "note_label": "note_label", "questions": "type"}
QUESTION_COLUMNS = {"key": "name", "label": "label", "help_text": "hint", "kind": "type", "required": "required",
                    "level": "level", "relevant": "relevant", "implied_when": "implied_when",
                    "implied_value": "implied_value", "min_value": "min", "max_value": "max", "choices": "type",
                    "sentence": "answer_sentence"}
QUESTION_ONLY = ("required", "implied_when", "implied_value", "min", "max", "answer_sentence")
GROUP_ONLY = ("per_theme", "note_name", "note_label")


def position_message(sheet: str, row: int, column: str, message: str) -> str:
    return _("sheet %(sheet)s, row %(row)d, column %(column)s: %(message)s") % {
        "sheet": sheet, "row": row, "column": column, "message": message}


def bound_message(sheet: str, row: int, column: str, message: str) -> str:
    """A bound the workbook breaks (`lopportal.imports.scan_workbook`), at its cell, row or the whole file."""
    if column:
        return position_message(sheet, row, column, message)
    if sheet:
        return _("sheet %(sheet)s, row %(row)d: %(message)s") % {"sheet": sheet, "row": row, "message": message}
    return message


# Reading ------------------------------------------------------------------------------------------------------


@dataclass
class _Sheet:
    """A sheet as pyxform read it: its rows (row 2 of the sheet first) and its columns by lower-case name."""

    name: str
    rows: list[dict]
    columns: dict[str, str]  # lower-case name -> the name in the file

    def column(self, name: str) -> str | None:
        """The file's name of a column, `label` and `hint` in Dutch when the file has several languages."""
        if name not in ("label", "hint"):
            return self.columns.get(name)
        translated = [c for c in self.columns if c.startswith(f"{name}::")]
        dutch = [c for c in translated
                 if "(nl)" in c or c.split("::", 1)[1].strip().startswith(("dutch", "nederlands"))]
        for candidate in (dutch[:1], [name] if name in self.columns else [], translated[:1]):
            if candidate:
                return self.columns[candidate[0]]
        return None

    def cell(self, row: dict, name: str) -> str:
        column = self.column(name)
        return (row.get(column) or "").strip() if column else ""

    def shown(self, name: str) -> str:
        return self.column(name) or name


@dataclass
class _Reader:
    errors: list[str] = field(default_factory=list)
    sections: list[dict] = field(default_factory=list)
    section_rows: list[int] = field(default_factory=list)
    question_rows: list[list[int]] = field(default_factory=list)
    refused_keys: set[str] = field(default_factory=set)  # of questions whose type was refused
    positions: dict[str, tuple[bool, int]] = field(default_factory=dict)

    def error(self, sheet: _Sheet | str, row: int, column: str, message: str) -> None:
        name = sheet.name if isinstance(sheet, _Sheet) else sheet
        shown = sheet.shown(column) if isinstance(sheet, _Sheet) else column
        text = position_message(name, row, shown, message)
        if text not in self.positions:  # (a dict: a file with thousands of errors is not checked in quadratic time)
            self.errors.append(text)
            self.positions[text] = (name != SURVEY, row)

    def sorted_errors(self) -> list[str]:
        """The errors by sheet (survey first) and row; those of the whole file first."""
        return sorted(self.errors, key=lambda text: self.positions.get(text, (False, 0)))

    # The workbook

    def workbook(self, data: bytes, filename: str) -> dict | None:
        if PurePath(filename or "").suffix.lower() not in EXTENSIONS:
            self.errors.append(_("Only an XLSForm in an Excel workbook (.xlsx) can be read."))
            return None
        if len(data) > MAX_BYTES:
            self.errors.append(_("The file is larger than %(size)s MB.") % {"size": MAX_BYTES // (1024 * 1024)})
            return None
        # pyxform takes the workbook whole: first the zip's directory, then a streamed read check the bounds.
        found = scan_workbook(data, max_rows=settings.IMPORT_MAX_ROWS["questionnaire"])
        if found:
            # Kept as a RowErrors: the page and the command say how many more there are than they show.
            self.errors = RowErrors([bound_message(*item) for item in found])
            self.errors.dropped += found.dropped
            return None
        try:
            return xlsx_to_dict(io.BytesIO(data))
        except PyXFormError as error:
            detail = str(error).partition(": ")[2] or str(error)
            self.errors.append(_("A sheet has two columns named “%(name)s”.") % {"name": detail}
                               if "Duplicate column header" in str(error)
                               else _("The file cannot be read as an Excel workbook (.xlsx)."))
        except Exception:  # openpyxl and pyxform raise many kinds of errors on a damaged or foreign file
            self.errors.append(_("The file cannot be read as an Excel workbook (.xlsx)."))
        return None

    def sheet(self, book: dict, name: str, required: list[str]) -> _Sheet | None:
        if name not in book:
            self.errors.append(_("The workbook has no sheet named %(sheet)s.") % {"sheet": name})
            return None
        header = [column for item in (book.get(f"{name}_header") or []) for column in item]
        sheet = _Sheet(name, list(book[name]), {column.lower(): column for column in header})
        if name == CHOICES and "list_name" not in sheet.columns and xlsform.LIST_NAME_S in sheet.columns:
            sheet.columns["list_name"] = sheet.columns[xlsform.LIST_NAME_S]
        for column in required:
            if sheet.column(column) is None:
                self.error(name, HEADER_ROW, column, _("This column is missing."))
        return sheet

    # The choices sheet

    def choice_lists(self, sheet: _Sheet) -> dict[str, list[tuple[str, str]]]:
        lists: dict[str, list[tuple[str, str]]] = {}
        names: dict[str, set[str]] = {}
        for number, row in enumerate(sheet.rows, start=HEADER_ROW + 1):
            list_name, name, label = (sheet.cell(row, c) for c in ("list_name", "name", "label"))
            if not (list_name or name or label):
                continue
            if not list_name:
                self.error(sheet, number, "list_name", _("Give the name of the list this choice belongs to."))
                continue
            lists.setdefault(list_name, [])
            seen = names.setdefault(list_name, set())
            if not name:
                self.error(sheet, number, "name", _("Give the choice a name."))
            elif not CHOICE_NAME_RE.match(name) or len(name) > CHOICE_NAME_MAX:
                self.error(sheet, number, "name", _("Use letters, digits, _, . and - (at most 60), starting with a "
                                                    "letter or _."))
            elif name in seen:
                self.error(sheet, number, "name", _("The list %(list)s already has a choice named “%(name)s”.")
                           % {"list": list_name, "name": name})
            elif list_name == YES_NO_LIST and name not in ("yes", "no"):
                self.error(sheet, number, "name", _("The list yes_no stands for yes and no: its names are yes "
                                                    "and no."))
            elif not label:
                self.error(sheet, number, "label", _("Give the choice a label."))
            elif len(label) > CHOICE_LABEL_MAX:
                self.error(sheet, number, "label", _("Use at most %(n)d characters.") % {"n": CHOICE_LABEL_MAX})
            else:
                lists[list_name].append((name, label))
            seen.add(name)
        return lists

    # The survey sheet

    def kind(self, sheet: _Sheet, number: int, type_text: str, lists: dict) -> tuple[str | None, list]:
        """The kind of question and its choices that a type names; (None, []) for a row to skip, and
        ("", []) for a row refused (with an error)."""
        select = RE_SELECT.match(type_text)
        if select:
            command = aliases.select.get(select["select_command"])
            list_name = select["list_name"]
            if select["specify_other"]:
                self.error(sheet, number, "type", _("“or_other” is not supported: add a choice “other” and a text "
                                                    "question."))
                return "", []
            if command not in (xlsform.SELECT_ONE, xlsform.SELECT_ALL_THAT_APPLY) \
                    or select["select_command"] in aliases.select_from_file:
                return self.unsupported(sheet, number, type_text)
            if command == xlsform.SELECT_ONE and list_name == YES_NO_LIST:
                return QuestionKind.YESNO, []
            if list_name not in lists:
                self.error(sheet, number, "type", _("The list %(list)s is not on the sheet choices.")
                           % {"list": list_name})
                return "", []
            kind = QuestionKind.CHOICE if command == xlsform.SELECT_ONE else QuestionKind.MULTIPLE
            return kind, list(lists[list_name])
        definition = QUESTION_TYPE_DICT.get(type_text) or QUESTION_TYPE_DICT.get(type_text.lower())
        if definition is None:
            self.error(sheet, number, "type", _("Unknown type “%(type)s”.") % {"type": type_text})
            return "", []
        bind = definition.get("bind", {})
        if "jr:preload" in bind or bind.get("readonly") == "true()":
            return None, []  # metadata the portal keeps itself (start, end, today, ...), or a note
        if definition.get("control", {}).get("tag") == "input":
            kind = {"int": QuestionKind.NUMBER, "string": QuestionKind.TEXT, "date": QuestionKind.DATE}.get(
                bind.get("type"))
            if kind:
                return kind, []
        return self.unsupported(sheet, number, type_text)

    def unsupported(self, sheet, number, type_text):
        self.error(sheet, number, "type", _("The type “%(type)s” is not supported: use select_one yes_no, "
                                            "select_one <list>, select_multiple <list>, integer, text, date, "
                                            "begin group or end group.") % {"type": type_text})
        return "", []

    def flag(self, sheet: _Sheet, number: int, row: dict, column: str, default: bool) -> bool:
        text = sheet.cell(row, column)
        if not text:
            return default
        if text.lower() in TRUE_TEXTS:
            return True
        if text.lower() in FALSE_TEXTS:
            return False
        self.error(sheet, number, column, _("Write yes, or leave the cell empty."))
        return default

    def survey(self, sheet: _Sheet, lists: dict) -> None:
        rows = [(number, row) for number, row in enumerate(sheet.rows, start=HEADER_ROW + 1) if row]
        if len(rows) > MAX_SURVEY_ROWS:
            self.errors.append(_("The sheet survey has more than %(count)s rows.") % {"count": f"{MAX_SURVEY_ROWS:,}"})
            return
        current = None  # the section of the open group
        begin_row = 0
        unsupported = sorted(name for name in UNSUPPORTED_COLUMNS if name in sheet.columns)
        for number, row in rows:
            type_text = " ".join(sheet.cell(row, "type").split())
            for column in unsupported:
                if sheet.cell(row, column):
                    self.error(sheet, number, column, _("This column is not supported: leave it empty."))
            if not type_text:
                self.error(sheet, number, "type", _("Give the type of this row."))
                continue
            group = GROUP_ROW.match(type_text.lower())
            if group and group["control"].strip() != "group":
                self.error(sheet, number, "type", _("Repeats are not supported: use a group, or a section asked "
                                                    "per theme."))
                continue
            if group and group["edge"] == "begin":
                if current is not None:
                    self.error(sheet, number, "type", _("A group inside a group is not supported: close the group "
                                                        "above with end group first."))
                    continue
                current, begin_row = self.section(sheet, number, row), number
                continue
            if group:
                if current is None:
                    self.error(sheet, number, "type", _("This end group has no begin group."))
                current = None
                continue
            kind, choices = self.kind(sheet, number, type_text, lists)
            if kind is None:
                continue
            if current is None:
                self.error(sheet, number, "type", _("Put this question in a group (begin group … end group): "
                                                    "every question belongs to a section."))
                self.refused_keys.add(sheet.cell(row, "name"))
                continue
            if not kind:  # refused, with an error: kept so that the questions after it are checked as usual
                self.refused_keys.add(sheet.cell(row, "name"))
            self.question(sheet, number, row, kind, choices, current)
        if current is not None:
            self.error(sheet, begin_row, "type", _("This group is not closed with end group."))

    def section(self, sheet: _Sheet, number: int, row: dict) -> dict:
        for column in QUESTION_ONLY:
            if sheet.cell(row, column):
                self.error(sheet, number, column, _("This column is for questions, not for a group."))
        if sheet.cell(row, "relevant"):
            self.error(sheet, number, "relevant", _("A condition on a group is not supported: put it on its "
                                                    "questions."))
        section = {"key": sheet.cell(row, "name"), "title": sheet.cell(row, "label"),
                   "help_text": sheet.cell(row, "hint"), "level": sheet.cell(row, "level").lower(),
                   "per_theme": self.flag(sheet, number, row, "per_theme", False),
                   "note_key": sheet.cell(row, "note_name"), "note_label": sheet.cell(row, "note_label"),
                   "questions": []}
        self.sections.append(section)
        self.section_rows.append(number)
        self.question_rows.append([])
        return section

    def question(self, sheet: _Sheet, number: int, row: dict, kind: str, choices: list, section: dict) -> None:
        for column in GROUP_ONLY:
            if sheet.cell(row, column):
                self.error(sheet, number, column, _("This column is for a begin group row, not for a question."))
        implied_value = sheet.cell(row, "implied_value")
        if kind == QuestionKind.DATE and MIDNIGHT.match(implied_value):
            implied_value = implied_value[:10]  # a date typed as a date in Excel: pyxform reads it with its time
        section["questions"].append({
            "key": sheet.cell(row, "name"), "label": sheet.cell(row, "label"), "help_text": sheet.cell(row, "hint"),
            "kind": kind, "required": self.flag(sheet, number, row, "required", False),
            "level": sheet.cell(row, "level").lower(), "relevant": sheet.cell(row, "relevant"),
            "implied_when": sheet.cell(row, "implied_when"), "implied_value": implied_value,
            "min_value": sheet.cell(row, "min") or None, "max_value": sheet.cell(row, "max") or None,
            "choices": choices, "sentence": sheet.cell(row, "answer_sentence"),
        })
        self.question_rows[-1].append(number)

    def spec_errors(self, sheet: _Sheet) -> None:
        """The rules of a questionnaire that the spec breaks, at their cells; none that only follow from
        a row already refused for its type."""
        for error in validate_spec(self.sections):
            if error.question is None:
                number, column = self.section_rows[error.section], SECTION_COLUMNS.get(error.field, "type")
                self.error(sheet, number, column, error.message)
                continue
            question = self.sections[error.section]["questions"][error.question]
            if not question["kind"] and error.field in ("kind", "choices", "min_value", "max_value",
                                                        "implied_value"):
                continue
            if error.field in ("relevant", "implied_when") and self.refers_to_refused(question[error.field]):
                continue
            number = self.question_rows[error.section][error.question]
            self.error(sheet, number, QUESTION_COLUMNS.get(error.field, "type"), error.message)

    def refers_to_refused(self, text: str) -> bool:
        try:
            return any(key in self.refused_keys for key, _value in conditions.references(conditions.parse(text)))
        except conditions.ConditionError:
            return False


def read_xlsform(data: bytes, filename: str) -> tuple[list[dict], list[str]]:
    """The questionnaire (a spec, see `rounds.spec`) in an XLSForm file, and every error in it.

    With any error the spec is empty: a bad file is refused whole. The errors are messages
    ("sheet survey, row 4, column relevant: …"), translated.
    """
    reader = _Reader()
    book = reader.workbook(data, filename)
    if book is None:
        return [], reader.errors
    survey = reader.sheet(book, SURVEY, ["type", "name", "label"])
    if survey is None:
        return [], reader.errors
    choices = reader.sheet(book, CHOICES, ["list_name", "name", "label"]) if CHOICES in book else None
    if reader.errors:
        return [], reader.errors
    lists = reader.choice_lists(choices) if choices else {}
    reader.survey(survey, lists)
    if reader.sections:
        reader.spec_errors(survey)
    elif not reader.errors:
        reader.errors.append(_("The sheet survey has no questions."))
    if reader.errors:
        return [], reader.sorted_errors()
    return normalise_spec(reader.sections), []


# Writing ------------------------------------------------------------------------------------------------------


def _list_names(sections: list[dict]) -> dict[str, str]:
    """The list name of every list question's choices: its key (never yes_no, which means yes and no)."""
    used, names = {YES_NO_LIST}, {}
    for section in sections:
        for question in section["questions"]:
            if question["kind"] in (QuestionKind.CHOICE, QuestionKind.MULTIPLE):
                name = question["key"]
                while name in used:
                    name += "_list"
                used.add(name)
                names[question["key"]] = name
    return names


def _append(sheet, values: list) -> None:
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value for value in values])
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":  # a text that starts with "=" is text here, never a formula
            cell.data_type = "s"


def write_xlsform(round_or_sections: ReportingRound | list[dict]) -> bytes:
    """The questionnaire of a round (or a spec) as an XLSForm workbook that `read_xlsform` reads back
    to the same spec."""
    if isinstance(round_or_sections, ReportingRound):
        round = round_or_sections
        questionnaire = Questionnaire.objects.filter(round=round).first()
        sections = spec_from_questionnaire(questionnaire) if questionnaire else []
        title, form_id = round.title, round.slug
    else:
        sections = normalise_spec(round_or_sections)
        title, form_id = _("Questionnaire"), "questionnaire"
    lists = _list_names(sections)

    workbook = Workbook()
    survey = workbook.active
    survey.title = SURVEY
    _append(survey, SURVEY_COLUMNS)
    choices = workbook.create_sheet(CHOICES)
    _append(choices, CHOICES_COLUMNS)
    if any(q["kind"] == QuestionKind.YESNO for s in sections for q in s["questions"]):
        _append(choices, [YES_NO_LIST, "yes", "Ja"])
        _append(choices, [YES_NO_LIST, "no", "Nee"])
    for section in sections:
        _append(survey, ["begin group", section["key"], section["title"], section["help_text"], "", "",
                         section["level"], "yes" if section["per_theme"] else "", section["note_key"],
                         section["note_label"], "", "", None, None, ""])
        for q in section["questions"]:
            if q["kind"] == QuestionKind.YESNO:
                type_text = f"select_one {YES_NO_LIST}"
            elif q["kind"] in (QuestionKind.CHOICE, QuestionKind.MULTIPLE):
                command = "select_one" if q["kind"] == QuestionKind.CHOICE else "select_multiple"
                type_text = f"{command} {lists[q['key']]}"
                for name, label in q["choices"]:
                    _append(choices, [lists[q["key"]], name, label])
            else:
                type_text = {QuestionKind.NUMBER: "integer", QuestionKind.TEXT: "text",
                             QuestionKind.DATE: "date"}[q["kind"]]
            _append(survey, [type_text, q["key"], q["label"], q["help_text"], "yes" if q["required"] else "",
                             q["relevant"], q["level"], "", "", "", q["implied_when"], q["implied_value"],
                             q["min_value"], q["max_value"], q["sentence"]])
        _append(survey, ["end group", section["key"]])
    settings = workbook.create_sheet(SETTINGS)
    _append(settings, ["form_title", "form_id", "default_language"])
    _append(settings, [title, form_id, LANGUAGE])

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
