"""Reminders to the coordinators of platforms that have not submitted their report yet."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from platforms.models import Platform

from .models import Reminder, Report, ReportingRound, ReportStatus


@dataclass
class DueReminder:
    """A platform to remind, with its coordinators' addresses."""

    platform: Platform
    recipients: list[str]


@dataclass
class Plan:
    due: list[DueReminder]
    skipped: list[tuple[Platform, str]]  # (platform, why it gets no reminder)
    reason: str = ""  # set when the round gets no reminders at all today


def round_refusal(round: ReportingRound, *, today: datetime.date, days_before: int | None) -> str:
    """Why no reminders go out for this round today, or "" when they do."""
    if round.is_closed:
        return _("The round has been closed.")
    if today < round.opens_on:
        return _("The round has not opened yet.")
    if today > round.deadline:
        return _("The deadline has passed.")
    if days_before is not None and (round.deadline - today).days > days_before:
        return _("The deadline is more than %(days)d days away.") % {"days": days_before}
    return ""


def reminders_plan(round: ReportingRound, *, today: datetime.date, days_before: int | None = None) -> Plan:
    """Who would be reminded today: the round's platforms without a submitted report, not yet reminded today."""
    reason = round_refusal(round, today=today, days_before=days_before)
    if reason:
        return Plan([], [], reason)
    submitted = Report.objects.filter(round=round, status=ReportStatus.SUBMITTED).values("platform_id")
    reminded = set(Reminder.objects.filter(round=round, sent_on=today).values_list("platform_id", flat=True))
    platforms = (Platform.objects.filter(round_platforms__round=round).exclude(pk__in=submitted)
                 .prefetch_related("coordinators").order_by("code"))
    due, skipped = [], []
    for platform in platforms:
        recipients = sorted(c.email for c in platform.coordinators.all() if c.is_active and c.email)
        if platform.pk in reminded:
            skipped.append((platform, _("already reminded today")))
        elif not recipients:
            skipped.append((platform, _("no coordinator with an e-mail address")))
        else:
            due.append(DueReminder(platform, recipients))
    return Plan(due, skipped)


def _send(round: ReportingRound, item: DueReminder, today: datetime.date) -> None:
    url = settings.SITE_URL + reverse("rounds:report", kwargs={"round_slug": round.slug, "code": item.platform.code})
    context = {"round": round, "platform": item.platform, "url": url,
               "days_left": (round.deadline - today).days}
    # One line, whatever the round's title or platform's name holds: a line break in a header is refused.
    subject = " ".join(render_to_string("rounds/mail/reminder_subject.txt", context).split())
    send_mail(subject, render_to_string("rounds/mail/reminder.txt", context), None, item.recipients)


def reminders_send(*, round: ReportingRound, plan: Plan, today: datetime.date | None = None) -> list[Reminder]:
    """Mail every due reminder of the plan and record it; a platform is never reminded twice a day.

    Each reminder is recorded and mailed in one transaction: if the mail fails, no reminder is
    recorded, and if another run recorded one first (the unique constraint), no mail is sent.
    """
    today = today or timezone.localdate()
    sent = []
    for item in plan.due:
        try:
            with transaction.atomic():
                reminder = Reminder.objects.create(round=round, platform=item.platform, sent_on=today,
                                                   sent_at=timezone.now(), recipients=", ".join(item.recipients))
                _send(round, item, today)
        except IntegrityError:
            continue
        sent.append(reminder)
    return sent
