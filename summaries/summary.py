"""The ministry's summary of a round: every figure of its questionnaire, computed in the database.

Any questionnaire (rounds/questionnaire.py): yes/no and one-of-a-list questions count per value,
several-of-a-list counts each option, numbers give answered, sum and median, and text and dates
are not counted (the drill-down lists them; the summary says how many answered). Every count is
over the base of the question: the counted reports it applies to, that is of its level and, for a
question asked only under a condition, with the condition holding.

Counted reports: the submitted reports of the round's platforms (its roster, `rounds.RoundPlatform`:
fixed when the round opens), with `include_drafts` every report of those platforms. A report of a
platform that is not in the roster (taken out by an admin) counts nowhere. Every query joins the
roster.

A constant number of queries, whatever the number of platforms or questions, never a loop over
platforms: the round's platforms per level; one aggregate over the round's reports (the submitted
and counted ones per level, and one `Count(filter=level & condition)` per distinct condition and
theme for the bases of conditioned questions); one aggregate over the answers of the counted kinds
grouped by question, theme and value, with a count per level; the answers to number, text and date
questions, one row each (the median is taken in Python); and the initiatives by kind, by target
group and the platforms with initiatives.
"""

import json
import statistics
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Case, Count, F, FilteredRelation, Max, Prefetch, Q, QuerySet, Value, When

from initiatives.models import Initiative, InitiativeKind, TargetGroup
from platforms.models import Level, Platform
from rounds import conditions
from rounds.models import Answer, Note, QuestionKind, Report, ReportingRound, ReportStatus
from rounds.questionnaire import Definition, Slot, ThemeDef, definition_for, display_value, from_storage

LEVELS = [Level.BASIS, Level.SECUNDAIR]
COUNTED_KINDS = (QuestionKind.YESNO, QuestionKind.CHOICE, QuestionKind.MULTIPLE)


# Set while a summary must be of the primary database's data (publishing an answer: the frozen figures and
# the data versions, read from the primary, must be of one moment; a replica may lag behind).
_on_primary: ContextVar[bool] = ContextVar("summary_on_primary", default=False)


def _db() -> str:
    """The database the summary reads: a read replica when one is configured (SUMMARY_DATABASE)."""
    return DEFAULT_DB_ALIAS if _on_primary.get() else settings.SUMMARY_DATABASE


@contextmanager
def reading_primary():
    """Compute the summaries inside this block on the primary database, whatever SUMMARY_DATABASE says."""
    token = _on_primary.set(True)
    try:
        yield
    finally:
        _on_primary.reset(token)


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
class QuestionSummary:
    """The figures of one question of the round (of one theme, for a section asked per theme)."""

    slot: Slot
    base: Tally
    counts: dict[str, Tally] = field(default_factory=dict)  # per value, in the order of the choices
    answered: Tally = field(default_factory=Tally)
    sum: Tally = field(default_factory=Tally)  # numbers only
    median: int | float | None = None  # numbers only; None when nobody answered

    @property
    def column(self) -> str:
        return self.slot.column

    @property
    def kind(self) -> str:
        return self.slot.question.kind

    @property
    def is_counted(self) -> bool:
        return self.kind in COUNTED_KINDS

    @property
    def is_number(self) -> bool:
        return self.kind == QuestionKind.NUMBER

    def as_json(self) -> dict:
        data = {"label": self.slot.question.label, "kind": self.kind, "section": self.slot.section.key,
                "theme": self.slot.theme.slug if self.slot.theme else None, "base": self.base.as_dict()}
        if self.is_counted:
            data["counts"] = {value: tally.as_dict() for value, tally in self.counts.items()}
        elif self.is_number:
            data |= {"answered": self.answered.as_dict(), "sum": self.sum.as_dict(), "median": self.median}
        else:
            data["answered"] = self.answered.as_dict()
        return data


@dataclass
class Summary:
    round: ReportingRound
    include_drafts: bool
    definition: Definition
    platforms: Tally
    submitted: Tally
    base: Tally
    questions: dict[str, QuestionSummary]  # by column (`key`, or `theme:<slug>:<key>`), in questionnaire order
    initiatives: Tally
    initiatives_by_kind: dict[str, Tally]
    initiatives_by_target_group: list[tuple[TargetGroup, Tally]]
    platforms_with_initiatives: Tally
    missing: list[Platform] = field(default_factory=list)

    def count(self, column: str, value: str) -> Tally:
        """How many counted reports gave this answer to this question (0 for an unknown one)."""
        question = self.questions.get(column)
        return question.counts.get(value, Tally()) if question else Tally()

    def base_of(self, column: str) -> Tally:
        question = self.questions.get(column)
        return question.base if question else Tally()

    def as_json(self) -> dict:
        """The machine-readable summary (`summary.json`, format 2); see the README for its fields."""
        return {
            "format": 2,
            "round": {"slug": self.round.slug, "title": self.round.title},
            "platforms": self.platforms.as_dict(),
            "base": self.base.as_dict(),
            "questions": {column: question.as_json() for column, question in self.questions.items()},
            "initiatives": {
                "total": self.initiatives.as_dict(),
                "by_kind": {kind: tally.as_dict() for kind, tally in self.initiatives_by_kind.items()},
                "platforms_with_initiatives": self.platforms_with_initiatives.as_dict(),
            },
        }


