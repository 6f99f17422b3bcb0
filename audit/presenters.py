"""Audit entries as people read them: who, what, which object (with a link), and each change old → new.

Everything a page of entries needs is fetched per kind of object, not per entry: the objects to link
to, the related objects a changed foreign key names, the platforms' codes. So a page costs the same
number of queries for 5 entries as for 50.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from platforms.models import Platform

ACTIONS = {
    LogEntry.Action.CREATE: gettext_lazy("Created"),
    LogEntry.Action.UPDATE: gettext_lazy("Changed"),
    LogEntry.Action.DELETE: gettext_lazy("Deleted"),
    LogEntry.Action.ACCESS: gettext_lazy("Viewed"),
}


def _report_url(report) -> str:
    return reverse("rounds:report", kwargs={"round_slug": report.round.slug, "code": report.platform.code})


# label → (related objects the link needs, the link). Kinds of object without a page of their own have no link.
LINKS: dict[str, tuple[list[str], Callable]] = {
    "platforms.Platform": ([], lambda o: reverse("platforms:detail", kwargs={"code": o.code})),
    "platforms.Membership": (["platform"], lambda o: reverse("platforms:detail", kwargs={"code": o.platform.code})),
    "rounds.ReportingRound": ([], lambda o: reverse("rounds:detail", kwargs={"round_slug": o.slug})),
    "rounds.Questionnaire": (["round"], lambda o: reverse("rounds:questionnaire",
                                                           kwargs={"round_slug": o.round.slug})),
    "rounds.Theme": ([], lambda o: reverse("rounds:theme_edit", kwargs={"theme_slug": o.slug})),
    "rounds.Report": (["round", "platform"], _report_url),
    "rounds.Answer": (["report__round", "report__platform"], lambda o: _report_url(o.report)),
    "rounds.Note": (["report__round", "report__platform"], lambda o: _report_url(o.report)),
    "initiatives.Initiative": (["report__round", "report__platform"], lambda o: reverse(
        "rounds:initiative_detail", kwargs={"round_slug": o.report.round.slug, "code": o.report.platform.code,
                                            "pk": o.pk})),
    "accounts.User": ([], lambda o: reverse("people:detail", kwargs={"pk": o.pk})),
    "parliament.ParliamentaryQuestion": ([], lambda o: reverse("parliament:question", kwargs={"pk": o.pk})),
    "parliament.Publication": ([], lambda o: reverse("parliament:answer", kwargs={"pk": o.pk})),
}


@dataclass
class Change:
    """One field's change: its name as users know it, the value before and after (text; "" for none)."""

    label: str
    old: str
    new: str


@dataclass
class EntryRow:
    """One audit entry, ready to show or export."""

    entry: LogEntry
    when: object
    who: str
    command: str
    action: str
    kind: str
    object_repr: str
    url: str | None
    platforms: list[str]
    changes: list[Change] = field(default_factory=list)
    import_info: dict | None = None


def _text(value) -> str:
    if value is None or value == "":
        return "–"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):  # a question or section of a replaced questionnaire
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return str(value)


def _model(entry: LogEntry):
    return entry.content_type.model_class()


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _fk_refs(entries: Iterable[LogEntry]) -> dict[type, set]:
    """The ids named by changed foreign keys on these entries, per related model."""
    refs: dict[type, set] = defaultdict(set)
    for entry in entries:
        model = _model(entry)
        for name, values in (entry.changes or {}).items():
            f = _field(model, name)
            if f is not None and f.many_to_one and isinstance(values, list):
                refs[f.related_model] |= {v for v in values if v not in (None, "", "None")}
    return refs


def _load_related(refs: dict[type, set]) -> dict[type, dict]:
    loaded = {}
    for model, ids in refs.items():
        clean = set()
        for value in ids:
            try:
                clean.add(model._meta.pk.to_python(value))
            except Exception:  # noqa: BLE001, S112 - a value from an older schema: shown as it was stored
                continue
        loaded[model] = {str(pk): obj for pk, obj in model._default_manager.in_bulk(clean).items()} if clean else {}
    return loaded


def _load_linked(entries: Iterable[LogEntry]) -> dict[tuple[int, str], str]:
    """The link of every entry whose object still exists and has a page."""
    wanted: dict[type, set] = defaultdict(set)
    for entry in entries:
        model = _model(entry)
        if model is not None and model._meta.label in LINKS and entry.object_id is not None:
            wanted[model].add(entry.object_id)
    urls = {}
    for model, ids in wanted.items():
        related, url = LINKS[model._meta.label]
        queryset = model._default_manager.select_related(*related) if related else model._default_manager.all()
        for obj in queryset.filter(pk__in=ids):
            urls[(model._meta.label, str(obj.pk))] = url(obj)
    return urls


