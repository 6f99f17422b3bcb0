"""Reads of rounds and reports, limited to what the user may see."""

from dataclasses import dataclass, field

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from initiatives.models import Initiative
from platforms.models import Platform
from platforms.permissions import PlatformPolicy

from .models import Answer, Note, Reminder, Report, ReportingRound, ReportStatus
from .questionnaire import Definition, from_storage


def round_list() -> QuerySet[ReportingRound]:
    """Every round, newest first; rounds themselves are not secret."""
    return ReportingRound.objects.all()


def round_get(*, slug: str) -> ReportingRound:
    return get_object_or_404(ReportingRound.objects.select_related("questionnaire").prefetch_related("themes"),
                             slug=slug)


def report_for(*, user, round: ReportingRound, code: str) -> Report:
    """The platform's report for the round, with its answers and initiatives; unsaved when not started.

    404 when the platform is out of the user's reach, exactly like a missing platform.
    """
    platform = get_object_or_404(PlatformPolicy.visible(user).prefetch_related("coordinators"), code=code)
    report = (
        Report.objects.filter(round=round, platform=platform)
        .select_related("submitted_by", "returned_by", "updated_by")
        .prefetch_related(
            Prefetch("answers", queryset=Answer.objects.only("report_id", "question_id", "theme_id", "value")),
            Prefetch("notes", queryset=Note.objects.only("report_id", "section_id", "theme_id", "text")),
            Prefetch("initiatives", queryset=Initiative.objects.prefetch_related("target_groups")),
        )
        .first()
    )
    if report is None:
        report = Report(round=round, platform=platform)
    report.round = round  # the caller's instance, with its prefetched themes
    report.platform = platform
    return report


def report_values(report: Report, definition: Definition) -> tuple[dict, dict]:
    """The report's answers and notes by column (rounds/questionnaire.py); empty for an unsaved report.

    Uses the rows `report_for` prefetched; answers to questions no longer in the definition are left out.
    """
    if report.pk is None:
        return {}, {}
    stored: dict[tuple, list[str]] = {}
    for answer in report.answers.all():
        stored.setdefault((answer.question_id, answer.theme_id), []).append(answer.value)
    values = {}
    for slot in definition.slots:
        rows = stored.get((slot.question.pk, slot.theme.pk if slot.theme else None))
        if rows:
            values[slot.column] = from_storage(slot.question, rows)
    texts = {(note.section_id, note.theme_id): note.text for note in report.notes.all()}
    notes = {}
    for slot in definition.note_slots:
        text = texts.get((slot.section.pk, slot.theme.pk if slot.theme else None))
        if text:
            notes[slot.column] = text
    return values, notes


@dataclass
class ReportRow:
    """A platform's report status in a round, also when the report was not started."""

    platform: Platform
    report: Report | None
    last_reminder: object = None  # filled in for admins on the round page

    @property
    def status(self) -> str:
        return self.report.status if self.report else ""

    @property
    def status_label(self):
        from django.utils.translation import gettext as _

        return self.report.get_status_display() if self.report else _("Not started")


@dataclass
class RoundOverview:
    round: ReportingRound
    rows: list[ReportRow] = field(default_factory=list)

    @property
    def submitted(self) -> int:
        return sum(1 for r in self.rows if r.status == ReportStatus.SUBMITTED)


def round_overviews(*, user, rounds) -> list[RoundOverview]:
    """For each round, the report status of every active platform the user may see (two queries)."""
    platforms = list(PlatformPolicy.visible(user).filter(is_active=True).order_by("level", "name"))
    rounds = list(rounds)
    reports = {
        (r.round_id, r.platform_id): r
        for r in Report.objects.filter(round__in=rounds, platform__in=[p.pk for p in platforms])
        .only("pk", "round_id", "platform_id", "status", "submitted_at", "reopened")
    }
    return [
        RoundOverview(round=rnd, rows=[ReportRow(platform=p, report=reports.get((rnd.pk, p.pk))) for p in platforms])
        for rnd in rounds
    ]


def round_status_counts(*, user) -> QuerySet[ReportingRound]:
    """Rounds with how many reports of visible platforms are submitted (for the ministry's home)."""
    visible = PlatformPolicy.visible(user).filter(is_active=True)
    return ReportingRound.objects.annotate(
        submitted_count=Count("reports", filter=Q(reports__status=ReportStatus.SUBMITTED,
                                                  reports__platform__in=visible)),
    )


def last_reminders(round: ReportingRound) -> dict[int, object]:
    """The date each platform was last reminded of the round, by platform id (one query)."""
    rows = Reminder.objects.filter(round=round).values("platform_id").annotate(last=Max("sent_on"))
    return {row["platform_id"]: row["last"] for row in rows}


def report_reminders(report: Report) -> list[Reminder]:
    """The reminders sent about this report's platform and round, newest first (for admins)."""
    return list(Reminder.objects.filter(round=report.round, platform=report.platform))
