from django.contrib import admin
from django.db import transaction

from .models import Membership, Organisation, Platform
from .services import rosters_follow, summaries_changed


class RefreshesSummaryAdmin:
    """An admin for what the summary counts or names: each change raises every round's data version.

    Every round, because rounds are few and working out which rounds an edit touches (a platform,
    a target group) is not worth the risk of a stale figure. The admin's change and delete views
    run in one transaction, so the new version commits with the edit; the list's bulk delete is
    made one here.
    """

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # after the inlines and many-to-many
        summaries_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        summaries_changed()

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            summaries_changed()


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("organisation",)
    fields = ("organisation", "start_date", "end_date", "note")


@admin.register(Platform)
class PlatformAdmin(RefreshesSummaryAdmin, admin.ModelAdmin):
    list_display = ("name", "code", "level", "area", "is_active")
    list_filter = ("level", "is_active")
    search_fields = ("name", "code", "area", "coordinators__username", "coordinators__last_name")
    filter_horizontal = ("coordinators",)
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A platform made, deactivated or reactivated here joins or leaves the rounds that have not opened yet,
        # as through the portal's own pages.
        if not change or "is_active" in form.changed_data:
            rosters_follow([obj])


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "instellingsnummer", "onderwijsnet", "partner_category", "municipality")
    list_filter = ("kind", "onderwijsnet", "partner_category")
    search_fields = ("name", "instellingsnummer", "municipality")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("organisation", "platform", "start_date", "end_date")
    list_filter = ("platform__level", "organisation__kind", ("end_date", admin.EmptyFieldListFilter))
    search_fields = ("organisation__name", "organisation__instellingsnummer", "platform__name", "platform__code")
    autocomplete_fields = ("platform", "organisation")
    list_select_related = ("organisation", "platform")
