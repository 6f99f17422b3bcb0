"""What the file imports of every app share: an error at a line and column of the file."""

from dataclasses import dataclass

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
