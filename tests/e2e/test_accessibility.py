"""axe-core finds no WCAG 2.1 A/AA violation on any page of any role, every page's footer links the
accessibility statement, and the report form works with the keyboard alone.

The role tests load the demo (70 platforms, the closed round of 2020 with its answers and
initiatives, the open round `open-demo` without answers), so the pages show what they show in use;
forms are checked empty and again with their errors. Django's own /admin/ pages are out of scope:
they are Django's, and the statement names them as a known limitation.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from initiatives.models import Initiative
from mail.models import Mail, MailStatus
from parliament import services as parliament_services
from parliament.demo import load_parliament
from parliament.models import AnswerDraft, Publication
from platforms.models import Membership, Platform
from rounds.models import Report, ReportingRound
from tests.factories import InitiativeFactory
from tests.second_factor_helpers import key_from_secret, totp_code

from .conftest import DEMO_PASSWORD, axe_violations, log_in, log_out

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

OPEN = "/rounds/open-demo"
CLOSED = "/rounds/corona-2020"
OWN_OPEN_REPORT = f"{OPEN}/platforms/antwerpen-bao"
OWN_CLOSED_REPORT = f"{CLOSED}/platforms/antwerpen-bao"
UKRAINE = "/rounds/oekraine-2022"  # its questionnaire from an XLSForm: several of a list, a number, a date


class Audit:
    """Visits pages and collects what is wrong with each; the test fails once, listing them all."""

    def __init__(self, page: Page):
        self.page = page
        self.problems: list[str] = []
        self.seen: list[str] = []

    def visit(self, url: str, status: int = 200) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == status, f"{url}: HTTP {response and response.status}"
        self.check()

    def submit(self, button) -> None:
        """Click a form's submit button and audit the page the POST answers with (once it has loaded: checked
        during the navigation, the page has no footer yet)."""
        with self.page.expect_navigation():
            button.click()
        self.check()

    def check(self) -> None:
        """Audit the page as it is now (after a visit, or after a form was submitted)."""
        page = self.page
        self.seen.append(page.url)
        footer_links = page.locator("footer").get_by_role("link", name="Toegankelijkheidsverklaring")
        if footer_links.count() != 1 or footer_links.get_attribute("href") != "/toegankelijkheid/":
            self.problems.append(f"{page.url}\nthe footer does not link the accessibility statement")
        if report := axe_violations(page):
            self.problems.append(report)

    def assert_clean(self) -> None:
        if self.problems:
            pytest.fail(f"{len(self.problems)} of {len(self.seen)} pages fail:\n\n" + "\n\n".join(self.problems),
                        pytrace=False)


@pytest.fixture
def audit(page):
    return Audit(page)


def test_anonymous_pages(audit, page):
    audit.visit("/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill("coordinator")
    page.get_by_label("Wachtwoord").fill("wrong")
    page.get_by_role("button", name="Aanmelden", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit.check()  # the login form with its error
    audit.visit("/accounts/password_reset/")
    audit.submit(page.get_by_role("button", name="Link versturen"))  # the reset form with an empty address
    audit.visit("/accounts/password_reset/done/")
    audit.visit("/accounts/reset/MQ/set-password/")  # an invalid link
    audit.visit("/accounts/reset/done/")
    audit.visit("/toegankelijkheid/")
    audit.assert_clean()


def test_coordinator_pages(audit, page, demo):
    log_in(page, "coordinator", DEMO_PASSWORD)
    initiative = Initiative.objects.filter(report__round__slug="corona-2020", report__platform__code="antwerpen-bao")[0]
    membership = Membership.objects.filter(platform__code="antwerpen-bao", end_date__isnull=True)[0]
    audit.visit("/")
    audit.visit("/rounds/")
    audit.visit(f"{OPEN}/")
    audit.visit(f"{CLOSED}/")
    audit.visit(f"{OWN_OPEN_REPORT}/report/")
    page.locator("button[name=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    audit.check()  # the report form with every question flagged
    audit.visit(f"{OWN_OPEN_REPORT}/initiatives/add/")
    audit.submit(page.get_by_role("button", name="Opslaan", exact=True))  # the initiative form with its errors
    # The report may be there already: a draft saves itself (autosave) when the coordinator leaves the form.
    draft = InitiativeFactory(report=Report.objects.get_or_create(
        round=ReportingRound.objects.get(slug="open-demo"), platform=Platform.objects.get(code="antwerpen-bao"))[0])
    audit.visit(f"{OWN_OPEN_REPORT}/report/")  # a draft with an initiative
    audit.visit(f"{OWN_OPEN_REPORT}/initiatives/{draft.pk}/edit/")
    audit.visit(f"{OWN_OPEN_REPORT}/initiatives/{draft.pk}/delete/")
    audit.visit(f"{OWN_CLOSED_REPORT}/report/")  # read-only: the deadline has passed
    audit.visit(f"{OWN_CLOSED_REPORT}/report/history/")
    audit.visit(f"{UKRAINE}/platforms/antwerpen-bao/report/")  # a draft of another questionnaire
    page.locator("button[name=submit]").click()  # every required question answered: the overview to confirm
    expect(page.get_by_role("dialog")).to_be_visible()
    audit.check()  # with the dialog open
    page.locator("#close-submit-dialog").click()
    page.fill("#id_ukrainian_pupils_count", "-1")
    audit.submit(page.locator("#report-actions button[name=save]"))  # its errors, next to a list, a number, a date
    audit.visit(f"{UKRAINE}/platforms/antwerpen-bao/report/history/")
    audit.visit(f"{OWN_CLOSED_REPORT}/initiatives/{initiative.pk}/")
    audit.visit(f"{OWN_CLOSED_REPORT}/initiatives/{initiative.pk}/edit/")  # read-only: the reason, no form
    audit.visit("/platforms/")
    audit.visit("/platforms/antwerpen-bao/")
    audit.visit("/platforms/antwerpen-bao/members/add/")
    audit.submit(page.get_by_role("button", name="Opslaan", exact=True))  # the member form with its errors
    audit.visit(f"/platforms/antwerpen-bao/members/{membership.pk}/edit/")
    audit.visit(f"/platforms/antwerpen-bao/members/{membership.pk}/end/")
    audit.visit("/accounts/password_change/")
    audit.visit(f"{CLOSED}/summary/", status=403)
    audit.visit("/platforms/gent-bao/", status=404)
    audit.assert_clean()


def test_ministry_pages(audit, page, demo):
    log_in(page, "ministerie", DEMO_PASSWORD)
    audit.visit("/")
    audit.visit("/rounds/")
    audit.visit(f"{CLOSED}/")
    audit.visit(f"{CLOSED}/?status=submitted&level=basis&sort=-submitted")  # the status table filtered, sorted
    audit.visit(f"{CLOSED}/?status=kapot&submitted_from=31/02/2020")  # with the filters it could not use
    audit.visit(f"{CLOSED}/summary/")
    audit.visit(f"{CLOSED}/summary/?include_drafts=1")
    audit.visit(f"{OPEN}/summary/")  # nothing submitted yet
    audit.visit(f"{CLOSED}/summary/platforms/?question=newcomers&value=adjusted&level=basis")
    audit.visit(f"{CLOSED}/summary/platforms/?question=theme:laptops:discussed&value=yes")
    audit.visit(f"{CLOSED}/initiatives/")
    audit.visit(f"{CLOSED}/initiatives/?level=secundair&kind=homework_support")
    audit.visit(f"{CLOSED}/answer/")
    audit.visit(f"{OWN_CLOSED_REPORT}/report/")
    audit.visit(f"{OWN_CLOSED_REPORT}/report/history/")
    audit.visit(f"{OWN_CLOSED_REPORT}/report/return/")
    audit.visit(f"{OWN_OPEN_REPORT}/report/")  # not started
    audit.visit(f"{UKRAINE}/summary/?include_drafts=1")
    audit.visit(f"{UKRAINE}/summary/platforms/?question=reception_arrangements&value=interpreters&include_drafts=1")
    audit.visit(f"{UKRAINE}/summary/platforms/?question=ukrainian_pupils_count&include_drafts=1")
    audit.visit(f"{CLOSED}/questionnaire/")  # read-only for the ministry
    audit.visit("/platforms/")
    audit.visit("/platforms/gent-so/")
    # The return form beside a submitted report's answers (a draft of the Ukrainian round, submitted).
    returnable = Report.objects.filter(round__slug="oekraine-2022", answers__isnull=False).distinct().first()
    Report.objects.filter(pk=returnable.pk).update(status="submitted", submitted_at=timezone.now())
    audit.visit(f"{UKRAINE}/platforms/{returnable.platform.code}/report/return/")
    _parliament_pages(audit, page, User.objects.get(username="ministerie"))
    _second_factor_pages(audit, page)
    audit.assert_clean()


def _second_factor_pages(audit, page):
    """Two-step verification: its page, setting it up (with an error), the recovery codes, the form for new ones;
    then, logged out, the code asked after the password (with an error). The demo account is exempt from having
    one, not from using one it has set up."""
    audit.visit("/accounts/second-factor/manage/")
    audit.visit("/accounts/second-factor/setup/")
    audit.submit(page.locator("main form button[type=submit]"))  # no code typed
    page.locator("#id_code").fill(totp_code(key_from_secret(page.locator("#totp-secret").inner_text())))
    audit.submit(page.locator("main form button[type=submit]"))  # the recovery codes, shown once
    audit.visit("/accounts/second-factor/recovery-codes/")
    audit.visit("/accounts/second-factor/manage/")  # on, with recovery codes left
    log_out(page)
    page.goto("/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill("ministerie")
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    audit.submit(page.get_by_role("button", name="Aanmelden", exact=True))  # the code from the app
    audit.submit(page.locator("#second-factor-form button[type=submit]"))  # no code typed


def _parliament_pages(audit, page, user):
    """The parliament pages: the demo's published answer, then a correction of it being written."""
    load_parliament()
    publication = Publication.objects.get()
    question = publication.question
    audit.visit("/questions/")
    audit.visit("/questions/new/")
    audit.submit(page.locator("main form button[type=submit]"))  # the question form with its errors
    audit.visit(f"/questions/{question.pk}/")
    audit.visit(f"/questions/{question.pk}/edit/")
    audit.visit(f"/answers/{publication.pk}/")
    audit.visit(f"/answers/{publication.pk}/print/")
    parliament_services.correction_start(actor=user, publication=publication)
    audit.visit(f"/questions/{question.pk}/draft/")
    page.locator("#id_text").fill("In {{ base.nothing }} en 13 LOP's.")
    # the editor with a refused reference and a number without a source
    audit.submit(page.locator("button[name=preview]"))
    audit.visit(f"/questions/{question.pk}/")  # a draft in progress


