"""Writes to rounds and themes, by admins, and to the platforms a round asks (its roster)."""

import datetime

from auditlog.context import disable_auditlog
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from platforms.models import Platform
from summaries.summary import round_data_changed

from ..models import (
    TEXT_MAX_LENGTH,
    Answer,
    Note,
    Questionnaire,
    ReportingRound,
    RosterAction,
    RosterChange,
    RoundPlatform,
    Theme,
)
from .opening_mail import round_opening_mail_arrange


@transaction.atomic
def round_save(*, actor, round: ReportingRound, data: dict) -> ReportingRound:
    """Create or change a round; a new round asks every active platform; a theme that already has answers in it
    cannot be taken out."""
    themes = data.pop("themes")
    for field, value in data.items():
        setattr(round, field, value)
    round.full_clean()
    creating = round.pk is None
    if not creating:
        dropped = set(round.themes.values_list("pk", flat=True)) - {t.pk for t in themes}
        answered = Theme.objects.filter(
            Q(pk__in=Answer.objects.filter(report__round=round, theme__in=dropped).values("theme_id"))
            | Q(pk__in=Note.objects.filter(report__round=round, theme__in=dropped).values("theme_id")))
        if answered:
            raise ValidationError({"themes": _("These themes already have answers in this round: %(names)s.")
                                   % {"names": ", ".join(t.name for t in answered)}})
    round.save()
    round.themes.set(themes)
    if creating:
        # Until it opens, the roster follows the platforms (round_platforms_follow); from then on it is fixed.
        joined = RoundPlatform.objects.bulk_create([RoundPlatform(round=round, platform=platform) for platform in
                                                    Platform.objects.filter(is_active=True)])
        audit.record_bulk_create(actor=actor, objects=joined)  # bulk_create sends no signal for the audit log
    Questionnaire.objects.get_or_create(round=round)  # empty: the admin builds it, imports it or copies one
    round_data_changed(round)  # its title, themes and platforms are part of the summary
    # Open today: its coordinators are told now (once); opening later: a task tells them on the day.
    round_opening_mail_arrange(round=round, today=timezone.localdate())
    return round


@transaction.atomic
def round_close(*, actor, round: ReportingRound) -> ReportingRound:
    """Close a round: its reports are final, nobody changes or reopens them, no reminders go out."""
    if round.is_closed:
        raise ValidationError(_("This round is closed already."))
    round.closed_at = timezone.now()
    round.save(update_fields=["closed_at"])
    return round


@transaction.atomic
def round_open(*, actor, round: ReportingRound) -> ReportingRound:
    """Undo the closing of a round (the deadline still applies)."""
    if not round.is_closed:
        raise ValidationError(_("This round is not closed."))
    round.closed_at = None
    round.save(update_fields=["closed_at"])
    return round


@transaction.atomic
def theme_save(*, actor, theme: Theme, data: dict) -> Theme:
    """Create or change a theme."""
    for field, value in data.items():
        setattr(theme, field, value)
    theme.full_clean()
    theme.save()
    if rounds := list(theme.rounds.all()):  # its name is part of these rounds' summaries
        round_data_changed(*rounds)
    return theme


# The platforms of a round -------------------------------------------------------------------------------------


def rounds_not_yet_open(today: datetime.date | None = None):
    """The rounds whose roster still follows the platforms: not opened yet, and not closed."""
    return ReportingRound.objects.filter(opens_on__gt=today or timezone.localdate(), closed_at__isnull=True)


