"""CSV and XLSX exports of a round's reports and initiatives, streamed row by row.

Rows come from `iterator(chunk_size=...)`, CSV is written to the response as it is produced,
and XLSX is built by openpyxl's write-only workbook in a temporary file: memory stays flat
however many platforms there are. Every text cell is neutralised against formula injection.

The generic writers serve every download of the portal: `csv_response` writes the plain CSV
(comma) or, with `dialect="excel"`, the CSV that Excel with Belgian settings opens as columns
(semicolon); `xlsx_response` gives every workbook a frozen, bold header row, a filter over the
data, column widths, dates as real date cells and, with `questions`, a second sheet that explains
the columns ("Vragen"). The report XLSX is also the import format: the import reads its first
sheet only, and reads a date cell as YYYY-MM-DD.
"""

import csv
import datetime
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import chain, groupby, islice
from operator import itemgetter

from django.db import connections, transaction
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from initiatives.models import Initiative, InitiativeKind, ReachedUnit, TargetGroup
from platforms.models import Level
from rounds import conditions
from rounds.columns import neutralise, report_columns
from rounds.forms import condition_sentences
from rounds.models import Answer, Note, QuestionKind, Report, ReportingRound, ReportStatus
from rounds.questionnaire import Definition, cell_text, definition_for

CHUNK = 500
ROW_CHUNK = 2000  # answer and note rows are small: fewer round trips for the same memory
INITIATIVE_COLUMNS = [
    "platform_code", "platform_name", "level", "report_status", "title", "description", "kind", "target_groups",
    "asked_of", "partners_involved", "other_partners", "start_date", "end_date", "reached_count", "reached_unit",
    "themes",
]
# Characters XML 1.0 (and so XLSX and DOCX) cannot hold; a form accepts them (a pasted vertical tab, say).
XML_ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXCEL_DIALECT = "excel"  # `?dialect=excel`: "CSV voor Excel"
QUESTIONS_SHEET = "Vragen"  # the name analysts are told to look for, the same in every workbook
DATE_FORMAT, DATETIME_FORMAT = "dd/mm/yyyy", "dd/mm/yyyy hh:mm"
# Column widths are measured on the header and the first rows, so that the rows can still be streamed.
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 8, 60


def report_rows(round: ReportingRound, *, definition: Definition | None = None,
                dates: bool = False) -> Iterator[list]:
    """The header (`rounds/columns.py`), then one row per report of the round (drafts too), by platform code.

    Only the reports of the round's platforms (its roster): a platform taken out of the round is not in the file.

    Three queries whatever the number of reports: the reports, their answer rows and their note
    rows, each ordered by platform code and read as plain tuples in chunks from a server-side
    cursor, then merged report by report; no model objects are built and memory stays flat
    (docs/performance.md). A question not asked of a report (by its level or by a condition on
    earlier answers) is an empty cell, as is the note of a section not asked.

    With `dates`, a date answer is a `datetime.date` (a date cell in a workbook) rather than its text YYYY-MM-DD.
    """
    definition = definition or definition_for(round)
    yield report_columns(definition)
    # Platform codes are unique and a round has one report per platform, so the code alone puts the
    # three queries in the same order (and PostgreSQL reads the answers along its index, unsorted).
    # All three join the roster, so that they hold the same reports (the merge below relies on it).
    reports = (Report.objects.filter(round=round, platform__round_platforms__round=round).order_by("platform__code")
               .values_list("pk", "platform__code", "platform__name", "platform__level", "status"))
    with _one_snapshot(reports.db):
        # The answers and notes are read first: should a report be saved for the first time in between
        # (without one snapshot), its row shows without answers and the other rows are not affected.
        answers = _RowsByReport(Answer.objects
                                .filter(report__round=round, report__platform__round_platforms__round=round)
                                .order_by("report__platform__code")
                                .values_list("report_id", "question_id", "theme_id", "value"))
        notes = _RowsByReport(Note.objects.filter(report__round=round, report__platform__round_platforms__round=round)
                              .order_by("report__platform__code")
                              .values_list("report_id", "section_id", "theme_id", "text"))
        cells = _ReportCells(definition)
        date_columns = [i for i, slot in enumerate(definition.slots) if slot.question.kind == QuestionKind.DATE]
        for pk, code, name, level, status in reports.iterator(chunk_size=CHUNK):
            row = cells.of(level, answers.take(pk), notes.take(pk))
            if dates:
                for index in date_columns:
                    row[index] = _as_date(row[index])
            yield [code, name, level, status, *row]


