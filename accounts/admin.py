from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AccountEvent, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "role", "is_active", "last_login")
    list_filter = ("role", "is_active", "coordinated_platforms__level")
    search_fields = ("username", "first_name", "last_name", "email", "coordinated_platforms__name")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Role"), {"fields": ("role",)}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Role"), {"fields": ("role", "email", "first_name", "last_name")}),
    )


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    """The audit trail of accounts, read-only: events are written by the services, never by hand."""

    list_display = ("created_at", "actor", "target", "action", "details")
    list_filter = ("action", "created_at")
    search_fields = ("target__username", "target__first_name", "target__last_name", "actor__username", "details")
    list_select_related = ("actor", "target")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
