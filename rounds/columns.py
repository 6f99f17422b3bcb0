"""The one file format of reports, shared by the exports and `import_responses`.

Columns, in order: the platform and the report's status (`PLATFORM_COLUMNS`), then one column per
question of the round's questionnaire, in questionnaire order, named by its key
(`theme:<slug>:<key>` for a section asked per theme, once per theme of the round), then the
notes, named the same way by their note keys (`Definition.columns`). A cell is written and read
as `rounds.questionnaire.cell_text` and `parse_cell` say: yes/no `yes`/`no`, one of a list the
choice's name, several of a list the chosen names separated by spaces, a number in digits, a
date `YYYY-MM-DD`; an empty cell is "not answered", or "not asked" (by level or condition).
"""

import unicodedata

from .questionnaire import Definition

PLATFORM_COLUMNS = ["platform_code", "platform_name", "level", "status"]


def report_columns(definition: Definition) -> list[str]:
    """Every column of a round's report file, in order."""
    return [*PLATFORM_COLUMNS, *definition.columns()]


# Spreadsheets run a cell that starts with one of these as a formula (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


FIRST_CHARACTERS = frozenset([*FORMULA_PREFIXES, "'"])


def _as_read(character: str) -> str:
    """A character as Unicode's compatibility normalisation (NFKC) reads it: full-width ＝, small ﹢ and
    superscript ⁼ are =, + and = (a spreadsheet may read them so too)."""
    return unicodedata.normalize("NFKC", character) if character >= "\x80" else character


def _looks_neutralised(value: str) -> bool:
    """Apostrophes, then a formula character: what `neutralise` writes, or a text that would read as that.

    Each character is normalised on its own: normalising the whole text would compose = and a
    following combining stroke (U+0338) into ≠, and let that text through.
    """
    # Most cells start with plain text: answer their question without normalising anything (the export asks
    # for every cell of every report).
    first = value[:1]
    if first < "\x80" and first not in FIRST_CHARACTERS:
        return False
    for character in value:
        read = _as_read(character)
        if read != "'":  # apostrophes (or full-width ones) come first, then the character that counts
            return read.startswith(FORMULA_PREFIXES)
    return False


def neutralise(value: str) -> str:
    """Make a text cell inert in a spreadsheet: a leading apostrophe shows it as plain text.

    A text that already starts with apostrophes and a formula character gets one more, so that
    `unneutralise` gives it back as it was (a note typed as '=1 is exported as ''=1).
    """
    if isinstance(value, str) and _looks_neutralised(value):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Undo `neutralise`, so that an exported file can be imported again unchanged."""
    if isinstance(value, str) and value.startswith("'") and _looks_neutralised(value[1:]):
        return value[1:]
    return value
