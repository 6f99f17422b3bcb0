"""The summary's charts as markup: per block a table whose cells hold the figures as text ("X van de N",
a percentage, the change in percentage points) and, beside them, a bar drawn in SVG on the server.

No script and no style attribute (the CSP allows neither): the bars are SVG rectangles whose widths are
attributes, in percent of the cell. The text carries every figure; the bars only show it, so they are
hidden from assistive technology. The parts of a stacked bar differ in pattern (solid, stripes, dots, …),
not only in colour, and each part's legend shows its pattern; every colour has at least 3:1 against
white (WCAG 1.4.11), and the parts are separated by a white line.

Built once per version of the figures (presenters.summary_page), with format_html: a template loop over
every figure of every level cost most of the page's time (docs/performance.md).
"""

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .presenters import Block, Cell, Chart, Row, percent

BAR_HEIGHT = 12  # px; the bars are as wide as their cell

# (colour, pattern) of the parts of a stacked bar, in order; a list's "none" answer always gets NONE_FILL.
# Colours: 4.5:1 or more against white; the patterns are drawn in white over them.
PATTERNS = (
    ("#1d4f91", ""),  # solid
    ("#9a4d00", '<path d="M0 6 6 0M-1 1 1-1M5 7 7 5" stroke="#fff" stroke-width="1.5"/>'),  # stripes
    ("#2f6b3a", '<circle cx="3" cy="3" r="1.3" fill="#fff"/>'),  # dots
    ("#6f42c1", '<path d="M0 3h6" stroke="#fff" stroke-width="1.5"/>'),  # horizontal lines
    ("#8a1c1c", '<path d="M3 0v6M0 3h6" stroke="#fff" stroke-width="1"/>'),  # grid
    ("#0b6e79", '<path d="M0 0 6 6M5-1 7 1M-1 5 1 7" stroke="#fff" stroke-width="1.5"/>'),  # other stripes
)
NONE_FILL = ("#5c636a", '<path d="M0 6 6 0M0 0 6 6" stroke="#fff" stroke-width="1"/>')  # grey cross-hatch


def pattern_defs() -> SafeString:
    """The patterns the stacked bars and their legends fill with, once per page (referenced by id)."""
    patterns = [*PATTERNS, NONE_FILL]
    inner = "".join(
        f'<pattern id="summary-fill-{index}" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="{colour}"/>{shape}</pattern>'
        for index, (colour, shape) in enumerate(patterns))
    return mark_safe(  # noqa: S308 - constants of this module only
        f'<svg class="summary-patterns" width="0" height="0" aria-hidden="true" focusable="false"><defs>{inner}'
        "</defs></svg>")


NONE_INDEX = len(PATTERNS)


def _fill(index: int) -> str:
    return f"url(#summary-fill-{index})"


def _width(count: int, base: int) -> str:
    return f"{count * 100 / base:.2f}".rstrip("0").rstrip(".") + "%" if base else "0%"


def bar(count: int, base: int, *, previous: bool = False) -> SafeString:
    """One bar: count of base, over a track the width of the whole base."""
    return format_html(
        '<svg class="summary-bar{}" width="100%" height="{}" aria-hidden="true" focusable="false">'
        '<rect width="100%" height="100%" fill="#f1f3f5" stroke="#6c757d" stroke-width="1"/>'
        '<rect width="{}" height="100%" fill="{}"/></svg>',
        " summary-bar-previous" if previous else "", BAR_HEIGHT, _width(count, base),
        "#5c636a" if previous else PATTERNS[0][0])


def stacked_bar(parts: list[tuple[int, int]], base: int) -> SafeString:
    """One bar of several parts side by side: (count, pattern index) each, of base."""
    rects, start = [], 0
    for count, index in parts:
        if count:
            rects.append(format_html('<rect x="{}" width="{}" height="100%" fill="{}" stroke="#fff" '
                                     'stroke-width="1"/>', _width(start, base), _width(count, base), _fill(index)))
        start += count
    return format_html(
        '<svg class="summary-bar summary-bar-stacked" width="100%" height="{}" aria-hidden="true" focusable="false">'
        '<rect width="100%" height="100%" fill="#f1f3f5" stroke="#6c757d" stroke-width="1"/>{}</svg>',
        BAR_HEIGHT + 4, mark_safe("".join(rects)))  # noqa: S308 - built with format_html above