def round_reports(round: ReportingRound) -> QuerySet[Report]:
    """The round's reports of the round's platforms (a join on its roster), drafts too."""
    return Report.objects.using(_db()).filter(round=round, platform__round_platforms__round=round)


def counted_reports(round: ReportingRound, *, include_drafts: bool = False) -> QuerySet[Report]:
    reports = round_reports(round)
    return reports if include_drafts else reports.filter(status=ReportStatus.SUBMITTED)


def counted_answers(round: ReportingRound, *, include_drafts: bool = False) -> QuerySet[Answer]:
    """The answers of the counted reports (a join on the reports and the roster, not a subquery)."""
    answers = Answer.objects.using(_db()).filter(report__round=round,
                                                 report__platform__round_platforms__round=round)
    return answers if include_drafts else answers.filter(report__status=ReportStatus.SUBMITTED)


class _Flags:
    """Per counted report, whether it answered a question (with a value): the flags the bases' conditions read.

    A condition's base used to be an `Exists` per comparison, per report: at 7,000 platforms and 50
    conditions that was seconds (docs/performance.md). Now the reports are joined once to their answers
    to the questions the conditions name, grouped per report, with one `MAX(CASE ...)` flag per
    comparison; the conditions then count over those flags.
    """

    def __init__(self, definition: Definition):
        self.definition = definition
        self.annotations: dict[str, object] = {}
        self.aliases: dict[tuple, str] = {}

    def _flag(self, question_pk: int, theme_pk: int | None, value: str | None) -> str:
        key = (question_pk, theme_pk, value)
        if key not in self.aliases:
            alias = self.aliases[key] = f"flag{len(self.aliases)}"
            match = Q(named__question_id=question_pk) & (
                Q(named__theme_id=theme_pk) if theme_pk is not None else Q(named__theme_id__isnull=True))
            if value is not None:
                match &= Q(named__value=value)
            self.annotations[alias] = Max(Case(When(match, then=Value(1)), default=Value(0)))
        return self.aliases[key]

    def answered(self, theme: ThemeDef | None):
        """For `conditions.as_q`: "the report answered `key` with `value`" (`value` "": "left it unanswered"),
        seen from a question of this theme (a per-theme question's condition reads the same theme)."""
        def answered(key: str, value: str) -> Q:
            question = self.definition.questions.get(key)
            if question is None:  # a question that is not in the questionnaire: never answered
                return Q(lvl__isnull=False) if value == "" else Q(lvl__isnull=True)
            theme_pk = theme.pk if theme is not None and key in self.definition.per_theme_keys else None
            if value == "":
                return Q(**{self._flag(question.pk, theme_pk, None): 0})
            return Q(**{self._flag(question.pk, theme_pk, value): 1})
        return answered

    def question_pks(self) -> set[int]:
        return {question_pk for question_pk, _theme, _value in self.aliases}


def _condition_key(definition: Definition, slot: Slot) -> tuple[str, int | None] | None:
    """What the base of a conditioned question depends on: its condition, and its theme when the
    condition names a question asked per theme; None for a question asked unconditionally."""
    question = slot.question
    if question.relevant is None:
        return None
    keys = {key for key, _value in conditions.references(question.relevant)}
    per_theme = slot.theme is not None and bool(keys & definition.per_theme_keys)
    return question.relevant_text, slot.theme.pk if per_theme else None


