"""The parliament journey in a real browser: a ministry user records a question, edits its draft (a refused
reference shows its message, a bare number is flagged), sends it for approval; an approver approves it; the
publication shows the figures. Saves a screenshot of the publication page.

Elements are found by their names and ids rather than their Dutch labels: the pages' new strings are
translated in the .po, which is written separately.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from parliament.models import Publication
from tests.factories import UserFactory
from tests.parliament_helpers import answered_round

from .conftest import axe_violations, log_in, log_out

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

REFERENCES = ("In {{ registration_procedure_used.yes.basis }} LOP's Basisonderwijs en "
              "{{ registration_procedure_used.yes.secundair }} LOP's Secundair Onderwijs maakte minstens één "
              "school gebruik van een aanmeldingsprocedure.")


def test_ministry_records_a_question_and_a_second_person_publishes_its_answer(page: Page, open_round, screenshot):
    answered_round(open_round)  # two basis platforms said yes, one secundair no
    analyst = UserFactory(username="analist", role=Role.MINISTRY)
    checker = UserFactory(username="goedkeurder", role=Role.MINISTRY, first_name="Lotte", last_name="Verhaegen")
    checker.can_approve_answers = True
    checker.save()

    log_in(page, analyst.username)
    page.locator("header a[href='/questions/']").click()
    page.locator("main a[href='/questions/new/']").click()
    page.locator("#id_number").fill("schriftelijke vraag nr. 412")
    page.locator("#id_asked_on").fill("2020-05-20")
    page.locator("#id_asked_by").fill("Jan Demo (demo)")
    page.locator("#id_title").fill("Aanmeldingen tijdens de coronacrisis")
    page.locator("#id_text").fill("1. Hoeveel LOP's gebruikten een aanmeldingsprocedure?")
    page.locator("#id_answer_due").fill("2020-06-19")
    page.locator(f"input[name=rounds][value='{open_round.pk}']").check()
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/questions/\d+/draft/$"))
    editor = page.locator("#id_text")
    expect(editor).to_have_value(re.compile(r"\{\{"))  # started from the generated text: references

    # A reference to an answer the question does not have is refused, next to the text; nothing is saved.
    editor.fill("In {{ registration_procedure_used.maybe.total }} LOP's.")
    page.locator("button[name=save]").click()
    expect(page.locator("#text-errors")).to_contain_text("registration_procedure_used.maybe.total")
    expect(editor).to_have_value("In {{ registration_procedure_used.maybe.total }} LOP's.")

    # A number typed by hand is flagged in the preview and listed; the references show their values.
    editor.fill(REFERENCES + "\n\n- 13 LOP's pasten de aanmeldingsperiode aan")
    page.locator("button[name=save]").click()
    expect(page.locator("mark.unsourced")).to_have_text("13")
    expect(page.locator("#unsourced")).to_contain_text("“13”")
    expect(page.locator("a.figure")).to_have_text(["2", "0"])

    # With every figure a reference, it can be sent for approval.
    editor = page.locator("#id_text")
    editor.fill(REFERENCES + "\n\n- {{ application_period_adjusted.yes.total }} LOP's pasten de aanmeldingsperiode "
                "aan\n")
    page.locator("button[name=save]").click()
    expect(page.locator("mark.unsourced")).to_have_count(0)
    page.locator("main form a.btn-link").click()  # back to the question
    page.locator("button[name=submit]").click()
    expect(page.locator("dl.lop-facts .badge")).to_have_class(re.compile("text-bg-warning"))
    expect(page.locator("button[name=approve]")).to_have_count(0)  # not for the author
    log_out(page)

    # The second pair of eyes approves: the answer is published with its figures written in.
    log_in(page, checker.username)
    page.locator("header a[href='/questions/']").click()
    page.locator("main table a", has_text="schriftelijke vraag nr. 412").click()
    page.locator("button[name=approve]").click()
    expect(page).to_have_url(re.compile(r"/answers/\d+/$"))
    expect(page.locator("main article a.figure")).to_have_text(["2", "0", "2"])
    expect(page.locator("main")).to_contain_text(Publication.objects.get().sha256)
    publication = Publication.objects.get()
    assert publication.figures == {"registration_procedure_used.yes.basis": 2,
                                   "registration_procedure_used.yes.secundair": 0,
                                   "application_period_adjusted.yes.total": 2}
    assert publication.authors == [analyst.get_full_name()] and publication.approved_by == checker
    assert not axe_violations(page), axe_violations(page)
    screenshot(page)
