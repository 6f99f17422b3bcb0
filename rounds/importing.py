"""Reading reports back from a file in the one export format (`columns.py`), all or nothing; and a
questionnaire read from an XLSForm file (`xlsform.py`) written as an import.

`parse_report_file` reads a CSV or XLSX file into rows (within the bounds of `lopportal.imports`),
`validate_rows` checks every row by the rules of the report form (the round's questionnaire:
`Definition.check`, strictly, so that a cell for a question not asked is refused rather than
dropped), and the service `reports_import` writes them through the one writer of answers. A row of
a platform that is not one of the round's platforms is refused. Errors name the line and column of
the file, so that the person who made the file can find and fix every problem in one go. Both
services record the import in the audit log, with the file's name and SHA-256 and the counts.
"""

import datetime
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_import
from lopportal.imports import ImportedFile, RowError, read_table
from platforms.models import Platform
from summaries.summary import round_data_changed

from .columns import report_columns, unneutralise
from .models import TEXT_MAX_LENGTH, Questionnaire, Report, ReportingRound, ReportStatus, RoundPlatform
from .questionnaire import Definition, definition_for, parse_cell
from .services.questionnaires import questionnaire_replace
from .services.reports import answers_write
from .spec import normalise_spec, spec_from_questionnaire


@dataclass
class ReportRow:
    """One data row of the file: its line number and its cells by column name (trimmed strings)."""

    line: int
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class _CheckedRow:
    platform: Platform
    status: str
    values: dict  # checked, by column, as `Definition.check` returns them
    notes: dict


# Reading ------------------------------------------------------------------------------------------------------


def _cell_text(value, _column: str | None = None) -> str:
    """A cell as a trimmed string; an XLSX true/false cell reads as yes/no, a date cell as YYYY-MM-DD."""
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
    return report_columns(definition_for(round))


def parse_report_file(fileobj: BinaryIO, filename: str,
                      round: ReportingRound) -> tuple[list[ReportRow], list[RowError]]:
    """Read a CSV or XLSX report file of this round into rows; the file type follows from its name.

    Checks the header (every column of the format, nothing else) but not the values (that is
    `validate_rows`), except that no cell may hold a NUL character or be too long. Empty rows are
    skipped; empty columns after the last named one are ignored. A file larger than the bound is
    refused without reading it all.
    """
    data = fileobj.read(settings.IMPORT_MAX_UNPACKED_BYTES + 1)
    rows, errors = read_table(data, filename, round_columns(round), cell_text=_cell_text,
                              no_rows=_("The file holds no reports."), max_rows=settings.IMPORT_MAX_ROWS["responses"])
    return [ReportRow(line=line, values=values) for line, values in rows], errors


# Checking -----------------------------------------------------------------------------------------------------


def _platform_errors(code: str, platform: Platform | None, line: int, first_line: dict[str, int],
                     in_round: set[int]) -> list[RowError]:
    if not code:
        return [RowError(line, "platform_code", _("The platform code is missing."))]
    if code in first_line:
        return [RowError(line, "platform_code", _(
            "This platform appears twice in the file (also on line %(line)d).") % {"line": first_line[code]})]
    if platform is None:
        return [RowError(line, "platform_code", _("There is no platform with this code."))]
    if platform.pk not in in_round:
        # The round's platforms are fixed: a report of another platform would count nowhere.
        return [RowError(line, "platform_code", _(
            "Platform %(code)s is not one of the platforms of this round: an administrator can add it on the "
            "round's platforms page.") % {"code": code})]
    return []


def _cells(row: ReportRow, definition: Definition) -> tuple[dict, dict, list[RowError]]:
    """The row's answers as values and its notes as text, with the cells that are no answer at all."""
    values, notes, errors = {}, {}, []
    for slot in definition.slots:
        try:
            value = parse_cell(slot.question, row.values[slot.column])
        except ValueError as error:
            errors.append(RowError(row.line, slot.column, str(error)))
            continue
        if value is not None:
            values[slot.column] = value
    note_length = MaxLengthValidator(TEXT_MAX_LENGTH)  # the form's own limit, and its message
    for note in definition.note_slots:
        text = row.values[note.column]
        try:
            note_length(text)
        except ValidationError as error:
            errors.extend(RowError(row.line, note.column, message) for message in error.messages)
            continue
        if text:
            notes[note.column] = text
    return values, notes, errors