def _bases(round: ReportingRound, definition: Definition, include_drafts: bool) -> tuple[dict, dict]:
    """One query over the round's reports (of its platforms): how many were submitted and counted, and
    how many of those each condition holds for, per level; with the alias of every condition."""
    counted = Q() if include_drafts else Q(st=ReportStatus.SUBMITTED)
    flags = _Flags(definition)
    holds: dict[str, Q] = {}
    aliases: dict[tuple, str] = {}
    for slot in definition.slots:
        key = _condition_key(definition, slot)
        if key is None or key in aliases:
            continue
        alias = aliases[key] = f"condition{len(aliases)}"
        holds[alias] = conditions.as_q(slot.question.relevant, flags.answered(slot.theme))
    reports = round_reports(round).annotate(lvl=F("platform__level"), st=F("status"))
    if flags.annotations:
        reports = (reports.annotate(named=FilteredRelation(
            "answers", condition=Q(answers__question_id__in=flags.question_pks())))
            .values("pk", "lvl", "st").annotate(**flags.annotations))
    aggregates = {**_per_level("base", counted, "lvl"), **_per_level("submitted", Q(st=ReportStatus.SUBMITTED), "lvl")}
    for alias, condition in holds.items():
        aggregates.update(_per_level(alias, counted & condition, "lvl"))
    return reports.aggregate(**aggregates), aliases


def _median(values: list[int]) -> int | float | None:
    if not values:
        return None
    middle = statistics.median(values)
    return int(middle) if float(middle).is_integer() else middle


def round_summary(round: ReportingRound, *, include_drafts: bool = False) -> Summary:
    """Every count of the round's summary (at most seven queries after the questionnaire, whatever the number
    of platforms or questions)."""
    definition = definition_for(round)
    reports = counted_reports(round, include_drafts=include_drafts)

    platform_row = round_platforms(round).aggregate(
        **_per_level("platforms", Q(pk__isnull=False), "level"))
    # Response status counts submitted reports even when drafts are included in the figures.
    report_row, aliases = _bases(round, definition, include_drafts)
    base = _tally(report_row, "base")

    answers = counted_answers(round, include_drafts=include_drafts)
    kinds = {slot.question.kind for slot in definition.slots}
    # One row per question, theme and value, with a count per level (fewer groups than grouping by level too).
    # Each of the two passes over the answers runs only when the questionnaire has questions of its kinds: the
    # join of every answer to its report and platform is most of the summary's time (docs/performance.md).
    counts: dict[tuple, Tally] = {}
    if kinds & set(COUNTED_KINDS):
        counted = answers if kinds <= set(COUNTED_KINDS) else answers.filter(kind__in=COUNTED_KINDS)
        counts = {
            (row["question_id"], row["theme_id"], row["value"]): _tally(row, "n")
            for row in counted.values("question_id", "theme_id", "value")
            .annotate(**_per_level("n", Q(), "report__platform__level")).order_by()
        }
    # The other answers one by one: numbers for their sum and median, text and dates only as answered.
    listed: dict[tuple, dict[str, list]] = {}
    if kinds - set(COUNTED_KINDS):
        for question_id, theme_id, number, level in (answers.exclude(kind__in=COUNTED_KINDS).order_by()
                                                      .values_list("question_id", "theme_id", "number",
                                                                   "report__platform__level")):
            listed.setdefault((question_id, theme_id), {}).setdefault(level, []).append(number)

    questions = {}
    for slot in definition.slots:
        question = slot.question
        theme_pk = slot.theme.pk if slot.theme else None
        condition = _condition_key(definition, slot)
        applies = _tally(report_row, aliases[condition] if condition else "base")
        question_base = Tally(**{level: applies.get(level) if question.applies_to(level) else 0 for level in LEVELS})
        summary = QuestionSummary(slot=slot, base=question_base)
        if question.kind in COUNTED_KINDS:
            summary.counts = {name: counts.get((question.pk, theme_pk, name), Tally())
                              for name, _label in question.choices}
        else:
            by_level = listed.get((question.pk, theme_pk), {})
            summary.answered = Tally(**{level: len(by_level.get(level, [])) for level in LEVELS})
            if question.kind == QuestionKind.NUMBER:
                summary.sum = Tally(**{level: sum(by_level.get(level, [])) for level in LEVELS})
                summary.median = _median([n for values in by_level.values() for n in values])
        questions[slot.column] = summary

    initiatives = Initiative.objects.using(_db()).filter(report__in=reports)
    by_kind_rows = initiatives.values("kind", "report__platform__level").annotate(n=Count("pk")).order_by()
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
        definition=definition,
        platforms=_tally(platform_row, "platforms"),
        submitted=_tally(report_row, "submitted"),
        base=base,
        questions=questions,
        initiatives=Tally(**{level: sum(k.get(level, 0) for k in by_kind.values()) for level in LEVELS}),
        initiatives_by_kind={kind: Tally(**levels) for kind, levels in by_kind.items()},
        initiatives_by_target_group=[(g, Tally(basis=g.n__basis, secundair=g.n__secundair)) for g in groups],
        platforms_with_initiatives=_tally(with_initiatives, "p"),
    )


