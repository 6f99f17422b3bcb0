"""The three journeys of the issue, in a real browser: a coordinator reports, the ministry reads and
downloads, an admin invites a coordinator who then logs in. Each saves a screenshot of its last page."""

import csv
import io
import re

import pytest
from docx import Document
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from accounts.models import Role
from initiatives.models import Initiative
from rounds.models import Answer, Report
from tests.factories import PlatformFactory, UserFactory

from .conftest import DEMO_PASSWORD, axe_violations, log_in, log_out

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

THEMES = ["laptops", "reaching-all-pupils", "family-support", "summer-schools-reading"]


def test_coordinator_fills_in_and_submits_a_report_with_an_initiative(page: Page, coordinator, platform, open_round,
                                                                         screenshot):
    log_in(page, coordinator.username)
    expect(page.get_by_role("heading", name="Mijn rapporten")).to_be_visible()
    page.get_by_role("link", name=platform.name).first.click()
    expect(page.get_by_role("heading", level=1, name=platform.name)).to_be_visible()

    # Registrations, then the decretal tasks, then every theme.
    page.check("#id_registration_procedure_used_0")  # Ja
    page.check("#id_application_period_adjusted_0")
    page.check("#id_enrolment_period_adjusted_1")  # Nee
    page.check("#id_free_enrolment_period_adjusted_1")
    page.fill("#id_registrations_note", "Aanmeldperiode met een week verlengd.")
    page.check("#id_newcomers_2")  # aangepast
    page.fill("#id_newcomers_note", "Onthaal per telefoon.")
    page.check("#id_preschool_1")  # ongewijzigd
    page.check("#id_excluded_pupils_0")  # geen
    for slug in THEMES:
        page.check(f"#id_theme-{slug}-discussed_0")
        page.check(f"#id_theme-{slug}-agreements_1")
        page.check(f"#id_theme-{slug}-actions_0")
        page.check(f"#id_theme-{slug}-exchange_0")
        page.check(f"#id_theme-{slug}-informed_1")
    page.locator("#report-actions button[name=save]").click()
    expect(page.locator(".alert-success[role=status]")).to_be_visible()
    expect(page.locator("#progress")).to_have_text("27 van de 27 vragen beantwoord")

    # An initiative, while the report is still a draft (the button saves the answers first).
    page.locator("button[name=add_initiative]").click()
    page.get_by_label("Titel").fill("Huiswerkklas in de bibliotheek")
    page.get_by_label("Beschrijving").fill("Twee keer per week huiswerkbegeleiding, met vrijwilligers.")
    page.get_by_label("Soort").select_option("homework_support")
    page.get_by_label("Leerlingen met een lage SES").check()
    page.locator("input[name=asked_of]").first.check()
    page.get_by_label("Begindatum").fill("2020-04-20")
    page.get_by_role("button", name="Opslaan", exact=True).click()
    expect(page.locator(".alert-success[role=status]")).to_have_text("Het initiatief is toegevoegd.")
    initiatives = page.locator("#initiatives")
    expect(initiatives.get_by_role("link", name="Huiswerkklas in de bibliotheek", exact=True)).to_be_visible()

    # Submitting shows the overview first: every question answered, the one initiative; then confirm.
    page.locator("button[name=submit]").click()
    expect(page.get_by_role("dialog")).to_contain_text("27 van de 27 vragen beantwoord")
    expect(page.get_by_role("dialog").locator("[data-overview=initiatives]")).to_contain_text("1")
    page.locator("#confirm-submit").click()
    expect(page.locator(".alert-success[role=status]")).to_be_visible()
    expect(page.locator("dl.lop-facts .badge")).to_have_text("Ingediend")
    expect(page.locator("button[name=submit]")).to_have_count(0)  # read-only now

    report = Report.objects.get(round=open_round, platform=platform)
    assert report.status == "submitted" and report.submitted_by == coordinator
    answers = {(a.theme.slug if a.theme else None, a.question.key): a.value
               for a in Answer.objects.filter(report=report).select_related("question", "theme")}
    assert answers[None, "newcomers"] == "adjusted" and answers[None, "enrolment_period_adjusted"] == "no"
    assert all([answers[slug, key] for key in ("discussed", "actions", "agreements")] == ["yes", "yes", "no"]
               for slug in THEMES)
    assert Initiative.objects.get(report=report).title == "Huiswerkklas in de bibliotheek"
    screenshot(page)