def _check_rows(round: ReportingRound, definition: Definition,
                rows: list[ReportRow]) -> tuple[list[_CheckedRow], list[RowError]]:
    codes = {row.values.get("platform_code", "") for row in rows}
    platforms = {p.code: p for p in Platform.objects.filter(code__in=codes - {""})}
    in_round = set(RoundPlatform.objects.filter(round=round).values_list("platform_id", flat=True))
    order = {name: index for index, name in enumerate(report_columns(definition))}
    first_line: dict[str, int] = {}
    checked, errors = [], []

    for row in rows:
        code = row.values["platform_code"]
        platform = platforms.get(code)
        row_errors = _platform_errors(code, platform, row.line, first_line, in_round)
        if row_errors:
            platform = None
        if code:
            first_line.setdefault(code, row.line)

        status = row.values["status"].lower()
        if status not in ReportStatus.values:
            row_errors.append(RowError(row.line, "status", _("Unknown status: use %(values)s.") % {
                "values": ", ".join(ReportStatus.values)}))

        # Without a platform the level is unknown, but the cells can still be checked on their own.
        values, notes, cell_errors = _cells(row, definition)
        row_errors += cell_errors
        if platform is not None:
            refused = {error.column for error in cell_errors}
            clean, clean_notes, rule_errors = definition.check(
                platform.level, values, notes, submitting=status == ReportStatus.SUBMITTED, strict=True)
            # A refused cell is not also reported as unanswered, or as breaking a rule.
            row_errors += [RowError(row.line, column, message) for column, messages in rule_errors.items()
                           if column not in refused for message in messages]
            if not row_errors:
                checked.append(_CheckedRow(platform=platform, status=status, values=clean, notes=clean_notes))
        row_errors.sort(key=lambda e: order.get(e.column, len(order)))
        errors.extend(row_errors)
    return checked, errors


def validate_rows(round: ReportingRound, rows: list[ReportRow]) -> list[RowError]:
    """Every problem in these rows, checked by the same rules as a coordinator's report."""
    return _check_rows(round, definition_for(round), rows)[1]


# Writing ------------------------------------------------------------------------------------------------------


@transaction.atomic
def reports_import(*, actor, round: ReportingRound, rows: list[ReportRow], source: ImportedFile | None = None) -> int:
    """Create or replace the round's report of every platform in the rows; all or nothing.

    The rows are checked again here, inside the transaction, so that nothing is written unless
    every row passes. What the file leaves empty is unanswered afterwards. Raises the round's data
    version once. Returns the number of reports written. The import is recorded in the audit log,
    on the round, with its file (`source`: name, SHA-256, command) and the reports created and replaced.
    """
    definition = definition_for(round)
    checked, errors = _check_rows(round, definition, rows)
    if errors:
        raise ValidationError([str(error) for error in errors])
    now = timezone.now()
    created = 0
    for item in checked:
        report = Report.objects.select_for_update().filter(round=round, platform=item.platform).first()
        if report is None:
            created += 1
            report = Report(round=round, platform=item.platform, version=1)
        else:
            # Raising the version turns a coordinator's page that was open before the import into a stale save.
            report.version += 1
        report.updated_at, report.updated_by = now, actor
        report.status = item.status
        if item.status == ReportStatus.SUBMITTED:
            if report.submitted_at is None:
                report.submitted_at, report.submitted_by = now, actor
            report.reopened = False  # submitting closes a reopened report again, as in the form
        report._history_user = actor
        report.full_clean()
        report.save()
        answers_write(actor=actor, report=report, definition=definition, values=item.values, notes=item.notes)
    round_data_changed(round)
    record_import(actor=actor, kind="responses", file_name=source.name if source else "",
                  sha256=source.sha256 if source else "", rows=len(rows), created=created,
                  updated=len(checked) - created, unchanged=0, target=round,
                  command=source.command if source else None)
    return len(checked)


def _question_parts(sections: list[dict]) -> dict[str, dict]:
    """The questions of a spec by key, each with the key of its section."""
    return {question["key"]: {**question, "choices": [list(choice) for choice in question["choices"]],
                              "section": section["key"]}
            for section in sections for question in section["questions"]}


@transaction.atomic
def questionnaire_import(*, actor, round: ReportingRound, sections: list[dict], source: ImportedFile):
    """Replace the round's questionnaire with one read from a file (`questionnaire_replace`) and record the import.

    The audit entry, on the round, has the file (`source`: name, SHA-256, command) and counts the file's
    questions: new ones (created), changed ones (updated) and the same as before (unchanged).
    """
    sections = normalise_spec(sections)
    before = _question_parts(spec_from_questionnaire(Questionnaire.objects.filter(round=round).first()))
    questionnaire = questionnaire_replace(actor=actor, round=round, sections=sections)
    after = _question_parts(sections)
    created = sum(1 for key in after if key not in before)
    unchanged = sum(1 for key, question in after.items() if before.get(key) == question)
    record_import(actor=actor, kind="questionnaire", file_name=source.name, sha256=source.sha256, rows=len(after),
                  created=created, updated=len(after) - created - unchanged, unchanged=unchanged, target=round,
                  command=source.command)
    return questionnaire