def test_admin_pages(audit, page, demo):
    log_in(page, "admin", DEMO_PASSWORD)
    person = User.objects.get(username="coordinator2")
    audit.visit("/")
    audit.visit("/people/")
    audit.visit("/platforms/proposals/")  # proposals for shared organisations (none waiting in the demo)
    audit.visit("/audit/")  # the audit log, with the demo's entries
    _mail_pages(audit)
    audit.visit("/people/?role=coordinator&active=1")
    audit.visit("/people/invite/")
    # the invitation form with its errors
    audit.submit(page.get_by_role("button", name="Aanmaken en uitnodiging versturen"))
    audit.visit(f"/people/{person.pk}/")
    audit.visit(f"/people/{person.pk}/edit/")
    audit.visit(f"/people/{person.pk}/deactivate/")
    audit.visit("/rounds/new/")
    audit.submit(page.get_by_role("button", name="Opslaan", exact=True))  # the round form with its errors
    expect(page.locator("#error-summary")).to_be_focused()  # one box, listing every error, read out first
    audit.visit(f"{OPEN}/edit/")
    audit.visit(f"{OPEN}/close/")
    audit.visit(f"{OPEN}/reminders/")  # the preview of every coordinator's reminder
    audit.visit(f"{CLOSED}/reminders/")  # refused: closed, with the reminders sent (none)
    audit.visit("/rounds/themes/")
    audit.visit("/rounds/themes/new/")
    audit.visit("/rounds/themes/laptops/edit/")
    audit.visit(f"{OPEN}/questionnaire/")
    audit.visit(f"{OPEN}/questionnaire/preview/?level=secundair")
    audit.visit(f"{OPEN}/questionnaire/sections/new/")
    audit.visit(f"{OPEN}/questionnaire/sections/themes/edit/")
    audit.visit(f"{OPEN}/questionnaire/sections/themes/questions/new/")
    audit.submit(page.get_by_role("button", name="Opslaan", exact=True))  # the question form with its errors
    audit.visit(f"{OPEN}/questionnaire/questions/agreements/edit/")
    audit.visit(f"{OPEN}/questionnaire/questions/agreements/remove/")
    audit.visit(f"{OPEN}/questionnaire/copy/")
    audit.visit(f"{OPEN}/questionnaire/upload/")
    audit.visit(f"{CLOSED}/questionnaire/")  # locked: a report was saved
    audit.visit(f"{UKRAINE}/questionnaire/")
    audit.visit("/platforms/import/")
    audit.visit("/platforms/antwerpen-bao/edit/")
    audit.visit(f"{OWN_CLOSED_REPORT}/report/")
    audit.visit(f"{OWN_CLOSED_REPORT}/report/return/")
    audit.visit(f"{OWN_CLOSED_REPORT}/report/reopen/")
    _parliament_pages(audit, page, User.objects.get(username="ministerie"))
    # An admin allowed to approve answers, on a correction that another wrote and sent for approval.
    User.objects.filter(username="admin").update(can_approve_answers=True)
    draft = AnswerDraft.objects.get(status="draft")
    parliament_services.draft_submit(actor=User.objects.get(username="ministerie"), draft=draft)
    audit.visit(f"/questions/{draft.question_id}/")  # with the approver's buttons
    audit.visit(f"/questions/{draft.question_id}/draft/return/")
    audit.submit(page.locator("main form button[type=submit]"))  # the comment is required
    audit.assert_clean()


