"""Lines and lists the question, draft and publication pages show."""

import datetime
from dataclasses import dataclass, field

from django.utils.formats import date_format, time_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from summaries.summary import Summary, Tally

LEVELS = ("total", "basis", "secundair")


def moment(at: datetime.datetime) -> str:
    """"2 juni 2020 om 10:15"."""
    at = localtime(at)
    return _("%(date)s at %(time)s") % {"date": date_format(at, "j F Y"), "time": time_format(at, "H:i")}


def coverage_line(summary: Summary, at: datetime.datetime) -> str:
    """"Based on n of the N platforms; data as of <date and time>"."""
    return _("Based on %(n)d of the %(total)d platforms; data as of %(when)s") % {
        "n": summary.base.total, "total": summary.platforms.total, "when": moment(at)}


def coverage(summaries: list[Summary], at: datetime.datetime) -> str:
    """The coverage of an answer: one line, or one per round (named) when it draws on several."""
    if len(summaries) == 1:
        return coverage_line(summaries[0], at)
    return "\n".join(f"{summary.round.title}: {coverage_line(summary, at)}" for summary in summaries)


@dataclass
class ReferenceRow:
    label: str
    references: list[tuple[str, object]]  # (reference as written in the text, its current value) per level


@dataclass
class ReferenceGroup:
    title: str
    rows: list[ReferenceRow] = field(default_factory=list)


def _tally_refs(prefix: str, tally: Tally) -> list[tuple[str, object]]:
    return [(f"{prefix}.{level}", tally.get(level) if level != "total" else tally.total) for level in LEVELS]


def available_references(summary: Summary, *, prefix: str = "") -> list[ReferenceGroup]:
    """The references an answer can cite from one round, with their current values: the round's own figures,
    then per section (per theme for a section asked per theme) and question, its base and its counts (a number
    question: how many answered, the sum and the median; a text or date question: how many answered).

    `prefix` is "<round slug>/" for a round other than the question's default one.
    """
    groups = [ReferenceGroup(_("The round"), [
        ReferenceRow(_("Platforms asked"), _tally_refs(f"{prefix}platforms", summary.platforms)),
        ReferenceRow(_("Reports submitted"), _tally_refs(f"{prefix}submitted", summary.submitted)),
        ReferenceRow(_("Reports counted"), _tally_refs(f"{prefix}base", summary.base)),
        ReferenceRow(_("Initiatives"), _tally_refs(f"{prefix}initiatives.total", summary.initiatives)),
        ReferenceRow(_("Platforms with initiatives"),
                     _tally_refs(f"{prefix}initiatives.platforms", summary.platforms_with_initiatives)),
    ])]
    for instance in summary.definition.instances:
        group = ReferenceGroup(" ".join(instance.title.split()))
        for slot in instance.slots:
            question = summary.questions.get(slot.column)
            if question is None:
                continue
            label, column = " ".join(slot.question.label.split()), f"{prefix}{slot.column}"
            group.rows.append(ReferenceRow(_("%(question)s: asked of") % {"question": label},
                                           _tally_refs(f"{column}.base", question.base)))
            if question.is_counted:
                for name, choice_label in slot.question.choices:
                    group.rows.append(ReferenceRow(f"{label}: {choice_label}", _tally_refs(
                        f"{column}.{name}", question.counts.get(name, Tally()))))
                continue
            group.rows.append(ReferenceRow(_("%(question)s: answered") % {"question": label},
                                           _tally_refs(f"{column}.answered", question.answered)))
            if question.is_number:
                group.rows.append(ReferenceRow(_("%(question)s: sum") % {"question": label},
                                               _tally_refs(f"{column}.sum", question.sum)))
                group.rows.append(ReferenceRow(_("%(question)s: median") % {"question": label},
                                               [(f"{column}.median", question.median)]))
        if group.rows:
            groups.append(group)
    return groups
