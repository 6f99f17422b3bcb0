"""Reads of the mail queue."""

from django.db.models import Case, IntegerField, QuerySet, Value, When

from .models import Mail, MailStatus


def mail_delayed() -> bool:
    """Whether mails are failing right now: an unsent mail whose last attempt went wrong (pages that queue mail
    say so)."""
    return Mail.objects.filter(status=MailStatus.QUEUED).exclude(last_error="").exists()


def mail_failed_count() -> int:
    """How many mails were given up on (the admin home shows it)."""
    return Mail.objects.filter(status=MailStatus.FAILED).count()


def mail_list(*, status: str = "") -> QuerySet[Mail]:
    """The mails with this status, or the failed and queued ones (failed first), newest first."""
    mails = Mail.objects.all()
    if status:
        return mails.filter(status=status)
    return mails.exclude(status=MailStatus.SENT).annotate(
        failed_first=Case(When(status=MailStatus.FAILED, then=Value(0)), default=Value(1),
                          output_field=IntegerField()),
    ).order_by("failed_first", "-created_at", "-pk")