def round_platforms(round: ReportingRound) -> QuerySet[Platform]:
    """The platforms the round asks (its roster)."""
    return Platform.objects.using(_db()).filter(round_platforms__round=round)


def platforms_not_submitted(round: ReportingRound) -> QuerySet[Platform]:
    """The round's platforms without a submitted report for it, with their coordinators."""
    submitted = Report.objects.using(_db()).filter(round=round, status=ReportStatus.SUBMITTED).values("platform_id")
    return (round_platforms(round).exclude(pk__in=submitted)
            .prefetch_related(Prefetch("coordinators")).order_by("level", "name"))


def coordinators_of(platform_pks: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Per platform its coordinators as (name, e-mail address), in name order: one query of plain rows."""
    through = Platform.coordinators.through
    rows = (through.objects.using(_db()).filter(platform_id__in=platform_pks)
            .order_by("user__last_name", "user__first_name", "user__username")
            .values_list("platform_id", "user__first_name", "user__last_name", "user__username", "user__email"))
    coordinators: dict[int, list[tuple[str, str]]] = {}
    for platform_pk, first_name, last_name, username, email in rows:
        name = f"{first_name} {last_name}".strip() or username  # as User.__str__
        coordinators.setdefault(platform_pk, []).append((name, email))
    return coordinators


def previous_round(round: ReportingRound) -> ReportingRound | None:
    """The latest earlier round; its figures are shown beside this round's, matched by question key."""
    return (ReportingRound.objects.using(_db()).filter(opens_on__lt=round.opens_on)
            .select_related("questionnaire").prefetch_related("themes").order_by("-opens_on", "-pk").first())


def previous_round_version(round: ReportingRound) -> tuple[int, int, str] | None:
    """(pk, version, title) of `previous_round`, what the summary page's cache key needs of it (its figures
    are of submitted reports only, so the version is `submitted_version`).

    Plain SQL, as `_round_version`: on a cached summary page this is all it asks of the previous round.
    """
    connection = connections[_db()]
    table = connection.ops.quote_name(ReportingRound._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, submitted_version, title FROM {table} WHERE opens_on < %s "  # noqa: S608
                       "ORDER BY opens_on DESC, id DESC LIMIT 1", [round.opens_on])
        row = cursor.fetchone()
    return tuple(row) if row else None


@dataclass
class DrillRow:
    report: Report
    note: str
    answer: str = ""  # the answer in words, for a question whose answers are listed (text, date, number)


def drill_slot(definition: Definition, question: str, value: str) -> Slot | None:
    """The question (a column) of a drill-down, when `value` is one it can be asked for: a choice's name
    (yes or no for yes/no) for a counted question, "" for one whose answers are listed."""
    slot = definition.by_column.get(question)
    if slot is None:
        return None
    if slot.question.kind in COUNTED_KINDS:
        return slot if value in {name for name, _label in slot.question.choices} else None
    return slot if value == "" else None


def drilldown(round: ReportingRound, *, question: str, value: str, level: str = "",
              include_drafts: bool = False) -> list[DrillRow] | None:
    """The counted reports behind one figure, with the note of the question's section (of its theme).

    `question` is a column (`key`, or `theme:<slug>:<key>`) and `value` a choice's name (yes or no
    for yes/no); for a text, date or number question `value` is empty and the rows list the
    answers. None when the question or value is not one of the summary's (the view answers 404).
    """
    definition = definition_for(round)
    slot = drill_slot(definition, question, value)
    if slot is None:
        return None
    theme_pk = slot.theme.pk if slot.theme else None
    answers = (counted_answers(round, include_drafts=include_drafts)
               .filter(question_id=slot.question.pk, theme_id=theme_pk)
               .select_related("report__platform").order_by("report__platform__level", "report__platform__name"))
    if level in LEVELS:
        answers = answers.filter(report__platform__level=level)
    listed = slot.question.kind not in COUNTED_KINDS
    if not listed:
        answers = answers.filter(value=value)
    notes = {}
    if slot.section.note_key:
        notes = dict(Note.objects.using(_db()).filter(report__in=answers.values("report_id"),
                                                      section_id=slot.section.pk, theme_id=theme_pk)
                     .values_list("report_id", "text"))
    return [DrillRow(a.report, notes.get(a.report_id, ""),
                     display_value(slot.question, from_storage(slot.question, [a.value])) if listed else "")
            for a in answers]


def counted_initiatives(round: ReportingRound, *, include_drafts: bool = False) -> QuerySet[Initiative]:
    """The initiatives of the counted reports, with what the answer text names of them."""
    return (Initiative.objects.using(_db()).filter(report__in=counted_reports(round, include_drafts=include_drafts))
            .select_related("report__platform").prefetch_related("asked_of")
            .order_by("report__platform__name", "start_date"))


# A computed summary is kept this long at most, also when nothing it counts seems to have
# changed: a change made outside the portal's services and the Django admin (a database shell, a
# migration) raises no data version, and the ministry sees it within a minute; every other at once.
SUMMARY_CACHE_SECONDS = 60


def round_data_changed(*rounds: ReportingRound, drafts_only: bool = False) -> None:
    """Mark that figures of these rounds (all rounds when none is named) may have changed.

    Called by every service that writes reports, their answers, initiatives, platforms or a round's
    platforms, inside its transaction: the new version becomes visible with the change itself.
    `drafts_only`: only figures with drafts changed (a draft saved), so the version of the submitted
    reports' figures, which the ministry's default summary is keyed on, stays (the deadline rush,
    issue #13); anything else raises both.
    """
    queryset = ReportingRound.objects.all()
    if rounds:
        queryset = queryset.filter(pk__in=[r.pk for r in rounds])
    if drafts_only:
        queryset.update(data_version=F("data_version") + 1)
    else:
        queryset.update(data_version=F("data_version") + 1, submitted_version=F("submitted_version") + 1)


def cached_round_summary(round: ReportingRound, *, include_drafts: bool = False) -> Summary:
    """`round_summary`, computed once per change of the round's data (per app process).

    Building the summary's aggregate statements costs Django far more CPU than the request itself
    (docs/loadtest.md). The key holds the round's data version, which comes with the round, so
    a change made through any app server is seen by every other at once, without an extra query
    (with a read replica, one small query reads the version there).
    """
    return _summary_at_version(round, summary_version(round, include_drafts=include_drafts), include_drafts)


def _version_field(include_drafts: bool) -> str:
    """The round's version that its figures with (or without) drafts are keyed on (`round_data_changed`)."""
    return "data_version" if include_drafts else "submitted_version"


def summary_version(round: ReportingRound, *, include_drafts: bool = False) -> int | None:
    """The data version the round's figures are read at: the round's own, or the replica's."""
    field = _version_field(include_drafts)
    if _db() == DEFAULT_DB_ALIAS:
        return getattr(round, field)
    # The version the figures are read with: a lagging replica must not store its older
    # figures under the primary's newer version (they would be served for a minute).
    return (ReportingRound.objects.using(_db()).filter(pk=round.pk)
            .values_list(field, flat=True).first())


def _summary_at_version(round: ReportingRound, version: int | None, include_drafts: bool) -> Summary:
    key = f"summary:{round.pk}:{version}:{int(include_drafts)}"
    summary = cache.get(key)
    if summary is None:
        summary = round_summary(round, include_drafts=include_drafts)
        cache.set(key, summary, SUMMARY_CACHE_SECONDS)
    return summary


def _round_version(slug: str, include_drafts: bool = False) -> tuple[int, int] | None:
    """(pk, data version) of the round with this slug, read from the summary's database.

    Plain SQL because it is all that `summary.json` asks of the database on a cached request,
    besides the session and the user: compiling the same ORM query costs about 0.25 ms of CPU,
    five times a plain one (docs/loadtest.md).
    """
    connection = connections[_db()]
    table = connection.ops.quote_name(ReportingRound._meta.db_table)
    with connection.cursor() as cursor:
        field = connection.ops.quote_name(_version_field(include_drafts))
        cursor.execute(f"SELECT id, {field} FROM {table} WHERE slug = %s", [slug])  # noqa: S608
        return cursor.fetchone()


def summary_json(slug: str, *, include_drafts: bool = False) -> bytes | None:
    """The body of `summary.json` of the round with this slug (None: there is none).

    Encoded once per change of the round's data (per app process): the ministry's tools poll this
    URL, and a cached request then costs the session, the user and one small query.
    """
    found = _round_version(slug, include_drafts)
    if found is None:
        return None
    pk, version = found
    key = f"summary-json:{pk}:{version}:{int(include_drafts)}"
    body = cache.get(key)
    if body is None:
        round = (ReportingRound.objects.filter(pk=pk).select_related("questionnaire")
                 .prefetch_related("themes").first())
        if round is None:  # removed on the primary a moment ago
            return None
        data = _summary_at_version(round, version, include_drafts).as_json()
        body = json.dumps(data, ensure_ascii=False).encode()
        cache.set(key, body, SUMMARY_CACHE_SECONDS)
    return body
