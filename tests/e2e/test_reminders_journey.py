"""The reminders journey in a real browser: an admin opens the round page, follows its link to the reminders,
reads the preview (one mail per coordinator, a returned report with its comment, the mail's text), sends, and
finds the reminders listed as sent. Saves a screenshot of the preview and of the page after sending.

Elements are found by their links, ids and the data shown rather than by new Dutch labels: the page's new
strings are translated in the .po, which is written separately.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from rounds.models import Reminder
from tests.factories import PlatformFactory, ReportFactory, UserFactory

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_admin_previews_and_sends_the_reminders_from_the_round_page(page: Page, admin_user, ministry_user, open_round,
                                                                     coordinator, platform, other_platform,
                                                                     mailoutbox, screenshot):
    # The coordinator has a draft for gent-bao and a returned report for antwerpen-so: one mail lists both.
    second = PlatformFactory(code="antwerpen-so", name="LOP Secundair Onderwijs Antwerpen", level="secundair",
                             coordinators=[coordinator])
    ReportFactory(round=open_round, platform=platform, status="draft")
    ReportFactory(round=open_round, platform=second, status="returned", returned_by=ministry_user,
                  returned_at=timezone.now(), return_comment="Vul de noot over nieuwkomers aan.")
    ReportFactory(round=open_round, platform=other_platform, status="submitted", submitted_at=timezone.now())
    PlatformFactory(code="ronse-bao", name="LOP Ronse", coordinators=[UserFactory(username="geen-mail", email="")])
    reminders_url = f"/rounds/{open_round.slug}/reminders/"

    log_in(page, admin_user.username)
    page.goto(f"/rounds/{open_round.slug}/")
    page.locator(f"main a[href='{reminders_url}']").click()
    expect(page).to_have_url(re.compile(re.escape(reminders_url) + "$"))

    # The preview: one mail, to the coordinator, listing both platforms; the returned one with its comment.
    cards = page.locator("main section.card")
    expect(cards).to_have_count(1)
    card = cards.first
    expect(card.locator("h3")).to_contain_text(coordinator.email)
    expect(card.locator("li")).to_have_count(2)
    expect(card).to_contain_text("LOP Basisonderwijs Gent")
    expect(card).to_contain_text("Vul de noot over nieuwkomers aan.")
    # The mail's text as it will be sent, behind its summary (works without JavaScript: <details>).
    preview = card.locator(".mail-preview")
    expect(preview).to_be_hidden()
    card.locator("summary").click()
    expect(preview).to_be_visible()
    expect(preview).to_contain_text(f"/rounds/{open_round.slug}/platforms/antwerpen-so/report/")
    expect(preview).to_contain_text("    Vul de noot over nieuwkomers aan.")
    # The platform nobody can be mailed about, and why; the submitted one is not there at all.
    expect(page.locator("main")).to_contain_text("LOP Ronse: geen coördinator met een e-mailadres")
    expect(page.locator("main")).not_to_contain_text(other_platform.name)
    preview_shot = screenshot(page)
    preview_shot.rename(preview_shot.with_name(preview_shot.stem + "-preview.png"))

    page.locator("main form[method=post] button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(reminders_url) + "$"))
    expect(page.locator(".alert-success")).to_contain_text("1")
    # Sent: listed with their date and recipients; nothing left to send today.
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(timezone.localdate().strftime("%d/%m/%Y"))
    expect(page.locator("main table")).to_contain_text(coordinator.email)
    expect(page.locator("main section.card")).to_have_count(0)
    expect(page.locator("main form[method=post] button[type=submit]")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("vandaag al herinnerd")
    screenshot(page)

    assert [m.to for m in mailoutbox] == [[coordinator.email]]
    assert "LOP Secundair Onderwijs Antwerpen" in mailoutbox[0].body
    assert sorted(Reminder.objects.values_list("platform__code", flat=True)) == ["antwerpen-so", "gent-bao"]