def _as_date(text: str):
    """A stored date answer as a date; a text that is no date (none is stored so) stays as it is."""
    try:
        return datetime.date.fromisoformat(text) if text else text
    except ValueError:
        return text


@contextmanager
def _one_snapshot(using: str):
    """On PostgreSQL, let the export's three queries read one snapshot of the database.

    Otherwise each query sees the data as it was when it started: the answers of a report removed
    in between would match no report, and the rows after it would come out without theirs. Inside
    a caller's transaction, that transaction decides; SQLite (development) is left as it is.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


class _RowsByReport:
    """The rows of a query in the reports' order (report id first), taken report by report: a merge join."""

    def __init__(self, queryset):
        self._groups = groupby(queryset.iterator(chunk_size=ROW_CHUNK), key=itemgetter(0))
        self._advance()  # runs the query now

    def _advance(self) -> None:
        self._report_id, self._rows = next(self._groups, (None, ()))

    def take(self, report_id: int) -> list[tuple]:
        if self._report_id != report_id:
            return []
        rows = list(self._rows)
        self._advance()
        return rows


class _ReportCells:
    """A report's answer and note cells, in the order of the columns, from its stored rows.

    An answer is stored as the file writes it (`rounds.questionnaire.storage_rows` and
    `cell_text`), so its value is its cell, except for several of a list (a row per option, one
    cell of names) and a number (written as a number, so that a spreadsheet counts with it).
    """

    def __init__(self, definition: Definition):
        self.definition = definition
        self.slots = definition.slots
        self.answer_index = {(slot.question.pk, slot.theme.pk if slot.theme else None): i
                             for i, slot in enumerate(self.slots)}
        self.note_index = {(note.section.pk, note.theme.pk if note.theme else None): len(self.slots) + i
                           for i, note in enumerate(definition.note_slots)}
        self.width = len(self.slots) + len(definition.note_slots)
        self.multiple = {i for i, slot in enumerate(self.slots) if slot.question.kind == QuestionKind.MULTIPLE}
        self.numbers = [i for i, slot in enumerate(self.slots) if slot.question.kind == QuestionKind.NUMBER]
        # Only the questions asked under a condition need the report's answers to know whether they were asked.
        self.conditional = [(i, slot) for i, slot in enumerate(self.slots) if slot.question.relevant is not None]
        self.column_index = {slot.column: i for i, slot in enumerate(self.slots)}
        self._not_asked_of_level: dict[str, list[int]] = {}

    def _not_asked(self, level: str, cells: list, chosen: dict[int, list[str]]) -> list[int]:
        """The columns not asked of a report of this level with these answers.

        A condition reads the stored answers (implied answers are stored too, and an answer to a question
        not asked never is): the same as `Definition.states`, without evaluating every question per report.
        """
        if level not in self._not_asked_of_level:
            self._not_asked_of_level[level] = [
                *(i for i, slot in enumerate(self.slots) if not slot.question.applies_to(level)),
                *(len(self.slots) + i for i, note in enumerate(self.definition.note_slots)
                  if not note.section.applies_to(level))]
        if not self.conditional:
            return self._not_asked_of_level[level]

        def lookup_from(theme):
            def lookup(key):
                index = self.column_index.get(self.definition.column_of(key, theme))
                if index is None:
                    return ""
                if index in chosen:
                    return frozenset(chosen[index])
                return "" if cells[index] == "" else str(cells[index])
            return lookup

        return [*(i for i, slot in self.conditional if slot.question.applies_to(level)
                  and not conditions.holds(slot.question.relevant, lookup_from(slot.theme))),
                *self._not_asked_of_level[level]]

    def of(self, level: str, answers: list[tuple], notes: list[tuple]) -> list:
        cells: list = [""] * self.width
        chosen: dict[int, list[str]] = {}
        answer_index, multiple = self.answer_index, self.multiple
        for _report, question_id, theme_id, value in answers:
            index = answer_index.get((question_id, theme_id))
            if index is None:  # an answer to a theme no longer in the round is not in the file
                continue
            if index in multiple:
                chosen.setdefault(index, []).append(value)
            else:
                cells[index] = value
        for index, names in chosen.items():
            cells[index] = cell_text(self.slots[index].question, frozenset(names))
        for index in self.numbers:
            if cells[index] != "":
                cells[index] = int(cells[index])
        for _report, section_id, theme_id, text in notes:
            index = self.note_index.get((section_id, theme_id))
            if index is not None:
                cells[index] = text
        for index in self._not_asked(level, cells, chosen):
            cells[index] = ""
        return cells


def _names(objects) -> str:
    return "; ".join(sorted(str(o) for o in objects))


