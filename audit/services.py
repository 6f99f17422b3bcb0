"""Writes to the audit log that model signals cannot make: file imports and bulk writes."""

from collections.abc import Iterable

from auditlog.cid import get_cid
from auditlog.context import auditlog_disabled
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.encoding import smart_str
from django.utils.text import capfirst

from audit.context import current_command, request_user
from audit.registry import additional_data_for

# What each kind of import brings in. An import without one object it belongs to (the platform
# register, the member lists) is recorded on the kind of object it imports: the entry's content
# type is that model and it has no object id, so "kind of object" on /audit/ finds it.
IMPORT_KINDS = {
    "platforms": "platforms.Platform",
    "members": "platforms.Membership",
    "responses": "rounds.Report",
    "questionnaire": "rounds.Questionnaire",
}


@transaction.atomic
def record_import(
    *,
    actor,
    kind: str,
    file_name: str,
    sha256: str,
    rows: int,
    created: int = 0,
    updated: int = 0,
    unchanged: int = 0,
    target=None,
    command: str | None = None,
) -> LogEntry:
    """Record one file import in the audit log: who (or which command), which file (name, SHA-256) and the counts.

    The entry is on `target` (e.g. the round responses were imported into, the questionnaire built
    from a file) and carries the platforms that object concerns. With target None it is on the kind
    of object imported (IMPORT_KINDS[kind], no object id). `kind` must be one of IMPORT_KINDS.
    The rows the import changed are logged as well, each on its own object.
    """
    if kind not in IMPORT_KINDS:
        raise ValueError(f"Unknown import kind {kind!r}; expected one of {sorted(IMPORT_KINDS)}.")
    additional = {
        "import": {
            "kind": kind,
            "file_name": file_name,
            "sha256": sha256,
            "rows": rows,
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
        }
    }
    if target is not None:
        content_type = ContentType.objects.get_for_model(target)
        object_pk = smart_str(target.pk)
        object_id = target.pk if isinstance(target.pk, int) else None
        object_repr = smart_str(target)
        additional.update(additional_data_for(target) or {})
    else:
        model = apps.get_model(IMPORT_KINDS[kind])
        content_type = ContentType.objects.get_for_model(model)
        object_pk, object_id = "", None
        object_repr = capfirst(smart_str(model._meta.verbose_name_plural))
    command = command or current_command()
    if command:
        additional["command"] = command
    actor = _actor(actor)
    return LogEntry.objects.create(
        content_type=content_type,
        object_pk=object_pk,
        object_id=object_id,
        object_repr=_storable(object_repr),
        action=LogEntry.Action.UPDATE,
        changes=None,
        actor=actor,
        actor_email=getattr(actor, "email", None),
        cid=get_cid(),
        additional_data=_storable(additional),
    )


# Bulk writes --------------------------------------------------------------------------------------------------
# bulk_create, bulk_update and queryset.update() send no model signals, so auditlog sees nothing. The services
# that write in bulk call these instead, which write one entry per object, all in one INSERT.


def _actor(actor):
    # None: the person of the request, if any (their lazy user is loaded only now). AnonymousUser: nobody;
    # a command, if one runs, is named in additional_data.
    if actor is None:
        actor = request_user()
    return actor if isinstance(actor, get_user_model()) else None


def _json_value(value):
    # As auditlog stores JSON changes: JSON types as they are, anything else (dates, decimals) as text.
    if value is None or isinstance(value, (bool, int, float, str, list, dict)):
        return value
    return smart_str(value)


def _storable(value):
    """The value with NUL characters replaced: PostgreSQL's text and jsonb cannot hold them (SQLite can), and a
    log entry must never fail the change it records."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_storable(item) for item in value]
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    return value


def _entry(obj, *, actor, action: int, changes: dict) -> LogEntry:
    return LogEntry(
        content_type=ContentType.objects.get_for_model(obj),
        object_pk=smart_str(obj.pk),
        object_id=obj.pk if isinstance(obj.pk, int) else None,
        object_repr=_storable(smart_str(obj)),
        action=action,
        changes=_storable(changes),
        actor=actor,
        actor_email=getattr(actor, "email", None),
        cid=get_cid(),
        additional_data=additional_data_for(obj),
    )


def _write(entries: list[LogEntry]) -> None:
    if entries:
        LogEntry.objects.bulk_create(entries)


def _tracked(model) -> bool:
    return auditlog.contains(model) and not auditlog_disabled.get()


def _record_whole(objects: Iterable[models.Model], *, actor, action: int) -> None:
    """One entry per object created or deleted in bulk, with all its values (as auditlog logs a save or delete)."""
    objects = list(objects)
    if not objects or not _tracked(type(objects[0])):
        return
    actor = _actor(actor)
    json_changes = settings.AUDITLOG_STORE_JSON_CHANGES
    before_after = (lambda obj: (None, obj)) if action == LogEntry.Action.CREATE else (lambda obj: (obj, None))
    _write([_entry(obj, actor=actor, action=action,
                   changes=model_instance_diff(*before_after(obj), use_json_for_changes=json_changes) or {})
            for obj in objects])


def record_bulk_create(*, actor, objects: Iterable[models.Model]) -> None:
    """Log the creation of objects saved with bulk_create (they have their primary keys): one entry each."""
    _record_whole(objects, actor=actor, action=LogEntry.Action.CREATE)


def record_bulk_update(*, actor, changes: Iterable[tuple[models.Model, dict]]) -> None:
    """Log objects changed with bulk_update: pairs of (object with its new values, {field: old value}).

    One entry per object whose values really changed, with old → new for each changed field.
    """
    changes = list(changes)
    if not changes or not _tracked(type(changes[0][0])):
        return
    actor = _actor(actor)
    entries = []
    for obj, old_values in changes:
        diff = {field: [_json_value(old), _json_value(getattr(obj, field))]
                for field, old in old_values.items() if old != getattr(obj, field)}
        if diff:
            entries.append(_entry(obj, actor=actor, action=LogEntry.Action.UPDATE, changes=diff))
    _write(entries)


def record_bulk_delete(*, actor, objects: Iterable[models.Model]) -> None:
    """Log objects deleted in bulk (pass them as loaded before the delete): one entry each, with their last values."""
    _record_whole(objects, actor=actor, action=LogEntry.Action.DELETE)


def record_change(*, actor, obj: models.Model, changes: dict) -> LogEntry | None:
    """Log one change of `obj` that its rows do not show one by one ({name: [old, new]}); none when empty."""
    if not changes or not _tracked(type(obj)):
        return None
    entry = _entry(obj, actor=_actor(actor), action=LogEntry.Action.UPDATE, changes=changes)
    entry.save()
    return entry
