"""The audit trail of a report, its theme answers and initiatives, as readable changes (old → new).

django-simple-history keeps a full row per change (who, when, what); this module turns those rows
into the list a history page shows, with a fixed number of queries however long the history is.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import get_m2m_reverse_field_name

from initiatives.models import Initiative, ThemeAnswer

from .models import Report

REPORT_FIELDS = [
    "status", "registration_procedure_used", "application_period_adjusted", "enrolment_period_adjusted",
    "free_enrolment_period_adjusted", "registrations_note", "newcomers", "newcomers_note", "preschool",
    "preschool_note", "excluded_pupils", "excluded_pupils_note", "return_comment", "reopened",
]
THEME_FIELDS = ["discussed", "agreements", "actions", "exchange", "informed", "note"]
INITIATIVE_FIELDS = [
    "title", "description", "kind", "target_groups", "asked_of", "partners_involved", "other_partners",
    "start_date", "end_date", "reached_count", "reached_unit", "themes",
]
INITIATIVE_M2M = ["target_groups", "asked_of", "partners_involved", "themes"]
ACTIONS = {"+": gettext_lazy("created"), "~": gettext_lazy("changed"), "-": gettext_lazy("deleted")}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: object
    who: object
    subject: str
    action: str
    changes: list[Change] = field(default_factory=list)


def _display(model, name: str, value) -> str:
    model_field = model._meta.get_field(name)
    if isinstance(value, (list, tuple)):
        return ", ".join(value) or "–"
    if value is None or value == "":
        return _("not answered") if model_field.null or model_field.choices else "–"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if hasattr(value, "year"):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _m2m_paths(model, name: str) -> tuple[str, str]:
    """(accessor on a history row, related field) of the rows that snapshot a many-to-many field."""
    history_model = model.history.model
    relation = next(r for r in history_model._meta.related_objects
                    if r.related_model._meta.object_name == f"{history_model._meta.object_name}_{name}")
    return relation.get_accessor_name(), get_m2m_reverse_field_name(model._meta.get_field(name))


def _snapshot(record, names, m2m) -> dict:
    values = {name: getattr(record, name) for name in names if name not in m2m}
    for name in m2m:
        accessor, related = _m2m_paths(record.instance_type, name)
        values[name] = sorted(str(getattr(row, related)) for row in getattr(record, accessor).all())
    return values


def _is_initial(model, name: str, value) -> bool:
    """Whether a value is what a new object starts with (not worth showing on its creation)."""
    if value in (None, "", []):
        return True
    field = model._meta.get_field(name)
    return not field.many_to_many and value == field.get_default()


def _entries(records, *, model, names, subject, m2m=(), keep_creation=False) -> list[HistoryEntry]:
    """Entries for the history rows of one object, oldest first; rows that changed nothing are left out."""
    entries, previous = [], None
    for record in records:
        current = _snapshot(record, names, m2m)
        base = previous or dict.fromkeys(names)
        changes = [
            Change(str(model._meta.get_field(name).verbose_name), _display(model, name, base[name]),
                   _display(model, name, current[name]))
            for name in names
            if current[name] != base[name] and not (previous is None and _is_initial(model, name, current[name]))
        ]
        if changes or record.history_type == "-" or (keep_creation and record.history_type == "+"):
            entries.append(HistoryEntry(record.history_date, record.history_user, subject(record),
                                        str(ACTIONS[record.history_type]), changes))
        previous = current
    return entries


def _grouped(records):
    by_object = defaultdict(list)
    for record in records:
        by_object[record.id].append(record)
    return by_object.values()


def report_history(report: Report) -> list[HistoryEntry]:
    """Every recorded change to the report, its theme answers and its initiatives, newest first."""
    if report.pk is None:
        return []
    report_label = _("Report")
    entries = _entries(report.history.select_related("history_user").order_by("history_date", "history_id"),
                       model=Report, names=REPORT_FIELDS, subject=lambda r: report_label, keep_creation=True)
    theme_records = (ThemeAnswer.history.filter(report_id=report.pk).select_related("history_user", "theme")
                     .order_by("history_date", "history_id"))
    for records in _grouped(theme_records):
        entries += _entries(records, model=ThemeAnswer, names=THEME_FIELDS,
                            subject=lambda r: _("Theme: %(name)s") % {"name": r.theme.name})
    related = ["__".join(_m2m_paths(Initiative, name)) for name in INITIATIVE_M2M]
    initiative_records = (Initiative.history.filter(report_id=report.pk).select_related("history_user")
                          .prefetch_related(*related).order_by("history_date", "history_id"))
    for records in _grouped(initiative_records):
        entries += _entries(records, model=Initiative, names=INITIATIVE_FIELDS, m2m=INITIATIVE_M2M,
                            subject=lambda r: _("Initiative: %(title)s") % {"title": r.title})
    return sorted(entries, key=lambda e: e.when, reverse=True)
