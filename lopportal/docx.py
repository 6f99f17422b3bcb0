"""Word documents of the portal: A4, Dutch (Belgium), the department as author, dated.

Every .docx the portal writes (the answer texts of a round, a published answer to parliament) starts
from `new_document`, so that spelling check, page size, properties and date line are the same everywhere.
"""

import datetime
from io import BytesIO

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from summaries.exports import xml_text

LANGUAGE = "nl-BE"
STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
PLACE = "Brussel"  # where the department signs its documents, in the date line


def _set_language(rpr, language: str) -> None:
    """Set the language of text (w:lang w:val) on run properties; the East Asian and complex-script
    languages stay as they were."""
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), language)


def new_document(*, title: str) -> Document:
    """An empty document: A4 with margins of 25 mm, language nl-BE, author `settings.DOCUMENT_AUTHOR`."""
    document = Document()
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin = section.bottom_margin = section.left_margin = section.right_margin = Mm(25)

    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    _set_language(rpr, LANGUAGE)
    _set_language(document.styles["Normal"].element.get_or_add_rPr(), LANGUAGE)
    theme_language = document.settings.element.find(qn("w:themeFontLang"))
    if theme_language is not None:
        theme_language.set(qn("w:val"), LANGUAGE)
    # python-docx's template carries a Word 2010 copy of the styles in en-US; Word reads styles.xml, so the
    # copy only misleads whoever checks the file's language.
    for rel_id, rel in list(document.part.rels.items()):
        if rel.reltype == STYLES_WITH_EFFECTS:
            document.part.drop_rel(rel_id)

    now = timezone.now()
    properties = document.core_properties
    properties.author = properties.last_modified_by = settings.DOCUMENT_AUTHOR
    properties.title = xml_text(title)  # a title typed with control characters would make no valid document
    properties.language = LANGUAGE
    properties.created = properties.modified = now
    properties.revision = 1
    properties.comments = ""

    # The date line in the page header: on every page and printout, outside the text that follows.
    for section in document.sections:
        section.header.is_linked_to_previous = False
        line = section.header.paragraphs[0]
        line.text = date_line(timezone.localdate(now))
        line.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return document


def date_line(day: datetime.date) -> str:
    """ "Brussel, 30 november 2026": the place and the date in Dutch, whatever the language of the request."""
    with translation.override("nl-be"):
        return f"{PLACE}, {date_format(day, 'j F Y')}"


def document_bytes(document: Document) -> bytes:
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
