"""The summary as the page shows it: rows of "X van de N" per level with drill-down links."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from initiatives.questions import ARRANGEMENT_QUESTIONS, REGISTRATION_QUESTIONS, THEME_QUESTIONS
from rounds.models import Arrangement

from .summary import Summary, Tally

LEVEL_COLUMNS = [("", None), ("basis", None), ("secundair", None)]


@dataclass
class Cell:
    count: int
    base: int
    url: str


@dataclass
class Row:
    label: str
    cells: list[Cell]  # total, basis, secundair
    previous: tuple[int, int] | None = None  # (count, base) in the earlier round

    @property
    def total(self) -> Cell:
        return self.cells[0]


@dataclass
class Block:
    title: str
    rows: list[Row]


def question_keys() -> dict[str, list[str]]:
    """Every drill-down question key with the values it can be asked for."""
    keys = {q.field: ["yes", "no"] for q in REGISTRATION_QUESTIONS}
    keys |= {q.field: ["none", "unchanged", "adjusted"] for q in ARRANGEMENT_QUESTIONS}
    return keys


def drill_url(summary: Summary, question: str, value: str, level: str) -> str:
    params = {"question": question, "value": value}
    if level:
        params["level"] = level
    if summary.include_drafts:
        params["include_drafts"] = "1"
    return reverse("rounds:summary_platforms", kwargs={"round_slug": summary.round.slug}) + "?" + urlencode(params)


def _row(summary, label, question, value, tally: Tally, base: Tally, previous=None) -> Row:
    cells = [Cell(tally.get(level), base.get(level), drill_url(summary, question, value, level))
             for level in ("", "basis", "secundair")]
    return Row(label, cells, previous)


def _previous(prev: Summary | None, getter):
    if prev is None:
        return None
    try:
        tally, base = getter(prev)
    except (KeyError, StopIteration):
        return None
    return tally.total, base.total


def summary_blocks(summary: Summary, prev: Summary | None = None) -> list[Block]:
    """The summary's questions in the order of the report, each with its base and drill-down links."""
    blocks = [Block(_("Registrations"), [
        _row(summary, q.label, q.field, "yes", summary.registrations[q.field], summary.base,
             _previous(prev, lambda p, f=q.field: (p.registrations[f], p.base)))
        for q in REGISTRATION_QUESTIONS
    ])]
    rows = []
    for q in ARRANGEMENT_QUESTIONS:
        for value in ("none", "unchanged", "adjusted"):
            label = f"{q.label}: {Arrangement(value).label.lower()}"
            rows.append(_row(summary, label, q.field, value, summary.arrangements[q.field][value],
                             summary.arrangement_bases[q.field],
                             _previous(prev, lambda p, f=q.field, v=value: (p.arrangements[f][v],
                                                                            p.arrangement_bases[f]))))
    blocks.append(Block(_("Decretal tasks"), rows))
    for theme in summary.themes:
        key = f"theme:{theme.theme.slug}"
        blocks.append(Block(_("Theme: %(name)s") % {"name": theme.theme.name}, [
            _row(summary, q.label, f"{key}:{q.field}", "yes", theme.counts[q.field], theme.base,
                 _previous(prev, lambda p, slug=theme.theme.slug, f=q.field: next(
                     (t.counts[f], t.base) for t in p.themes if t.theme.slug == slug)))
            for q in THEME_QUESTIONS
        ]))
    return blocks


def question_label(round, question: str) -> str:
    """The wording of a drill-down question key, with the theme's name for a theme question."""
    labels = {q.field: str(q.label) for q in (*REGISTRATION_QUESTIONS, *ARRANGEMENT_QUESTIONS)}
    if question in labels:
        return labels[question]
    _theme, slug, field = question.split(":")
    theme = round.themes.get(slug=slug)
    return f"{theme.name} – {next(str(q.label) for q in THEME_QUESTIONS if q.field == field)}"


def value_label(value: str) -> str:
    if value in ("yes", "no"):
        return _("yes") if value == "yes" else _("no")
    return str(Arrangement(value).label)
