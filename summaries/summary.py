"""The ministry's summary of a round: every figure of the answer, computed in the database.

A constant number of queries whatever the number of platforms: each block is one conditional
aggregation (`Count(..., filter=Q(...))`) per level, never a loop over platforms.

Counted reports: the submitted reports of active platforms (with `include_drafts`, every
report of an active platform). A question's `base` is the number of counted reports it applies
to: all of them, except pre-school participation, which only basisonderwijs platforms answer.
"""

import json
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, F, Prefetch, Q, QuerySet

from initiatives.models import Initiative, InitiativeKind, TargetGroup, ThemeAnswer
from initiatives.questions import ARRANGEMENT_QUESTIONS, REGISTRATION_QUESTIONS, THEME_QUESTIONS
from platforms.models import Level, Platform
from rounds.columns import ARRANGEMENT_VALUES
from rounds.models import Report, ReportingRound, ReportStatus, Theme

LEVELS = [Level.BASIS, Level.SECUNDAIR]


def _db() -> str:
    """The database the summary reads: a read replica when one is configured (SUMMARY_DATABASE)."""
    return settings.SUMMARY_DATABASE


@dataclass(frozen=True)
class Tally:
    """A count per level; the JSON's `{"total": n, "basis": n, "secundair": n}`."""

    basis: int = 0
    secundair: int = 0

    @property
    def total(self) -> int:
        return self.basis + self.secundair

    def get(self, level: str) -> int:
        return self.total if not level else getattr(self, level)

    def as_dict(self) -> dict:
        return {"total": self.total, "basis": self.basis, "secundair": self.secundair}


def _tally(row: dict, key: str) -> Tally:
    return Tally(basis=row.get(f"{key}__basis") or 0, secundair=row.get(f"{key}__secundair") or 0)


def _per_level(key: str, condition: Q, level_path: str = "platform__level") -> dict:
    return {f"{key}__{level}": Count("pk", filter=condition & Q(**{level_path: level})) for level in LEVELS}


@dataclass
class ThemeSummary:
    theme: Theme
    base: Tally
    counts: dict[str, Tally]


@dataclass
class Summary:
    round: ReportingRound
    include_drafts: bool
    platforms: Tally
    submitted: Tally
    base: Tally
    registrations: dict[str, Tally]
    arrangements: dict[str, dict[str, Tally]]
    arrangement_bases: dict[str, Tally]
    themes: list[ThemeSummary]
    initiatives: Tally
    initiatives_by_kind: dict[str, Tally]
    initiatives_by_target_group: list[tuple[TargetGroup, Tally]]
    platforms_with_initiatives: Tally
    missing: list[Platform] = field(default_factory=list)

    def as_json(self) -> dict:
        """The machine-readable summary (`summary.json`); see the README for its fields."""
        return {
            "round": {"slug": self.round.slug, "title": self.round.title},
            "platforms": self.platforms.as_dict(),
            "registrations": {"base": self.base.as_dict(),
                              **{k: v.as_dict() for k, v in self.registrations.items()}},
            "arrangements": {
                name: {"base": self.arrangement_bases[name].as_dict(),
                       **{value: tally.as_dict() for value, tally in values.items()}}
                for name, values in self.arrangements.items()
            },
            "themes": {
                t.theme.slug: {"name": t.theme.name, "base": t.base.as_dict(),
                               **{k: v.as_dict() for k, v in t.counts.items()}}
                for t in self.themes
            },
            "initiatives": {
                "total": self.initiatives.as_dict(),
                "by_kind": {kind: tally.as_dict() for kind, tally in self.initiatives_by_kind.items()},
                "platforms_with_initiatives": self.platforms_with_initiatives.as_dict(),
            },
        }


def counted_reports(round: ReportingRound, *, include_drafts: bool = False) -> QuerySet[Report]:
    reports = Report.objects.using(_db()).filter(round=round, platform__is_active=True)
    return reports if include_drafts else reports.filter(status=ReportStatus.SUBMITTED)


