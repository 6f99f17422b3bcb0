from django.contrib import admin

from initiatives.admin import RefreshesSummaryAdmin

from .models import Membership, Organisation, Platform


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
