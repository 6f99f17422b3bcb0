"""Reading reports back from a file in the one export format (`columns.py`), all or nothing.

`parse_report_file` reads a CSV or XLSX file into rows, `validate_rows` checks every row against
the rules of the report form (the same forms the coordinators fill in), and the service
`reports_import` writes them. Errors name the line and column of the file, so that the person
who made the file can find and fix every problem in one go.
"""

import datetime
from dataclasses import dataclass, field
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from initiatives.models import ThemeAnswer
from lopportal.imports import RowError, read_table
from platforms.models import Level, Platform
from summaries.summary import round_data_changed

from .columns import (
    ARRANGEMENT_COLUMNS,
    ARRANGEMENT_VALUES,
    FALSE_VALUES,
    REGISTRATION_COLUMNS,
    THEME_FIELDS,
    TRUE_VALUES,
    report_columns,
    theme_column,
    unneutralise,
)
from .forms import ReportForm, ThemeAnswerForm
from .models import Arrangement, Report, ReportingRound, ReportStatus, Theme

# Read from the file but not checked against the database (the platform code says which platform).
INFORMATIVE_COLUMNS = ("platform_name", "level")
PRESCHOOL_COLUMNS = ("preschool", "preschool_note")


@dataclass
class ReportRow:
    """One data row of the file: its line number and its cells by column name (trimmed strings)."""

    line: int
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class _CheckedRow:
    platform: Platform
    status: str
    answers: dict
    theme_answers: dict[int, dict]


# Reading ------------------------------------------------------------------------------------------------------


def _cell_text(value, _column: str | None = None) -> str:
    """A cell as a trimmed string; an XLSX true/false cell reads as yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return unneutralise(str(value).strip())


def round_columns(round: ReportingRound) -> list[str]:
    """The columns a report file of this round has, in order."""
    return report_columns([theme.slug for theme in round.themes.all()])


def parse_report_file(fileobj: BinaryIO, filename: str,
                      round: ReportingRound) -> tuple[list[ReportRow], list[RowError]]:
    """Read a CSV or XLSX report file of this round into rows; the file type follows from its name.

    Checks the header (every column of the format, nothing else) but not the values (that is
    `validate_rows`), except that no cell may hold a NUL character. Empty rows are skipped; empty
    columns after the last named one are ignored.
    """
    rows, errors = read_table(fileobj.read(), filename, round_columns(round), cell_text=_cell_text,
                              no_rows=_("The file holds no reports."))
    return [ReportRow(line=line, values=values) for line, values in rows], errors


# Checking -----------------------------------------------------------------------------------------------------


def _yes_no(value: str) -> str | None:
    """The form value of a yes/no cell: "true", "false", "" (not answered) or None (not a valid answer)."""
    value = value.lower()
    if not value:
        return ""
    if value in TRUE_VALUES:
        return "true"
    if value in FALSE_VALUES:
        return "false"
    return None


def _arrangement(value: str) -> str | None:
    value = value.lower()
    if not value or value in ARRANGEMENT_VALUES:
        return value
    return None


def _invalid_yes_no() -> str:
    return _("Not a valid answer: use yes or no (ja or nee), or leave the cell empty.")


def _invalid_arrangement() -> str:
    return _("Not a valid answer: use %(values)s, or leave the cell empty.") % {
        "values": ", ".join(ARRANGEMENT_VALUES)}


def _form_data(row: ReportRow, themes: list[Theme], is_basis: bool, errors: list[RowError]) -> tuple[dict, set]:
    """The row as the report form and theme forms would receive it, and the columns already in error."""
    values = row.values
    data = {"loaded_version": "0"}
    bad = set()

    def put(column, key, value, parse=None, invalid=None):
        parsed = parse(value) if parse else value
        if parsed is None:
            errors.append(RowError(row.line, column, invalid()))
            bad.add(column)
        elif parsed:
            data[key] = parsed

    for column in REGISTRATION_COLUMNS:
        put(column, column, values[column], _yes_no, _invalid_yes_no)
    for column in ARRANGEMENT_COLUMNS:
        if column == "preschool" and not is_basis:
            continue
        put(column, column, values[column], _arrangement, _invalid_arrangement)
    for column in ("registrations_note", *[f"{c}_note" for c in ARRANGEMENT_COLUMNS]):
        if column != "preschool_note" or is_basis:
            put(column, column, values[column])
    for theme in themes:
        for name in THEME_FIELDS:
            column = theme_column(theme.slug, name)
            put(column, f"theme-{theme.slug}-{name}", values[column], _yes_no, _invalid_yes_no)
        column = theme_column(theme.slug, "note")
        put(column, f"theme-{theme.slug}-note", values[column])
    if not is_basis:
        for column in PRESCHOOL_COLUMNS:
            if values[column]:
                errors.append(RowError(row.line, column, _(
                    "Pre-school participation is not asked of secundair onderwijs platforms: leave this cell empty.")))
    return data, bad


def _form_errors(form, line: int, column_of, bad: set) -> list[RowError]:
    """The form's errors at their columns, except where the cell itself was already refused."""
    found = []
    for name, messages in form.errors.items():
        column = column_of(name)
        if column in bad:
            continue
        found.extend(RowError(line, column, str(message)) for message in messages)
    return found


