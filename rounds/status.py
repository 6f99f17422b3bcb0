"""The round page's status table: each of the round's platforms the user may see, with its report's status,
submitted date and last reminder; filtered and sorted from the query string, and the same rows as a file.

The page also shows counts over all the round's platforms ("9 van 70 platformen", "38 ingediend"), so all
rows are read at once (one query, whatever the number of platforms) and filtered and sorted in Python: a few
thousand rows at most, which costs less than a second query would.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.db.models import F, FilteredRelation, OuterRef, Q, Subquery
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from platforms.forms import DateInput
from platforms.models import Level, Platform
from platforms.permissions import PlatformPolicy

from .models import Reminder, ReportingRound, ReportStatus

NOT_STARTED = "not_started"  # the status filter's value for a platform without a report
# The workflow's order, for sorting by status.
STATUS_ORDER = {"": 0, ReportStatus.DRAFT: 1, ReportStatus.RETURNED: 2, ReportStatus.SUBMITTED: 3}
LEVEL_ORDER = {level: i for i, level in enumerate(Level.values)}
DEFAULT_SORT = "level"


@dataclass
class StatusRow:
    """One platform of the round with its report's status ("" when not started), as the table shows it."""

    platform: Platform
    status: str
    submitted_at: datetime.datetime | None  # only for a submitted report
    reopened: bool
    last_reminder: datetime.date | None

    @property
    def status_label(self) -> str:
        return str(ReportStatus(self.status).label) if self.status else _("Not started")

    @property
    def submitted_on(self) -> datetime.date | None:
        return localtime(self.submitted_at).date() if self.submitted_at else None


# Sort keys: the value a row is sorted by (None: always last, in either direction).
SORT_KEYS = {
    "platform": lambda row: row.platform.name.casefold(),
    "level": lambda row: LEVEL_ORDER.get(row.platform.level, len(LEVEL_ORDER)),
    "status": lambda row: STATUS_ORDER.get(row.status, 0),
    "submitted": lambda row: row.submitted_at,
    "reminder": lambda row: row.last_reminder,
}


