"""The admin's platform import in Chromium: a refused file shows each error with its value, the corrected file is
sent again from the same page, the preview says what follows, and the import is confirmed."""

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from platforms.models import Platform
from rounds.models import RoundPlatform
from tests.factories import ReportingRoundFactory

from .conftest import ARTIFACTS, DEMO_PASSWORD, axe_violations, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _file(rows: list[list[str]]) -> dict:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["code", "naam", "niveau", "regio"])
    writer.writerows(rows)
    return {"name": "platformen.csv", "mimeType": "text/csv", "buffer": out.getvalue().encode("utf-8-sig")}


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"import_journey_{name}.png", full_page=True)


def test_admin_corrects_a_refused_file_sees_what_follows_and_imports(page: Page, demo):
    today = timezone.localdate()
    waiting = ReportingRoundFactory(slug="najaar", title="Bevraging najaar", opens_on=today + datetime.timedelta(7),
                                    deadline=today + datetime.timedelta(40))
    log_in(page, "admin", DEMO_PASSWORD)
    page.goto("/platforms/import/")
    expect(page.locator("a[href='/platforms/import/template.xlsx']")).to_have_count(1)

    page.locator("input[name=what][value=platforms]").check()
    page.locator("input[type=file]").set_input_files(_file([["nieuw-bao", "LOP Nieuwegem", "middelbaar", "Nieuwegem"]]))
    page.locator("main form button[type=submit]").click()

    errors = page.locator("#import-errors")
    expect(errors).to_be_visible()
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody tr td").nth(1)).to_have_text("niveau")
    expect(errors.locator("tbody tr td").nth(2)).to_contain_text("middelbaar")
    expect(page.locator("input[name=what][value=platforms]")).to_be_checked()
    assert axe_violations(page) == ""
    _shot(page, "1_refused")

    # Corrected, and sent from the same page: only the file is chosen again.
    page.locator("input[type=file]").set_input_files(_file([["nieuw-bao", "LOP Nieuwegem", "basis", "Nieuwegem"]]))
    page.locator("main form button[type=submit]").click()

    follows = page.locator("section[aria-labelledby=follows-heading]")
    expect(follows).to_be_visible()
    expect(follows.locator("a[href='/people/invite/']")).to_have_count(1)
    expect(follows).to_contain_text(waiting.title)
    expect(follows.locator("a[href='/rounds/open-demo/platforms/']")).to_have_count(1)  # running: not asked
    expect(page.locator("tbody")).to_contain_text("nieuw-bao – LOP Nieuwegem")
    assert axe_violations(page) == ""
    _shot(page, "2_preview")

    page.get_by_role("button", name="Inlezen", exact=True).click()

    expect(page).to_have_url(re.compile(r"/platforms/$"))
    expect(page.locator(".alert-success")).to_contain_text("platformen.csv")
    _shot(page, "3_imported")
    new = Platform.objects.get(code="nieuw-bao")
    assert list(RoundPlatform.objects.filter(platform=new).values_list("round__slug", flat=True)) == [waiting.slug]
