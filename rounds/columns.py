"""The one file format of reports, shared by the exports and `import_responses`.

Columns, in order: the platform, the status, the report's questions, five per theme of the
round (`theme:<slug>:<question>`), then the notes. Booleans are `yes`/`no` (`ja`/`nee` are
read too), arrangements `none`/`unchanged`/`adjusted`; an empty cell is "not answered", or
"not applicable" for pre-school participation on a secundair platform.
"""

from initiatives.questions import ARRANGEMENT_QUESTIONS, REGISTRATION_QUESTIONS, THEME_QUESTIONS

from .models import Arrangement

PLATFORM_COLUMNS = ["platform_code", "platform_name", "level", "status"]
REGISTRATION_COLUMNS = [q.field for q in REGISTRATION_QUESTIONS]
ARRANGEMENT_COLUMNS = [q.field for q in ARRANGEMENT_QUESTIONS]
REPORT_NOTE_COLUMNS = ["registrations_note", *[f"{field}_note" for field in ARRANGEMENT_COLUMNS]]
THEME_FIELDS = [q.field for q in THEME_QUESTIONS]

YES, NO = "yes", "no"
TRUE_VALUES = {"yes", "ja", "true", "1"}
FALSE_VALUES = {"no", "nee", "false", "0"}
ARRANGEMENT_VALUES = [Arrangement.NONE.value, Arrangement.UNCHANGED.value, Arrangement.ADJUSTED.value]


def theme_column(slug: str, field: str) -> str:
    return f"theme:{slug}:{field}"


def report_columns(theme_slugs: list[str]) -> list[str]:
    """Every column of a round's report file, in order."""
    return [
        *PLATFORM_COLUMNS, *REGISTRATION_COLUMNS, *ARRANGEMENT_COLUMNS,
        *[theme_column(slug, field) for slug in theme_slugs for field in THEME_FIELDS],
        *REPORT_NOTE_COLUMNS, *[theme_column(slug, "note") for slug in theme_slugs],
    ]


def encode_bool(value: bool | None) -> str:
    return "" if value is None else (YES if value else NO)


def encode_arrangement(value: str) -> str:
    return "" if value in ("", Arrangement.NOT_APPLICABLE) else value


# Spreadsheets run a cell that starts with one of these as a formula (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Make a text cell inert in a spreadsheet: a leading apostrophe shows it as plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Undo `neutralise`, so that an exported file can be imported again unchanged."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value