def test_ministry_reads_the_summary_and_downloads_the_files(page: Page, demo, screenshot):
    log_in(page, "ministerie", DEMO_PASSWORD)
    card = page.locator("section.card", has=page.get_by_role("heading", name="Coronamaatregelen voorjaar 2020"))
    card.get_by_role("link", name="Samenvatting").click()
    # The title, then the round's state as a badge (its deadline has passed in the demo).
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Samenvatting: Coronamaatregelen voorjaar 2020\s+Deadline verstreken\s*$"))
    expect(page.get_by_text("Ingediend: 70 van de 70 platformen")).to_be_visible()

    # Drill down: a figure links to the platforms behind it, as many as it says.
    figure = page.locator("main section table tbody td a").first
    count = int(re.match(r"(\d+) van", figure.inner_text()).group(1))
    figure.click()
    expect(page.get_by_role("navigation", name="Kruimelpad")).to_contain_text("Platformen achter een cijfer")
    expect(page.locator("main table tbody tr")).to_have_count(count)
    page.go_back()

    with page.expect_download() as info:
        page.get_by_role("link", name="Rapporten (CSV)").click()
    rows = list(csv.reader(io.StringIO(_read(info.value).decode("utf-8-sig"))))
    assert rows[0][0] == "platform_code"
    assert len(rows) == 71  # a header and a row per platform

    with page.expect_download() as info:
        page.get_by_role("link", name="Rapporten (Excel)").click()
    sheet = load_workbook(io.BytesIO(_read(info.value)), read_only=True).active
    assert next(sheet.iter_rows(values_only=True))[0] == "platform_code"

    tabs = page.get_by_role("navigation", name="Pagina's van de samenvatting")
    tabs.get_by_role("link", name="Antwoordtekst").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Antwoordtekst")
    with page.expect_download() as info:
        page.get_by_role("link", name="Downloaden als Word-document").click()
    assert info.value.suggested_filename.endswith(".docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(_read(info.value))).paragraphs)
    assert "Coronamaatregelen voorjaar 2020" in text
    screenshot(page)


def test_admin_invites_a_coordinator_who_sets_a_password_and_logs_in(page: Page, live_server, settings, mailoutbox,
                                                                      screenshot):
    settings.SITE_URL = live_server.url  # the link in the mail leads to this server
    admin = UserFactory(username="beheerder", role=Role.ADMIN)
    platform = PlatformFactory(code="gent-bao", name="LOP Basisonderwijs Gent")

    log_in(page, admin.username)
    page.get_by_role("navigation", name="Hoofdnavigatie").get_by_role("link", name="Personen").click()
    page.get_by_role("link", name="Persoon uitnodigen").click()
    page.get_by_label("Gebruikersnaam").fill("lies.peeters")
    page.get_by_label("E-mailadres").fill("lies.peeters@example.be")
    page.get_by_label("Voornaam").fill("Lies")
    page.get_by_label("Achternaam").fill("Peeters")
    page.locator("input[name=role][value=coordinator]").check()
    page.get_by_label(platform.name).check()
    page.get_by_role("button", name="Aanmaken en uitnodiging versturen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lies Peeters")

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["lies.peeters@example.be"]
    link = re.search(rf"{re.escape(live_server.url)}/accounts/reset/\S+", mail.body).group(0)
    log_out(page)

    page.goto(link)  # Django moves the token out of the URL to the set-password form
    expect(page.get_by_role("heading", level=1)).to_have_text("Kies een nieuw wachtwoord")
    assert not axe_violations(page), axe_violations(page)  # the one page the anonymous audit cannot reach
    page.fill("#id_new_password1", "Schoolbel-Antwerpen-2026")
    page.fill("#id_new_password2", "Schoolbel-Antwerpen-2026")
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wachtwoord opgeslagen")

    page.get_by_role("link", name="Aanmelden").click()
    log_in(page, "lies.peeters", "Schoolbel-Antwerpen-2026")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Lies")
    expect(page.get_by_role("link", name=platform.name)).to_be_visible()
    screenshot(page)


def _read(download) -> bytes:
    with open(download.path(), "rb") as f:
        return f.read()


def test_admin_adds_a_question_and_sees_it_in_the_preview(page: Page, demo, screenshot):
    """An admin adds a several-of-a-list question with a condition to the open round, then previews the form."""
    log_in(page, "admin", DEMO_PASSWORD)
    page.goto("/rounds/open-demo/")
    page.get_by_role("link", name="Vragenlijst").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vragenlijst")
    page.goto("/rounds/open-demo/questionnaire/sections/newcomers_arrangements/questions/new/")
    page.locator("#id_key").fill("newcomers_support")
    page.locator("#id_label").fill("Welke steun kregen de scholen voor nieuwkomers?")
    page.locator("#id_kind").select_option("multiple")
    page.locator("#id_choices").fill("interpreters|Tolken\nreception_class|Een onthaalklas")
    page.locator("#id_relevant").fill("${newcomers} != 'none'")
    page.get_by_role("button", name="Opslaan", exact=True).click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.get_by_role("link", name="Bewerken Welke steun kregen de scholen voor nieuwkomers?")).to_be_visible()

    page.goto("/rounds/open-demo/questionnaire/preview/?level=secundair")
    question = page.locator("fieldset#div_id_newcomers_support")
    expect(question.get_by_label("Een onthaalklas")).to_be_visible()
    expect(question).to_contain_text("Afspraken over de toeleiding van anderstalige nieuwkomers")
    expect(page.locator("#div_id_preschool")).to_have_count(0)  # not asked of secundair platforms
    assert not axe_violations(page)
    screenshot(page)