@transaction.atomic
def round_platforms_follow(*, platforms) -> None:
    """Bring these platforms into, or out of, every round that has not opened yet: an active platform joins them,
    an inactive one leaves them. Rounds that have opened keep their platforms (only an admin changes those).

    Called by the platform services (a platform made, imported, deactivated or reactivated). Not recorded as
    a `RosterChange`: nobody chose it, the round was simply not fixed yet.
    """
    platforms = list(platforms)
    # Objects, not ids: the audit log names each row it writes by its round and platform.
    waiting = list(rounds_not_yet_open()) if platforms else []
    if not waiting:
        return
    active = [p for p in platforms if p.is_active]
    inactive = [p.pk for p in platforms if not p.is_active]
    changed = set()
    if active:
        present = set(RoundPlatform.objects.filter(round__in=waiting, platform__in=active)
                      .values_list("round_id", "platform_id"))
        new = [RoundPlatform(round=round, platform=platform)
               for round in waiting for platform in active if (round.pk, platform.pk) not in present]
        RoundPlatform.objects.bulk_create(new)
        audit.record_bulk_create(actor=None, objects=new)  # the person of the request, or the command
        changed |= {row.round_id for row in new}
    if inactive:
        leaving = list(RoundPlatform.objects.filter(round__in=waiting, platform__in=inactive)
                       .select_related("round", "platform"))
        changed |= {row.round_id for row in leaving}
        with disable_auditlog():  # logged below in one INSERT, not one per row by the delete signal
            RoundPlatform.objects.filter(pk__in=[row.pk for row in leaving]).delete()
        audit.record_bulk_delete(actor=None, objects=leaving)
    if changed:
        round_data_changed(*ReportingRound.objects.filter(pk__in=changed))


def _roster_change(round: ReportingRound, reason: str) -> tuple[ReportingRound, str]:
    """The round, locked and read again (two admins' changes queue), and the reason, trimmed; or the refusal
    common to adding and removing."""
    locked = ReportingRound.objects.select_for_update().get(pk=round.pk)
    reason = (reason or "").strip()
    if locked.is_closed:
        raise ValidationError(_("This round has been closed: its platforms can no longer change."))
    if not reason:
        raise ValidationError({"reason": _("Give a reason: it is kept with the change.")})
    if len(reason) > TEXT_MAX_LENGTH:
        raise ValidationError({"reason": _("Keep the reason under %(max)d characters.") % {"max": TEXT_MAX_LENGTH}})
    return locked, reason


def _record(*, actor, round: ReportingRound, platform: Platform, reason: str, action: str) -> RosterChange:
    change = RosterChange(round=round, platform=platform, action=action, reason=reason, actor=actor)
    change.full_clean()
    change.save()
    round_data_changed(round)  # every figure of the round is over its platforms
    return change


@transaction.atomic
def round_platform_add(*, actor, round: ReportingRound, platform: Platform, reason: str) -> RosterChange:
    """Add an active platform to a round that is not closed, with the reason; recorded as a `RosterChange`."""
    round, reason = _roster_change(round, reason)
    if RoundPlatform.objects.filter(round=round, platform=platform).exists():
        raise ValidationError({"platform": _("%(platform)s is already one of the platforms of this round.")
                               % {"platform": platform.name}})
    if not Platform.objects.filter(pk=platform.pk, is_active=True).exists():
        raise ValidationError({"platform": _("%(platform)s is no longer active: make it active again first.")
                               % {"platform": platform.name}})
    RoundPlatform.objects.create(round=round, platform=platform)
    return _record(actor=actor, round=round, platform=platform, reason=reason, action=RosterAction.ADDED)


@transaction.atomic
def round_platform_remove(*, actor, round: ReportingRound, platform: Platform, reason: str) -> RosterChange:
    """Take a platform out of a round that is not closed, with the reason; recorded as a `RosterChange`.

    Its report, if it has one, stays in the database but no longer counts in any figure of the round.
    """
    round, reason = _roster_change(round, reason)
    deleted, _rows = RoundPlatform.objects.filter(round=round, platform=platform).delete()
    if not deleted:
        raise ValidationError(_("%(platform)s is not one of the platforms of this round.")
                              % {"platform": platform.name})
    return _record(actor=actor, round=round, platform=platform, reason=reason, action=RosterAction.REMOVED)
