"""Writes to reports: saving, submitting, returning, reopening."""


from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from initiatives.models import ThemeAnswer
from initiatives.questions import (
    THEME_QUESTIONS,
    fill_implied_report_answers,
    fill_implied_theme_answers,
    report_questions,
    unanswered,
)
from platforms.models import Platform
from summaries.summary import round_data_changed

from .. import notifications
from ..models import Report, ReportingRound, ReportStatus
from ..permissions import ReportPolicy


class StaleSave(Exception):
    """Someone else saved the object since this form was loaded; nothing of this save was kept."""

    def __init__(self, obj):
        super().__init__(f"stale save of {obj!r}")
        self.obj = obj


def claim_version(model, *, actor, expected_version: int, **lookup) -> int:
    """Raise the version of the row if it is still `expected_version`; return how many rows matched.

    A single conditional UPDATE, run first in the transaction: on PostgreSQL a concurrent save
    waits for the row lock and then finds the new version; on SQLite the transaction already
    holds the write lock (IMMEDIATE). Either way exactly one of two concurrent saves wins.
    """
    return model.objects.filter(version=expected_version, **lookup).update(
        version=F("version") + 1, updated_at=timezone.now(), updated_by=actor,
    )


def refuse_unless_editable(actor, report: Report) -> None:
    refusal = ReportPolicy.edit_refusal(actor, report)
    if refusal:
        raise ValidationError(refusal)


@transaction.atomic
def report_save(*, actor, round: ReportingRound, platform: Platform, expected_version: int, answers: dict,
                theme_answers: dict[int, dict], submit: bool = False) -> Report:
    """Save a coordinator's answers as a draft, or submit them when every question is answered.

    `answers` holds the report's questions and notes, `theme_answers` those of each theme of the
    round by theme id. All or nothing: a refused save (stale, incomplete, a broken rule, past the
    deadline) changes nothing.
    """
    if claim_version(Report, actor=actor, expected_version=expected_version, round=round, platform=platform):
        report = Report.objects.select_related("round", "platform").get(round=round, platform=platform)
    elif expected_version == 0 and not Report.objects.filter(round=round, platform=platform).exists():
        report = Report(round=round, platform=platform, version=1, updated_at=timezone.now(), updated_by=actor)
    else:
        # A form loaded from an older version; or one naming a version of a report that does not exist (removed
        # since, or a forged form), refused the same way rather than crashing on the missing row.
        current = Report.objects.select_related("updated_by").filter(round=round, platform=platform).first()
        raise StaleSave(current or Report(round=round, platform=platform))
    refuse_unless_editable(actor, report)

    answers = fill_implied_report_answers(answers, platform.level)
    for field, value in answers.items():
        setattr(report, field, value)
    if submit:
        report.status = ReportStatus.SUBMITTED
        report.submitted_at = timezone.now()
        report.submitted_by = actor
        report.reopened = False
    report._history_user = actor
    report.full_clean()
    if report.pk is None:
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError:  # another first save of the same report won the race
            raise StaleSave(Report.objects.get(round=round, platform=platform)) from None
    else:
        report.save()

    existing = {a.theme_id: a for a in report.theme_answers.all()}
    missing = {}
    for theme in round.themes.all():
        data = fill_implied_theme_answers(theme_answers.get(theme.pk, {}))
        answer = existing.get(theme.pk) or ThemeAnswer(report=report, theme=theme)
        changed = answer.pk is None or any(getattr(answer, f) != v for f, v in data.items())
        for field, value in data.items():
            setattr(answer, field, value)
        answer.full_clean()
        if changed:  # no history row for a theme nobody touched
            answer._history_user = actor
            answer.save()
        if gaps := unanswered(data, THEME_QUESTIONS):
            missing[theme.pk] = gaps

    if submit:
        report_gaps = unanswered(answers, report_questions(platform.level))
        if report_gaps or missing:
            count = len(report_gaps) + sum(len(g) for g in missing.values())
            raise ValidationError(ngettext("Answer every question before you submit; %(count)d is still open.",
                                           "Answer every question before you submit; %(count)d are still open.",
                                           count) % {"count": count})
    round_data_changed(round)
    return report


@transaction.atomic
def report_return(*, actor, report: Report, comment: str) -> Report:
    """Send a submitted report back to its coordinators with a comment they see (and get by mail)."""
    if not ReportPolicy.can_return(actor, report):
        raise ValidationError(_("Only a submitted report can be returned."))
    if not comment.strip():
        raise ValidationError({"comment": _("Say what should be changed.")})
    report.status = ReportStatus.RETURNED
    report.return_comment = comment.strip()
    report.returned_at = timezone.now()
    report.returned_by = actor
    report._history_user = actor
    report.full_clean()
    report.save()
    round_data_changed(report.round)
    transaction.on_commit(lambda: notifications.report_returned(report))
    return report


@transaction.atomic
def report_reopen(*, actor, round: ReportingRound, platform: Platform, comment: str = "") -> Report:
    """Let the coordinators change a submitted report, or one past the deadline, until they submit it."""
    report = Report.objects.filter(round=round, platform=platform).first() or Report(round=round, platform=platform)
    if round.is_closed:
        raise ValidationError(_("This round has been closed: its reports can no longer be changed."))
    if not ReportPolicy.can_reopen(actor, report):
        raise ValidationError(_("This report is open for changes already."))
    report.reopened = True
    if report.status == ReportStatus.SUBMITTED:
        report.status = ReportStatus.RETURNED
        report.returned_at = timezone.now()
        report.returned_by = actor
    if comment.strip():
        report.return_comment = comment.strip()
    report._history_user = actor
    report.full_clean()
    report.save()
    round_data_changed(round)
    transaction.on_commit(lambda: notifications.report_reopened(report))
    return report


