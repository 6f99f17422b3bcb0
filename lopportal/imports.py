"""What the file imports of every app share: reading a CSV or XLSX table within bounds, an error at a line and
column, the refusal of a file, and the file's fingerprint for the audit log.

A file is read as it comes, within bounds (settings `IMPORT_*`, see the README, "Imports"), so that no file,
however it was made, ties up a worker:

- size: a CSV file, and an XLSX workbook once unpacked, take at most IMPORT_MAX_UNPACKED_BYTES. A workbook is
  a zip: its directory says what each part unpacks to (and the zip module never unpacks more than that), so a
  zip bomb is refused from the directory alone, before openpyxl opens it, as is a part packed more tightly
  than a spreadsheet ever is (IMPORT_MAX_COMPRESSION_RATIO);
- length: reading stops after IMPORT_MAX_LINES lines (empty ones too), after the kind's IMPORT_MAX_ROWS data
  rows and after IMPORT_MAX_CELLS cells, with one error saying so; the workbook is streamed (openpyxl's
  read-only mode) and the CSV file decoded as it is read;
- cells: a cell longer than IMPORT_MAX_CELL_CHARS characters is an error (no field takes more);
- errors: every error is counted, the first IMPORT_ERRORS_SHOWN are kept and shown (`RowErrors`).
"""

import csv
import hashlib
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

SUPPORTED_EXTENSIONS = (".csv", ".xlsx")
HEADER_LINE = 1
# The delimiter is sniffed from the header line, read from at most this much of the file's start.
_SNIFF_BYTES = 64 * 1024
# The compression ratio is checked on parts of at least this size: small XML parts legitimately pack tightly.
_RATIO_FLOOR = 1024 * 1024
# Excel writes deflated (or stored) parts; other methods unpack a whole part at once, past any bound.
_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


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


class RowErrors(list):
    """A file's errors in the order found: the first `kept` of them, and the number of all of them (`total`).

    A bad file can have an error in every cell (millions in a few MB): keeping them all would take the memory
    the bounds save, and nobody reads past the first hundred.
    """

    def __init__(self, errors=(), *, kept: int | None = None):
        super().__init__()
        self.kept = settings.IMPORT_ERRORS_SHOWN if kept is None else kept
        self.dropped = 0
        self.extend(errors)

    def append(self, error) -> None:
        if len(self) < self.kept:
            super().append(error)
        else:
            self.dropped += 1

    def extend(self, errors) -> None:
        for error in errors:
            self.append(error)
        self.dropped += getattr(errors, "dropped", 0)

    def __iadd__(self, errors):
        self.extend(errors)
        return self

    def stopped(self, error) -> None:
        """The error that stopped the reading (a bound): put first, so that it is shown however many came before."""
        self.insert(0, error)
        if len(self) > self.kept:
            self.pop()
            self.dropped += 1

    @property
    def total(self) -> int:
        return len(self) + self.dropped


def error_count(errors) -> int:
    """How many errors there are, also those a `RowErrors` only counted."""
    return getattr(errors, "total", len(errors))


class _Refused(Exception):
    """The file cannot be read (any further): this error, and nothing else, is what is wrong with it."""

    def __init__(self, error: RowError):
        super().__init__(str(error))
        self.error = error


# Size ---------------------------------------------------------------------------------------------------------


def file_too_large_message() -> str:
    return _("The file is larger than %(size)s: split it into smaller files.") % {
        "size": filesizeformat(settings.IMPORT_MAX_UNPACKED_BYTES)}


def read_file(path: Path) -> bytes:
    """The bytes of a file a command imports; refused (CommandError) when it is missing or too large to read."""
    if not path.is_file():
        raise CommandError(_("The file %(path)s does not exist.") % {"path": path})
    limit = settings.IMPORT_MAX_UNPACKED_BYTES
    with path.open("rb") as fileobj:
        data = fileobj.read(limit + 1)  # a larger file is refused without reading it all
    if len(data) > limit:
        raise CommandError(file_too_large_message())
    return data


