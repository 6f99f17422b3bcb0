"""A secundair coordinator adds an initiative to a report never saved before, submits the report, and then finds
the initiative pages read-only (issue #13). Screenshots of each step; axe finds nothing on the pages on the way."""

import re

import pytest
from playwright.sync_api import Page, expect

from initiatives.models import Initiative
from rounds.models import Report

from .conftest import ARTIFACTS, DEMO_PASSWORD, axe_violations, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

REPORT = "/rounds/open-demo/platforms/antwerpen-so"  # the demo coordinator's secundair platform
THEMES = ["laptops", "reaching-all-pupils", "family-support", "summer-schools-reading"]


def _fill_in_the_secundair_report(page: Page) -> None:
    """Every question a secundair platform is asked (no pre-school participation)."""
    page.check("#id_registration_procedure_used_0")  # Ja
    page.check("#id_application_period_adjusted_0")
    page.check("#id_enrolment_period_adjusted_1")  # Nee
    page.check("#id_free_enrolment_period_adjusted_1")
    page.check("#id_newcomers_2")  # aangepast
    page.check("#id_excluded_pupils_0")  # geen
    for slug in THEMES:
        page.check(f"#id_theme-{slug}-discussed_0")
        page.check(f"#id_theme-{slug}-agreements_1")
        page.check(f"#id_theme-{slug}-actions_0")
        page.check(f"#id_theme-{slug}-exchange_0")
        page.check(f"#id_theme-{slug}-informed_1")


def _step(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"initiative_journey-{name}.png", full_page=True)


def test_secundair_coordinator_adds_an_initiative_before_the_first_save_then_submits(page: Page, demo, screenshot):
    log_in(page, "coordinator", DEMO_PASSWORD)
    page.goto(f"{REPORT}/report/")
    expect(page.get_by_role("heading", level=1, name=re.compile("Antwerpen"))).to_be_visible()
    assert not Report.objects.filter(round__slug="open-demo", platform__code="antwerpen-so").exists()
    violations = []  # of the initiative pages (the report page has its own checks in test_accessibility.py)

    # The report was never saved: adding an initiative works, on this secundair platform too.
    # The page's own control: a link to the form, or a button saving what was typed first.
    page.locator("#initiatives").locator("button[name=add_initiative], a[href$='/initiatives/add/']").first.click()
    expect(page.get_by_role("heading", level=1, name="Initiatief toevoegen")).to_be_visible()
    expect(page.locator(".alert-danger")).to_have_count(0)
    violations.append(axe_violations(page))
    _step(page, "1-form")
    page.get_by_label("Titel").fill("Leerlingenbegeleiding na de lockdown")
    page.get_by_label("Beschrijving").fill("Wekelijkse gesprekken met leerlingen die afhaakten.")
    page.get_by_label("Soort").select_option("tutoring")
    page.get_by_label("Leerlingen met een lage SES").check()
    page.get_by_label("Begindatum").fill("2020-05-04")
    page.get_by_role("button", name="Opslaan", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Het initiatief is toegevoegd.")).to_be_visible()
    expect(page.locator(".alert-danger")).to_have_count(0)
    expect(page.locator("#initiatives").get_by_role(
        "link", name="Leerlingenbegeleiding na de lockdown", exact=True)).to_be_visible()
    report = Report.objects.get(round__slug="open-demo", platform__code="antwerpen-so")
    assert report.status == "draft" and not report.answers.exists()
    _step(page, "2-added")

    # Back on the report: every question answered, submitted (confirmed when the page asks to).
    _fill_in_the_secundair_report(page)
    page.locator("#report-actions button[name=submit], button[name=submit]").first.click()
    confirm = page.locator("button[name=confirm_submit]:visible")
    if confirm.count():
        confirm.first.click()
    expect(page.locator("dl.lop-facts .badge")).to_have_text("Ingediend")
    _step(page, "3-submitted")
    report.refresh_from_db()
    assert report.status == "submitted"
    initiative = Initiative.objects.get(report=report)

    # After submission: the add, edit and remove addresses show why, never a form.
    for url in (f"{REPORT}/initiatives/add/", f"{REPORT}/initiatives/{initiative.pk}/edit/",
                f"{REPORT}/initiatives/{initiative.pk}/delete/"):
        response = page.goto(url)
        assert response is not None and response.status == 200
        expect(page.locator("#read-only-reason")).to_contain_text("ingediend")
        expect(page.locator("main form, main input, main textarea, main select, main button")).to_have_count(0)
        violations.append(axe_violations(page))
    page.goto(f"{REPORT}/initiatives/add/")
    screenshot(page)
    page.get_by_role("link", name="Terug naar het rapport").click()
    expect(page).to_have_url(re.compile(r"/report/#initiatives$"))
    page.goto(f"{REPORT}/initiatives/{initiative.pk}/")
    expect(page.get_by_role("link", name="Bewerken")).to_have_count(0)
    expect(page.get_by_role("link", name="Verwijderen")).to_have_count(0)
    violations.append(axe_violations(page))
    assert Initiative.objects.get(pk=initiative.pk).title == "Leerlingenbegeleiding na de lockdown"
    assert not [v for v in violations if v], "\n".join(v for v in violations if v)
