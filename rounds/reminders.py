"""Reminders to the coordinators of platforms that have not submitted their report yet.

One mail per coordinator, listing all their platforms in the round that have not submitted; the
record stays per platform (`Reminder`, at most one a day: its unique constraint). The round page
(rounds/views/reminders.py) and `send_reminders` both plan and send with the functions below.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from mail.rendering import mail_render
from mail.services import mail_queue
from platforms.models import Platform

from .models import Reminder, Report, ReportingRound, ReportStatus


@dataclass
class DuePlatform:
    """A platform of the round whose report is not submitted, with that report (None: not started)."""

    platform: Platform
    report: Report | None
    url: str
    recipients: list[str]  # its coordinators' addresses: what the `Reminder` records

    @property
    def returned(self) -> bool:
        return self.report is not None and self.report.status == ReportStatus.RETURNED

    @property
    def status_label(self) -> str:
        return self.report.get_status_display() if self.report else _("Not started")

    @property
    def returned_by_name(self) -> str:
        user = self.report.returned_by if self.returned else None
        return (user.get_full_name() or user.username) if user else ""

    @property
    def quoted_comment(self) -> str:
        """The return comment, indented under its platform in the plain-text mail."""
        return "\n".join(f"    {line}" for line in self.report.return_comment.splitlines()) if self.returned else ""


@dataclass
class ReminderMail:
    """The one mail a coordinator gets: their platforms of the round that have not submitted, and its text."""

    coordinator: User
    platforms: list[DuePlatform]
    subject: str
    body: str

    @property
    def email(self) -> str:
        return self.coordinator.email


@dataclass
class Plan:
    mails: list[ReminderMail] = field(default_factory=list)
    skipped: list[tuple[Platform, str]] = field(default_factory=list)  # (platform, why it gets no reminder)
    reason: str = ""  # set when the round gets no reminders at all today

    @property
    def due(self) -> list[DuePlatform]:
        """The platforms reminded, each once (a platform with two coordinators is in two mails)."""
        seen, due = set(), []
        for mail in self.mails:
            for item in mail.platforms:
                if item.platform.pk not in seen:
                    seen.add(item.platform.pk)
                    due.append(item)
        return sorted(due, key=lambda item: item.platform.code)


@dataclass
class Sent:
    mails: list[ReminderMail]
    reminders: list[Reminder]


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


def _coordinators(platform: Platform) -> list[User]:
    """The platform's coordinators a mail can reach (uses the prefetched coordinators)."""
    return sorted((c for c in platform.coordinators.all() if c.is_active and c.email), key=lambda c: c.email)


def _render(round: ReportingRound, coordinator: User, platforms: list[DuePlatform], today: datetime.date
            ) -> ReminderMail:
    subject, body = mail_render("rounds/mail/reminder", {
        "round": round, "coordinator": coordinator, "items": platforms, "days_left": (round.deadline - today).days,
    })
    return ReminderMail(coordinator, platforms, subject, body)


def reminders_plan(round: ReportingRound, *, today: datetime.date, days_before: int | None = None) -> Plan:
    """Who would be reminded today, and with which mail: per coordinator, their platforms of the round without
    a submitted report that were not reminded today (four queries)."""
    reason = round_refusal(round, today=today, days_before=days_before)
    if reason:
        return Plan(reason=reason)
    reports = {r.platform_id: r for r in Report.objects.filter(round=round).select_related("returned_by")}
    reminded = set(Reminder.objects.filter(round=round, sent_on=today).values_list("platform_id", flat=True))
    platforms = (Platform.objects.filter(round_platforms__round=round).prefetch_related("coordinators")
                 .order_by("name", "code"))
    by_coordinator: dict[int, tuple[User, list[DuePlatform]]] = {}
    skipped = []
    for platform in platforms:
        report = reports.get(platform.pk)
        if report is not None and report.status == ReportStatus.SUBMITTED:
            continue
        coordinators = _coordinators(platform)
        if platform.pk in reminded:
            skipped.append((platform, _("already reminded today")))
        elif not coordinators:
            skipped.append((platform, _("no coordinator with an e-mail address")))
        else:
            url = settings.SITE_URL + reverse("rounds:report", kwargs={"round_slug": round.slug,
                                                                       "code": platform.code})
            item = DuePlatform(platform, report, url, [c.email for c in coordinators])
            for coordinator in coordinators:
                by_coordinator.setdefault(coordinator.pk, (coordinator, []))[1].append(item)
    mails = [_render(round, coordinator, items, today)
             for coordinator, items in sorted(by_coordinator.values(), key=lambda pair: pair[0].email)]
    return Plan(mails, skipped)


@transaction.atomic
def reminders_send(*, round: ReportingRound, plan: Plan, today: datetime.date | None = None) -> Sent:
    """Record a reminder for every platform of the plan and queue each coordinator's mail, in one transaction.

    A platform that another run reminded first (the unique constraint) is left out of the mails;
    a mail left with no platform is not sent.
    """
    if plan.reason:
        raise ValidationError(plan.reason)
    today = today or timezone.localdate()
    now = timezone.now()
    reminders = []
    for item in plan.due:
        try:
            with transaction.atomic():  # a savepoint: a platform reminded meanwhile leaves the others be
                reminders.append(Reminder.objects.create(round=round, platform=item.platform, sent_on=today,
                                                         sent_at=now, recipients=", ".join(item.recipients)))
        except IntegrityError:
            continue
    recorded = {reminder.platform_id for reminder in reminders}
    mails = []
    for mail in plan.mails:
        platforms = [item for item in mail.platforms if item.platform.pk in recorded]
        if not platforms:
            continue
        if len(platforms) < len(mail.platforms):
            mail = _render(round, mail.coordinator, platforms, today)
        mail_queue(kind="reminder", recipients=[mail.email], subject=mail.subject, body=mail.body)
        mails.append(mail)
    return Sent(mails, reminders)


def reminders_sent(round: ReportingRound) -> QuerySet[Reminder]:
    """The reminders recorded for the round, newest first, with their platform."""
    return Reminder.objects.filter(round=round).select_related("platform").order_by("-sent_at", "platform__name")
