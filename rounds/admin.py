from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from initiatives.models import ThemeAnswer
from platforms.admin import RefreshesSummaryAdmin

from .models import Report, ReportingRound, Theme


@admin.register(Theme)
class ThemeAdmin(RefreshesSummaryAdmin, admin.ModelAdmin):
    list_display = ("name", "slug", "position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(ReportingRound)
class ReportingRoundAdmin(RefreshesSummaryAdmin, admin.ModelAdmin):
    list_display = ("title", "slug", "period_start", "opens_on", "deadline")
    search_fields = ("title", "slug")
    filter_horizontal = ("themes",)
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "opens_on"


class ThemeAnswerInline(admin.TabularInline):
    model = ThemeAnswer
    extra = 0
    autocomplete_fields = ()
    fields = ("theme", "discussed", "agreements", "actions", "exchange", "informed", "note")


@admin.register(Report)
class ReportAdmin(RefreshesSummaryAdmin, SimpleHistoryAdmin):
    list_display = ("platform", "round", "status", "submitted_at", "reopened")
    list_filter = ("round", "status", "platform__level", "reopened")
    search_fields = ("platform__name", "platform__code", "round__title")
    list_select_related = ("platform", "round")
    readonly_fields = ("version", "updated_at", "updated_by", "submitted_at", "submitted_by", "returned_at",
                       "returned_by")
    autocomplete_fields = ("platform",)
    inlines = [ThemeAnswerInline]

    def save_model(self, request, obj, form, change):
        if change:  # a coordinator's form still open on the previous version must not overwrite this edit
            obj.version += 1
        super().save_model(request, obj, form, change)
