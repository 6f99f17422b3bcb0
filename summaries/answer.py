"""The answer text for parliament, in the shape of the minister's answer of 2020.

A round that asks the questions of 2020 gets that answer's sentences; any other questionnaire a
sentence per question ("…: 12 van de 70 LOP's antwoordden ja"). Every figure comes from a
`Summary`; the text is a list of blocks (headings, paragraphs, bullets) that the page renders as
HTML and as plain text to copy, and `answer_docx` as Word.
"""

from dataclasses import dataclass
from io import BytesIO

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from docx import Document

from initiatives.models import Initiative, InitiativeKind
from rounds.models import QuestionKind
from rounds.questionnaire import Definition

from .exports import xml_text
from .summary import QuestionSummary, Summary


@dataclass(frozen=True)
class Block:
    kind: str  # "title", "heading", "paragraph" or "bullet"
    text: str


def lops(n: int) -> str:
    return ngettext("%(n)d platform", "%(n)d platforms", n) % {"n": n}


def share(n: int, base: int, *, majority: bool = False) -> str:
    """"half of the platforms (35)", "33 of the 70 platforms", or with `majority` "a majority of the
    platforms (47 of 70)": the phrasing of the minister's answer, which speaks of a majority only for
    the excluded pupils."""
    if base and n * 2 == base:
        return _("half of the platforms (%(n)d)") % {"n": n}
    if majority and base and n * 2 > base:
        return _("a majority of the platforms (%(n)d of %(base)d)") % {"n": n, "base": base}
    return _("%(n)d of the %(base)d platforms") % {"n": n, "base": base}


def coverage(summary: Summary, missing) -> str:
    line = _("Based on %(n)d of the %(total)d platforms.") % {"n": summary.base.total,
                                                             "total": summary.platforms.total}
    if summary.include_drafts:
        line += " " + _("Reports not yet submitted are included.")
    elif missing:
        line += " " + _("Not yet submitted: %(names)s.") % {"names": ", ".join(p.name for p in missing)}
    return line


# The questions of the 2020 questionnaire (rounds/seed/corona_2020.py) whose figures the minister's
# answer gave: a round that asks them gets the answer in that answer's words.
QUESTIONS_2020 = {"registration_procedure_used", "application_period_adjusted", "enrolment_period_adjusted",
                  "free_enrolment_period_adjusted", "newcomers", "preschool", "excluded_pupils"}
THEME_QUESTIONS_2020 = {"discussed", "agreements", "actions", "exchange", "informed"}


def asks_the_2020_questions(definition: Definition) -> bool:
    return QUESTIONS_2020 <= set(definition.questions) and THEME_QUESTIONS_2020 <= definition.per_theme_keys


def answer_blocks(summary: Summary, missing, initiatives: list[Initiative]) -> list[Block]:
    """The answer text: in the words of the minister's answer of 2020 for a round that asks its questions,
    otherwise a sentence per question of the questionnaire; then the initiatives."""
    blocks = [Block("title", summary.round.title), Block("paragraph", coverage(summary, missing))]
    if asks_the_2020_questions(summary.definition):
        blocks += _blocks_2020(summary)
    else:
        blocks += _question_blocks(summary)
    return blocks + _initiative_blocks(summary, initiatives)


def _blocks_2020(summary: Summary) -> list[Block]:
    def count(column, value="yes"):
        return summary.count(column, value)

    blocks = [
        Block("heading", _("Registrations")),
        Block("paragraph", _(
            "In %(basis)s for primary education and %(secundair)s for secondary education at least one school "
            "used a registration procedure to organise the registrations."
        ) % {"basis": lops(count("registration_procedure_used").basis),
             "secundair": lops(count("registration_procedure_used").secundair)}),
        Block("bullet", _("%(lops)s adjusted the application period") % {
            "lops": lops(count("application_period_adjusted").total)}),
        Block("bullet", _("%(lops)s adjusted the enrolment period for pupils who applied") % {
            "lops": lops(count("enrolment_period_adjusted").total)}),
        Block("bullet", _("%(lops)s adjusted the free enrolment period") % {
            "lops": lops(count("free_enrolment_period_adjusted").total)}),
        Block("heading", _("Other decretal tasks")),
    ]
    has_arrangements = count("newcomers", "unchanged").total + count("newcomers", "adjusted").total
    blocks.append(Block("bullet", _(
        "%(lops)s have arrangements on guiding non-Dutch-speaking newcomers to school; %(adjusted)d of them "
        "adjusted these arrangements."
    ) % {"lops": lops(has_arrangements), "adjusted": count("newcomers", "adjusted").total}))
    blocks.append(Block("bullet", _(
        "In %(unchanged)s the arrangements on pre-school participation stay unchanged, and in %(adjusted)s "
        "they were adjusted."
    ) % {"unchanged": share(count("preschool", "unchanged").total, summary.base_of("preschool").total),
         "adjusted": lops(count("preschool", "adjusted").total)}))
    blocks.append(Block("bullet", _(
        "For %(unchanged)s the arrangements on following up permanently excluded pupils do not change."
    ) % {"unchanged": share(count("excluded_pupils", "unchanged").total, summary.base_of("excluded_pupils").total,
                            majority=True)}))

    blocks.append(Block("heading", _("Themes")))
    for theme in summary.definition.themes:
        def theme_count(key, slug=theme.slug):
            return count(f"theme:{slug}:{key}").total

        sentences = [_("%(theme)s: in %(share)s this theme was discussed.") % {
            "theme": theme.name,
            "share": share(theme_count("discussed"), summary.base_of(f"theme:{theme.slug}:discussed").total)}]
        if theme_count("agreements"):
            sentences.append(_("%(lops)s made agreements about it.") % {"lops": lops(theme_count("agreements"))})
        if theme_count("actions"):
            sentences.append(_("%(lops)s set up actions themselves or took part in actions.") % {
                "lops": lops(theme_count("actions"))})
        if theme_count("exchange"):
            sentences.append(_("%(lops)s gave their members the opportunity to exchange experiences and good "
                               "practices.") % {"lops": lops(theme_count("exchange"))})
        if theme_count("informed"):
            sentences.append(_("%(lops)s informed their members about it.") % {"lops": lops(theme_count("informed"))})
        blocks.append(Block("bullet", " ".join(sentences)))
    return blocks


