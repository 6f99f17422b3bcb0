"""Who may see and change initiatives: they belong to a report and follow its rules."""

from django.db.models import QuerySet

from rounds.models import Report
from rounds.permissions import ReportPolicy

from .models import Initiative


class InitiativePolicy:
    """Initiatives belong to a report: seen with it, added, changed and removed while the report can be changed."""

    @staticmethod
    def visible(user) -> QuerySet[Initiative]:
        return Initiative.objects.filter(report__in=ReportPolicy.visible(user))

    @staticmethod
    def change_refusal(user, report: Report) -> str | None:
        """Why this user cannot add, change or remove the report's initiatives now (the report's reason); None
        when they can, also before the report's first save."""
        return ReportPolicy.edit_refusal(user, report)

    @classmethod
    def can_change(cls, user, initiative: Initiative) -> bool:
        return cls.change_refusal(user, initiative.report) is None