def round_summary(round: ReportingRound, *, include_drafts: bool = False) -> Summary:
    """Every count of the round's summary (about ten queries, whatever the number of platforms)."""
    reports = counted_reports(round, include_drafts=include_drafts)
    every = Q(pk__isnull=False)

    platform_row = Platform.objects.using(_db()).filter(is_active=True).aggregate(
        **_per_level("platforms", every, "level"))
    aggregates = {**_per_level("base", every),
                  **_per_level("submitted", Q(status=ReportStatus.SUBMITTED))}
    for q in REGISTRATION_QUESTIONS:
        aggregates.update(_per_level(q.field, Q(**{q.field: True})))
    for q in ARRANGEMENT_QUESTIONS:
        for value in ARRANGEMENT_VALUES:
            aggregates.update(_per_level(f"{q.field}_{value}", Q(**{q.field: value})))
    # Response status counts submitted reports even when drafts are included in the figures.
    report_row = Report.objects.using(_db()).filter(round=round, platform__is_active=True).aggregate(
        **{k: v for k, v in aggregates.items() if k.startswith("submitted__")})
    report_row |= reports.aggregate(**{k: v for k, v in aggregates.items() if not k.startswith("submitted__")})

    base = _tally(report_row, "base")
    arrangement_bases = {q.field: base for q in ARRANGEMENT_QUESTIONS}
    arrangement_bases["preschool"] = Tally(basis=base.basis, secundair=0)

    themes = list(round.themes.all())  # prefetched with the round
    theme_rows = {
        row["theme_id"]: row
        for row in ThemeAnswer.objects.using(_db()).filter(report__in=reports, theme__in=themes)
        .values("theme_id").annotate(
            **{k: v for f in THEME_QUESTIONS for k, v in _per_level(f.field, Q(**{f.field: True}),
                                                                    "report__platform__level").items()}
        )
    }

    initiatives = Initiative.objects.using(_db()).filter(report__in=reports)
    by_kind_rows = initiatives.values("kind", "report__platform__level").annotate(n=Count("pk"))
    by_kind = {kind: {} for kind in InitiativeKind.values}
    for row in by_kind_rows:
        by_kind[row["kind"]][row["report__platform__level"]] = row["n"]
    groups = list(TargetGroup.objects.using(_db()).annotate(
        **_per_level("n", Q(initiatives__in=initiatives), "initiatives__report__platform__level")))
    with_initiatives = reports.aggregate(
        **{f"p__{level}": Count("platform", filter=Q(initiatives__isnull=False, platform__level=level),
                                distinct=True) for level in LEVELS})

    return Summary(
        round=round,
        include_drafts=include_drafts,
        platforms=_tally(platform_row, "platforms"),
        submitted=_tally(report_row, "submitted"),
        base=base,
        registrations={q.field: _tally(report_row, q.field) for q in REGISTRATION_QUESTIONS},
        arrangements={q.field: {v: _tally(report_row, f"{q.field}_{v}") for v in ARRANGEMENT_VALUES}
                      for q in ARRANGEMENT_QUESTIONS},
        arrangement_bases=arrangement_bases,
        themes=[ThemeSummary(theme=t, base=base,
                             counts={f.field: _tally(theme_rows.get(t.pk, {}), f.field) for f in THEME_QUESTIONS})
                for t in themes],
        initiatives=Tally(**{level: sum(k.get(level, 0) for k in by_kind.values()) for level in LEVELS}),
        initiatives_by_kind={kind: Tally(**levels) for kind, levels in by_kind.items()},
        initiatives_by_target_group=[(g, Tally(basis=g.n__basis, secundair=g.n__secundair)) for g in groups],
        platforms_with_initiatives=_tally(with_initiatives, "p"),
    )


def platforms_not_submitted(round: ReportingRound) -> QuerySet[Platform]:
    """Active platforms without a submitted report for the round, with their coordinators."""
    submitted = Report.objects.using(_db()).filter(round=round, status=ReportStatus.SUBMITTED).values("platform_id")
    return (Platform.objects.using(_db()).filter(is_active=True).exclude(pk__in=submitted)
            .prefetch_related(Prefetch("coordinators")).order_by("level", "name"))


def previous_round(round: ReportingRound) -> ReportingRound | None:
    """The latest earlier round: every round asks the report's questions, so it can be compared."""
    return (ReportingRound.objects.using(_db()).filter(opens_on__lt=round.opens_on).prefetch_related("themes")
            .order_by("-opens_on").first())


@dataclass
class DrillRow:
    report: Report
    note: str


ANSWER_VALUES = {"yes": True, "no": False}