def _question_sentence(question: QuestionSummary) -> str:
    """One question's figures in a sentence; "" for a question whose answers are not counted (text, date)."""
    label, base = question.slot.question.label, question.base.total
    if question.kind == QuestionKind.YESNO:
        return _("%(question)s: %(n)d of the %(base)d platforms answered yes.") % {
            "question": label, "n": question.counts["yes"].total, "base": base}
    if question.is_counted:
        counts = "; ".join(_("%(choice)s: %(n)d of the %(base)d platforms") % {
            "choice": choice_label, "n": question.counts[name].total, "base": base}
            for name, choice_label in question.slot.question.choices)
        return f"{label}: {counts}." if counts else ""
    if question.is_number:
        if not question.answered.total:
            return _("%(question)s: no platform answered.") % {"question": label}
        return _("%(question)s: %(lops)s answered, together %(sum)s (median %(median)s).") % {
            "question": label, "lops": lops(question.answered.total), "sum": number_format(question.sum.total),
            "median": number_format(question.median)}
    return ""


def _question_blocks(summary: Summary) -> list[Block]:
    """A heading per section (per theme for a section asked per theme), a sentence per question."""
    blocks = []
    for instance in summary.definition.instances:
        sentences = [_question_sentence(summary.questions[slot.column]) for slot in instance.slots
                     if slot.column in summary.questions]
        sentences = [sentence for sentence in sentences if sentence]
        if sentences:
            blocks.append(Block("heading", instance.title))
            blocks += [Block("bullet", sentence) for sentence in sentences]
    return blocks


def _initiative_blocks(summary: Summary, initiatives: list[Initiative]) -> list[Block]:
    blocks = [Block("heading", _("Initiatives for vulnerable children and young people"))]
    blocks.append(Block("paragraph", _(
        "%(lops)s recorded %(n)d initiatives to reach vulnerable children and young people."
    ) % {"lops": lops(summary.platforms_with_initiatives.total), "n": summary.initiatives.total}))
    kinds = dict(InitiativeKind.choices)
    for kind, tally in summary.initiatives_by_kind.items():
        if tally.total:
            blocks.append(Block("bullet", f"{kinds[kind]}: {tally.total}"))
    asked = [i for i in initiatives if i.asked_of.all()]
    if asked:
        blocks.append(Block("paragraph", _(
            "In %(n)d initiatives platforms asked schools and local partners for a specific, extra effort:"
        ) % {"n": len(asked)}))
        for i in asked:
            blocks.append(Block("bullet", _("%(platform)s: %(title)s (%(kind)s), asked of %(orgs)s") % {
                "platform": i.report.platform.name, "title": i.title, "kind": kinds[i.kind],
                "orgs": ", ".join(o.name for o in i.asked_of.all())}))
    return blocks


def answer_text(blocks: list[Block]) -> str:
    """Plain text to paste into a reply."""
    lines = []
    for block in blocks:
        if block.kind == "heading":
            lines.append("")
        lines.append(f"- {block.text}" if block.kind == "bullet" else block.text)
    return "\n".join(lines).strip() + "\n"


def answer_docx(blocks: list[Block]) -> bytes:
    """The answer as a Word document (python-docx); text is inserted as text, never as markup."""
    document = Document()
    for block in blocks:
        text = xml_text(block.text)
        if block.kind == "title":
            document.add_heading(text, level=0)
        elif block.kind == "heading":
            document.add_heading(text, level=1)
        elif block.kind == "bullet":
            document.add_paragraph(text, style="List Bullet")
        else:
            document.add_paragraph(text)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
