"""Nothing typed is lost (#13), in Chromium: the report form saves itself, survives an ended session and a dropped
connection, shows a stale save side by side, and warns before leaving with unsaved changes."""

import re

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import Page, expect

from rounds.models import Answer, Note, Report
from tests.factories import PASSWORD

from .conftest import axe_violations, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SAVED = re.compile(r"(Concept opgeslagen om|Draft saved at) \d\d:\d\d")
OFFLINE = re.compile(r"Niet opgeslagen: geen verbinding|Not saved: no connection")
EXPIRED = re.compile(r"Uw sessie is verlopen|Your session has expired")


def _report_url(round, platform) -> str:
    return f"/rounds/{round.slug}/platforms/{platform.code}/report/"


def _note() -> str:
    return Note.objects.get(report=Report.objects.get(), section__note_key="registrations_note").text


def test_leaving_mid_form_by_a_link_saves_first_and_the_answers_are_there_on_return(page: Page, coordinator, platform,
                                                                                     open_round, screenshot):
    log_in(page, coordinator.username)
    page.goto(_report_url(open_round, platform))
    page.check("#id_registration_procedure_used_0")
    page.fill("#id_registrations_note", "Getypt tussen twee vergaderingen")
    # Straight to another page (before the autosave's few seconds): the link waits for the save.
    page.locator("a.navbar-brand").click()
    expect(page).not_to_have_url(re.compile(r"/report/"))
    assert _note() == "Getypt tussen twee vergaderingen"
    page.goto(_report_url(open_round, platform))
    expect(page.locator("#id_registrations_note")).to_have_value("Getypt tussen twee vergaderingen")
    expect(page.locator("#id_registration_procedure_used_0")).to_be_checked()
    # And while typing, it saves itself a few seconds after the last change.
    page.fill("#id_newcomers_note", "Onthaal per telefoon.")
    expect(page.locator("#autosave-status")).to_have_text(SAVED, timeout=15_000)
    assert Note.objects.get(section__note_key="newcomers_note").text == "Onthaal per telefoon."
    assert (violations := axe_violations(page)) == "", violations  # with the status shown
    screenshot(page)


def test_an_ended_session_keeps_the_answers_until_logged_in_again(page: Page, coordinator, platform, open_round,
                                                                   screenshot):
    log_in(page, coordinator.username)
    page.goto(_report_url(open_round, platform))
    Session.objects.all().delete()  # the idle timeout ends the session while the coordinator types
    page.fill("#id_registrations_note", "Na de time-out getypt")
    page.check("#id_newcomers_2")
    status = page.locator("#autosave-status")
    expect(status).to_have_text(EXPIRED, timeout=15_000)
    assert not Report.objects.exists()
    screenshot(page)
    status.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Gebruikersnaam").fill(coordinator.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden", exact=True).click()
    expect(page).to_have_url(re.compile(r"/report/"))
    expect(page.locator("#id_registrations_note")).to_have_value("Na de time-out getypt")
    expect(page.locator("#id_newcomers_2")).to_be_checked()
    expect(page.locator("#autosave-restored-local")).to_be_visible()
    expect(status).to_have_text(SAVED, timeout=15_000)
    assert _note() == "Na de time-out getypt"
    assert Answer.objects.get(question__key="newcomers").value == "adjusted"


def test_a_dropped_connection_is_retried_until_it_is_back(page: Page, coordinator, platform, open_round, screenshot):
    log_in(page, coordinator.username)
    page.goto(_report_url(open_round, platform))
    page.context.set_offline(True)
    page.fill("#id_registrations_note", "Zonder verbinding getypt")
    status = page.locator("#autosave-status")
    expect(status).to_have_text(OFFLINE, timeout=15_000)
    assert not Report.objects.exists()
    screenshot(page)
    page.context.set_offline(False)
    expect(status).to_have_text(SAVED, timeout=15_000)
    assert _note() == "Zonder verbinding getypt"


def test_two_tabs_the_second_save_shows_the_merge_and_saves_with_the_choices(browser, live_server, page: Page,
                                                                             coordinator, other_coordinator,
                                                                             platform, open_round, screenshot):
    platform.coordinators.add(other_coordinator)
    log_in(page, coordinator.username)
    page.goto(_report_url(open_round, platform))
    other_context = browser.new_context(base_url=live_server.url, locale="nl-BE")
    other = other_context.new_page()
    log_in(other, other_coordinator.username)
    other.goto(_report_url(open_round, platform))
    # The colleague saves first.
    other.fill("#id_registrations_note", "Van de collega")
    other.check("#id_excluded_pupils_1")
    expect(other.locator("#autosave-status")).to_have_text(SAVED, timeout=15_000)
    other_context.close()
    # This tab still names the version it loaded: its autosave is refused and shows both answers.
    page.fill("#id_registrations_note", "Van mij")
    page.check("#id_newcomers_2")
    merge = page.locator("#report-merge")
    expect(merge).to_be_visible(timeout=15_000)
    expect(merge).to_contain_text("Van de collega")
    expect(merge).to_contain_text("Van mij")
    expect(page.locator("#id_excluded_pupils_1")).to_be_checked()  # untouched here: the colleague's answer
    assert (violations := axe_violations(page)) == "", violations  # with the merge shown
    screenshot(page)
    assert _note() == "Van de collega"  # never overwritten
    merge.locator("input[name='merge-registrations_note'][value=theirs]").check()
    merge.locator("[data-merge-apply]").click()
    expect(page.locator("#autosave-status")).to_have_text(SAVED, timeout=15_000)
    expect(merge).to_have_count(0)
    expect(page.locator("#id_registrations_note")).to_have_value("Van de collega")
    assert _note() == "Van de collega"
    assert Answer.objects.get(question__key="newcomers").value == "adjusted"  # mine, kept
    assert Answer.objects.get(question__key="excluded_pupils").value == "unchanged"


def test_leaving_with_unsaved_changes_warns_and_after_a_save_does_not(browser, live_server, coordinator, platform,
                                                                      open_round):
    context = browser.new_context(base_url=live_server.url, locale="nl-BE")
    page = context.new_page()
    log_in(page, coordinator.username)
    page.goto(_report_url(open_round, platform))
    dialogs = []

    def dismiss(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.fill("#id_registrations_note", "Nog niet opgeslagen")
    page.close(run_before_unload=True)
    expect(page.locator("#id_registrations_note")).to_have_value("Nog niet opgeslagen")  # stayed
    assert dialogs == ["beforeunload"]
    expect(page.locator("#autosave-status")).to_have_text(SAVED, timeout=15_000)
    page.close(run_before_unload=True)
    page.wait_for_event("close")
    assert dialogs == ["beforeunload"]  # no second warning
    context.close()