def swatch(index: int) -> SafeString:
    return format_html('<svg class="summary-swatch" width="14" height="14" aria-hidden="true" focusable="false">'
                       '<rect width="14" height="14" fill="{}" stroke="#212529" stroke-width="1"/></svg>',
                       _fill(index))


def _of(count: int, base: int) -> str:
    return _("%(count)s of %(base)s") % {"count": number_format(count), "base": number_format(base)}


def _percent_text(value: int | None) -> str:
    return "" if value is None else f"{value}%"


def _share(value: int | None) -> str:
    """A percentage beside its "X van de N": "(63%)"."""
    return "" if value is None else f"({value}%)"


def _not_applicable() -> SafeString:
    return format_html('<span aria-hidden="true">–</span><span class="visually-hidden">{}</span>',
                       _("not applicable"))


def _figure(cell: Cell) -> SafeString:
    """'X van de N' linking to the platforms behind it, and its percentage."""
    return format_html('<a href="{}">{}</a> <span class="summary-pct">{}</span>', cell.url,
                       _of(cell.count, cell.base), _share(cell.percent))


def _extra(text: str) -> SafeString:
    return format_html('<span class="d-block small text-body-secondary">{}</span>', text) if text else ""


def _td(label: str, content) -> SafeString:
    return format_html('<td data-label="{}">{}</td>', label, content)


def _bar_cell(cell: Cell) -> SafeString:
    if not cell.base:
        return _not_applicable()
    return format_html("{}{}{}", _figure(cell), bar(cell.count, cell.base), _extra(cell.extra))


def _previous(previous: tuple[int, int] | None, change: str, extra: str = "") -> SafeString:
    """The earlier round's percentage with the change since, its 'X van de N' and a bar of it."""
    if previous is None or not previous[1]:
        return format_html('<span aria-hidden="true">–</span><span class="visually-hidden">{}</span>',
                           _("not asked in the earlier round"))
    count, base = previous
    return format_html('<span class="summary-pct">{}</span> <span class="summary-change">{}</span>{}{}{}',
                       _percent_text(percent(count, base)), change, bar(count, base, previous=True),
                       _extra(_of(count, base)), _extra(extra))


def _bar_row(row: Row, labels: list[str], with_previous: bool) -> SafeString:
    cells = [_td(label, _bar_cell(cell)) for label, cell in zip(labels, row.cells, strict=False)]
    if with_previous:
        cells.append(_td(labels[3], _previous(row.previous, row.change, row.previous_extra)))
    return format_html('<tr><th scope="row" class="fw-normal">{}</th>{}</tr>', row.label,
                       mark_safe("".join(cells)))  # noqa: S308 - each built with format_html


def _indexes(chart: Chart) -> list[int]:
    """The pattern of each row of a stacked chart: in order, the "none" answer (listed last) its own."""
    indexes, n = [], 0
    for position, _row in enumerate(chart.rows):
        if chart.totals and position == len(chart.rows) - 1:
            indexes.append(NONE_INDEX)
        else:
            indexes.append(n % len(PATTERNS))
            n += 1
    return indexes


def _stacked_cell(chart: Chart, level: int, indexes: list[int]) -> SafeString:
    base = chart.rows[0].cells[level].base if chart.rows else 0
    if not base:
        return _not_applicable()
    parts = []
    if chart.totals:
        total = chart.totals[level]
        parts.append(format_html('<strong class="summary-total">{}</strong> <span class="summary-pct">{}</span>',
                                 _of(total.count, total.base), _share(total.percent)))
    parts.append(stacked_bar([(row.cells[level].count, index) for row, index in zip(chart.rows, indexes,
                                                                                     strict=True)], base))
    parts.append(format_html('<ul class="summary-values">{}</ul>', format_html_join(
        "", '<li>{} <span class="visually-hidden">{}:</span> {}</li>',
        ((swatch(index), row.label, _figure(row.cells[level])) for row, index in zip(chart.rows, indexes,
                                                                                      strict=True)))))
    return mark_safe("".join(parts))  # noqa: S308 - each built with format_html


