"""The summary as the page shows it: a block per section (per theme for a section asked per theme),
in each a chart per question with its figures per level ("X van de N" and a percentage, with drill-down
links), and the previous round's percentage beside each, matched by column (a question's key, with its
theme for a section asked per theme), with the change in percentage points.

A one-of-a-list question is one stacked row (its values side by side in one bar per level) with as its
headline the reports that gave another answer than the list's "none" (`none_choice`); other questions
get a bar per value counted (the "yes" of a yes/no question, each option of a several-of-a-list
question, the answered of a number, text or date question).

The page is cached as a whole (`summary_page`): its charts are built once per version of the round's
figures (and of the previous round's), beside the cached summary, so a request renders little more
than the page around them (docs/performance.md, "Summary page (issue #14)").
"""

import hashlib
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from initiatives.models import InitiativeKind
from rounds.models import QuestionKind, ReportingRound
from rounds.questionnaire import YES, Definition, QuestionDef, SectionInstance

from . import summary as summaries
from .summary import QuestionSummary, Summary, Tally

LEVELS = ("", "basis", "secundair")  # all platforms, then per level: the page's columns
# The name of a list's "no such thing" choice ("Geen afspraken"), as the questionnaires name it.
NONE_CHOICE = "none"
# Words that open a "none" choice's label; what follows them names what the other answers have in common
# ("Geen afspraken" → "Afspraken"), the headline of a one-of-a-list question.
NEGATIONS = ("geen ", "no ", "niet ", "not ")


def percent(count: int, base: int) -> int | None:
    """count of base as a whole percentage, rounded half up (None without a base: not applicable)."""
    return (count * 200 + base) // (2 * base) if base else None


def points_text(now: int | None, before: int | None) -> str:
    """The change from an earlier percentage in percentage points ("+4 pp", "−3 pp", "0 pp"), of the
    percentages as shown (so that the reader's own subtraction agrees); "" when either is missing."""
    if now is None or before is None:
        return ""
    change = now - before
    sign = "+" if change > 0 else "−" if change < 0 else ""
    return _("%(change)s pp") % {"change": f"{sign}{abs(change)}"}


@dataclass
class Cell:
    count: int
    base: int
    url: str
    extra: str = ""  # a number question's sum (and, for all platforms, its median)

    @property
    def percent(self) -> int | None:
        return percent(self.count, self.base)


@dataclass
class Row:
    label: str
    cells: list[Cell]  # total, basis, secundair
    previous: tuple[int, int] | None = None  # (count, base) in the earlier round
    previous_extra: str = ""
    column: str = ""  # the question's column and the value counted ("" for the answered of a question)
    value: str = ""

    @property
    def total(self) -> Cell:
        return self.cells[0]

    @property
    def previous_percent(self) -> int | None:
        return percent(*self.previous) if self.previous else None

    @property
    def change(self) -> str:
        return points_text(self.total.percent, self.previous_percent)


@dataclass
class Chart:
    """One question as the page draws it: a bar per row, or (`stacked`) its rows as the parts of one bar,
    with as headline the sum of the rows that are not the list's "none" answer (`totals`, per level)."""

    label: str
    rows: list[Row]
    stacked: bool = False
    headline: str = ""  # what the answers other than "none" have in common ("Afspraken")
    totals: list[Cell] = field(default_factory=list)  # stacked with a "none" answer: the others, per level
    previous_total: tuple[int, int] | None = None

    @property
    def previous_percent(self) -> int | None:
        return percent(*self.previous_total) if self.previous_total else None

    @property
    def change(self) -> str:
        return points_text(self.totals[0].percent, self.previous_percent) if self.totals else ""


@dataclass
class Block:
    title: str
    charts: list[Chart] = field(default_factory=list)

    @property
    def rows(self) -> list[Row]:
        """Every figure of the block, one row per value counted, in the order of the page."""
        return [row for chart in self.charts for row in chart.rows]


def drill_url(summary: Summary, question: str, value: str, level: str) -> str:
    params = {"question": question}
    if value:
        params["value"] = value
    if level:
        params["level"] = level
    if summary.include_drafts:
        params["include_drafts"] = "1"
    return reverse("rounds:summary_platforms", kwargs={"round_slug": summary.round.slug}) + "?" + urlencode(params)


def _drill_urls(summary: Summary):
    """drill_url, with the path reversed once (a reverse per figure was a tenth of the page's time)."""
    path = reverse("rounds:summary_platforms", kwargs={"round_slug": summary.round.slug})
    drafts = "&include_drafts=1" if summary.include_drafts else ""

    def url(question: str, value: str, level: str) -> str:
        params = {"question": question, **({"value": value} if value else {}), **({"level": level} if level else {})}
        return f"{path}?{urlencode(params)}{drafts}"
    return url


