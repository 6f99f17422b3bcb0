"""An admin invites a coordinator with the platform picker: searches, sees the list and its count follow, picks two
platforms and submits; on a desktop and on a phone, with axe's audit of the picker."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from platforms.models import Platform

from .conftest import DEMO_PASSWORD, axe_violations, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# The count's text before and after the lead's translation: "12 van 70 platformen".
COUNT = r"^{shown} (van|of) {total} platform"


def _count(shown: int, total: int):
    return re.compile(COUNT.format(shown=shown, total=total))


def test_admin_finds_and_picks_two_platforms_and_invites_their_coordinator(page: Page, demo, screenshot):
    total = Platform.objects.filter(is_active=True).count()
    gent = Platform.objects.filter(code__in=["gent-bao", "gent-so"]).order_by("level")
    log_in(page, "admin", DEMO_PASSWORD)
    page.goto("/people/invite/")

    search = page.get_by_role("searchbox", name=re.compile("platform", re.IGNORECASE))
    count = page.locator("[data-picker-count]")
    options = page.locator("[data-picker-option]")
    expect(count).to_have_text(_count(total, total))
    expect(options.locator("visible=true")).to_have_count(total)
    # The label names the coordinator: coordinator2 (Youssef El Amrani) coordinates LOP Basisonderwijs Gent.
    expect(page.get_by_label("LOP Basisonderwijs Gent")).to_be_visible()
    expect(page.locator("label", has_text="LOP Basisonderwijs Gent")).to_contain_text("Youssef El Amrani")

    # Typing filters as one types: by a coordinator's name, then by the place; Enter does not submit the form.
    search.fill("el amrani")
    expect(count).to_have_text(_count(1, total))
    expect(options.locator("visible=true")).to_have_count(1)
    search.fill("gent")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/people/invite/$"))
    visible = options.locator("visible=true")
    shown = visible.count()
    assert 2 <= shown < total
    expect(count).to_have_text(_count(shown, total))
    for text in visible.all_inner_texts():
        assert "gent" in text.lower()
    assert not axe_violations(page), axe_violations(page)  # the picker with its tools, filtered

    for platform in gent:
        page.get_by_label(platform.name).check()
    page.get_by_label(re.compile("^(Enkel de gekozen platformen tonen|Show only the chosen)")).check()
    search.fill("")
    expect(options.locator("visible=true")).to_have_count(2)  # the chosen ones, whatever the search
    expect(count).to_have_text(_count(2, total))
    desktop = screenshot(page)

    page.set_viewport_size({"width": 390, "height": 844})
    box = page.get_by_label("LOP Basisonderwijs Gent").locator("xpath=..").bounding_box()
    assert box["height"] >= 44  # one row per platform, a finger's target
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing widens the page
    page.screenshot(path=desktop.with_name(desktop.stem + "-phone.png"), full_page=True)
    assert not axe_violations(page), axe_violations(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Gebruikersnaam").fill("lies.peeters")
    page.get_by_label("E-mailadres").fill("lies.peeters@example.be")
    page.get_by_label("Voornaam").fill("Lies")
    page.get_by_label("Achternaam").fill("Peeters")
    page.locator("input[name=role][value=coordinator]").check()
    page.get_by_role("button", name="Aanmaken en uitnodiging versturen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lies Peeters")

    person = User.objects.get(username="lies.peeters")
    assert set(person.coordinated_platforms.all()) == set(gent)
    for platform in gent:
        expect(page.get_by_role("main").get_by_role("link", name=platform.name, exact=True)).to_be_visible()


def test_picker_without_javascript_is_plain_checkboxes_that_still_submit(browser, live_server, demo):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="nl-BE")
    page = context.new_page()
    try:
        log_in(page, "admin", DEMO_PASSWORD)
        page.goto("/people/invite/")
        expect(page.locator(".lop-picker-tools")).to_be_hidden()  # a search that could not work is not shown
        expect(page.locator("[data-picker-option]").locator("visible=true")).to_have_count(
            Platform.objects.filter(is_active=True).count())
        page.get_by_label("Gebruikersnaam").fill("jo.maes")
        page.get_by_label("E-mailadres").fill("jo.maes@example.be")
        page.get_by_label("Voornaam").fill("Jo")
        page.get_by_label("Achternaam").fill("Maes")
        page.locator("input[name=role][value=coordinator]").check()
        page.get_by_label("LOP Secundair Onderwijs Aalst").check()
        page.get_by_role("button", name="Aanmaken en uitnodiging versturen").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Jo Maes")
        assert [p.code for p in User.objects.get(username="jo.maes").coordinated_platforms.all()] == ["aalst-so"]
    finally:
        context.close()