def _stacked_previous(chart: Chart, indexes: list[int]) -> SafeString:
    if not any(row.previous for row in chart.rows):
        return _previous(None, "")
    parts = []
    if chart.totals and chart.previous_total:
        count, base = chart.previous_total
        parts.append(format_html('<strong class="summary-total">{}</strong> <span class="summary-change">{}</span>',
                                 _percent_text(percent(count, base)), chart.change))
        parts.append(_extra(_of(count, base)))
    items = []
    for row, index in zip(chart.rows, indexes, strict=True):
        if row.previous and row.previous[1]:
            items.append(format_html('<li>{} <span class="visually-hidden">{}:</span> {} '
                                     '<span class="summary-change">{}</span></li>', swatch(index), row.label,
                                     _percent_text(row.previous_percent), row.change))
    parts.append(format_html('<ul class="summary-values">{}</ul>', mark_safe("".join(items))))  # noqa: S308
    return mark_safe("".join(parts))  # noqa: S308 - each built with format_html


def _stacked_row(chart: Chart, labels: list[str], with_previous: bool) -> SafeString:
    indexes = _indexes(chart)
    headline = ""
    if chart.totals and chart.totals[0].base:
        total = chart.totals[0]
        headline = format_html('<span class="summary-headline">{}: {} {}</span>', chart.headline,
                               _of(total.count, total.base), _share(total.percent))
    legend = format_html_join("", "<li>{} {}</li>", ((swatch(index), row.label)
                                                     for row, index in zip(chart.rows, indexes, strict=True)))
    cells = [_td(labels[level], _stacked_cell(chart, level, indexes)) for level in range(3)]
    if with_previous:
        cells.append(_td(labels[3], _stacked_previous(chart, indexes)))
    return format_html('<tr class="summary-stacked"><th scope="row" class="fw-normal">{}{}'
                       '<ul class="summary-legend" aria-hidden="true">{}</ul></th>{}</tr>',
                       chart.label, headline, legend, mark_safe("".join(cells)))  # noqa: S308


def _block(number: int, block: Block, labels: list[str], with_previous: bool) -> SafeString:
    rows = "".join(_stacked_row(chart, labels, with_previous) if chart.stacked
                   else "".join(_bar_row(row, labels, with_previous) for row in chart.rows)
                   for chart in block.charts)
    head = "".join(format_html('<th scope="col">{}</th>', label) for label in labels)
    caption = _("%(title)s: per question the number and percentage of the platforms it applies to, per level") % {
        "title": block.title}
    return format_html(
        '<section class="mb-4 summary-block" aria-labelledby="block-{}"><h2 class="h5" id="block-{}">{}</h2>'
        '<div class="summary-scroll"><table class="table table-sm align-middle summary-table">'
        '<caption class="visually-hidden">{}</caption>'
        '<thead><tr><th scope="col">{}</th>{}</tr></thead><tbody>{}</tbody></table></div></section>',
        number, number, block.title, caption, _("Question"), mark_safe(head), mark_safe(rows))  # noqa: S308


def blocks_html(blocks: list[Block], *, previous_title: str = "") -> SafeString:
    """The summary's blocks: per block a table of its charts, with the earlier round's column when there is one."""
    if not blocks:
        return format_html('<p class="alert alert-info" role="note">{}</p>',
                           _("This round's questionnaire has no questions yet: there is nothing to count."))
    labels = [_("All platforms"), _("Primary"), _("Secondary")]
    if previous_title:
        labels.append(_("Earlier: %(title)s") % {"title": previous_title})
    body = "".join(_block(number, block, labels, bool(previous_title)) for number, block in enumerate(blocks, 1))
    return mark_safe(pattern_defs() + body)  # noqa: S308 - built with format_html
