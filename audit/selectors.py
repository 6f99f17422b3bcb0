"""Reads of the audit log."""

import datetime

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone

from audit.registry import TRACKED


def tracked_content_types() -> list[ContentType]:
    """The kinds of object the log has entries about, for the filter."""
    from django.apps import apps

    return list(ContentType.objects.get_for_models(*(apps.get_model(label) for label in TRACKED)).values())


def _start_of(day: datetime.date) -> datetime.datetime:
    # Days in the portal's time zone (Brussels), not UTC: "from 1 March" includes 00:30 on 1 March.
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def entries_list(*, actor=None, platform=None, content_type: ContentType | None = None,
                 date_from: datetime.date | None = None, date_to: datetime.date | None = None) -> QuerySet[LogEntry]:
    """The entries, newest first, by a person, about a platform, on a kind of object, within days (inclusive).

    For admins only: the views check `AuditPolicy.can_access` first. A platform's entries are those whose
    additional_data names it (audit/registry.py): a key lookup, the same on SQLite and PostgreSQL.
    """
    qs = LogEntry.objects.select_related("actor", "content_type")
    if actor is not None:
        qs = qs.filter(actor=actor)
    if platform is not None:
        qs = qs.filter(additional_data__platforms__has_key=str(platform.pk))
    if content_type is not None:
        qs = qs.filter(content_type=content_type)
    if date_from is not None:
        qs = qs.filter(timestamp__gte=_start_of(date_from))
    if date_to is not None:
        qs = qs.filter(timestamp__lt=_start_of(date_to + datetime.timedelta(days=1)))
    return qs.order_by("-timestamp", "-pk")