def workbook_problem(data: bytes) -> str | None:
    """Why this workbook is not opened, from its zip directory alone (nothing is unpacked); None when it may be."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return _("The file cannot be read as an Excel workbook (.xlsx).")
    if any(part.compress_type not in _COMPRESSIONS for part in parts):
        return _("The file cannot be read as an Excel workbook (.xlsx).")
    if sum(part.file_size for part in parts) > settings.IMPORT_MAX_UNPACKED_BYTES:
        return _("The workbook is too large once unpacked.")
    ratio = settings.IMPORT_MAX_COMPRESSION_RATIO
    if any(part.file_size >= _RATIO_FLOOR and part.file_size > ratio * max(part.compress_size, 1) for part in parts):
        return _("The workbook is packed more tightly than a spreadsheet can be (more than %(ratio)s times): "
                 "it is not opened. Save it again in Excel.") % {"ratio": _number(ratio)}
    return None


@dataclass(frozen=True)
class ImportedFile:
    """The file an import reads, as the audit log names it: its name, the SHA-256 of its bytes (hex), and the
    command that read it (None: the web)."""

    name: str
    sha256: str
    command: str | None = None

    @classmethod
    def of(cls, data: bytes, name: str, *, command: str | None = None) -> "ImportedFile":
        return cls(name=PurePath(name).name, sha256=hashlib.sha256(data).hexdigest(), command=command)


# Lines as they come -------------------------------------------------------------------------------------------


def _csv_lines(data: bytes) -> Iterator[tuple[int, list]]:
    """The records of a CSV file with the line each starts on (a quoted cell may span lines), decoded as read."""
    # Column names hold no commas or semicolons, so counting them in the header is a safe sniff.
    head = data[:_SNIFF_BYTES].split(b"\n", 1)[0]
    delimiter = ";" if head.count(b";") > head.count(b",") else ","
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    # The csv module's own bound on a cell (131,072 characters) stays: a longer cell stops the reading.
    reader = csv.reader(text, delimiter=delimiter)
    start = 1
    try:
        for record in reader:
            yield start, record
            start = reader.line_num + 1
    except UnicodeDecodeError:
        raise _Refused(RowError(None, None, _("The file is not UTF-8 text: save it as \"CSV UTF-8\"."))) from None
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise _Refused(RowError(start, None, cell_too_long_message())) from None
        raise _Refused(RowError(start, None, _("The file cannot be read as CSV: %(error)s") % {"error": error})) \
            from None


def _sheet_lines(sheet) -> Iterator[tuple[int, tuple]]:
    # Some writers record a wrong used range; read the rows as they are in the file instead (a row then is
    # as long as its last cell, not as the widest row).
    sheet.reset_dimensions()
    yield from enumerate(sheet.iter_rows(values_only=True), start=1)


def _open_workbook(data: bytes):
    """The workbook, streamed (read-only), once its zip directory shows it is safe to open."""
    problem = workbook_problem(data)
    if problem:
        raise _Refused(RowError(None, None, problem))
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on a damaged or foreign file (lxml's too)
        raise _Refused(RowError(None, None, _("The file cannot be read as an Excel workbook (.xlsx)."))) from None


def _xlsx_lines(data: bytes) -> Iterator[tuple[int, tuple]]:
    """The rows of the first sheet of a workbook, read as they come."""
    workbook = _open_workbook(data)
    try:
        yield from _sheet_lines(workbook.worksheets[0])
    except Exception:  # as above: a damaged sheet fails while it is read
        raise _Refused(RowError(None, None, _("The file cannot be read as an Excel workbook (.xlsx)."))) from None
    finally:
        workbook.close()


def _lines(data: bytes, filename: str) -> Iterator[tuple[int, list | tuple]]:
    if len(data) > settings.IMPORT_MAX_UNPACKED_BYTES:
        raise _Refused(RowError(None, None, file_too_large_message()))
    extension = PurePath(filename).suffix.lower()
    if extension == ".csv":
        return _csv_lines(data)
    if extension == ".xlsx":
        return _xlsx_lines(data)
    raise _Refused(RowError(None, None, _("Only .csv and .xlsx files can be imported.")))


# Bounds -------------------------------------------------------------------------------------------------------


def cell_too_long_message(value: str | None = None) -> str:
    """Django's own message for a text too long (as the forms say it), or ours when the length is not known."""
    if value is None:
        return _("This cell is longer than %(count)s characters.") % {"count": _number(settings.IMPORT_MAX_CELL_CHARS)}
    try:
        MaxLengthValidator(settings.IMPORT_MAX_CELL_CHARS)(value)
    except ValidationError as error:
        return error.messages[0]
    return ""


