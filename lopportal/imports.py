"""What the file imports of every app share: reading a CSV or XLSX table, and an error at a line and column."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from django.core.management.base import CommandError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import load_workbook

SUPPORTED_EXTENSIONS = (".csv", ".xlsx")
HEADER_LINE = 1


@dataclass(frozen=True)
class RowError:
    """One problem in the file, at a line (the header is line 1) and a column (by its name)."""

    line: int | None
    column: str | None
    message: str

    @property
    def position(self) -> str:
        if self.line is not None and self.column:
            return _("line %(line)d, column %(column)s") % {"line": self.line, "column": self.column}
        if self.line is not None:
            return _("line %(line)d") % {"line": self.line}
        return ""

    def __str__(self):
        return f"{self.position}: {self.message}" if self.position else self.message


def row_values(line: int, texts: list[str], header: list[str]) -> tuple[dict[str, str] | None, list[RowError]]:
    """A data row's cells by column name, with the errors of the row itself.

    A cell beyond the named columns is an error. A cell with a NUL character is an error too, and
    then the row is not returned (None): PostgreSQL cannot hold, or even look up, such text, so no
    check or write may ever send it to the database.
    """
    errors = [RowError(line, str(number), _("This cell lies outside the named columns."))
              for number, text in enumerate(texts[len(header):], start=len(header) + 1) if text]
    values = dict(zip(header, texts + [""] * (len(header) - len(texts)), strict=False))
    nul = [RowError(line, name, str(ProhibitNullCharactersValidator.message))
           for name, text in values.items() if "\x00" in text]
    if nul:
        return None, errors + nul
    return values, errors


def _csv_records(data: bytes) -> list[tuple[int, list]]:
    """The records of a CSV file with the line each starts on (a quoted cell may span several lines)."""
    text = data.decode("utf-8-sig")
    first_line = text.split("\n", 1)[0]
    # Column names hold no commas or semicolons, so counting them in the header is a safe sniff.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records = []
    start = 1
    for record in reader:
        records.append((start, record))
        start = reader.line_num + 1
    return records


def _xlsx_records(data: bytes) -> list[tuple[int, list]]:
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        # Some writers record a wrong used range; read the rows as they are in the file instead.
        sheet.reset_dimensions()
        return [(number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        workbook.close()


def _read_records(data: bytes, filename: str) -> tuple[list[tuple[int, list]], list[RowError]]:
    extension = PurePath(filename).suffix.lower()
    if extension == ".csv":
        try:
            return _csv_records(data), []
        except UnicodeDecodeError:
            return [], [RowError(None, None, _("The file is not UTF-8 text: save it as \"CSV UTF-8\"."))]
        except csv.Error as error:
            return [], [RowError(None, None, _("The file cannot be read as CSV: %(error)s") % {"error": error})]
    if extension == ".xlsx":
        try:
            return _xlsx_records(data), []
        except Exception:  # openpyxl raises many kinds of errors on a damaged or foreign file (lxml's too)
            return [], [RowError(None, None, _("The file cannot be read as an Excel workbook (.xlsx)."))]
    return [], [RowError(None, None, _("Only .csv and .xlsx files can be imported."))]


def _check_header(header: list[str], expected: list[str]) -> list[RowError]:
    errors = []
    seen = set()
    for number, name in enumerate(header, start=1):
        if not name:
            errors.append(RowError(HEADER_LINE, str(number), _("This column has no name.")))
        elif name in seen:
            errors.append(RowError(HEADER_LINE, name, _("This column appears twice.")))
        elif name not in expected:
            errors.append(RowError(HEADER_LINE, name, _("Unknown column.")))
        seen.add(name)
    errors.extend(RowError(HEADER_LINE, name, _("This column is missing.")) for name in expected if name not in seen)
    return errors


def read_table(data: bytes, filename: str, columns: list[str], *, cell_text: Callable[[object, str | None], str],
               no_rows: str, lower_header: bool = False) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """The data rows, as (line, cells by column name), of a CSV or XLSX file with exactly these columns.

    The file type follows from its name. Checks the header (every column, nothing else, in any
    order; with `lower_header` case-insensitively) but not the values, except that no cell may hold
    a NUL character. `cell_text(value, column)` turns a cell into text. Empty rows are skipped;
    empty columns after the last named one are ignored; a file without data rows is refused with
    `no_rows`.
    """
    records, errors = _read_records(data, filename)
    if errors:
        return [], errors
    if not records:
        return [], [RowError(HEADER_LINE, None, _("The file is empty."))]
    header = [cell_text(cell, None) for cell in records[0][1]]
    if lower_header:
        header = [name.lower() for name in header]
    while header and not header[-1]:
        header.pop()
    errors = _check_header(header, columns)
    if errors:
        return [], errors

    rows = []
    for line, cells in records[1:]:
        texts = [cell_text(cell, header[number] if number < len(header) else None)
                 for number, cell in enumerate(cells)]
        if not any(texts):
            continue
        values, row_errors = row_values(line, texts, header)
        errors.extend(row_errors)
        if values is not None:
            rows.append((line, values))
    if not rows and not errors:
        errors.append(RowError(None, None, no_rows))
    return rows, errors


def refusal_message(errors: list) -> str:
    """The text of a refused file: how many errors, then one per line."""
    count = len(errors)
    heading = ngettext("Nothing was imported: the file has %(count)d error.",
                       "Nothing was imported: the file has %(count)d errors.", count) % {"count": count}
    return "\n".join([heading, *[str(error) for error in errors]])


def import_refusal(errors: list) -> CommandError:
    """A command's refusal of a whole file (`refusal_message`)."""
    return CommandError(refusal_message(errors))
