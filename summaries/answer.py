"""The answer text for parliament, in the shape of the minister's answer of 2020.

Every figure comes from a `Summary`; the text is a list of blocks (headings, paragraphs,
bullets) that the page renders as HTML and as plain text to copy, and `answer_docx` as Word.
"""

from dataclasses import dataclass
from io import BytesIO

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from docx import Document

from initiatives.models import Initiative, InitiativeKind

from .exports import xml_text
from .summary import Summary


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


def answer_blocks(summary: Summary, missing, initiatives: list[Initiative]) -> list[Block]:
    reg = summary.registrations
    arr = summary.arrangements
    base = summary.base.total
    blocks = [
        Block("title", summary.round.title),
        Block("paragraph", coverage(summary, missing)),
        Block("heading", _("Registrations")),
        Block("paragraph", _(
            "In %(basis)s for primary education and %(secundair)s for secondary education at least one school "
            "used a registration procedure to organise the registrations."
        ) % {"basis": lops(reg["registration_procedure_used"].basis),
             "secundair": lops(reg["registration_procedure_used"].secundair)}),
        Block("bullet", _("%(lops)s adjusted the application period") % {
            "lops": lops(reg["application_period_adjusted"].total)}),
        Block("bullet", _("%(lops)s adjusted the enrolment period for pupils who applied") % {
            "lops": lops(reg["enrolment_period_adjusted"].total)}),
        Block("bullet", _("%(lops)s adjusted the free enrolment period") % {
            "lops": lops(reg["free_enrolment_period_adjusted"].total)}),
        Block("heading", _("Other decretal tasks")),
    ]
    newcomers = arr["newcomers"]
    has_arrangements = newcomers["unchanged"].total + newcomers["adjusted"].total
    blocks.append(Block("bullet", _(
        "%(lops)s have arrangements on guiding non-Dutch-speaking newcomers to school; %(adjusted)d of them "
        "adjusted these arrangements."
    ) % {"lops": lops(has_arrangements), "adjusted": newcomers["adjusted"].total}))
    preschool = arr["preschool"]
    preschool_base = summary.arrangement_bases["preschool"].total
    blocks.append(Block("bullet", _(
        "In %(unchanged)s the arrangements on pre-school participation stay unchanged, and in %(adjusted)s "
        "they were adjusted."
    ) % {"unchanged": share(preschool["unchanged"].total, preschool_base),
         "adjusted": lops(preschool["adjusted"].total)}))
    blocks.append(Block("bullet", _(
        "For %(unchanged)s the arrangements on following up permanently excluded pupils do not change."
    ) % {"unchanged": share(arr["excluded_pupils"]["unchanged"].total, base, majority=True)}))

    blocks.append(Block("heading", _("Themes")))
    for theme in summary.themes:
        counts = theme.counts
        sentences = [_("%(theme)s: in %(share)s this theme was discussed.") % {
            "theme": theme.theme.name, "share": share(counts["discussed"].total, theme.base.total)}]
        if counts["agreements"].total:
            sentences.append(_("%(lops)s made agreements about it.") % {"lops": lops(counts["agreements"].total)})
        if counts["actions"].total:
            sentences.append(_("%(lops)s set up actions themselves or took part in actions.") % {
                "lops": lops(counts["actions"].total)})
        if counts["exchange"].total:
            sentences.append(_("%(lops)s gave their members the opportunity to exchange experiences and good "
                               "practices.") % {"lops": lops(counts["exchange"].total)})
        if counts["informed"].total:
            sentences.append(_("%(lops)s informed their members about it.") % {"lops": lops(counts["informed"].total)})
        blocks.append(Block("bullet", " ".join(sentences)))

    blocks.append(Block("heading", _("Initiatives for vulnerable children and young people")))
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