def drilldown(round: ReportingRound, *, question: str, value: str, level: str = "",
              include_drafts: bool = False) -> list[DrillRow] | None:
    """The counted reports behind one figure, with the note that goes with the question.

    None when the question or value is not one of the summary's (the view answers 404).
    """
    reports = counted_reports(round, include_drafts=include_drafts).select_related("platform")
    if level in LEVELS:
        reports = reports.filter(platform__level=level)
    registration = {q.field for q in REGISTRATION_QUESTIONS}
    arrangements = {q.field for q in ARRANGEMENT_QUESTIONS}
    if question in registration and value in ANSWER_VALUES:
        rows = reports.filter(**{question: ANSWER_VALUES[value]})
        return [DrillRow(r, r.registrations_note) for r in rows.order_by("platform__level", "platform__name")]
    if question in arrangements and value in ARRANGEMENT_VALUES:
        rows = reports.filter(**{question: value})
        return [DrillRow(r, getattr(r, f"{question}_note"))
                for r in rows.order_by("platform__level", "platform__name")]
    parts = question.split(":")
    theme_fields = {q.field for q in THEME_QUESTIONS}
    if (len(parts) == 3 and parts[0] == "theme" and parts[2] in theme_fields and value in ANSWER_VALUES
            and round.themes.filter(slug=parts[1]).exists()):
        answers = (ThemeAnswer.objects.using(_db()).filter(report__in=reports, theme__slug=parts[1],
                                              **{parts[2]: ANSWER_VALUES[value]})
                   .select_related("report__platform").order_by("report__platform__level", "report__platform__name"))
        return [DrillRow(a.report, a.note) for a in answers]
    return None


def counted_initiatives(round: ReportingRound, *, include_drafts: bool = False) -> QuerySet[Initiative]:
    """The initiatives of the counted reports, with what the answer text names of them."""
    return (Initiative.objects.using(_db()).filter(report__in=counted_reports(round, include_drafts=include_drafts))
            .select_related("report__platform").prefetch_related("asked_of")
            .order_by("report__platform__name", "start_date"))


# A computed summary is kept this long at most, also when nothing it counts seems to have
# changed: a change made outside the portal's services and the Django admin (a database shell, a
# migration) raises no data version, and the ministry sees it within a minute; every other at once.
SUMMARY_CACHE_SECONDS = 60


def round_data_changed(*rounds: ReportingRound) -> None:
    """Mark that figures of these rounds (all rounds when none is named) may have changed.

    Called by every service that writes reports, their answers, initiatives or platforms, inside
    its transaction: the new version becomes visible with the change itself.
    """
    queryset = ReportingRound.objects.all()
    if rounds:
        queryset = queryset.filter(pk__in=[r.pk for r in rounds])
    queryset.update(data_version=F("data_version") + 1)


def cached_round_summary(round: ReportingRound, *, include_drafts: bool = False) -> Summary:
    """`round_summary`, computed once per change of the round's data (per app process).

    Building the summary's aggregate statements costs Django far more CPU than the request itself
    (docs/loadtest.md). The key holds the round's data version, which comes with the round, so
    a change made through any app server is seen by every other at once, without an extra query
    (with a read replica, one small query reads the version there).
    """
    version = round.data_version
    if _db() != DEFAULT_DB_ALIAS:
        # The version the figures are read with: a lagging replica must not store its older
        # figures under the primary's newer version (they would be served for a minute).
        version = (ReportingRound.objects.using(_db()).filter(pk=round.pk)
                   .values_list("data_version", flat=True).first())
    return _summary_at_version(round, version, include_drafts)


def _summary_at_version(round: ReportingRound, version: int | None, include_drafts: bool) -> Summary:
    key = f"summary:{round.pk}:{version}:{int(include_drafts)}"
    summary = cache.get(key)
    if summary is None:
        summary = round_summary(round, include_drafts=include_drafts)
        cache.set(key, summary, SUMMARY_CACHE_SECONDS)
    return summary


def _round_version(slug: str) -> tuple[int, int] | None:
    """(pk, data version) of the round with this slug, read from the summary's database.

    Plain SQL because it is all that `summary.json` asks of the database on a cached request,
    besides the session and the user: compiling the same ORM query costs about 0.25 ms of CPU,
    five times a plain one (docs/loadtest.md).
    """
    connection = connections[_db()]
    table = connection.ops.quote_name(ReportingRound._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, data_version FROM {table} WHERE slug = %s", [slug])  # noqa: S608
        return cursor.fetchone()


def summary_json(slug: str, *, include_drafts: bool = False) -> bytes | None:
    """The body of `summary.json` of the round with this slug (None: there is none).

    Encoded once per change of the round's data (per app process): the ministry's tools poll this
    URL, and a cached request then costs the session, the user and one small query.
    """
    found = _round_version(slug)
    if found is None:
        return None
    pk, version = found
    key = f"summary-json:{pk}:{version}:{int(include_drafts)}"
    body = cache.get(key)
    if body is None:
        round = ReportingRound.objects.filter(pk=pk).first()
        if round is None:  # removed on the primary a moment ago
            return None
        data = _summary_at_version(round, version, include_drafts).as_json()
        body = json.dumps(data, ensure_ascii=False).encode()
        cache.set(key, body, SUMMARY_CACHE_SECONDS)
    return body
