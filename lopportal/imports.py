"""What the file imports of every app share: an error at a line and column of the file."""

from dataclasses import dataclass

from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext as _


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
