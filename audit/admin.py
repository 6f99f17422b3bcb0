"""The audit log in the Django admin: read only, for everyone, superusers included."""

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin

# django-auditlog registers its own admin, which lets a cascade delete entries; ours never deletes one.
admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class ReadOnlyLogEntryAdmin(LogEntryAdmin):
    """Entries can be looked at, never added, changed or deleted (append-only, like the log it is)."""

    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
