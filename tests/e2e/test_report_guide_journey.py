"""The report form guides the coordinator (issue #13), in Chromium on a desktop (1366×900) and a phone
(390×844): section navigation, progress that moves while answering, follow-up questions hidden or
answered live, the actions in reach, a save that returns to where one was, and the overview to confirm
before submitting. Each test saves a screenshot; axe checks the page with the navigation and the dialog."""

import re

import pytest
from playwright.sync_api import Page, expect

from rounds.models import Report
from tests.questionnaire_factories import give_questionnaire, question, section

from .conftest import axe_violations, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

THEMES = ["laptops", "reaching-all-pupils", "family-support", "summer-schools-reading"]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _open_report(page: Page, coordinator, platform, round) -> None:
    log_in(page, coordinator.username)
    page.goto(f"/rounds/{round.slug}/platforms/{platform.code}/report/")
    expect(page.get_by_role("heading", level=1, name=platform.name)).to_be_visible()


def _no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page is {width[0]} px wide in a window of {width[1]}"


def _small_targets(page: Page, selector: str) -> list[str]:
    """The visible elements matching the selector whose box is under 44 × 44 px."""
    small = []
    for element in page.locator(selector).all():
        if not element.is_visible():
            continue
        box = element.bounding_box()
        if box["width"] < 44 or box["height"] < 44:
            small.append(f"{element.evaluate('e => e.outerHTML.slice(0, 80)')}: {box['width']:.0f}×{box['height']:.0f}")
    return small


def _answer_everything(page: Page) -> None:
    page.check("#id_registration_procedure_used_0")
    page.check("#id_application_period_adjusted_0")
    page.check("#id_enrolment_period_adjusted_1")
    page.check("#id_free_enrolment_period_adjusted_1")
    page.check("#id_newcomers_2")
    page.check("#id_preschool_1")
    page.check("#id_excluded_pupils_0")
    for slug in THEMES:
        page.check(f"#id_theme-{slug}-discussed_0")
        for key in ("agreements", "actions", "exchange", "informed"):
            page.check(f"#id_theme-{slug}-{key}_1")


def test_desktop_navigation_live_progress_implied_answers_and_save_returns_there(page: Page, coordinator, platform,
                                                                                 open_round, screenshot):
    page.set_viewport_size(DESKTOP)
    _open_report(page, coordinator, platform, open_round)
    _no_horizontal_scroll(page)
    progress = page.locator("#progress")
    expect(progress).to_have_text("0 van de 27 vragen beantwoord")

    # The navigation sits beside the form and stays there while scrolling.
    nav = page.get_by_role("navigation", name=re.compile("."), include_hidden=False).filter(
        has=page.locator(".lop-nav-side"))
    link = nav.locator(".lop-nav-side a[href='#section-themes-family-support']")
    expect(link).to_be_visible()
    expect(link).to_contain_text(re.compile(r"0\D+5"))  # "0 van 5 beantwoord"
    link.click()
    expect(page).to_have_url(re.compile("#section-themes-family-support$"))
    top = page.locator("#section-themes-family-support").bounding_box()["y"]
    assert 0 <= top < 100, top
    expect(link).to_be_in_viewport()  # sticky
    expect(link).to_have_attribute("aria-current", "location")
    actions = page.locator("#report-actions")
    expect(actions).to_be_in_viewport()  # the actions stay in reach
    assert actions.bounding_box()["y"] + actions.bounding_box()["height"] <= DESKTOP["height"] + 1

    # The counters move while answering, overall and per section.
    page.check("#id_theme-family-support-discussed_0")
    expect(progress).to_have_text("1 van de 27 vragen beantwoord")
    expect(link).to_contain_text(re.compile(r"1\D+5"))
    expect(page.locator("#progress-bar")).to_have_attribute("value", "1")

    # "Not discussed": the other answers of the theme follow from it, shown as such and not to be changed.
    page.check("#id_theme-family-support-discussed_1")
    agreements = page.locator("#div_id_theme-family-support-agreements")
    expect(agreements.locator(".lop-implied")).to_contain_text("Kwam dit thema ter sprake in het LOP?")
    expect(page.locator("#id_theme-family-support-agreements_1")).to_be_checked()
    expect(page.locator("#id_theme-family-support-agreements_1")).to_be_disabled()
    expect(progress).to_have_text("5 van de 27 vragen beantwoord")
    expect(link).to_contain_text(re.compile(r"5\D+5"))
    # Taken back: the question is asked again, with what was chosen before (nothing).
    page.check("#id_theme-family-support-discussed_0")
    expect(page.locator("#id_theme-family-support-agreements_1")).to_be_enabled()
    expect(page.locator("#id_theme-family-support-agreements_1")).not_to_be_checked()
    expect(agreements.locator(".lop-implied")).to_have_count(0)
    page.check("#id_theme-family-support-discussed_1")
    assert not (report := axe_violations(page)), report

    # Saving returns to the section the coordinator was at, with the server's count equal to the script's.
    page.locator("#report-actions button[name=save]").click()
    expect(page.locator(".alert-success[role=status]")).to_be_visible()
    expect(page).to_have_url(re.compile("#section-themes-family-support$"))
    expect(page.locator("#section-themes-family-support")).to_be_in_viewport()
    expect(progress).to_have_text("5 van de 27 vragen beantwoord")
    assert page.locator("#section-themes-family-support").bounding_box()["y"] < DESKTOP["height"] / 2
    server = page.evaluate("document.getElementById('progress').textContent")  # recounted by the script at load
    assert server == "5 van de 27 vragen beantwoord"
    answers = {a.question.key: a.value for a in Report.objects.get().answers.select_related("question")}
    assert answers == {"discussed": "no", "agreements": "no", "actions": "no", "exchange": "no", "informed": "no"}
    screenshot(page)


