from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from platforms.admin import RefreshesSummaryAdmin

from .models import Initiative, TargetGroup


@admin.register(TargetGroup)
class TargetGroupAdmin(RefreshesSummaryAdmin, admin.ModelAdmin):
    list_display = ("name", "slug", "position")
    search_fields = ("name", "slug")


@admin.register(Initiative)
class InitiativeAdmin(RefreshesSummaryAdmin, SimpleHistoryAdmin):
    list_display = ("title", "kind", "report", "start_date", "end_date")
    list_filter = ("kind", "report__round", "report__platform__level", "target_groups")
    search_fields = ("title", "description", "report__platform__name")
    list_select_related = ("report__platform", "report__round")
    filter_horizontal = ("target_groups", "themes", "asked_of", "partners_involved")
    readonly_fields = ("version", "updated_at", "updated_by")
