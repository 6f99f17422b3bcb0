"""Mails to a platform's coordinators about their report; sent after the change is committed."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from .models import Report


def _mail_coordinators(report: Report, template: str) -> None:
    recipients = [u.email for u in report.platform.coordinators.filter(is_active=True) if u.email]
    if not recipients:
        return
    context = {"report": report, "url": settings.SITE_URL + report.get_absolute_url()}
    # One line, whatever the round's title or platform's name holds: a line break in a header is refused.
    subject = " ".join(render_to_string(f"rounds/mail/{template}_subject.txt", context).split())
    body = render_to_string(f"rounds/mail/{template}.txt", context)
    send_mail(subject, body, None, recipients)


def report_returned(report: Report) -> None:
    _mail_coordinators(report, "report_returned")


def report_reopened(report: Report) -> None:
    _mail_coordinators(report, "report_reopened")