def initiative_rows(initiatives) -> Iterator[list]:
    """The header, then one row per initiative (many-to-many values joined with "; ")."""
    yield INITIATIVE_COLUMNS
    initiatives = initiatives.select_related("report__platform").prefetch_related(
        "target_groups", "asked_of", "partners_involved", "themes").order_by("report__platform__code", "start_date")
    for i in initiatives.iterator(chunk_size=CHUNK):
        platform = i.report.platform
        yield [
            platform.code, platform.name, platform.level, i.report.status, i.title, i.description, i.kind,
            "; ".join(g.slug for g in i.target_groups.all()), _names(i.asked_of.all()),
            _names(i.partners_involved.all()), i.other_partners, i.start_date,
            i.end_date or "", "" if i.reached_count is None else i.reached_count,
            i.reached_unit, "; ".join(t.slug for t in i.themes.all()),
        ]


# What the columns mean: the second sheet ("Vragen") ------------------------------------------------------------


def _choice_lines(choices) -> str:
    return "\n".join(f"{name} = {label}" for name, label in choices)


def _level_label(level: str) -> str:
    return str(Level(level).label) if level in Level.values else _("All levels")


def _question_values(question) -> str:
    if question.kind == QuestionKind.MULTIPLE:
        return "\n".join([_choice_lines(question.choices), _("Several codes, separated by spaces.")])
    if question.has_choices:
        return _choice_lines(question.choices)
    if question.kind == QuestionKind.NUMBER:
        bounds = [_("at least %(n)s") % {"n": question.min_value} if question.min_value is not None else "",
                  _("at most %(n)s") % {"n": question.max_value} if question.max_value is not None else ""]
        return ", ".join(bound for bound in bounds if bound)
    return ""


def _asked_of(definition: Definition, slot) -> str:
    """To whom the question is asked: its level, and when it is answered or its answer follows from others."""
    return "\n".join([_level_label(slot.question.level), *condition_sentences(definition, slot)])


def _platform_explanations() -> list[tuple[str, str, str]]:
    """(column, meaning, values) of the platform columns that every file of reports or initiatives starts with."""
    return [
        ("platform_code", _("Code of the platform"), ""),
        ("platform_name", _("Name of the platform"), ""),
        ("level", _("Level"), _choice_lines(Level.choices)),
    ]


def report_questions(definition: Definition) -> list[list[str]]:
    """The "Vragen" sheet of the report file: per column its key, section, question (as the questionnaire words
    it, in Dutch), kind, values (code = label) and to whom it is asked; the header first."""
    rows = [[_("Column"), _("Section"), _("Question"), _("Kind"), _("Values"), _("Asked of")]]
    rows += [[column, "", meaning, "", values, ""] for column, meaning, values in _platform_explanations()]
    rows.append(["status", "", _("Status of the report"), "", _choice_lines(ReportStatus.choices), ""])
    for instance in definition.instances:
        for slot in instance.slots:
            rows.append([slot.column, instance.title, slot.question.label, str(QuestionKind(slot.question.kind).label),
                         _question_values(slot.question), _asked_of(definition, slot)])
    for instance in definition.instances:
        if instance.note:
            rows.append([instance.note.column, instance.title, instance.section.note_label, _("Note"), "",
                         _level_label(instance.section.level)])
    return rows


def initiative_questions(round: ReportingRound) -> list[list[str]]:
    """The "Vragen" sheet of the initiatives file: per column its key, meaning and values (code = label)."""
    field = Initiative._meta.get_field
    several = _("Several, separated by “; ”.")
    values = {
        "report_status": _choice_lines(ReportStatus.choices),
        "kind": _choice_lines(InitiativeKind.choices),
        "target_groups": "\n".join([_choice_lines(TargetGroup.objects.values_list("slug", "name")), several]),
        "asked_of": several,
        "partners_involved": several,
        "reached_unit": _choice_lines(ReachedUnit.choices),
        "themes": "\n".join([_choice_lines((theme.slug, theme.name) for theme in round.themes.all()), several]),
    }
    rows = [[_("Column"), _("Description"), _("Values")]]
    rows += [list(explanation) for explanation in _platform_explanations()]
    rows.append(["report_status", _("Status of the report"), values["report_status"]])
    rows += [[column, str(capfirst(field(column).verbose_name)), values.get(column, "")]
             for column in INITIATIVE_COLUMNS[4:]]
    return rows


# Writers ------------------------------------------------------------------------------------------------------


def _safe(row: list) -> list:
    return [neutralise(value) if isinstance(value, str) else value for value in row]


def xml_text(value: str) -> str:
    """The text without the characters an XML file cannot hold (openpyxl and python-docx refuse them)."""
    return XML_ILLEGAL_CHARACTERS.sub("", value)