def too_long(value) -> bool:
    """Whether a cell's value is longer than any field takes (checked before the value is turned into text)."""
    return isinstance(value, str) and len(value) > settings.IMPORT_MAX_CELL_CHARS


class _Budget:
    """What one read may still take: lines, data rows and cells, against the settings."""

    def __init__(self, max_rows: int):
        self.max_rows, self.max_lines, self.max_cells = max_rows, settings.IMPORT_MAX_LINES, settings.IMPORT_MAX_CELLS
        self.rows = self.cells = 0

    def line(self, line: int, width: int) -> None:
        """A line of `width` cells is about to be read: refused (and reading stopped) when it is one too many."""
        if line > self.max_lines:
            raise _Refused(RowError(line, None, _(
                "The file has more than %(count)s lines: split it into smaller files.")
                % {"count": _number(self.max_lines)}))
        self.cells += width
        if self.cells > self.max_cells:
            raise _Refused(RowError(line, None, _(
                "The file has more than %(count)s cells (rows times columns): split it into smaller files, or "
                "delete the empty columns and rows.") % {"count": _number(self.max_cells)}))

    def row(self, line: int) -> None:
        """A data row (not empty) was read."""
        self.rows += 1
        if self.rows > self.max_rows:
            raise _Refused(RowError(line, None, _(
                "The file has more than %(count)s data rows: split it into files of at most %(count)s rows.")
                % {"count": _number(self.max_rows)}))


def scan_workbook(data: bytes, *, max_rows: int) -> RowErrors:
    """The bounds a whole workbook breaks (`RowErrors` of (sheet, row, column, message)), found by reading it as it
    comes, before a reader that takes it whole (pyxform) may. Every sheet may have `max_rows` rows that are not
    empty after its header (row 1).

    A cell that is too long is an error at its cell (column: the header's name, or else the letter); a problem of
    the zip or a bound on length stops the scan with an error without a column (and, for the zip, without a sheet),
    put first.
    """
    try:
        workbook = _open_workbook(data)
    except _Refused as refused:
        return RowErrors([("", 0, "", refused.error.message)])
    found = RowErrors()
    budget = _Budget(max_rows)
    title, number, line = "", 0, 0
    try:
        for sheet in workbook.worksheets:
            title, budget.rows, header = sheet.title, 0, []
            for number, values in _sheet_lines(sheet):
                line += 1
                budget.line(line, len(values))
                if number == HEADER_LINE:
                    header = [name if isinstance(name, str) and not too_long(name) else None for name in values]
                for index, value in enumerate(values):
                    if too_long(value):
                        name = (header[index] if index < len(header) else None) or get_column_letter(index + 1)
                        found.append((title, number, name, cell_too_long_message(value)))
                if number > HEADER_LINE and any(value is not None and value != "" for value in values):
                    budget.row(number)
    except _Refused as refused:
        found.stopped((title, number, "", refused.error.message))
    except Exception:  # a damaged sheet fails while it is read
        found.stopped(("", 0, "", _("The file cannot be read as an Excel workbook (.xlsx).")))
    finally:
        workbook.close()
    return found


# The table ----------------------------------------------------------------------------------------------------


def _check_header(header: list[str], expected: list[str], errors: RowErrors) -> None:
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


def _texts(line: int, cells, header: list[str], cell_text, errors: RowErrors) -> list[str]:
    """The cells of a line as text; a cell that is too long is an error (and read as empty)."""
    texts = []
    for number, cell in enumerate(cells):
        column = header[number] if number < len(header) else None
        if too_long(cell):
            errors.append(RowError(line, column or str(number + 1), cell_too_long_message(cell)))
            texts.append("")
        else:
            texts.append(cell_text(cell, column))
    return texts


