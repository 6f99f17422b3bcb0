from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from platforms.admin import RefreshesSummaryAdmin

from .models import Answer, Note, Report, ReportingRound, Theme


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


class ReadOnlyInline(admin.TabularInline):
    """Answers are written by one service (the coordinators' form and the file import): read-only here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AnswerInline(ReadOnlyInline):
    model = Answer
    fields = readonly_fields = ("question", "theme", "value")
    ordering = ("question__section__position", "question__position", "theme__position")


class NoteInline(ReadOnlyInline):
    model = Note
    fields = readonly_fields = ("section", "theme", "text")


@admin.register(Report)
class ReportAdmin(RefreshesSummaryAdmin, SimpleHistoryAdmin):
    list_display = ("platform", "round", "status", "submitted_at", "reopened")
    list_filter = ("round", "status", "platform__level", "reopened")
    search_fields = ("platform__name", "platform__code", "round__title")
    list_select_related = ("platform", "round")
    readonly_fields = ("version", "updated_at", "updated_by", "submitted_at", "submitted_by", "returned_at",
                       "returned_by")
    autocomplete_fields = ("platform",)
    inlines = [AnswerInline, NoteInline]

    def save_model(self, request, obj, form, change):
        if change:  # a coordinator's form still open on the previous version must not overwrite this edit
            obj.version += 1
        super().save_model(request, obj, form, change)
