"""The round-opened mail: when a round opens, each of its coordinators is told once, in one mail.

Three triggers share `round_opening_mail`: an admin saving a round that is open (round_save), a task
deferred to the opening day of a round that opens later (rounds/tasks.py), and the daily
`send_reminders`, which catches up any round that opened unannounced.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from mail.rendering import mail_render
from mail.services import mail_queue
from platforms.models import Platform

from ..models import ReportingRound


def rounds_opened_unannounced(today: datetime.date) -> QuerySet[ReportingRound]:
    """The rounds that are open today and whose coordinators were not told yet."""
    return ReportingRound.objects.filter(opens_on__lte=today, deadline__gte=today, closed_at__isnull=True,
                                         opening_mailed_at__isnull=True).order_by("opens_on", "pk")


def _coordinator_platforms(round: ReportingRound) -> list[tuple[User, list[Platform]]]:
    """Each active coordinator with an address, with their platforms of the round (two queries)."""
    platforms = (Platform.objects.filter(round_platforms__round=round).prefetch_related("coordinators")
                 .order_by("name", "code"))
    by_user: dict[int, tuple[User, list[Platform]]] = {}
    for platform in platforms:
        for user in platform.coordinators.all():
            if user.is_active and user.email:
                by_user.setdefault(user.pk, (user, []))[1].append(platform)
    return sorted(by_user.values(), key=lambda pair: pair[0].email)


@transaction.atomic
def round_opening_mail(*, round: ReportingRound, today: datetime.date) -> int:
    """Tell each coordinator of a round that has opened, in one mail, once; returns the number of mails queued.

    Nothing happens for a round that has not opened, is closed, is past its deadline or was announced;
    the round is read again, since a deferred task may run long after its dates were changed.
    """
    # Claimed by one conditional UPDATE: of two runs at once, only one finds the round unannounced.
    claimed = rounds_opened_unannounced(today).filter(pk=round.pk).update(opening_mailed_at=timezone.now())
    if not claimed:
        return 0
    round = ReportingRound.objects.get(pk=round.pk)
    count = 0
    for coordinator, platforms in _coordinator_platforms(round):
        items = [{"platform": platform, "url": settings.SITE_URL + reverse(
            "rounds:report", kwargs={"round_slug": round.slug, "code": platform.code})} for platform in platforms]
        subject, body = mail_render("rounds/mail/round_opened", {
            "round": round, "coordinator": coordinator, "items": items,
        })
        mail_queue(kind="round_opened", recipients=[coordinator.email], subject=subject, body=body)
        count += 1
    return count


def _opening_moment(round: ReportingRound) -> datetime.datetime:
    """The start of the round's opening day, in the portal's time zone."""
    return timezone.make_aware(datetime.datetime.combine(round.opens_on, datetime.time.min),
                               timezone.get_default_timezone())


def round_opening_mail_arrange(*, round: ReportingRound, today: datetime.date) -> None:
    """After an admin saved a round: announce it now if it is open, or have a task announce it on its opening day.

    A round whose date moves gets a new task; the old one finds the round not open yet (or announced)
    and does nothing. Where the task backend cannot defer, the daily `send_reminders` announces it.
    """
    if today >= round.opens_on:
        round_opening_mail(round=round, today=today)
        return
    if round.is_closed or round.opening_mailed_at is not None:
        return
    from ..tasks import round_opening_mail_due  # the task calls this module

    if not round_opening_mail_due.get_backend().supports_defer:
        return
    # With the database backend the task row is written in this transaction: saved together, or not at all.
    round_opening_mail_due.using(run_after=_opening_moment(round)).enqueue(round.pk)