def _number_text(sum_: int, median=None) -> str:
    text = _("sum %(sum)s") % {"sum": number_format(sum_)}
    if median is not None:
        text += ", " + _("median %(median)s") % {"median": number_format(median)}
    return text


def none_choice(question: QuestionDef) -> str:
    """The name of a one-of-a-list question's "none" answer ("" when its list has none)."""
    if question.kind != QuestionKind.CHOICE:
        return ""
    return next((name for name, _label in question.choices if name.lower() == NONE_CHOICE), "")


def headline_label(question: QuestionDef, none: str) -> str:
    """What the answers other than "none" have in common, from the "none" choice's label: "Geen afspraken"
    gives "Afspraken"; a label that does not open with a negation gives "Niet “…”"."""
    label = " ".join(question.choice_label(none).split())
    for negation in NEGATIONS:
        if label.lower().startswith(negation) and len(label) > len(negation):
            rest = label[len(negation):]
            return rest[:1].upper() + rest[1:]
    return _("Not “%(answer)s”") % {"answer": label}


def _cells(url, question: QuestionSummary, value: str, tally: Tally) -> list[Cell]:
    return [Cell(tally.get(level), question.base.get(level), url(question.column, value, level)) for level in LEVELS]


def _earlier(question: QuestionSummary, prev: Summary | None) -> QuestionSummary | None:
    earlier = prev.questions.get(question.column) if prev else None
    if earlier is not None and earlier.kind != question.kind:
        return None  # the same key asked as another kind of question cannot be compared
    return earlier


def _chart(url, question: QuestionSummary, prev: Summary | None) -> Chart:
    """The chart of one question: "yes" of a yes/no question, every choice of a list, the answered of others."""
    earlier = _earlier(question, prev)
    definition = question.slot.question
    label = question.slot.question.label
    if question.is_counted:
        yes_no = question.kind == QuestionKind.YESNO
        stacked = question.kind == QuestionKind.CHOICE
        rows = []
        for name, choice_label in definition.choices:
            if yes_no and name != YES:
                continue
            previous = None
            if earlier is not None and name in earlier.counts:
                previous = (earlier.counts[name].total, earlier.base.total)
            row_label = label if yes_no else choice_label if stacked else f"{label}: {choice_label}"
            rows.append(Row(row_label, _cells(url, question, name, question.counts[name]), previous,
                            column=question.column, value=name))
        chart = Chart(label, rows, stacked=stacked)
        none = none_choice(definition)
        if stacked and none:
            # The answers other than "none" first, so that their part of the bar starts where the bar does.
            chart.rows = [row for row in rows if row.value != none] + [row for row in rows if row.value == none]
            others = [value for value, _label in definition.choices if value != none]
            chart.headline = headline_label(definition, none)
            chart.totals = [Cell(sum(question.counts[v].get(level) for v in others), question.base.get(level), "")
                            for level in LEVELS]
            if earlier is not None:
                chart.previous_total = (sum(earlier.counts[v].total for v in others if v in earlier.counts),
                                        earlier.base.total)
        return chart
    cells = _cells(url, question, "", question.answered)
    previous = (earlier.answered.total, earlier.base.total) if earlier is not None else None
    previous_extra = ""
    if question.is_number:
        for cell, level in zip(cells, LEVELS, strict=True):
            cell.extra = _number_text(question.sum.get(level), question.median if not level else None)
        if earlier is not None:
            previous_extra = _number_text(earlier.sum.total, earlier.median)
    row = Row(_("%(question)s (answered)") % {"question": label}, cells, previous, previous_extra,
              column=question.column)
    return Chart(row.label, [row])


def _instance_block(url, summary: Summary, instance: SectionInstance, prev: Summary | None) -> Block:
    block = Block(instance.title)
    for slot in instance.slots:
        question = summary.questions.get(slot.column)
        if question is not None:
            block.charts.append(_chart(url, question, prev))
    return block


def summary_blocks(summary: Summary, prev: Summary | None = None) -> list[Block]:
    """The round's questions in the order of its questionnaire, each with its base and drill-down links."""
    url = _drill_urls(summary)
    blocks = [_instance_block(url, summary, instance, prev) for instance in summary.definition.instances]
    return [block for block in blocks if block.charts]


def question_label(definition: Definition, column: str) -> str:
    """The wording of a drill-down's question, with the theme's name for a question asked per theme."""
    return definition.by_column[column].label


def value_label(definition: Definition, column: str, value: str) -> str:
    """A drill-down's value in words (the choice's label; "ja"/"nee"); "" for a question whose answers are listed."""
    return definition.by_column[column].question.choice_label(value) if value else ""


# The page, cached ------------------------------------------------------------------------------------------------


@dataclass
class SummaryPage:
    """What the summary page shows of a round's figures, built once per version of them: the response
    counts, the charts' markup and the initiatives' rows. Small and plain, so that reading it from the
    cache costs little (unpickling the whole summary, with its questionnaire, cost more than rendering)."""

    include_drafts: bool
    platforms: Tally
    submitted: Tally
    base: Tally
    initiatives: Tally
    platforms_with_initiatives: Tally
    charts_html: SafeString
    initiatives_html: SafeString  # the initiatives per kind and per target group, per level