def row_values(line: int, texts: list[str], header: list[str], errors: RowErrors) -> dict[str, str] | None:
    """A data row's cells by column name; the errors of the row itself go to `errors`.

    A cell beyond the named columns is an error. A cell with a NUL character is an error too, and
    then the row is not returned (None): PostgreSQL cannot hold, or even look up, such text, so no
    check or write may ever send it to the database.
    """
    errors.extend(RowError(line, str(number), _("This cell lies outside the named columns."))
                  for number, text in enumerate(texts[len(header):], start=len(header) + 1) if text)
    values = dict(zip(header, texts + [""] * (len(header) - len(texts)), strict=False))
    nul = [RowError(line, name, str(ProhibitNullCharactersValidator.message))
           for name, text in values.items() if "\x00" in text]
    errors.extend(nul)
    return None if nul else values


def read_table(data: bytes, filename: str, columns: list[str], *, cell_text: Callable[[object, str | None], str],
               no_rows: str, max_rows: int,
               lower_header: bool = False) -> tuple[list[tuple[int, dict[str, str]]], RowErrors]:
    """The data rows, as (line, cells by column name), of a CSV or XLSX file with exactly these columns.

    The file type follows from its name. Checks the header (every column, nothing else, in any
    order; with `lower_header` case-insensitively) but not the values, except that no cell may hold
    a NUL character or be too long. `cell_text(value, column)` turns a cell into text. Empty rows are
    skipped; empty columns after the last named one are ignored; a file without data rows is refused
    with `no_rows`, one with more than `max_rows` data rows (or beyond another bound, see above) too.
    """
    errors = RowErrors()
    rows = []
    header = None
    budget = _Budget(max_rows)
    try:
        lines = _lines(data, filename)
        try:
            for line, cells in lines:
                budget.line(line, len(cells))
                if header is None:
                    header = _texts(line, cells, [], cell_text, errors)
                    if lower_header:
                        header = [name.lower() for name in header]
                    while header and not header[-1]:
                        header.pop()
                    _check_header(header, columns, errors)
                    if errors:
                        return [], errors
                    continue
                texts = _texts(line, cells, header, cell_text, errors)
                if not any(texts):
                    continue
                budget.row(line)
                values = row_values(line, texts, header, errors)
                if values is not None:
                    rows.append((line, values))
        finally:
            lines.close()
    except _Refused as refused:
        if refused.error.line is None:  # the file as a whole: nothing else about it matters
            return [], RowErrors([refused.error])
        errors.stopped(refused.error)
        return [], errors
    if header is None:
        return [], RowErrors([RowError(HEADER_LINE, None, _("The file is empty."))])
    if not rows and not errors:
        errors.append(RowError(None, None, no_rows))
    return rows, errors


def read_header(data: bytes, filename: str) -> list[str]:
    """The names on the first line of a CSV or XLSX file, trimmed and lower-cased, within the bounds above; [] when
    the file cannot be read (`read_table` then says why). Lets an import accept other names for its columns."""
    try:
        lines = _lines(data, filename)
        try:
            for line, cells in lines:
                _Budget(0).line(line, len(cells))
                return ["" if too_long(cell) else str(cell or "").strip().lower() for cell in cells]
        finally:
            lines.close()
    except _Refused:
        pass
    return []


# Refusing a file ----------------------------------------------------------------------------------------------


def more_errors_message(count: int) -> str:
    return ngettext("… and %(count)d more error.", "… and %(count)d more errors.", count) % {"count": count}


def errors_shown(errors) -> dict:
    """What a page shows of a refused file's errors: the first IMPORT_ERRORS_SHOWN (`errors`), how many there are
    (`error_count`) and how many are not shown (`more_errors`)."""
    shown = list(errors[:settings.IMPORT_ERRORS_SHOWN])
    count = error_count(errors)
    return {"errors": shown, "error_count": count, "more_errors": count - len(shown)}


def refusal_message(errors: list) -> str:
    """The text of a refused file: how many errors, then the first IMPORT_ERRORS_SHOWN, one per line."""
    page = errors_shown(errors)
    count = page["error_count"]
    heading = ngettext("Nothing was imported: the file has %(count)d error.",
                       "Nothing was imported: the file has %(count)d errors.", count) % {"count": count}
    lines = [heading, *[str(error) for error in page["errors"]]]
    if page["more_errors"]:
        lines.append(more_errors_message(page["more_errors"]))
    return "\n".join(lines)


def import_refusal(errors: list) -> CommandError:
    """A command's refusal of a whole file (`refusal_message`)."""
    return CommandError(refusal_message(errors))
