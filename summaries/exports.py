"""CSV and XLSX exports of a round's reports and initiatives, streamed row by row.

Rows come from `iterator(chunk_size=...)`, CSV is written to the response as it is produced,
and XLSX is built by openpyxl's write-only workbook in a temporary file: memory stays flat
however many platforms there are. Every text cell is neutralised against formula injection.
"""

import csv
import re
import tempfile
from collections.abc import Iterable, Iterator

from django.db.models import FilteredRelation, Q
from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook

from initiatives.models import Initiative
from rounds.columns import (
    ARRANGEMENT_COLUMNS,
    REGISTRATION_COLUMNS,
    REPORT_NOTE_COLUMNS,
    THEME_FIELDS,
    encode_arrangement,
    encode_bool,
    neutralise,
    report_columns,
)
from rounds.models import Report, ReportingRound

CHUNK = 500
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
    """The header, then one row per report of the round (drafts too), by platform code.

    One query, whatever the number of reports: each theme's answer is joined in as a filtered
    relation and the rows come as plain tuples from a server-side cursor, so no model objects
    are built and memory stays flat (docs/performance.md).
    """
    themes = list(round.themes.all())
    yield report_columns([t.slug for t in themes])
    joins = {f"answer_{t.pk}": FilteredRelation("theme_answers", condition=Q(theme_answers__theme_id=t.pk))
             for t in themes}
    theme_values = [f"{join}__{field}" for join in joins for field in THEME_FIELDS]
    rows = (
        Report.objects.filter(round=round).annotate(**joins).order_by("platform__code")
        .values_list("platform__code", "platform__name", "platform__level", "status", *REGISTRATION_COLUMNS,
                     *ARRANGEMENT_COLUMNS, *theme_values, *REPORT_NOTE_COLUMNS,
                     *[f"{join}__note" for join in joins])
    )
    registrations = len(REGISTRATION_COLUMNS)
    arrangements = len(ARRANGEMENT_COLUMNS)
    for row in rows.iterator(chunk_size=CHUNK):
        start = 4
        answers = row[start + registrations + arrangements:start + registrations + arrangements + len(theme_values)]
        notes = row[start + registrations + arrangements + len(theme_values):]
        yield [
            *row[:start],
            *[encode_bool(v) for v in row[start:start + registrations]],
            *[encode_arrangement(v) for v in row[start + registrations:start + registrations + arrangements]],
            *[encode_bool(v) for v in answers],
            *[note or "" for note in notes],
        ]


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
    return Initiative.objects.filter(report__round=round)
