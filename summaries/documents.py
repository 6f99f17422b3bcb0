"""An answer text (Markdown with references, summaries/references.py) as HTML for the pages and as Word.

Markdown is CommonMark with raw HTML, links, images and code blocks off: headings, paragraphs, bullet
and numbered lists, emphasis and inline code are what an answer to parliament needs, and every other
character is text, escaped. References and numbers without a source are replaced by markers before
the Markdown is parsed (characters of Unicode's private use area, taken out of the text first, that
Markdown gives no meaning), and the markers by their HTML after it is rendered: a reference can hold
characters that Markdown would read (`_`), and a number's context ("nr.", a month) is read in the text
as written.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

from lopportal.docx import document_bytes, new_document

from .exports import xml_text
from .references import REFERENCE, format_figure, normalise, unsourced_spans

PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
REF_OPEN, REF_CLOSE, NUMBER_OPEN, NUMBER_CLOSE = "\ue000", "\ue001", "\ue002", "\ue003"
DIGITS = "".join(chr(0xE010 + d) for d in range(10))  # a reference's index, in private-use digits
MARKER = re.compile(f"{REF_OPEN}([{DIGITS}]+){REF_CLOSE}|{NUMBER_OPEN}|{NUMBER_CLOSE}")
HEADING_CLASSES = {"h1": "h4 mt-4", "h2": "h5 mt-4", "h3": "h6 mt-3"}
OFF = ["image", "link", "autolink", "html_inline", "html_block", "fence", "code", "reference"]


def markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).disable(OFF)


def _index(n: int) -> str:
    return "".join(DIGITS[int(d)] for d in str(n))


def _with_markers(text: str, flag_unsourced: bool) -> tuple[str, list[str]]:
    """The text with every reference and every unsourced number marked; the references in order."""
    text = PRIVATE_USE.sub("", text)
    edits = [(m.start(), m.end(), "ref", normalise(m.group(1))) for m in REFERENCE.finditer(text)]
    if flag_unsourced:
        edits += [(start, end, "number", text[start:end]) for start, end in unsourced_spans(text)]
    references: list[str] = []
    out, position = [], 0
    for start, end, kind, content in sorted(edits):
        out.append(text[position:start])
        if kind == "ref":
            out.append(f"{REF_OPEN}{_index(len(references))}{REF_CLOSE}")
            references.append(content)
        else:
            out.append(f"{NUMBER_OPEN}{content}{NUMBER_CLOSE}")
        position = end
    out.append(text[position:])
    return "".join(out), references


def answer_html(text: str, *, figures: dict, urls: dict, flag_unsourced: bool = True) -> SafeString:
    """The answer text as HTML: each reference as its value (a link to the platforms behind it when `urls` has
    one), a refused reference (not in `figures`) marked as written, and numbers without a source marked."""
    marked, references = _with_markers(text, flag_unsourced)
    md = markdown()
    tokens = md.parse(marked)
    for token in tokens:
        if token.type == "heading_open":  # inside a page's card: sized below the page's own headings
            token.attrSet("class", HEADING_CLASSES.get(token.tag, "h6"))
    html = md.renderer.render(tokens, md.options, {})

    def replace(match):
        if match.group(0) == NUMBER_OPEN:
            return f'<mark class="unsourced" title="{escape(_("figure without a source"))}">'
        if match.group(0) == NUMBER_CLOSE:
            return "</mark>"
        reference = references[int("".join(str(DIGITS.index(c)) for c in match.group(1)))]
        if reference not in figures:
            return f'<mark class="figure-refused">{escape("{{ " + reference + " }}")}</mark>'
        value = escape(format_figure(figures[reference]))
        url = urls.get(reference)
        if url:
            return f'<a class="figure" href="{escape(url)}">{value}</a>'
        return f'<span class="figure">{value}</span>'

    return mark_safe(MARKER.sub(replace, html))  # noqa: S308 - Markdown escapes the text; the markers are ours


# Word ---------------------------------------------------------------------------------------------------------

LIST_STYLES = {("bullet_list_open", 1): "List Bullet", ("bullet_list_open", 2): "List Bullet 2",
               ("ordered_list_open", 1): "List Number", ("ordered_list_open", 2): "List Number 2"}


def _add_inline(paragraph, token) -> None:
    """The runs of one inline token: text, bold, italic; line breaks as in the text."""
    bold = italic = False
    for child in token.children or []:
        if child.type == "strong_open":
            bold = True
        elif child.type == "strong_close":
            bold = False
        elif child.type == "em_open":
            italic = True
        elif child.type == "em_close":
            italic = False
        elif child.type == "softbreak":
            paragraph.add_run(" ")
        elif child.type == "hardbreak":
            paragraph.add_run().add_break()
        elif child.content:
            run = paragraph.add_run(xml_text(child.content))
            run.bold, run.italic = bold or None, italic or None


def answer_docx(text: str, *, title: str, lines: list[str]) -> bytes:
    """The answer (Markdown with its values written in) as a Word document: the title, the lines under it
    (question number, date, "stand van de gegevens op …"), then headings, paragraphs and lists."""
    document = new_document(title=title)
    document.add_heading(xml_text(title), level=0)
    for line in lines:
        document.add_paragraph(xml_text(line))
    lists: list[str] = []
    heading, item_opened = 0, False
    for token in markdown().parse(PRIVATE_USE.sub("", text)):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            lists.append(token.type)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "list_item_open":
            item_opened = True
        elif token.type == "heading_open":
            heading = min(int(token.tag[1:]), 4)
        elif token.type == "heading_close":
            heading = 0
        elif token.type == "inline":
            if heading:
                # "## " is the answer's first level: the title above is the document's.
                paragraph = document.add_heading(level=max(heading - 1, 1))
            elif lists and item_opened:  # an item's first paragraph carries its bullet or number
                paragraph = document.add_paragraph(style=LIST_STYLES[(lists[-1], min(len(lists), 2))])
            else:
                paragraph = document.add_paragraph()
            item_opened = False
            _add_inline(paragraph, token)
    return document_bytes(document)