def _local(value: datetime.datetime) -> datetime.datetime:
    """A moment as the clock in Brussels shows it, without a time zone (a spreadsheet knows none)."""
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


class _Echo:
    """A file-like object whose write returns the line, for csv.writer inside a generator."""

    def write(self, value):
        return value


def csv_dialect(request) -> str | None:
    """The CSV a download asks for: "excel" for `?dialect=excel`, else None (the plain CSV, also for any other
    value: a link cannot ask for a file that does not exist)."""
    return EXCEL_DIALECT if request.GET.get("dialect") == EXCEL_DIALECT else None


def _csv_cell(value):
    if isinstance(value, datetime.datetime):
        return _local(value).isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def csv_response(rows: Iterable[list], filename: str, *, dialect: str | None = None) -> StreamingHttpResponse:
    """The rows as a CSV download, streamed: UTF-8 with a BOM, CRLF, commas; with `dialect="excel"` semicolons,
    the separator Excel expects with Belgian (and most European) settings. Dates are written YYYY-MM-DD."""
    writer = csv.writer(_Echo(), delimiter=";" if dialect == EXCEL_DIALECT else ",")

    def lines():
        yield "\ufeff"  # so that Excel reads the file as UTF-8
        for row in rows:
            yield writer.writerow([_csv_cell(value) for value in _safe(row)])

    response = StreamingHttpResponse(lines(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _cell_width(value) -> int:
    if isinstance(value, datetime.datetime):
        return len(DATETIME_FORMAT)
    if isinstance(value, datetime.date):
        return len(DATE_FORMAT)
    return max((len(line) for line in str(value).splitlines()), default=0)


def _set_widths(sheet, rows: list[list]) -> None:
    """Each column as wide as its widest cell in these rows (within bounds); before the first row is written."""
    widths: dict[int, int] = {}
    for row in rows:
        for index, value in enumerate(row):
            widths[index] = max(widths.get(index, 0), _cell_width(value))
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)


def _header_cells(sheet, row: list) -> list:
    cells = []
    for value in _safe(row):
        cell = WriteOnlyCell(sheet, xml_text(value) if isinstance(value, str) else value)
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def _data_cells(sheet, row: list, *, wrap: bool = False) -> list:
    cells = []
    for value in _safe(row):
        if isinstance(value, datetime.datetime):
            cell = WriteOnlyCell(sheet, _local(value))
            cell.number_format = DATETIME_FORMAT
        elif isinstance(value, datetime.date):
            cell = WriteOnlyCell(sheet, value)
            cell.number_format = DATE_FORMAT
        elif isinstance(value, str):
            value = xml_text(value)
            if not (wrap and "\n" in value):
                cells.append(value)
                continue
            cell = WriteOnlyCell(sheet, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        else:
            cells.append(value)
            continue
        cells.append(cell)
    return cells


def _write_table(sheet, rows: Iterable[list], *, wrap: bool = False) -> None:
    """Header and rows into a write-only sheet: the header frozen and bold, a filter over the data, widths from
    the first rows; the rest streamed."""
    rows = iter(rows)
    header = next(rows, None)
    if header is None:
        return
    sample = list(islice(rows, WIDTH_SAMPLE_ROWS))
    # A write-only sheet writes its panes and widths before its first row, and its filter after its last.
    sheet.freeze_panes = "A2"
    _set_widths(sheet, [header, *sample])
    sheet.append(_header_cells(sheet, header))
    last = 1
    for row in chain(sample, rows):
        sheet.append(_data_cells(sheet, row, wrap=wrap))
        last += 1
    if header:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{last}"


def xlsx_response(rows: Iterable[list], filename: str, title: str, *, questions: list[list] | None = None,
                  questions_title: str = QUESTIONS_SHEET) -> FileResponse:
    """The rows (header first) as an XLSX download: one sheet `title` with a frozen header, a filter, column widths
    and date cells; with `questions` (header first), a second sheet `questions_title` that explains the columns.

    A reader of the data (the import) takes the first sheet: the explanation comes after it.
    """
    workbook = Workbook(write_only=True)
    _write_table(workbook.create_sheet(title=title[:31]), rows)
    if questions is not None:
        _write_table(workbook.create_sheet(title=questions_title[:31]), questions, wrap=True)
    # The workbook is written to disk and streamed from there; the file disappears when closed.
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def round_initiatives(round: ReportingRound):
    """The initiatives of the reports of the round's platforms (its roster), drafts too."""
    return Initiative.objects.filter(report__round=round, report__platform__round_platforms__round=round)