def _build_page(round: ReportingRound, include_drafts: bool, previous: ReportingRound | None) -> SummaryPage:
    from .charts import blocks_html  # charts reads this module's view models

    result = summaries.cached_round_summary(round, include_drafts=include_drafts)
    earlier = summaries.cached_round_summary(previous) if previous else None
    initiatives_url = reverse("rounds:initiative_list", kwargs={"round_slug": round.slug})
    return SummaryPage(
        include_drafts=include_drafts, platforms=result.platforms, submitted=result.submitted, base=result.base,
        initiatives=result.initiatives, platforms_with_initiatives=result.platforms_with_initiatives,
        charts_html=blocks_html(summary_blocks(result, earlier), previous_title=previous.title if previous else ""),
        initiatives_html=mark_safe(  # noqa: S308 - rendered by the template engine, escaped there
            render_to_string("summaries/initiative_counts.html", {
                "caption": _("By kind"), "heading": _("Kind"),
                "rows": [(label, result.initiatives_by_kind[value], f"{initiatives_url}?kind={value}")
                         for value, label in InitiativeKind.choices]})
            + render_to_string("summaries/initiative_counts.html", {
                "caption": _("By target group"), "heading": _("Target group"),
                "rows": [(group.name, tally, f"{initiatives_url}?{urlencode({'target_group': group.slug})}")
                         for group, tally in result.initiatives_by_target_group]})),
    )


def summary_page(round: ReportingRound, *, include_drafts: bool = False) -> SummaryPage:
    """The summary page's figures and charts, built once per version of the round's figures, of the previous
    round's (its identity, title and figures) and per language; kept as long as the summary itself."""
    version = summaries.summary_version(round, include_drafts=include_drafts)
    earlier = summaries.previous_round_version(round)
    earlier_key = hashlib.sha256(repr(earlier).encode()).hexdigest()[:16]  # the title may hold any character
    key = f"summary-page:{round.pk}:{version}:{int(include_drafts)}:{get_language()}:{earlier_key}"
    page = cache.get(key)
    if page is None:
        previous = summaries.previous_round(round) if earlier else None
        page = _build_page(round, include_drafts, previous)
        cache.set(key, page, summaries.SUMMARY_CACHE_SECONDS)
    return page


def summary_header(round: ReportingRound, *, include_drafts: bool) -> SafeString:
    """The page's head (breadcrumb, title and state, tabs, downloads), rendered once per round, state and language.

    Two dozen `{% url %}` and `{% translate %}` tags that are the same for every reader: about a fifth of a cached
    page's CPU when rendered per request (docs/performance.md). Keyed on what it shows, so an edited title or a
    new state (the date moves on) renders it anew.
    """
    shown = hashlib.sha256(repr((round.slug, round.title)).encode()).hexdigest()[:16]
    key = f"summary-header:{round.pk}:{shown}:{round.state}:{int(include_drafts)}:{get_language()}"
    html = cache.get(key)
    if html is None:
        html = mark_safe(render_to_string(  # noqa: S308 - a template's output, escaped by the template
            "summaries/summary_header.html", {"round": round, "include_drafts": include_drafts}))
        cache.set(key, html, summaries.SUMMARY_CACHE_SECONDS)
    return html


@dataclass
class Missing:
    """The round's platforms without a submitted report, as the page lists them."""

    count: int
    html: SafeString  # an <li> per platform, linked to its report, with its coordinators and their addresses


def missing_list(round: ReportingRound, platforms) -> Missing | None:
    """The platforms that have not submitted (`summary.platforms_not_submitted`), None when there are none.

    Built in Python with the report's URL reversed once: a template loop with a reverse per platform cost
    a round of 70 open reports more than the rest of the page."""
    platforms = list(platforms.prefetch_related(None).values_list("pk", "code", "name"))
    if not platforms:
        return None
    coordinators = summaries.coordinators_of([pk for pk, _code, _name in platforms])
    placeholder = "platform-code"
    before, _mark, after = reverse("rounds:report", kwargs={"round_slug": round.slug, "code": placeholder}
                                   ).rpartition(placeholder)
    none = _("no coordinator")
    items = []
    for pk, code, name in platforms:
        people = [format_html('{} (<a href="mailto:{}">{}</a>)', person, email, email) if email
                  else conditional_escape(person) for person, email in coordinators.get(pk, ())]
        items.append(format_html('<li><a href="{}{}{}">{}</a> – {}</li>', before, code, after, name,
                                 mark_safe(", ".join(people)) if people else none))  # noqa: S308
    return Missing(len(platforms), mark_safe("".join(items)))  # noqa: S308 - each built with format_html
