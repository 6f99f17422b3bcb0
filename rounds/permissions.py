"""Who may see, change, return and reopen reports, and manage rounds and their questionnaires.

Same shape as `platforms.permissions`: `visible(user)` is what a user may see (anything else is
a 404), the `can_*` functions answer yes or no for a visible object (a "no" is a 403).
"""

import datetime

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from platforms.permissions import PlatformPolicy, coordinates

from .models import Report, ReportingRound, ReportStatus


def round_has_opened(round: ReportingRound, today: datetime.date | None = None) -> bool:
    return (today or timezone.localdate()) >= round.opens_on


def deadline_passed(round: ReportingRound, today: datetime.date | None = None) -> bool:
    """The deadline is a day in Brussels: changes are allowed until that day ends."""
    return (today or timezone.localdate()) > round.deadline


class ReportPolicy:
    """Ministry and admins read every report; a coordinator reads and edits their own platforms' reports.

    A report (also one not started yet, an unsaved instance) can be edited by its platform's
    coordinator while it is a draft or returned, the round has opened, and the deadline has not
    passed or an admin reopened it. Nobody else changes answers: admins reopen, they do not edit.
    """

    @staticmethod
    def visible(user) -> QuerySet[Report]:
        """Reports of platforms the user may see, of the rounds that ask them: a report of a platform taken out
        of its round is out of everyone's reach (it no longer counts), like one that does not exist."""
        return Report.objects.filter(platform__in=PlatformPolicy.visible(user),
                                     platform__round_platforms__round=F("round"))

    @staticmethod
    def can_view(user, report: Report) -> bool:
        return PlatformPolicy.can_view(user, report.platform)

    @staticmethod
    def can_answer(user, report: Report) -> bool:
        """Whether this user answers for the report's platform at all (its coordinators do)."""
        return user.is_authenticated and coordinates(user, report.platform_id)

    @classmethod
    def edit_refusal(cls, user, report: Report) -> str | None:
        """Why this user cannot change the report now, in Dutch; None when they can."""
        if not cls.can_answer(user, report):
            return _("Only the platform's coordinators change its answers.")
        if report.round.is_closed:
            return _("This round has been closed: its reports can no longer be changed.")
        if report.status == ReportStatus.SUBMITTED:
            return _("This report has been submitted and can no longer be changed.")
        if not round_has_opened(report.round):
            opens = date_format(report.round.opens_on, "SHORT_DATE_FORMAT")
            return _("This round opens on %(date)s.") % {"date": opens}
        if deadline_passed(report.round) and not report.reopened:
            return _("The deadline of %(date)s has passed. Ask an administrator to reopen the report.") % {
                "date": date_format(report.round.deadline, "SHORT_DATE_FORMAT")}
        return None

    @classmethod
    def can_edit(cls, user, report: Report) -> bool:
        return cls.edit_refusal(user, report) is None

    @staticmethod
    def can_return(user, report: Report) -> bool:
        """The ministry and admins send a submitted report back with a comment."""
        return (user.is_authenticated and user.reads_everything and report.status == ReportStatus.SUBMITTED
                and not report.round.is_closed)

    @staticmethod
    def can_reopen(user, report: Report) -> bool:
        """Admins reopen a submitted report, or one whose deadline passed, for its coordinator."""
        if not (user.is_authenticated and user.is_admin) or report.round.is_closed:
            return False
        return report.status == ReportStatus.SUBMITTED or (deadline_passed(report.round) and not report.reopened)


class RoundPolicy:
    """Admins create, edit and close rounds and manage the themes, questionnaires and the platforms a round asks;
    the ministry reads questionnaires; a coordinator sees a round's questions in the report form only."""

    @staticmethod
    def can_manage(user) -> bool:
        return user.is_authenticated and user.is_admin

    @classmethod
    def can_change_platforms(cls, user, round: ReportingRound) -> bool:
        """Admins add and take out platforms while the round is not closed (a closed round is final)."""
        return cls.can_manage(user) and not round.is_closed

    @staticmethod
    def can_read_questionnaire(user) -> bool:
        return user.is_authenticated and user.reads_everything
