"""CSV and XLSX exports of a round's reports and initiatives, streamed row by row.

Rows come from `iterator(chunk_size=...)`, CSV is written to the response as it is produced,
and XLSX is built by openpyxl's write-only workbook in a temporary file: memory stays flat
however many platforms there are. Every text cell is neutralised against formula injection.
"""

import csv
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import groupby
from operator import itemgetter

from django.db import connections, transaction
from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook

from initiatives.models import Initiative
from rounds import conditions
from rounds.columns import neutralise, report_columns
from rounds.models import Answer, Note, QuestionKind, Report, ReportingRound
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


def report_rows(round: ReportingRound) -> Iterator[list]:
    """The header (`rounds/columns.py`), then one row per report of the round (drafts too), by platform code.

    Only the reports of the round's platforms (its roster): a platform taken out of the round is not in the file.

    Three queries whatever the number of reports: the reports, their answer rows and their note
    rows, each ordered by platform code and read as plain tuples in chunks from a server-side
    cursor, then merged report by report; no model objects are built and memory stays flat
    (docs/performance.md). A question not asked of a report (by its level or by a condition on
    earlier answers) is an empty cell, as is the note of a section not asked.
    """
    definition = definition_for(round)
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
        for pk, code, name, level, status in reports.iterator(chunk_size=CHUNK):
            yield [code, name, level, status, *cells.of(level, answers.take(pk), notes.take(pk))]


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
            _names(i.partners_involved.all()), i.other_partners, i.start_date.isoformat(),
            i.end_date.isoformat() if i.end_date else "", "" if i.reached_count is None else i.reached_count,
            i.reached_unit, "; ".join(t.slug for t in i.themes.all()),
        ]


def _safe(row: list) -> list:
    return [neutralise(value) if isinstance(value, str) else value for value in row]


def xml_text(value: str) -> str:
    """The text without the characters an XML file cannot hold (openpyxl and python-docx refuse them)."""
    return XML_ILLEGAL_CHARACTERS.sub("", value)


class _Echo:
    """A file-like object whose write returns the line, for csv.writer inside a generator."""

    def write(self, value):
        return value


def csv_response(rows: Iterable[list], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # so that Excel reads the file as UTF-8
        for row in rows:
            yield writer.writerow(_safe(row))

    response = StreamingHttpResponse(lines(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(rows: Iterable[list], filename: str, title: str) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for row in rows:
        sheet.append([xml_text(value) if isinstance(value, str) else value for value in _safe(row)])
    # The workbook is written to disk and streamed from there; the file disappears when closed.
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def round_initiatives(round: ReportingRound):
    """The initiatives of the reports of the round's platforms (its roster), drafts too."""
    return Initiative.objects.filter(report__round=round, report__platform__round_platforms__round=round)
