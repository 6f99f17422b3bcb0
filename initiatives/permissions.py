"""Who may see and change initiatives: they belong to a report and follow its rules."""

from django.db.models import QuerySet

from rounds.permissions import ReportPolicy

from .models import Initiative


class InitiativePolicy:
    """Initiatives belong to a report: seen with it, changed while the report can be changed."""

    @staticmethod
    def visible(user) -> QuerySet[Initiative]:
        return Initiative.objects.filter(report__in=ReportPolicy.visible(user))

    @staticmethod
    def can_change(user, initiative: Initiative) -> bool:
        return ReportPolicy.can_edit(user, initiative.report)