def _report_column(name: str) -> str:
    # The hidden version field cannot fail (it is always "0"); other rules without a field are the status's.
    return name if name in REGISTRATION_COLUMNS or name in ARRANGEMENT_COLUMNS or name.endswith("_note") else "status"


def _check_rows(round: ReportingRound, rows: list[ReportRow]) -> tuple[list[_CheckedRow], list[RowError]]:
    themes = list(round.themes.all())
    codes = {row.values.get("platform_code", "") for row in rows}
    platforms = {p.code: p for p in Platform.objects.filter(code__in=codes - {""})}
    order = {name: index for index, name in enumerate(round_columns(round))}
    first_line: dict[str, int] = {}
    checked, errors = [], []

    for row in rows:
        row_errors = []
        code = row.values["platform_code"]
        platform = platforms.get(code)
        if not code:
            row_errors.append(RowError(row.line, "platform_code", _("The platform code is missing.")))
        elif code in first_line:
            row_errors.append(RowError(row.line, "platform_code", _(
                "This platform appears twice in the file (also on line %(line)d).") % {"line": first_line[code]}))
            platform = None
        elif platform is None:
            row_errors.append(RowError(row.line, "platform_code", _("There is no platform with this code.")))
        elif not platform.is_active:
            row_errors.append(RowError(row.line, "platform_code", _("This platform is no longer active.")))
            platform = None
        if code:
            first_line.setdefault(code, row.line)

        status = row.values["status"].lower()
        if status not in ReportStatus.values:
            row_errors.append(RowError(row.line, "status", _("Unknown status: use %(values)s.") % {
                "values": ", ".join(ReportStatus.values)}))

        # Without a platform the level is unknown, but the cells can still be checked on their own.
        is_basis = platform is None or platform.level == Level.BASIS
        data, bad = _form_data(row, themes, is_basis, row_errors)
        if platform is not None:
            submitting = status == ReportStatus.SUBMITTED
            report = Report(round=round, platform=platform)
            report_form = ReportForm(data=data, instance=report, submitting=submitting)
            theme_forms = {theme: ThemeAnswerForm(data=data, instance=ThemeAnswer(report=report, theme=theme),
                                                  prefix=f"theme-{theme.slug}", submitting=submitting)
                           for theme in themes}
            row_errors.extend(_form_errors(report_form, row.line, _report_column, bad))
            for theme, form in theme_forms.items():
                row_errors.extend(_form_errors(
                    form, row.line,
                    lambda name, slug=theme.slug: theme_column(slug, name if name in THEME_FIELDS + ["note"]
                                                               else "discussed"),
                    bad))
            if not row_errors:
                checked.append(_CheckedRow(
                    platform=platform, status=status, answers=report_form.answers(),
                    theme_answers={theme.pk: form.answers() for theme, form in theme_forms.items()},
                ))
        row_errors.sort(key=lambda e: order.get(e.column, len(order)))
        errors.extend(row_errors)
    return checked, errors


def validate_rows(round: ReportingRound, rows: list[ReportRow]) -> list[RowError]:
    """Every problem in these rows, checked by the same forms and rules as a coordinator's report."""
    return _check_rows(round, rows)[1]


# Writing ------------------------------------------------------------------------------------------------------


def _report_answers(answers: dict, level: str) -> dict:
    """Every answer and note of the report: what the file left out is unanswered (or not applicable)."""
    full = {}
    for name in ReportForm.Meta.fields:
        if name in answers:
            full[name] = answers[name]
        elif name in REGISTRATION_COLUMNS:
            full[name] = None
        else:
            full[name] = ""
    if level != Level.BASIS:
        full["preschool"], full["preschool_note"] = Arrangement.NOT_APPLICABLE, ""
    return full


@transaction.atomic
def reports_import(*, actor, round: ReportingRound, rows: list[ReportRow]) -> int:
    """Create or replace the round's report of every platform in the rows; all or nothing.

    The rows are checked again here, inside the transaction, so that nothing is written unless
    every row passes. Returns the number of reports written.
    """
    checked, errors = _check_rows(round, rows)
    if errors:
        raise ValidationError([str(error) for error in errors])
    themes = list(round.themes.all())
    now = timezone.now()
    for item in checked:
        report = Report.objects.select_for_update().filter(round=round, platform=item.platform).first()
        if report is None:
            report = Report(round=round, platform=item.platform, version=1)
        else:
            # Raising the version turns a coordinator's page that was open before the import into a stale save.
            report.version += 1
        report.updated_at, report.updated_by = now, actor
        for name, value in _report_answers(item.answers, item.platform.level).items():
            setattr(report, name, value)
        report.status = item.status
        if item.status == ReportStatus.SUBMITTED:
            if report.submitted_at is None:
                report.submitted_at, report.submitted_by = now, actor
            report.reopened = False  # submitting closes a reopened report again, as in the form
        report._history_user = actor
        report.full_clean()
        report.save()

        existing = {a.theme_id: a for a in report.theme_answers.all()}
        for theme in themes:
            data = item.theme_answers[theme.pk]
            answer = existing.get(theme.pk) or ThemeAnswer(report=report, theme=theme)
            changed = answer.pk is None or any(getattr(answer, f) != v for f, v in data.items())
            for name, value in data.items():
                setattr(answer, name, value)
            answer.full_clean()
            if changed:  # no history row for a theme the file did not change
                answer._history_user = actor
                answer.save()
    round_data_changed(round)
    return len(checked)