def _mail_pages(audit):
    Mail.objects.create(kind="invitation", recipients=["els@example.be"], subject="Uw account op het LOP-portaal",
                        body="…", status=MailStatus.FAILED, attempts=6, last_error="ConnectionRefusedError: …")
    Mail.objects.create(kind="report_returned", recipients=["a@example.be", "b@example.be"], subject="Teruggestuurd",
                        body="…", attempts=1, last_error="SMTPServerDisconnected", next_attempt_at=timezone.now())
    audit.visit("/")  # the admin home with a failed mail
    audit.visit("/mails/")  # failed and waiting mails, with the "send again" button
    audit.visit("/mails/?status=sent")  # none


def _focus_style(page: Page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement, style = getComputedStyle(el);
        return {id: el.id, tag: el.tagName, outline: style.outlineStyle, shadow: style.boxShadow};
    }""")


def test_report_form_with_the_keyboard_alone(page, coordinator, platform, open_round, screenshot):
    log_in(page, coordinator.username)
    page.goto(f"/rounds/{open_round.slug}/platforms/{platform.code}/report/")

    # The first Tab reaches the skip link.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Naar de hoofdinhoud")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    # The header's links and button draw an outline: Bootstrap's glow would not show on the blue bar.
    header = []
    for _ in range(10):
        page.keyboard.press("Tab")
        if not page.evaluate("!!document.activeElement.closest('header')"):
            break
        focus = _focus_style(page)
        assert focus["outline"] != "none", f"no outline on {focus} in the header"
        header.append(page.evaluate("document.activeElement.textContent.trim()"))
    assert header[-1].startswith("Afmelden"), header
    # The skip link moves the focus to the main content.
    skip.focus()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # Tabbing walks the questions in the order of the page, each focused control visibly marked.
    order = []
    for _ in range(200):
        page.keyboard.press("Tab")
        focus = _focus_style(page)
        assert focus["outline"] != "none" or focus["shadow"] != "none", f"no visible focus on {focus}"
        if focus["tag"] == "BUTTON" and page.evaluate("document.activeElement.name") == "save":
            break
        if focus["id"]:
            order.append(focus["id"])
    else:
        pytest.fail("Tab never reached the save button")
    questions = [i for i in order if re.fullmatch(r"id_.+_0|id_.+note", i)]
    assert questions[:6] == [
        "id_registration_procedure_used_0", "id_application_period_adjusted_0", "id_enrolment_period_adjusted_0",
        "id_free_enrolment_period_adjusted_0", "id_registrations_note", "id_newcomers_0",
    ]
    assert questions.index("id_excluded_pupils_note") < questions.index("id_theme-laptops-discussed_0")
    assert questions[-1] == "id_theme-summer-schools-reading-note"
    dom_order = page.eval_on_selector_all(
        "main input[type=radio], main textarea",
        "els => els.filter(e => e.id.match(/_0$|note$/)).map(e => e.id)")
    assert questions == dom_order  # every question reached, none skipped, in document order

    # Space answers a radio, the arrow keys change the answer.
    page.locator("#id_newcomers_0").focus()
    page.keyboard.press("Space")
    expect(page.locator("#id_newcomers_0")).to_be_checked()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#id_newcomers_1")).to_be_checked()
    expect(page.locator("#id_newcomers_1")).to_be_focused()

    # Submitting with questions open: the error summary is announced and takes the focus.
    page.locator("button[name=submit]").focus()
    page.keyboard.press("Enter")
    summary = page.locator("#error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    expect(page.locator("#id_newcomers_1")).to_be_checked()  # the answer given is kept
    # Each open question says why next to itself too, and is described by that message.
    question = page.locator("fieldset#div_id_registration_procedure_used")
    expect(question.locator(".invalid-feedback")).to_be_visible()
    expect(question).to_have_accessible_description(re.compile("Beantwoord deze vraag voor u indient"))
    links = summary.get_by_role("link")
    assert links.count() > 20
    assert "newcomers" not in " ".join(links.evaluate_all("ls => ls.map(l => l.hash)"))
    # Each link of the summary moves the focus to its question; Tab then enters its answers.
    for i in range(links.count()):
        link = links.nth(i)
        target = link.evaluate("l => l.hash.slice(1)")
        link.focus()
        page.keyboard.press("Enter")
        expect(page.locator(f"[id='{target}']")).to_be_focused()
        focus = _focus_style(page)
        assert focus["outline"] != "none" or focus["shadow"] != "none", f"no visible focus on {focus}"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_theme-summer-schools-reading-informed_0"
    screenshot(page)
