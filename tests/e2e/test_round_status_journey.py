"""The ministry follows a round: sorts and filters its platforms, downloads them, opens the platforms behind a
figure and downloads those, and reads a report's answers beside the return form. Screenshots at each step."""

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from platforms.models import Platform
from rounds.models import Reminder, Report, ReportingRound

from .conftest import DEMO_PASSWORD, _artifact, axe_violations, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

OPEN = "/rounds/open-demo"


def _read(download) -> bytes:
    with open(download.path(), "rb") as f:
        return f.read()


def _shot(request, page: Page, name: str) -> None:
    page.screenshot(path=_artifact(request, f"-{name}.png"), full_page=True)


def _no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


@pytest.fixture
def progress(demo):
    """In the open round of the demo: three reports submitted on three days, two drafts, two reminders."""
    round = ReportingRound.objects.get(slug="open-demo")
    codes = list(Platform.objects.filter(round_platforms__round=round, level="basis")
                 .order_by("name").values_list("code", flat=True)[:5])
    now = timezone.now()
    for days, code in enumerate(codes[:3]):
        Report.objects.create(round=round, platform=Platform.objects.get(code=code), status="submitted",
                              submitted_at=now - datetime.timedelta(days=days), version=1)
    for code in codes[3:]:
        Report.objects.create(round=round, platform=Platform.objects.get(code=code), status="draft", version=1)
        Reminder.objects.create(round=round, platform=Platform.objects.get(code=code), sent_on=timezone.localdate(),
                                sent_at=now, recipients="coordinator@example.be")
    return codes


def test_ministry_sorts_filters_and_downloads_the_round_and_a_drilldown(request, page: Page, progress):
    log_in(page, "ministerie", DEMO_PASSWORD)
    page.goto(f"{OPEN}/")
    table = page.locator("main table")
    expect(table.locator("tbody tr")).to_have_count(70)
    expect(page.locator("#status-count")).to_have_text(re.compile(r"^70 (van|of) 70 platfor"))

    # Filter: the submitted reports of basis platforms.
    page.locator("#id_status").select_option("submitted")
    page.locator("#id_level").select_option("basis")
    page.get_by_role("button", name="Filteren").click()
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(page.locator("#status-count")).to_have_text(re.compile(r"^3 (van|of) 70 platfor"))

    # Sort by the submitted date: a click sorts ascending (the oldest first), a second click descending.
    header = table.locator("thead th").nth(3)  # the submitted date
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    expect(table.locator("tbody tr").first).to_contain_text(Platform.objects.get(code=progress[2]).name)
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(table.locator("tbody tr").first).to_contain_text(Platform.objects.get(code=progress[0]).name)
    expect(table.locator("tbody tr").nth(2)).to_contain_text(Platform.objects.get(code=progress[2]).name)
    expect(page.locator("#id_status")).to_have_value("submitted")  # the filter survived the sort
    assert axe_violations(page) == ""
    _shot(request, page, "round-status")

    # The CSV has the page's rows in the page's order.
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV", exact=True).click()
    rows = list(csv.reader(io.StringIO(_read(info.value).decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == progress[:3]
    assert info.value.suggested_filename == "open-demo-status.csv"

    # The reminded drafts, by last reminder.
    page.locator("#id_status").select_option("draft")
    page.locator("#id_level").select_option("")
    page.locator("#id_reminder").select_option("sent")
    page.get_by_role("button", name="Filteren").click()
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").first).to_contain_text(timezone.localdate().strftime("%d/%m/%Y"))

    # On a phone the table scrolls inside its box; the page itself does not widen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{OPEN}/")
    _no_horizontal_scroll(page)
    _shot(request, page, "round-status-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    # A drill-down of the closed round names its round, question, value and base, and downloads.
    page.goto("/rounds/corona-2020/summary/platforms/?question=newcomers&value=adjusted")
    expect(page.get_by_role("heading", level=1)).to_contain_text("nieuwkomers")
    expect(page.locator("main")).to_contain_text("Coronamaatregelen voorjaar 2020")
    count = page.locator("main table tbody tr").count()
    expect(page.locator("#drill-count")).to_contain_text(re.compile(rf"^{count} .*\b70\b"))
    assert axe_violations(page) == ""
    _shot(request, page, "drilldown")
    with page.expect_download() as info:
        page.get_by_role("link", name="XLSX", exact=True).click()
    sheet = load_workbook(io.BytesIO(_read(info.value))).worksheets[0]
    assert sheet.max_row == count + 1
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV", exact=True).click()
    assert len(list(csv.reader(io.StringIO(_read(info.value).decode("utf-8-sig"))))) == count + 1


def test_the_return_form_shows_the_answers_beside_the_comment(request, page: Page, progress):
    """The demo's Ukrainian round has drafts with answers; one submitted is returned with the answers in view."""
    report = Report.objects.filter(round__slug="oekraine-2022", answers__isnull=False).distinct().first()
    Report.objects.filter(pk=report.pk).update(status="submitted", submitted_at=timezone.now())
    log_in(page, "ministerie", DEMO_PASSWORD)
    page.goto(f"/rounds/oekraine-2022/platforms/{report.platform.code}/report/return/")
    answers = page.locator("main .col-lg-7")
    comment = page.get_by_label("Opmerking voor de coördinatoren")
    expect(answers.locator("section.card").first).to_be_visible()
    expect(comment).to_be_visible()
    # Side by side on a wide screen: the comment's column starts right of the answers.
    assert comment.bounding_box()["x"] > answers.bounding_box()["x"] + answers.bounding_box()["width"] - 1
    assert axe_violations(page) == ""
    _shot(request, page, "return-form")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    _no_horizontal_scroll(page)
    assert comment.bounding_box()["y"] > answers.bounding_box()["y"]  # stacked: answers, then the comment
    expect(page.locator('main a[href="#return-comment"]')).to_be_visible()
    _shot(request, page, "return-form-phone")
    comment.fill("Graag het aantal leerlingen nakijken.")
    page.get_by_role("button", name="Terugsturen naar de coördinatoren").click()
    expect(page.get_by_role("status")).to_be_visible()
    report.refresh_from_db()
    assert report.status == "returned"
