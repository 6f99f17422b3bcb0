"""Importing the master data (platforms, and the members of platforms) from a file, all or nothing.

Two file formats, CSV (UTF-8 with or without BOM, `,` or `;`) or XLSX (the first sheet):

- platforms: `code, name, level, area` (in Dutch `code, naam, niveau, regio`); a platform is found by its code.
- members: `platform_code, kind, name, instellingsnummer, onderwijsnet, partner_category,
  municipality` (in Dutch `platformcode, soort, naam, instellingsnummer, onderwijsnet, partnercategorie, gemeente`;
  see `COLUMN_NAMES`); a school or CLB is found by its instellingsnummer, a local partner (which has
  no instellingsnummer) by its name and municipality (see `_MemberPlanner`). A row also makes
  the organisation a current member of the platform when it is not one yet.

`parse_platforms` / `parse_members` read a file into rows and check its header,
`preview_platforms` / `preview_members` check every row against the database and say per row
what an import would do (create, update with the changes old → new, or unchanged), and the
services `platforms_import` / `members_import` write exactly that, and record the import (file
name, SHA-256, counts) in the audit log. Every check happens before the first write; one error and
nothing is written. Errors name the line (the header is line 1), the column (as the file names it) and
the value found, so that every problem can be fixed in one go. The file is read within the bounds of
`lopportal.imports`.

Codes (level, kind, onderwijsnet, partner_category, also their Dutch words in `VALUE_NAMES`) are read
case-insensitively; names, codes of platforms and municipalities are compared exactly as written (after trimming).
"""

import csv
import datetime
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils.text import Truncator, get_text_list
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from audit.services import record_import
from lopportal.imports import HEADER_LINE, ImportedFile, RowError, read_header, read_table

from .models import (
    INSTELLINGSNUMMER_REGEX,
    Level,
    Membership,
    Onderwijsnet,
    Organisation,
    OrganisationKind,
    PartnerCategory,
    Platform,
)
from .services import rosters_follow, summaries_changed

PLATFORM_COLUMNS = ["code", "name", "level", "area"]
MEMBER_COLUMNS = ["platform_code", "kind", "name", "instellingsnummer", "onderwijsnet", "partner_category",
                  "municipality"]
# The names a column may have in a file, besides its own; the first is the one the templates use.
COLUMN_NAMES = {
    "code": ["code"], "name": ["naam"], "level": ["niveau"], "area": ["regio"],
    "platform_code": ["platformcode", "platform"], "kind": ["soort"], "instellingsnummer": ["instellingsnummer"],
    "onderwijsnet": ["onderwijsnet"], "partner_category": ["partnercategorie", "categorie"],
    "municipality": ["gemeente"],
}
# Dutch words accepted for the codes of a column (lower-case), beside the codes themselves.
VALUE_NAMES = {
    "level": {"basisonderwijs": "basis", "secundair onderwijs": "secundair"},
    "kind": {"lokale partner": "partner"},
    "partner_category": {"integratie": "integration", "armoede": "poverty", "gemeente": "municipality",
                         "ocmw": "municipality", "welzijn": "welfare", "ouders": "parents",
                         "sociaal-economisch": "socio_economic", "andere": "other"},
}
# The words a template and an error show for the codes (a code without one is shown as itself).
SHOWN_VALUES = {"partner_category": {"integration": "integratie", "poverty": "armoede", "municipality": "gemeente",
                                     "welfare": "welzijn", "parents": "ouders", "socio_economic": "sociaal-economisch",
                                     "other": "andere"}}
# How many characters of a wrong value an error repeats: enough to recognise it, never a whole cell.
SHOWN_VALUE_CHARS = 40
ORGANISATION_FIELDS = ["kind", "name", "instellingsnummer", "onderwijsnet", "partner_category", "municipality"]
# Excel stores 012345 typed into a number cell as the number 12345: a number cell in this column
# with fewer digits is padded with zeros again. A text cell (and every CSV cell) is read as written,
# so "12345" in a CSV file is refused rather than guessed at.
ZERO_PADDED_NUMBER_COLUMNS = {"instellingsnummer": 6}
# Lookups with many values are split so that no query exceeds a database's limit on parameters.
_CHUNK = 500

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