def _local_time(value):
    # auditlog stores a moment as naive UTC text ("2025-03-01 09:30:00.123456"): shown in Brussels time.
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=datetime.UTC)
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _label(f, name: str) -> str:
    if f is not None and hasattr(f, "verbose_name"):
        return capfirst(str(f.verbose_name))
    if f is not None:  # the other side of a relation, e.g. a person's coordinated platforms
        return capfirst(str(f.related_model._meta.verbose_name_plural))
    prefix, _space, key = name.partition(" ")
    if prefix == "section" and key:  # a replaced questionnaire's sections and questions, by key
        return _("Section %(key)s") % {"key": key}
    if prefix == "question" and key:
        return _("Question %(key)s") % {"key": key}
    return name


def _change_rows(entry: LogEntry, related: dict[type, dict]) -> list[Change]:
    model = _model(entry)
    rows = []
    for name, values in (entry.changes or {}).items():
        f = _field(model, name)
        label = _label(f, name)
        if isinstance(values, dict) and values.get("type") == "m2m":
            # Added or removed from a many-to-many field (e.g. a platform's coordinators).
            objects = ", ".join(values.get("objects") or [])
            added = values.get("operation") == "add"
            rows.append(Change(label, "" if added else objects, objects if added else ""))
            continue
        if not isinstance(values, (list, tuple)) or len(values) != 2:
            rows.append(Change(label, "", _text(values)))
            continue
        old, new = values
        if f is not None and f.many_to_one:
            objects = related.get(f.related_model, {})
            old, new = (str(objects.get(str(v), v)) if v not in (None, "", "None") else None for v in (old, new))
        elif isinstance(f, models.DateTimeField):
            old, new = (_local_time(v) for v in (old, new))
        elif f is not None and getattr(f, "flatchoices", None):
            choices = {str(k): v for k, v in f.flatchoices}
            old, new = (choices.get(str(v), v) if v not in (None, "") else None for v in (old, new))
        rows.append(Change(label, _text(old), _text(new)))
    return rows


def _who(entry: LogEntry, command: str) -> str:
    if entry.actor is not None:
        return str(entry.actor)
    if entry.actor_email:
        return entry.actor_email  # the person's account was deleted since
    if command:
        return _("command %(name)s") % {"name": command}
    return _("the system")


def entry_rows(entries: list[LogEntry]) -> list[EntryRow]:
    """The rows for these entries (loaded with actor and content type), with a fixed number of queries."""
    related = _load_related(_fk_refs(entries))
    urls = _load_linked(entries)
    platform_ids = {int(pk) for e in entries for pk in ((e.additional_data or {}).get("platforms") or {})
                    if str(pk).isdigit()}
    codes = dict(Platform.objects.filter(pk__in=platform_ids).values_list("pk", "code")) if platform_ids else {}
    rows = []
    for entry in entries:
        data = entry.additional_data or {}
        model = _model(entry)
        command = data.get("command") or ""
        imported = data.get("import")
        rows.append(EntryRow(
            entry=entry,
            when=entry.timestamp,
            who=_who(entry, command),
            command=command,
            action=_("Imported") if imported else str(ACTIONS.get(entry.action, entry.action)),
            kind=capfirst(str(model._meta.verbose_name)) if model is not None else entry.content_type.model,
            object_repr=entry.object_repr,
            url=urls.get((model._meta.label, entry.object_pk)) if model is not None else None,
            platforms=sorted(codes.get(int(pk), f"#{pk}") for pk in (data.get("platforms") or {})
                             if str(pk).isdigit()),
            changes=_change_rows(entry, related),
            import_info=imported if isinstance(imported, dict) else None,
        ))
    return rows


def _changes_text(row: EntryRow) -> str:
    return "; ".join(f"{c.label}: {c.old} → {c.new}" for c in row.changes)


CSV_HEADER = [
    gettext_lazy("When"), gettext_lazy("Who"), gettext_lazy("Command"), gettext_lazy("Action"),
    gettext_lazy("Kind of object"), gettext_lazy("Object"), gettext_lazy("Object id"), gettext_lazy("Platforms"),
    gettext_lazy("Changes (old → new)"), gettext_lazy("File"), gettext_lazy("SHA-256"), gettext_lazy("Rows"),
    gettext_lazy("Created"), gettext_lazy("Updated"), gettext_lazy("Unchanged"),
]


def csv_row(row: EntryRow) -> list:
    """The row of the download: text cells (neutralised by the caller) and counts."""
    info = row.import_info or {}
    return [
        timezone.localtime(row.when).strftime("%Y-%m-%d %H:%M:%S"), row.who, row.command, row.action, row.kind,
        row.object_repr, row.entry.object_pk, ", ".join(row.platforms), _changes_text(row),
        info.get("file_name", ""), info.get("sha256", ""), info.get("rows", ""), info.get("created", ""),
        info.get("updated", ""), info.get("unchanged", ""),
    ]

