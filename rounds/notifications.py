"""Mails to a platform's coordinators about their report; queued in the transaction that changes the report."""

from django.conf import settings

from mail.models import MailKind
from mail.rendering import mail_render
from mail.services import mail_queue

from .models import Report


def _mail_coordinators(report: Report, template: str, kind: str) -> None:
    recipients = [u.email for u in report.platform.coordinators.filter(is_active=True) if u.email]
    if not recipients:
        return
    context = {"report": report, "url": settings.SITE_URL + report.get_absolute_url()}
    subject, body = mail_render(f"rounds/mail/{template}", context)
    mail_queue(kind=kind, recipients=recipients, subject=subject, body=body)


def report_returned(report: Report) -> None:
    _mail_coordinators(report, "report_returned", MailKind.REPORT_RETURNED)


def report_reopened(report: Report) -> None:
    _mail_coordinators(report, "report_reopened", MailKind.REPORT_REOPENED)
