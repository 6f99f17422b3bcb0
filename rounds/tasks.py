"""The rounds' background jobs (django.tasks: `manage.py db_worker` runs them)."""

from django.tasks import task
from django.utils import timezone

from .models import ReportingRound
from .services.opening_mail import round_opening_mail


@task
def round_opening_mail_due(round_id: int) -> int:
    """On a round's opening day: tell its coordinators that it opened (rechecked: the round may have moved or
    closed since this was scheduled); returns the number of mails queued."""
    round = ReportingRound.objects.filter(pk=round_id).first()
    if round is None:  # deleted since
        return 0
    return round_opening_mail(round=round, today=timezone.localdate())
