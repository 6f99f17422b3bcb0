"""Reads of rounds and reports, limited to what the user may see."""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from initiatives.models import Initiative
from platforms.models import Level, Platform
from platforms.permissions import PlatformPolicy

from .models import Answer, Note, Reminder, Report, ReportingRound, ReportStatus, RosterChange, RoundPlatform
from .questionnaire import Definition, from_storage


def round_list() -> QuerySet[ReportingRound]:
    """Every round, newest first; rounds themselves are not secret."""
    return ReportingRound.objects.all()


def rounds_running(today=None) -> QuerySet[ReportingRound]:
    """The rounds that have opened and are not closed: their platforms are fixed, an admin may still add one."""
    return ReportingRound.objects.filter(opens_on__lte=today or timezone.localdate(), closed_at__isnull=True)


def round_get(*, slug: str) -> ReportingRound:
    return get_object_or_404(ReportingRound.objects.select_related("questionnaire").prefetch_related("themes"),
                             slug=slug)


def report_for(*, user, round: ReportingRound, code: str, contents: bool = True) -> Report:
    """The platform's report for the round, with its answers and initiatives; unsaved when not started.

    404 when the platform is out of the user's reach or not one of the round's platforms, exactly like a
    missing platform (also for a report it has: taken out of the round, it no longer counts anywhere).
    `contents=False` reads the report's row alone (a POST of the form and the autosave: the service that saves
    reads the answers, locked); `report_contents` reads the rest when the page is shown after all.
    """
    platform = PlatformPolicy.found_visible(
        user, get_object_or_404(PlatformPolicy.visible(user).filter(round_platforms__round=round), code=code))
    # Who submitted or returned it is read when the page shows it (a report that was), not joined for every draft.
    reports = Report.objects.filter(round=round, platform=platform)
    report = (reports.prefetch_related(*_contents()) if contents else reports).first()
    if report is None:
        report = Report(round=round, platform=platform)
    report.round = round  # the caller's instance, with its prefetched themes
    report.platform = platform
    return report


def _contents() -> tuple[Prefetch, ...]:
    return (
        Prefetch("answers", queryset=Answer.objects.only("report_id", "question_id", "theme_id", "value")),
        Prefetch("notes", queryset=Note.objects.only("report_id", "section_id", "theme_id", "text")),
        Prefetch("initiatives", queryset=Initiative.objects.prefetch_related("target_groups")),
    )


def report_contents(report: Report) -> Report:
    """The report (from `report_for(contents=False)`) with its answers, notes and initiatives read, as
    `report_for` reads them; nothing to read for an unsaved report or one read with them already."""
    if report.pk is not None and "answers" not in getattr(report, "_prefetched_objects_cache", {}):
        prefetch_related_objects([report], *_contents())
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


def _overviews(user, rounds: list[ReportingRound]) -> list[RoundOverview]:
    """Per round, the report status of each of its platforms the user may see (two queries)."""
    roster = (RoundPlatform.objects.filter(round__in=rounds, platform__in=PlatformPolicy.visible(user))
              .select_related("platform").order_by("platform__level", "platform__name", "platform_id"))
    platforms: dict[int, list[Platform]] = {}
    for row in roster:
        platforms.setdefault(row.round_id, []).append(row.platform)
    reports = {
        (r.round_id, r.platform_id): r
        for r in Report.objects.filter(round__in=rounds, platform__in=PlatformPolicy.visible(user))
        .select_related("returned_by")  # a returned report shows who returned it, when and why
        .only("pk", "round_id", "platform_id", "status", "submitted_at", "reopened", "return_comment", "returned_at",
              "returned_by__username", "returned_by__first_name", "returned_by__last_name")
    }
    return [
        RoundOverview(round=rnd, rows=[ReportRow(platform=p, report=reports.get((rnd.pk, p.pk)))
                                       for p in platforms.get(rnd.pk, [])])
        for rnd in rounds
    ]


def round_overviews(*, user, rounds) -> list[RoundOverview]:
    """For each round, the report status of every platform of the round the user may see (two queries).

    A coordinator only gets the rounds that ask one of their platforms.
    """
    overviews = _overviews(user, list(rounds))
    if user.reads_everything:
        return overviews
    return [overview for overview in overviews if overview.rows]


def round_status_counts(*, user) -> QuerySet[ReportingRound]:
    """Rounds with how many reports of their visible platforms are submitted (for the ministry's home)."""
    visible = PlatformPolicy.visible(user)
    return ReportingRound.objects.annotate(
        submitted_count=Count("reports", filter=Q(reports__status=ReportStatus.SUBMITTED,
                                                  reports__platform__in=visible,
                                                  reports__platform__round_platforms__round=F("pk"))),
    )


def round_platform_get(*, round: ReportingRound, code: str) -> Platform:
    """One of the round's platforms, by code; 404 when it is not in the round."""
    return get_object_or_404(Platform.objects.filter(round_platforms__round=round), code=code)


def report_of(*, round: ReportingRound, platform: Platform) -> Report | None:
    """The platform's report for the round, if it has one, whatever the round's platforms (for admins)."""
    return Report.objects.filter(round=round, platform=platform).first()


def report_reminders(report: Report) -> list[Reminder]:
    """The reminders sent about this report's platform and round, newest first (for admins)."""
    return list(Reminder.objects.filter(round=report.round, platform=report.platform))


@dataclass
class Roster:
    """The admins' page of a round's platforms: who is in it (with their report), who could be added, the changes."""

    rows: list[ReportRow]  # the round's platforms, with their coordinators
    others: list[ReportRow]  # active platforms not in the round, and any platform with a report that is not in it
    changes: list[RosterChange]

    @property
    def addable(self) -> list[Platform]:
        return [row.platform for row in self.others if row.platform.is_active]

    @property
    def per_level(self) -> list[tuple[str, int]]:
        """(level's name, how many of the round's platforms have it), e.g. 41 basis and 29 secundair."""
        return [(label, sum(1 for row in self.rows if row.platform.level == level)) for level, label in Level.choices]


def roster(round: ReportingRound) -> Roster:
    """The round's platforms with their coordinators and report status, the others, and the changes (four queries)."""
    reports = {r.platform_id: r for r in Report.objects.filter(round=round)
               .only("pk", "round_id", "platform_id", "status", "submitted_at", "reopened")}
    platforms = (Platform.objects
                 .annotate(in_round=Exists(RoundPlatform.objects.filter(round=round, platform=OuterRef("pk"))))
                 .filter(Q(in_round=True) | Q(is_active=True)
                         | Q(pk__in=Report.objects.filter(round=round).values("platform_id")))
                 .prefetch_related(Prefetch("coordinators", queryset=User.objects.order_by("last_name", "first_name")))
                 .order_by("level", "name", "pk"))
    rows, others = [], []
    for platform in platforms:
        (rows if platform.in_round else others).append(ReportRow(platform=platform, report=reports.get(platform.pk)))
    changes = list(RosterChange.objects.filter(round=round).select_related("platform", "actor"))
    return Roster(rows=rows, others=others, changes=changes)