class StatusFilterForm(forms.Form):
    """The table's filters, read from the query string; a value that does not parse is reported and ignored."""

    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    level = forms.ChoiceField(label=gettext_lazy("Level"), required=False,
                              choices=[("", gettext_lazy("All levels")), *Level.choices])
    submitted_from = forms.DateField(label=gettext_lazy("Submitted from"), required=False, widget=DateInput(),
                                     input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    submitted_to = forms.DateField(label=gettext_lazy("Submitted until"), required=False, widget=DateInput(),
                                   input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    reminder = forms.ChoiceField(label=gettext_lazy("Last reminder"), required=False, choices=[
        ("", gettext_lazy("All")), ("none", gettext_lazy("Never reminded")), ("sent", gettext_lazy("Reminded"))])

    def __init__(self, *args, shows_reminders: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), (NOT_STARTED, _("Not started")),
                                         *ReportStatus.choices]
        if not shows_reminders:
            del self.fields["reminder"]

    def clean(self):
        data = super().clean()
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and start > end:
            self.add_error("submitted_to", _("This date is before the start date."))
        return data

    def filters(self) -> dict:
        """The filters that parsed (all of them when the form is valid)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in ("", None)}


@dataclass
class RoundStatus:
    """The round's platforms for the status table: `rows` all of them, `shown` those the filters keep, sorted."""

    round: ReportingRound
    rows: list[StatusRow]
    shown: list[StatusRow] = field(default_factory=list)
    sort: str = DEFAULT_SORT
    descending: bool = False
    shows_reminders: bool = False

    @property
    def submitted(self) -> int:
        return sum(1 for row in self.rows if row.status == ReportStatus.SUBMITTED)

    @property
    def sort_param(self) -> str:
        return f"-{self.sort}" if self.descending else self.sort


def status_rows(*, user, round: ReportingRound, with_reminders: bool) -> list[StatusRow]:
    """Every platform of the round the user may see with its report's status and, when asked, the date it was
    last reminded (one query), by level and name."""
    platforms = (PlatformPolicy.visible(user).filter(round_platforms__round=round)
                 .annotate(rpt=FilteredRelation("reports", condition=Q(reports__round=round)),
                           r_status=F("rpt__status"), r_submitted_at=F("rpt__submitted_at"),
                           r_reopened=F("rpt__reopened"))
                 .order_by("level", "name", "pk"))
    if with_reminders:
        platforms = platforms.annotate(r_reminded=Subquery(
            Reminder.objects.filter(round=round, platform=OuterRef("pk")).order_by("-sent_on").values("sent_on")[:1]))
    return [
        StatusRow(platform=p, status=p.r_status or "",
                  submitted_at=p.r_submitted_at if p.r_status == ReportStatus.SUBMITTED else None,
                  reopened=bool(p.r_reopened), last_reminder=getattr(p, "r_reminded", None))
        for p in platforms
    ]


def _keeps(row: StatusRow, filters: dict) -> bool:
    status = filters.get("status")
    if status and (row.status or NOT_STARTED) != status:
        return False
    if filters.get("level") and row.platform.level != filters["level"]:
        return False
    if "submitted_from" in filters or "submitted_to" in filters:
        day = row.submitted_on
        if day is None or day < filters.get("submitted_from", day) or day > filters.get("submitted_to", day):
            return False
    reminder = filters.get("reminder")
    return not ((reminder == "none" and row.last_reminder is not None)
                or (reminder == "sent" and row.last_reminder is None))


def _sorted(rows: list[StatusRow], sort: str, descending: bool) -> list[StatusRow]:
    """The rows by the sort key (ties by level and name, as read), those without a value last."""
    key = SORT_KEYS[sort]
    present = [row for row in rows if key(row) is not None]
    missing = [row for row in rows if key(row) is None]
    return sorted(present, key=key, reverse=descending) + missing  # Python's sort keeps ties in order


def parse_sort(value: str, shows_reminders: bool) -> tuple[str, bool]:
    """The sort key and direction of `?sort=` ("submitted", "-submitted"); the default for anything else."""
    descending = value.startswith("-")
    key = value.removeprefix("-")
    if key not in SORT_KEYS or (key == "reminder" and not shows_reminders):
        return DEFAULT_SORT, False
    return key, descending


def round_status(*, user, round: ReportingRound, query) -> tuple[RoundStatus, StatusFilterForm]:
    """The status table of the round for the user, filtered and sorted by the query string (`request.GET`).

    The ministry and admins see when each platform was last reminded; coordinators do not.
    """
    shows_reminders = user.reads_everything
    form = StatusFilterForm(query, shows_reminders=shows_reminders)
    sort, descending = parse_sort(query.get("sort", ""), shows_reminders)
    rows = status_rows(user=user, round=round, with_reminders=shows_reminders)
    filters = form.filters()
    shown = _sorted([row for row in rows if _keeps(row, filters)], sort, descending)
    return RoundStatus(round=round, rows=rows, shown=shown, sort=sort, descending=descending,
                       shows_reminders=shows_reminders), form


@dataclass
class Column:
    """A header of the table: its label, its sort link and its `aria-sort` ("" when not sorted by it)."""

    key: str
    label: str
    url: str
    aria_sort: str


def columns(status: RoundStatus, query) -> list[Column]:
    """The table's headers with their sort links: a click sorts by the column, a second click reverses it."""
    labels = [("platform", _("Platform")), ("level", _("Level")), ("status", _("Status")),
              ("submitted", _("Submitted on"))]
    if status.shows_reminders:
        labels.append(("reminder", _("Last reminder")))
    result = []
    for key, label in labels:
        current = key == status.sort
        params = query.copy()
        params["sort"] = f"-{key}" if current and not status.descending else key
        aria = ("descending" if status.descending else "ascending") if current else ""
        result.append(Column(key, label, "?" + params.urlencode(), aria))
    return result


def status_file_rows(status: RoundStatus) -> Iterator[list]:
    """The shown rows as a file: a header in Dutch, then one row per platform (dates as dates)."""
    header = [_("Code"), _("Platform"), _("Level"), _("Status"), _("Reopened"), _("Submitted on")]
    if status.shows_reminders:
        header.append(_("Last reminder"))
    yield header
    for row in status.shown:
        cells = [row.platform.code, row.platform.name, row.platform.get_level_display(), row.status_label,
                 _("yes") if row.reopened else _("no"), row.submitted_on or ""]
        if status.shows_reminders:
            cells.append(row.last_reminder or "")
        yield cells


def download_query(query) -> str:
    """The filters and sort of the page, for its download links (`?status=...&sort=...`)."""
    keep = {name: query.get(name) for name in (*StatusFilterForm.base_fields, "sort") if query.get(name)}
    return urlencode(keep)