def test_submit_shows_the_overview_and_confirming_submits(page: Page, coordinator, platform, open_round, screenshot):
    page.set_viewport_size(DESKTOP)
    _open_report(page, coordinator, platform, open_round)
    # The initiatives come before the actions, with a button that saves first.
    submit = page.locator("#report-actions button[name=submit]")
    assert page.evaluate("""() => document.getElementById('initiatives').compareDocumentPosition(
        document.getElementById('report-actions')) & Node.DOCUMENT_POSITION_FOLLOWING""")
    page.locator("footer").scroll_into_view_if_needed()  # at the end of the page: the initiatives above the actions
    assert page.locator("#initiatives").bounding_box()["y"] < submit.bounding_box()["y"]
    expect(page.locator("#initiatives button[name=add_initiative]")).to_be_visible()
    _answer_everything(page)
    expect(page.locator("#progress")).to_have_text("27 van de 27 vragen beantwoord")
    submit.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("27 van de 27 vragen beantwoord")
    expect(dialog.locator("[data-overview=initiatives]")).to_contain_text(re.compile(r"^0 initiati"))
    expect(page.locator("#confirm-submit")).to_be_focused()
    assert not (report := axe_violations(page)), report
    screenshot(page)
    # "Terug naar het formulier" closes it, nothing sent.
    page.locator("#close-submit-dialog").click()
    expect(dialog).to_be_hidden()
    assert not Report.objects.exists()
    submit.click()
    page.locator("#confirm-submit").click()
    expect(page.locator(".alert-success[role=status]")).to_be_visible()
    expect(page.locator("dl.lop-facts .badge")).to_have_text("Ingediend")
    assert Report.objects.get().status == "submitted"


def test_a_condition_hides_a_follow_up_question_live(page: Page, coordinator, platform, open_round):
    give_questionnaire(open_round, [section("work", [
        question("works", "Werkt het LOP samen met steden?"),
        question("cities", "Met welke steden?", kind="text", relevant="${works} = 'yes'"),
        question("why_not", "Waarom niet?", kind="text", required=False, relevant="${works} = 'no'"),
    ])])
    page.set_viewport_size(DESKTOP)
    _open_report(page, coordinator, platform, open_round)
    cities, why_not = page.locator("#div_id_cities"), page.locator("#div_id_why_not")
    expect(cities).to_be_hidden()
    expect(why_not).to_be_hidden()
    expect(page.locator("#progress")).to_have_text("0 van de 1 vragen beantwoord")
    page.check("#id_works_0")  # Ja
    expect(cities).to_be_visible()
    expect(page.locator("#progress")).to_have_text("1 van de 2 vragen beantwoord")
    page.fill("#id_cities", "Gent")
    expect(page.locator("#progress")).to_have_text("2 van de 2 vragen beantwoord")
    page.check("#id_works_1")  # Nee
    expect(cities).to_be_hidden()
    expect(why_not).to_be_visible()
    expect(page.locator("#progress")).to_have_text("1 van de 2 vragen beantwoord")
    page.locator("#report-actions button[name=save]").click()
    expect(page.locator(".alert-success[role=status]")).to_be_visible()
    answers = {a.question.key: a.value for a in Report.objects.get().answers.select_related("question")}
    assert answers == {"works": "no"}  # the hidden answer is not kept
    expect(page.locator("#progress")).to_have_text("1 van de 2 vragen beantwoord")


def test_phone_compact_navigation_big_targets_and_actions_in_reach(page: Page, coordinator, platform, open_round,
                                                                   screenshot):
    _open_report(page, coordinator, platform, open_round)  # logged in on a wide window: the menu is folded on a phone
    page.set_viewport_size(PHONE)
    page.reload()
    _no_horizontal_scroll(page)
    expect(page.locator(".lop-nav-side")).to_be_hidden()
    compact = page.locator(".lop-nav-compact")
    expect(compact).to_be_visible()
    assert compact.bounding_box()["height"] < 100  # folded, not a 900 px list
    compact.locator("summary").click()
    link = compact.locator("a[href='#section-excluded_arrangements']")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile("#section-excluded_arrangements$"))
    expect(page.locator("#section-excluded_arrangements")).to_be_in_viewport()
    expect(link).to_be_hidden()  # the list folds again after a jump

    small = _small_targets(page, "#report-form .form-check-label, #report-form .btn, .lop-nav-compact summary")
    assert not small, "\n".join(small)
    actions = page.locator("#report-actions")
    expect(actions).to_be_in_viewport()
    box = actions.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"] + 1 and box["height"] < 200
    page.locator("label[for=id_excluded_pupils_1]").click()  # the label is the target
    expect(page.locator("#id_excluded_pupils_1")).to_be_checked()
    expect(page.locator("#progress")).to_have_text("1 van de 27 vragen beantwoord")
    _no_horizontal_scroll(page)
    assert not (report := axe_violations(page)), report
    compact.locator("summary").click()
    assert not (report := axe_violations(page)), report  # with the list open
    screenshot(page)
