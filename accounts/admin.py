from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


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