@dataclass
class ImportRow:
    """One data row of the file: its line number and its cells by column name (trimmed strings)."""

    line: int
    values: dict[str, str] = field(default_factory=dict)
    # The file's name of each column (e.g. "level": "niveau"), shared by the rows: errors use the file's names.
    names: dict[str, str] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class FieldChange:
    column: str
    old: str
    new: str


@dataclass
class PreviewRow:
    """What importing one row of a valid file does: create, update (with the changes) or nothing."""

    line: int
    action: str
    label: str
    changes: list[FieldChange] = field(default_factory=list)
    code: str = ""  # platforms: the platform's code
    platform: str = ""  # members: the name of the platform of the row
    becomes_member: bool = False  # members: the organisation becomes a current member of the platform


@dataclass(frozen=True)
class ImportCounts:
    """How many rows of the file created, updated or left unchanged an object."""

    created: int
    updated: int
    unchanged: int


class PreviewChanged(ValidationError):
    """The database changed between the preview and the confirmation: the import would differ."""


def _chunks(values: Iterable, size: int = _CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


# Reading ------------------------------------------------------------------------------------------------------


def _cell_text(value, column: str | None = None) -> str:
    """A cell as a trimmed string; an integer-valued number as its digits (12345.0 → "12345")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        width = ZERO_PADDED_NUMBER_COLUMNS.get(column)
        if width and value >= 0 and len(text) < width:
            text = text.zfill(width)
        return text
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


def columns_as_written(header: list[str], columns: list[str]) -> tuple[dict[str, str], list[RowError]]:
    """Per column the name the file gives it (its own or a Dutch one, see `COLUMN_NAMES`), or an error per column
    the file names twice. A column the file lacks gets the Dutch name, unless the file uses English names only."""
    written: dict[str, str] = {}
    errors = []
    for name in header:
        column = name if name in columns else next((c for c in columns if name in COLUMN_NAMES.get(c, [])), None)
        if column is None:
            continue  # an unknown column: read_table says so
        if column in written and written[column] != name:
            errors.append(RowError(HEADER_LINE, name, _("This column appears twice: also as %(name)s.") % {
                "name": written[column]}))
        written.setdefault(column, name)
    dutch = any(name not in columns and name in written.values() for name in header)
    english = any(name in columns and name not in COLUMN_NAMES.get(name, []) for name in header)
    for column in columns:
        written.setdefault(column, COLUMN_NAMES[column][0] if dutch or not english else column)
    return written, errors


def read_rows(data: bytes, filename: str, columns: list[str]) -> tuple[list[ImportRow], list[RowError]]:
    """Read a CSV or XLSX file (the type follows from its name) with exactly these columns into rows.

    Checks the header (every column, nothing else, in any order; names are case-insensitive, in
    English or Dutch) but not the values, except that no cell may hold a NUL character or be too
    long. Empty rows are skipped; empty columns after the last named one are ignored. Reading stops,
    with an error, after the kind's IMPORT_MAX_ROWS data rows (and at the other bounds of `lopportal.imports`).
    """
    kind = "platforms" if columns == PLATFORM_COLUMNS else "members"
    written, errors = columns_as_written(read_header(data, filename), columns)
    if errors:
        return [], errors
    found, errors = read_table(data, filename, [written[column] for column in columns], cell_text=_cell_text,
                               lower_header=True, no_rows=_("The file holds no data rows."),
                               max_rows=settings.IMPORT_MAX_ROWS[kind])
    own = {name: column for column, name in written.items()}
    return [ImportRow(line=line, values={own[name]: value for name, value in values.items()}, names=written)
            for line, values in found], errors


def parse_platforms(data: bytes, filename: str) -> tuple[list[ImportRow], list[RowError]]:
    """The rows of a platforms file (`code, name, level, area`)."""
    return read_rows(data, filename, PLATFORM_COLUMNS)


def parse_members(data: bytes, filename: str) -> tuple[list[ImportRow], list[RowError]]:
    """The rows of a members file (`platform_code, kind, name, instellingsnummer, ...`)."""
    return read_rows(data, filename, MEMBER_COLUMNS)


# Checking -----------------------------------------------------------------------------------------------------


def _sorted(errors: list[RowError], columns: list[str], rows: list[ImportRow]) -> list[RowError]:
    """The errors in the order of the file, each at the column as the file names it."""
    order = {name: index for index, name in enumerate(columns)}
    names = rows[0].names if rows else {}
    return [RowError(e.line, names.get(e.column, e.column), e.message)
            for e in sorted(errors, key=lambda e: (e.line or 0, order.get(e.column, len(order))))]


def shown(value: str) -> str:
    """A cell's value as an error repeats it: on one line and cut short (the page escapes it)."""
    return Truncator(" ".join(value.split())).chars(SHOWN_VALUE_CHARS)


def _either(column: str, values: list[str]) -> str:
    """The codes a column takes, as a sentence: "basis or secundair"."""
    words = SHOWN_VALUES.get(column, {})
    return str(get_text_list([words.get(value, value) for value in values], _("or")))


def _field_errors(instance, line: int, exclude: set[str]) -> list[RowError]:
    """The model's own checks of single fields (required, length, format), at their columns."""
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as error:
        return [RowError(line, name, _with_value(message, getattr(instance, name)))
                for name, messages in error.message_dict.items() for message in messages]
    return []


def _with_value(message: str, value) -> str:
    """The model's message about a field, after the value it is about (when there is one)."""
    if not isinstance(value, str) or not value:
        return message
    return _("“%(value)s”: %(message)s") % {"value": shown(value), "message": message}


def _choice(row: ImportRow, column: str, values: list[str], errors: list[RowError], message: Callable) -> str | None:
    """The lower-cased code in this cell (also from its Dutch word), "" when empty, or None (with an error) when it
    is not one of `values`; `message()` takes the value found and the values allowed."""
    found = row.values[column]
    value = VALUE_NAMES.get(column, {}).get(found.lower(), found.lower())
    if value and value not in values:
        errors.append(RowError(row.line, column, message() % {"value": shown(found),
                                                              "values": _either(column, values)}))
        return None
    return value


def _changes(instance, values: dict, fields: list[str]) -> list[FieldChange]:
    return [FieldChange(name, getattr(instance, name), values[name])
            for name in fields if getattr(instance, name) != values[name]]


@dataclass
class _PlatformItem:
    line: int
    action: str
    values: dict
    platform: Platform | None  # the existing platform (None: to be created)
    changes: list[FieldChange]


def _plan_platforms(rows: list[ImportRow], *, for_update: bool = False) -> tuple[list[_PlatformItem], list[RowError]]:
    codes = {row.values["code"] for row in rows} - {""}
    queryset = Platform.objects.select_for_update() if for_update else Platform.objects.all()
    existing = {}
    for chunk in _chunks(codes):
        existing.update({p.code: p for p in queryset.filter(code__in=chunk)})
    first_line: dict[str, int] = {}
    items, errors = [], []

    for row in rows:
        row_errors = []
        code = row.values["code"]
        if code in first_line:
            row_errors.append(RowError(row.line, "code", _(
                "The platform “%(value)s” appears twice in the file (also on line %(line)d).") % {
                "value": shown(code), "line": first_line[code]}))
        elif code:
            first_line[code] = row.line
        level = _choice(row, "level", Level.values, row_errors,
                        lambda: _("“%(value)s” is not a valid level (%(values)s)."))
        values = {"code": code, "name": row.values["name"], "level": level or "", "area": row.values["area"]}
        bad = {error.column for error in row_errors}
        row_errors.extend(_field_errors(Platform(**values), row.line, bad | {"level"}))
        if level == "":
            row_errors.append(RowError(row.line, "level", _("The level is missing: use %(values)s.") % {
                "values": _either("level", Level.values)}))
        if row_errors:
            errors.extend(row_errors)
            continue
        platform = existing.get(code)
        if platform is None:
            items.append(_PlatformItem(row.line, CREATE, values, None, []))
        else:
            changes = _changes(platform, values, ["name", "level", "area"])
            items.append(_PlatformItem(row.line, UPDATE if changes else UNCHANGED, values, platform, changes))
    errors = _sorted(errors, PLATFORM_COLUMNS, rows)
    return ([] if errors else items), errors


@dataclass(eq=False)
class _OrganisationSlot:
    """One organisation the file refers to: found in the database or to be created, shared by its rows."""

    organisation: Organisation | None
    values: dict
    changes: list[FieldChange]
    memberships: set[int]  # ids of the platforms it is (or will be) a current member of
    claimed: bool = False  # an earlier row creates or updates it: later rows only add memberships


@dataclass
class _MemberItem:
    line: int
    action: str
    platform: Platform
    slot: _OrganisationSlot
    changes: list[FieldChange]
    becomes_member: bool


class _MemberPlanner:
    """Checks the rows of a members file and decides per row what it does, in the order of the file.

    A school or CLB is found by its instellingsnummer (unique in the database). A local partner
    has none, and is found by kind, name and municipality (exactly as written). The member pages
    create a new partner organisation per membership, so several partners may match: the one that
    is already a current member of the row's platform is taken, else the one an earlier row of the
    file took, else the oldest. Rows that name the same organisation must agree on its details.
    """

    def __init__(self, rows: list[ImportRow], *, for_update: bool):
        self.rows = rows
        organisations = Organisation.objects.select_for_update() if for_update else Organisation.objects.all()
        platforms = Platform.objects.select_for_update() if for_update else Platform.objects.all()
        codes = {row.values["platform_code"] for row in rows} - {""}
        self.platforms = {}
        for chunk in _chunks(codes):
            self.platforms.update({p.code: p for p in platforms.filter(code__in=chunk)})
        numbers = {row.values["instellingsnummer"] for row in rows} - {""}
        self.by_number = {}
        for chunk in _chunks(numbers):
            self.by_number.update({o.instellingsnummer: o for o in organisations.filter(instellingsnummer__in=chunk)})
        names = {row.values["name"] for row in rows if row.values["kind"].lower() == OrganisationKind.PARTNER}
        self.partners: dict[tuple[str, str], list[Organisation]] = {}
        for chunk in _chunks(names):
            for partner in organisations.filter(kind=OrganisationKind.PARTNER, name__in=chunk).order_by("pk"):
                self.partners.setdefault((partner.name, partner.municipality), []).append(partner)
        current = Membership.objects.filter(end_date__isnull=True,
                                            platform__in=[p.pk for p in self.platforms.values()])
        self.current: dict[int, set[int]] = {}
        for platform_id, organisation_id in current.values_list("platform_id", "organisation_id"):
            self.current.setdefault(organisation_id, set()).add(platform_id)
        self.slots: dict[object, _OrganisationSlot] = {}  # by organisation id, or by key for a new one
        self.first: dict[object, tuple[int, dict]] = {}  # key → the first line naming it, with its details

    def _check(self, row: ImportRow) -> tuple[dict, Platform | None, list[RowError]]:
        line, cells = row.line, row.values
        errors: list[RowError] = []
        code = cells["platform_code"]
        platform = self.platforms.get(code)
        if not code:
            errors.append(RowError(line, "platform_code", _("The platform code is missing.")))
        elif platform is None:
            errors.append(RowError(line, "platform_code", _("There is no platform with the code “%(value)s”.") % {
                "value": shown(code)}))

        kind = _choice(row, "kind", OrganisationKind.values, errors,
                       lambda: _("“%(value)s” is not a valid kind (%(values)s)."))
        onderwijsnet = _choice(row, "onderwijsnet", Onderwijsnet.values, errors,
                               lambda: _("“%(value)s” is not a valid educational network (%(values)s)."))
        category = _choice(row, "partner_category", PartnerCategory.values, errors,
                           lambda: _("“%(value)s” is not a valid partner category (%(values)s)."))
        number = cells["instellingsnummer"]
        if kind == "":
            errors.append(RowError(line, "kind", _("The kind is missing: use %(values)s.") % {
                "values": _either("kind", OrganisationKind.values)}))
        if number and not re.fullmatch(INSTELLINGSNUMMER_REGEX, number):
            errors.append(RowError(line, "instellingsnummer", _(
                "“%(value)s” is not an institution number: that consists of exactly 6 digits.") % {
                "value": shown(number)}))
        # The rules per kind of MembershipForm.clean and of the database's check constraints.
        if kind in (OrganisationKind.SCHOOL, OrganisationKind.CLB) and not number:
            errors.append(RowError(line, "instellingsnummer", _("Schools and CLB's need an institution number.")))
        if kind == OrganisationKind.SCHOOL and onderwijsnet == "":
            errors.append(RowError(line, "onderwijsnet", _("A school needs an educational network.")))
        if kind in (OrganisationKind.CLB, OrganisationKind.PARTNER) and onderwijsnet:
            errors.append(RowError(line, "onderwijsnet", _(
                "Only schools have an educational network (found “%(value)s”).") % {
                "value": shown(cells["onderwijsnet"])}))
        if kind == OrganisationKind.PARTNER:
            if category == "":
                errors.append(RowError(line, "partner_category", _("A local partner needs a category.")))
            if number:
                errors.append(RowError(line, "instellingsnummer", _(
                    "Local partners have no institution number (found “%(value)s”).") % {"value": shown(number)}))
        elif kind and category:
            errors.append(RowError(line, "partner_category", _(
                "Only local partners have a partner category (found “%(value)s”).") % {
                "value": shown(cells["partner_category"])}))

        values = {"kind": kind or "", "name": cells["name"], "instellingsnummer": number,
                  "onderwijsnet": onderwijsnet or "", "partner_category": category or "",
                  "municipality": cells["municipality"]}
        checked = {"kind", "instellingsnummer", "onderwijsnet", "partner_category"}
        errors.extend(_field_errors(Organisation(**values), line, checked))

        existing = self.by_number.get(number) if number else None
        if existing is not None and kind and existing.kind != kind:
            errors.append(RowError(line, "instellingsnummer", _(
                "The institution number “%(value)s” belongs to %(name)s, which is not a %(kind)s.")
                % {"value": number, "name": existing.name, "kind": OrganisationKind(kind).label}))
        return values, platform, errors

    def _agrees(self, key, row: ImportRow, values: dict, column: str) -> RowError | None:
        """An error when an earlier row named the same organisation with other details."""
        if key not in self.first:
            self.first[key] = (row.line, values)
            return None
        first_line, first_values = self.first[key]
        differing = [name for name in ORGANISATION_FIELDS if first_values[name] != values[name]]
        if not differing:
            return None
        return RowError(row.line, column, _(
            "The same organisation is on line %(line)d with other details (%(columns)s).")
            % {"line": first_line, "columns": ", ".join(
                f"{row.names.get(name, name)}: “{shown(first_values[name])}” ≠ “{shown(values[name])}”"
                for name in differing)})

    def _slot(self, platform: Platform, values: dict) -> _OrganisationSlot:
        if values["kind"] != OrganisationKind.PARTNER:
            key = ("number", values["instellingsnummer"])
            existing = self.by_number.get(values["instellingsnummer"])
            slot_key = existing.pk if existing is not None else key
            if slot_key not in self.slots:
                self.slots[slot_key] = self._new_slot(existing, values)
            return self.slots[slot_key]
        key = ("partner", values["name"], values["municipality"])
        candidates = [self.slots.get(p.pk) or self._new_slot(p, values) for p in self.partners.get(key[1:], [])]
        if key in self.slots:
            candidates.insert(0, self.slots[key])
        chosen = next((slot for slot in candidates if platform.pk in slot.memberships), None)
        chosen = chosen or next((slot for slot in candidates if any(slot is s for s in self.slots.values())), None)
        chosen = chosen or (candidates[0] if candidates else self._new_slot(None, values))
        self.slots[chosen.organisation.pk if chosen.organisation is not None else key] = chosen
        return chosen

    def _new_slot(self, organisation: Organisation | None, values: dict) -> _OrganisationSlot:
        if organisation is None:
            return _OrganisationSlot(None, values, [], set())
        return _OrganisationSlot(organisation, values, _changes(organisation, values, ORGANISATION_FIELDS),
                                 set(self.current.get(organisation.pk, set())))

    def plan(self) -> tuple[list[_MemberItem], list[RowError]]:
        items, errors = [], []
        for row in self.rows:
            values, platform, row_errors = self._check(row)
            if values["kind"] == OrganisationKind.PARTNER and values["name"]:
                disagreement = self._agrees(("partner", values["name"], values["municipality"]), row, values,
                                            "partner_category")
            elif values["kind"] and values["instellingsnummer"]:
                disagreement = self._agrees(("number", values["instellingsnummer"]), row, values,
                                            "instellingsnummer")
            else:
                disagreement = None
            if disagreement is not None:
                row_errors.append(disagreement)
            if row_errors:
                errors.extend(row_errors)
                continue
            slot = self._slot(platform, values)
            if slot.claimed:
                action, changes = UNCHANGED, []
            elif slot.organisation is None:
                action, changes = CREATE, []
            else:
                action, changes = (UPDATE if slot.changes else UNCHANGED), slot.changes
            slot.claimed = True
            becomes_member = platform.pk not in slot.memberships
            slot.memberships.add(platform.pk)
            if action == UNCHANGED and becomes_member:
                action = UPDATE
            items.append(_MemberItem(row.line, action, platform, slot, changes, becomes_member))
        errors = _sorted(errors, MEMBER_COLUMNS, self.rows)
        return ([] if errors else items), errors


def _plan_members(rows: list[ImportRow], *, for_update: bool = False) -> tuple[list[_MemberItem], list[RowError]]:
    return _MemberPlanner(rows, for_update=for_update).plan()


def _platform_preview(items: list[_PlatformItem]) -> list[PreviewRow]:
    return [PreviewRow(line=item.line, action=item.action, label=f"{item.values['code']} – {item.values['name']}",
                       changes=item.changes, code=item.values["code"]) for item in items]


def _member_label(values: dict) -> str:
    detail = values["instellingsnummer"] or values["municipality"]
    return f"{values['name']} ({detail})" if detail else values["name"]


def _member_preview(items: list[_MemberItem]) -> list[PreviewRow]:
    return [PreviewRow(line=item.line, action=item.action, label=_member_label(item.slot.values),
                       changes=item.changes, platform=item.platform.name, becomes_member=item.becomes_member)
            for item in items]


def preview_platforms(rows: list[ImportRow]) -> tuple[list[PreviewRow], list[RowError]]:
    """Per row of a platforms file what an import would do, or every error (and no preview)."""
    items, errors = _plan_platforms(rows)
    return _platform_preview(items), errors


def preview_members(rows: list[ImportRow]) -> tuple[list[PreviewRow], list[RowError]]:
    """Per row of a members file what an import would do, or every error (and no preview)."""
    items, errors = _plan_members(rows)
    return _member_preview(items), errors


def coordinator_counts(codes: Iterable[str]) -> dict[str, int]:
    """How many active coordinators each existing platform of these codes has (a new platform has none)."""
    counts: dict[str, int] = {}
    for chunk in _chunks(set(codes)):
        counts.update(Platform.objects.filter(code__in=chunk).annotate(
            n=Count("coordinators", filter=Q(coordinators__is_active=True))).values_list("code", "n"))
    return counts


@dataclass(frozen=True)
class RoundsForNewPlatforms:
    """Which rounds ask a platform made now: those not open yet follow the platforms, those running do not."""

    joining: list
    not_joining: list


def rounds_for_new_platforms() -> RoundsForNewPlatforms:
    # Imported here: rounds builds on platforms, not the other way round.
    from rounds.selectors import rounds_running
    from rounds.services.rounds import rounds_not_yet_open

    return RoundsForNewPlatforms(joining=list(rounds_not_yet_open().order_by("opens_on", "title")),
                                 not_joining=list(rounds_running().order_by("deadline", "title")))


def preview_digest(preview: list[PreviewRow]) -> str:
    """A fingerprint of a preview: the confirmation imports only when it is still the same."""
    text = json.dumps([asdict(row) for row in preview], sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def count_actions(preview: list[PreviewRow]) -> ImportCounts:
    actions = [row.action for row in preview]
    return ImportCounts(created=actions.count(CREATE), updated=actions.count(UPDATE),
                        unchanged=actions.count(UNCHANGED))


def _refuse_or_check(errors: list[RowError], preview: list[PreviewRow], expected_digest: str | None) -> None:
    if errors:
        raise ValidationError([str(error) for error in errors])
    if expected_digest is not None and preview_digest(preview) != expected_digest:
        raise PreviewChanged(_("The data changed after the preview: check the new preview and confirm again."))


# Writing ------------------------------------------------------------------------------------------------------


def _record(*, actor, kind: str, rows: list[ImportRow], counts: ImportCounts, source: ImportedFile | None) -> None:
    record_import(actor=actor, kind=kind, file_name=source.name if source else "",
                  sha256=source.sha256 if source else "", rows=len(rows), created=counts.created,
                  updated=counts.updated, unchanged=counts.unchanged, target=None,
                  command=source.command if source else None)


@transaction.atomic
def platforms_import(*, actor, rows: list[ImportRow], expected_digest: str | None = None,
                     source: ImportedFile | None = None) -> ImportCounts:
    """Create or update the platforms of a platforms file, found by code; all rows or nothing.

    A new platform joins the rounds that have not opened yet, not the others (their platforms are fixed).

    The rows are checked again inside the transaction. With `expected_digest` (of the preview the
    user confirmed) the import is refused with `PreviewChanged` when it would now do something else.
    The import is recorded in the audit log with its file (`source`: name, SHA-256, command) and counts.
    """
    items, errors = _plan_platforms(rows, for_update=True)
    preview = _platform_preview(items)
    _refuse_or_check(errors, preview, expected_digest)
    created = []
    for item in items:
        if item.action == UNCHANGED:
            continue
        platform = item.platform or Platform(code=item.values["code"])
        for name in ("name", "level", "area"):
            setattr(platform, name, item.values[name])
        platform.full_clean()
        platform.save()
        if item.action == CREATE:
            created.append(platform)
    # A new platform joins the rounds that have not opened yet; a round that has opened keeps its platforms.
    rosters_follow(created)
    summaries_changed()  # new platforms and changed levels change the summaries' counts
    counts = count_actions(preview)
    _record(actor=actor, kind="platforms", rows=rows, counts=counts, source=source)
    return counts


@transaction.atomic
def members_import(*, actor, rows: list[ImportRow], expected_digest: str | None = None,
                   source: ImportedFile | None = None) -> ImportCounts:
    """Create or update the organisations of a members file and make them current members of its platforms.

    All rows or nothing; checked again inside the transaction, and with `expected_digest` refused
    with `PreviewChanged` when the import would no longer do what the confirmed preview said.
    An existing current membership is left as it is. Recorded in the audit log as `platforms_import`.
    """
    items, errors = _plan_members(rows, for_update=True)
    preview = _member_preview(items)
    _refuse_or_check(errors, preview, expected_digest)
    for item in items:
        slot = item.slot
        if item.action == CREATE or item.changes:
            organisation = slot.organisation or Organisation()
            for name in ORGANISATION_FIELDS:
                setattr(organisation, name, slot.values[name])
            organisation.full_clean()
            organisation.save()
            slot.organisation = organisation
        if item.becomes_member:
            membership = Membership(platform=item.platform, organisation=slot.organisation)
            membership.full_clean()
            membership.save()
    counts = count_actions(preview)
    _record(actor=actor, kind="members", rows=rows, counts=counts, source=source)
    return counts


# Templates ----------------------------------------------------------------------------------------------------

# Example rows of the templates to download: the members' rows are of the platforms' first row, so that the two
# templates, imported in that order, import without errors.
TEMPLATE_ROWS = {
    "platforms": [
        {"code": "voorbeeld-bao", "name": "LOP Basisonderwijs Voorbeeldstad", "level": "basis",
         "area": "Voorbeeldstad, Buurdorp"},
        {"code": "voorbeeld-so", "name": "LOP Secundair Onderwijs Voorbeeldstad", "level": "secundair",
         "area": "Voorbeeldstad"},
    ],
    "members": [
        {"platform_code": "voorbeeld-bao", "kind": "school", "name": "Basisschool De Voorbeeldboom",
         "instellingsnummer": "099901", "onderwijsnet": "katholiek", "partner_category": "",
         "municipality": "Voorbeeldstad"},
        {"platform_code": "voorbeeld-bao", "kind": "clb", "name": "Vrij CLB Voorbeeldstad",
         "instellingsnummer": "959901", "onderwijsnet": "", "partner_category": "", "municipality": "Voorbeeldstad"},
        {"platform_code": "voorbeeld-bao", "kind": "partner", "name": "Vzw Samen Sterk", "instellingsnummer": "",
         "onderwijsnet": "", "partner_category": "armoede", "municipality": "Buurdorp"},
    ],
}
_TEMPLATE_COLUMNS = {"platforms": PLATFORM_COLUMNS, "members": MEMBER_COLUMNS}
# The codes a template's cell offers in a list (Excel's data validation); the importer takes the Dutch words too.
_TEMPLATE_CHOICES = {"level": Level.values, "kind": OrganisationKind.values, "onderwijsnet": Onderwijsnet.values,
                     "partner_category": [SHOWN_VALUES["partner_category"][v] for v in PartnerCategory.values]}


def template_header(what: str) -> list[str]:
    """The Dutch column names of a template."""
    return [COLUMN_NAMES[column][0] for column in _TEMPLATE_COLUMNS[what]]


def template_csv(what: str) -> bytes:
    """A CSV template (platforms or members): Dutch column names and example rows, `;` and a BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(template_header(what))
    writer.writerows([row[column] for column in _TEMPLATE_COLUMNS[what]] for row in TEMPLATE_ROWS[what])
    return out.getvalue().encode("utf-8-sig")


def template_xlsx(what: str) -> bytes:
    """An XLSX template (platforms or members): Dutch column names in a frozen, bold header, example rows, a list
    of the codes in the columns that take codes, and institution numbers as text (their leading zeros stay)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Platforms") if what == "platforms" else _("Members")
    columns = _TEMPLATE_COLUMNS[what]
    sheet.append(template_header(what))
    for row in TEMPLATE_ROWS[what]:
        sheet.append([row[column] for column in columns])
    sheet.freeze_panes = "A2"
    for number, column in enumerate(columns, start=1):
        letter = sheet.cell(row=1, column=number).column_letter
        sheet.cell(row=1, column=number).font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(14, *(len(str(r[column])) + 2 for r in TEMPLATE_ROWS[what]))
        if column in ZERO_PADDED_NUMBER_COLUMNS:  # typed into a text column, 012345 keeps its zero
            sheet.column_dimensions[letter].number_format = "@"
            for row in range(2, len(TEMPLATE_ROWS[what]) + 2):
                sheet.cell(row=row, column=number).number_format = "@"
        if column in _TEMPLATE_CHOICES:
            cells = f"{letter}2:{letter}{settings.IMPORT_MAX_ROWS[what] + 1}"
            choices = ",".join(_TEMPLATE_CHOICES[column])
            validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
            sheet.add_data_validation(validation)
            validation.add(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
