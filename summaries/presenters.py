"""The summary as the page shows it: a block per section (per theme for a section asked per theme),
rows of "X van de N" per level with drill-down links, and the previous round's figure beside each row,
matched by column (a question's key, with its theme for a section asked per theme)."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from rounds.models import QuestionKind
from rounds.questionnaire import YES, Definition, SectionInstance

from .summary import QuestionSummary, Summary, Tally

LEVELS = ("", "basis", "secundair")  # all platforms, then per level: the page's columns


@dataclass
class Cell:
    count: int
    base: int
    url: str
    extra: str = ""  # a number question's sum (and, for all platforms, its median)


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


@dataclass
class Block:
    title: str
    rows: list[Row] = field(default_factory=list)


def drill_url(summary: Summary, question: str, value: str, level: str) -> str:
    params = {"question": question}
    if value:
        params["value"] = value
    if level:
        params["level"] = level
    if summary.include_drafts:
        params["include_drafts"] = "1"
    return reverse("rounds:summary_platforms", kwargs={"round_slug": summary.round.slug}) + "?" + urlencode(params)


def _number_text(sum_: int, median=None) -> str:
    text = _("sum %(sum)s") % {"sum": number_format(sum_)}
    if median is not None:
        text += ", " + _("median %(median)s") % {"median": number_format(median)}
    return text


def _cells(summary: Summary, question: QuestionSummary, value: str, tally: Tally) -> list[Cell]:
    return [Cell(tally.get(level), question.base.get(level), drill_url(summary, question.column, value, level))
            for level in LEVELS]


def _rows(summary: Summary, question: QuestionSummary, prev: Summary | None) -> list[Row]:
    """The rows of one question: "yes" of a yes/no question, every choice of a list, the answered of others."""
    earlier = prev.questions.get(question.column) if prev else None
    if earlier is not None and earlier.kind != question.kind:
        earlier = None  # the same key asked as another kind of question cannot be compared
    label = question.slot.question.label
    if question.is_counted:
        rows = []
        yes_no = question.kind == QuestionKind.YESNO
        for name, choice_label in question.slot.question.choices:
            if yes_no and name != YES:
                continue
            previous = None
            if earlier is not None and name in earlier.counts:
                previous = (earlier.counts[name].total, earlier.base.total)
            rows.append(Row(label if yes_no else f"{label}: {choice_label}",
                            _cells(summary, question, name, question.counts[name]), previous,
                            column=question.column, value=name))
        return rows
    cells = _cells(summary, question, "", question.answered)
    previous = (earlier.answered.total, earlier.base.total) if earlier is not None else None
    previous_extra = ""
    if question.is_number:
        for cell, level in zip(cells, LEVELS, strict=True):
            cell.extra = _number_text(question.sum.get(level), question.median if not level else None)
        if earlier is not None:
            previous_extra = _number_text(earlier.sum.total, earlier.median)
    return [Row(_("%(question)s (answered)") % {"question": label}, cells, previous, previous_extra,
                column=question.column)]


def _instance_block(summary: Summary, instance: SectionInstance, prev: Summary | None) -> Block:
    block = Block(instance.title)
    for slot in instance.slots:
        question = summary.questions.get(slot.column)
        if question is not None:
            block.rows.extend(_rows(summary, question, prev))
    return block


def summary_blocks(summary: Summary, prev: Summary | None = None) -> list[Block]:
    """The round's questions in the order of its questionnaire, each with its base and drill-down links."""
    blocks = [_instance_block(summary, instance, prev) for instance in summary.definition.instances]
    return [block for block in blocks if block.rows]


def question_label(definition: Definition, column: str) -> str:
    """The wording of a drill-down's question, with the theme's name for a question asked per theme."""
    return definition.by_column[column].label


def value_label(definition: Definition, column: str, value: str) -> str:
    """A drill-down's value in words (the choice's label; "ja"/"nee"); "" for a question whose answers are listed."""
    return definition.by_column[column].question.choice_label(value) if value else ""
