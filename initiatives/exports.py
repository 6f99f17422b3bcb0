"""CSV and XLSX exports of a round's reports and initiatives, streamed row by row.

Rows come from `iterator(chunk_size=...)`, CSV is written to the response as it is produced,
and XLSX is built by openpyxl's write-only workbook in a temporary file: memory stays flat
however many platforms there are. Every text cell is neutralised against formula injection.
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator

from django.db.models import Prefetch
from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook

from .columns import (
    ARRANGEMENT_COLUMNS,
    REGISTRATION_COLUMNS,
    REPORT_NOTE_COLUMNS,
    THEME_FIELDS,
    encode_arrangement,
    encode_bool,
    neutralise,
    report_columns,
)
from .models import Initiative, Report, ReportingRound, ThemeAnswer

CHUNK = 500
INITIATIVE_COLUMNS = [
    "platform_code", "platform_name", "level", "report_status", "title", "description", "kind", "target_groups",
    "asked_of", "partners_involved", "other_partners", "start_date", "end_date", "reached_count", "reached_unit",
    "themes",
]
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_rows(round: ReportingRound) -> Iterator[list]:
    """The header, then one row per report of the round (drafts too), by platform code."""
    slugs = [t.slug for t in round.themes.all()]
    yield report_columns(slugs)
    reports = (
        Report.objects.filter(round=round).select_related("platform").order_by("platform__code")
        .prefetch_related(Prefetch("theme_answers", queryset=ThemeAnswer.objects.select_related("theme")))
    )
    for report in reports.iterator(chunk_size=CHUNK):
        answers = {a.theme.slug: a for a in report.theme_answers.all()}
        themes = [answers.get(slug) for slug in slugs]
        yield [
            report.platform.code, report.platform.name, report.platform.level, report.status,
            *[encode_bool(getattr(report, c)) for c in REGISTRATION_COLUMNS],
            *[encode_arrangement(getattr(report, c)) for c in ARRANGEMENT_COLUMNS],
            *[encode_bool(getattr(a, f) if a else None) for a in themes for f in THEME_FIELDS],
            *[getattr(report, c) for c in REPORT_NOTE_COLUMNS],
            *[a.note if a else "" for a in themes],
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
        sheet.append(_safe(row))
    # The workbook is written to disk and streamed from there; the file disappears when closed.
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def round_initiatives(round: ReportingRound):
    return Initiative.objects.filter(report__round=round)
