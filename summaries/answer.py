"""The working answer text of a round: its generated text (summaries/references.py) with the current figures.

The sentences are the questionnaire's (data, `Question.sentence`, editable by admins); this module only
puts the text, its figures and the coverage line together for the round's answer page and its Word
document, with the initiatives for which platforms asked schools and local partners for an extra effort
(the second question of 2020), by name. A citable answer is written and published from a parliamentary
question (the `parliament` app).
"""

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from initiatives.models import Initiative, InitiativeKind

from . import references
from .documents import answer_html
from .summary import Summary


def coverage_line(summary: Summary, at: datetime.datetime) -> str:
    """"Op basis van n van de N LOP's; stand van de gegevens op 3 juni 2026 om 14:05"."""
    local = timezone.localtime(at)
    line = _("Based on %(n)d of the %(total)d platforms; figures as of %(date)s at %(time)s.") % {
        "n": summary.base.total, "total": summary.platforms.total, "date": date_format(local, "j F Y"),
        "time": time_format(local, "H:i")}
    if summary.include_drafts:
        line += " " + _("Reports not yet submitted are included.")
    return line


@dataclass(frozen=True)
class WorkingAnswer:
    """A round's generated answer with its figures now: Markdown, HTML, plain text and what was refused."""

    source: str  # Markdown with references
    figures: dict[str, int | float | None]
    urls: dict[str, str | None]
    refused: list[str]  # messages of references to figures that do not exist (a sentence to correct)
    coverage: str
    asked_of: str = ""  # Markdown: the initiatives that asked schools and partners for an effort, by name

    @property
    def html(self) -> SafeString:
        html = answer_html(self.source, figures=self.figures, urls=self.urls)
        if self.asked_of:  # names and titles typed by coordinators: their digits are not figures
            html += answer_html(self.asked_of, figures={}, urls={}, flag_unsourced=False)
        return html

    @property
    def text(self) -> str:
        """The Markdown with the values written in: to copy, and for the Word document."""
        text = references.write_in(self.source, self.figures)
        return f"{text}\n{self.asked_of}" if self.asked_of else text


# What Markdown (CommonMark without HTML, links and images) reads inside a line, and at its start.
MARKDOWN_INLINE = re.compile(r"([\\`*_{}\[\]])")
MARKDOWN_BLOCK = re.compile(r"^([#>+-])")  # a heading, quote or bullet
MARKDOWN_NUMBER = re.compile(r"^(\d+)([.)])")  # a numbered list


def markdown_escaped(text: str) -> str:
    """Text typed by someone, on one line, as Markdown that shows it as it is (and holds no reference)."""
    text = MARKDOWN_INLINE.sub(r"\\\1", " ".join(text.split()))
    return MARKDOWN_NUMBER.sub(r"\1\\\2", MARKDOWN_BLOCK.sub(r"\\\1", text))


def asked_of_text(initiatives: list[Initiative]) -> str:
    """The initiatives for which platforms asked schools and local partners for a specific, extra effort."""
    asked = [i for i in initiatives if i.asked_of.all()]
    if not asked:
        return ""
    kinds = dict(InitiativeKind.choices)
    lines = [_("%(platform)s: %(title)s (%(kind)s), asked of %(orgs)s") % {
        "platform": i.report.platform.name, "title": i.title, "kind": kinds.get(i.kind, i.kind),
        "orgs": ", ".join(o.name for o in i.asked_of.all())} for i in asked]
    return (f"## {markdown_escaped(_('Specific, extra efforts asked of schools and local partners'))}\n\n"
            + "\n".join(f"- {markdown_escaped(line)}" for line in lines) + "\n")


def working_answer(summary: Summary, initiatives: list[Initiative] = (), *,
                   at: datetime.datetime | None = None) -> WorkingAnswer:
    """The round's generated text with its current figures and their drill-down pages, and the initiatives
    (`counted_initiatives`) that asked schools and partners for an effort."""
    slug = summary.round.slug
    summaries = {slug: summary}
    source = references.generated_text(summary)
    figures, refused = references.figures(source, summaries, slug)
    urls = {reference: references.drilldown_url(reference, summaries, slug) for reference in figures}
    return WorkingAnswer(source, figures, urls, refused, coverage_line(summary, at or timezone.now()),
                         asked_of_text(list(initiatives)))
