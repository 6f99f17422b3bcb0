"""The ministry's summary in a real browser (issue #14): the charts on a desktop, on a phone (nothing widens
the page) and printed (no navigation, buttons or forms); axe finds nothing. Screenshots of each."""

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import DEMO_PASSWORD, axe_violations, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CLOSED = "/rounds/corona-2020/summary/"
OPEN = "/rounds/open-demo/summary/"


def test_the_summary_on_a_desktop(page: Page, demo, screenshot):
    log_in(page, "ministerie", DEMO_PASSWORD)
    page.goto(CLOSED)
    newcomers = page.locator("tr.summary-stacked", has_text="toeleiding van anderstalige nieuwkomers")
    # One row for the one-of-a-list question, its headline the answers other than "none".
    expect(newcomers).to_have_count(1)
    expect(newcomers.locator(".summary-headline")).to_have_text("Afspraken: 55 van de 70 (79%)")
    expect(newcomers.locator("svg.summary-bar-stacked")).to_have_count(3)
    # Every figure as text: count, base and percentage, per level.
    procedure = page.locator("tr", has=page.get_by_role(
        "rowheader", name="Maakte minstens één school in het LOP gebruik van een aanmeldingsprocedure?"))
    expect(procedure.locator("td").nth(1)).to_contain_text("26 van de 41")
    expect(procedure.locator("td").nth(1)).to_contain_text("63%")
    expect(procedure.locator("td").nth(2)).to_contain_text("12 van de 29")
    # A figure still leads to the platforms behind it.
    newcomers.locator("td").first.get_by_role("link", name="9 van de 70").click()
    expect(page).to_have_url(re.compile(r"/summary/platforms/\?question=newcomers&value=adjusted"))
    expect(page.locator("tbody tr")).to_have_count(9)
    page.go_back()
    assert axe_violations(page) == ""
    screenshot(page)


def test_the_summary_on_a_phone_does_not_widen_the_page(page: Page, demo, screenshot):
    log_in(page, "ministerie", DEMO_PASSWORD)  # on a desktop: on a phone the log-out button is in the menu
    page.set_viewport_size({"width": 390, "height": 844})
    for url in (CLOSED, OPEN):
        page.goto(url)
        expect(page.get_by_role("heading", level=2, name="Initiatieven")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
    # The level of each figure is named beside it, and its figures fit on the screen.
    page.goto(CLOSED)
    cell = page.locator("tr.summary-stacked td").first
    expect(cell).to_be_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('tr.summary-stacked td'), '::before').content"
                         ) == '"Alle platformen"'
    box = cell.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    for table in page.locator(".summary-scroll").all():
        assert table.evaluate("e => e.getBoundingClientRect().right") <= 390
    screenshot(page)


def test_the_summary_printed(page: Page, demo, screenshot):
    log_in(page, "ministerie", DEMO_PASSWORD)
    page.goto(CLOSED)
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Hoofdnavigatie")).to_be_hidden()
    expect(page.locator("main nav").first).to_be_hidden()
    expect(page.locator("main .btn").first).to_be_hidden()
    expect(page.locator("header")).to_be_hidden()
    # The charts and tables are printed, within A4's width (210 mm less the margins: about 700 CSS px).
    expect(page.locator("svg.summary-bar").first).to_be_visible()
    page.set_viewport_size({"width": 700, "height": 990})
    assert page.evaluate("document.documentElement.scrollWidth") <= 700
    assert page.evaluate("[...document.styleSheets].some(s => [...s.cssRules].some("
                         "r => r.cssText.includes('break-inside: avoid')))")
    screenshot(page)
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
