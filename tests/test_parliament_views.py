"""The parliament pages: the list, a question with its draft and record, the draft editor (references, numbers
without a source, stale saves), approving and sending back, a publication (page, JSON, Word, print view),
the approver right on the person form, and pinned query counts."""

import datetime
import hashlib
import io
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from docx import Document

from accounts.models import AccountEvent, Role
from parliament import frozen, services
from parliament.models import AnswerDraft, Publication, ReviewStep
from rounds.services import reports
from summaries.summary import round_data_changed

from .factories import PlatformFactory, UserFactory
from .parliament_helpers import TEXT, answered_round, approver, draft_of, publish, record, submit, write
from .questionnaire_factories import report_with_answers

AUTH = 3  # session, user and the second-factor device of a ministry or admin request


@pytest.fixture(autouse=True)
def english():
    """Pages are checked in English, the msgids: the Dutch translation is the .po's."""
    with translation.override("en"):
        yield


@pytest.fixture
def round(open_round):
    answered_round(open_round)
    return open_round


@pytest.fixture
def question(round, ministry_user):
    return record(ministry_user, [round])


@pytest.fixture
def checker(db):
    return approver()




def _url(name, pk):
    return reverse(f"parliament:{name}", kwargs={"pk": pk})


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# The list and the question page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_shows_state_and_deadline_with_overdue_said_in_words(login, ministry_user, round, checker):
    late = record(ministry_user, [round], number="schriftelijke vraag nr. 1",
                  answer_due=timezone.localdate() - datetime.timedelta(days=1))
    done = record(ministry_user, [round], number="schriftelijke vraag nr. 2",
                  answer_due=timezone.localdate() - datetime.timedelta(days=1))
    publication = publish(ministry_user, checker, done)
    pending = record(ministry_user, [round], number="schriftelijke vraag nr. 3")
    write(ministry_user, pending)
    submit(ministry_user, pending)
    response = login(ministry_user).get(reverse("parliament:list"))
    html = response.content.decode()
    rows = {q.number: q for q in response.context["questions"]}
    assert {n: q.state for n, q in rows.items()} == {
        "schriftelijke vraag nr. 1": "draft", "schriftelijke vraag nr. 2": "published",
        "schriftelijke vraag nr. 3": "pending"}
    late_row = html[html.index(late.number):html.index("</tr>", html.index(late.number))]
    done_row = html[html.index(done.number):html.index("</tr>", html.index(done.number))]
    assert "(overdue)" in late_row and "(overdue)" not in done_row
    assert "Waiting for approval" in html
    assert _url("answer", publication.pk) in done_row and _url("draft", late.pk) in late_row
    assert reverse("parliament:create") in html


@pytest.mark.django_db
def test_the_question_page_shows_the_draft_with_linked_values_coverage_and_record(
        login, ministry_user, question, round):
    write(ministry_user, question, TEXT + "\nIn 26 LOP's.\n")
    response = login(ministry_user).get(question.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    drill = reverse("rounds:summary_platforms", kwargs={"round_slug": round.slug})
    link = f"{drill}?question=registration_procedure_used&amp;value=yes&amp;level=basis"
    assert f'<a class="figure" href="{link}">2</a>' in html
    assert "Based on 3 of the 3 platforms; data as of " in html
    assert '<mark class="unsourced"' in html and "“26”" in html
    assert "Draft started" in html
    assert response.context["can_submit"] and not response.context["can_review"]


@pytest.mark.django_db
def test_the_question_text_is_escaped(login, ministry_user, round):
    question = record(ministry_user, [round], title="<script>alert(1)</script>", text="<b>vet</b>")
    html = login(ministry_user).get(question.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html and "<b>vet" not in html


# Recording a question ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_recording_a_question_through_the_form_opens_its_draft(login, ministry_user, round):
    response = login(ministry_user).post(reverse("parliament:create"), {
        "number": "schriftelijke vraag nr. 400", "asked_on": "2020-05-20", "asked_by": "Jan Demo (demo)",
        "title": "Rol van de LOP's", "text": "1. Welke initiatieven?", "answer_due": "2020-06-19",
        "rounds": [round.pk],
    })
    question = AnswerDraft.objects.get().question
    assert response.status_code == 302 and response["Location"] == _url("draft", question.pk)
    assert question.created_by == ministry_user and list(question.rounds.all()) == [round]


@pytest.mark.django_db
def test_a_question_due_before_it_was_asked_is_refused_next_to_the_field(login, ministry_user, round):
    response = login(ministry_user).post(reverse("parliament:create"), {
        "number": "nr. 1", "asked_on": "2020-05-20", "asked_by": "X", "title": "T", "text": "Q",
        "answer_due": "2020-05-01", "rounds": [round.pk],
    })
    assert response.status_code == 200 and "answer_due" in response.context["form"].errors
    assert not AnswerDraft.objects.exists()


# The draft editor -------------------------------------------------------------------------------------------


def _post_draft(client, question, text, *, version=None, button="save"):
    draft = draft_of(question)
    return client.post(_url("draft", question.pk), {
        "text": text, "loaded_version": draft.version if version is None else version, button: ""})


@pytest.mark.django_db
def test_the_editor_lists_the_references_of_the_round_with_their_values(login, ministry_user, question):
    response = login(ministry_user).get(_url("draft", question.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<code>{{ registration_procedure_used.yes.basis }}</code> = 2" in html
    assert "<code>{{ base.total }}</code> = 3" in html
    assert 'name="preview"' in html and 'name="save"' in html


@pytest.mark.django_db
def test_a_refused_reference_is_shown_next_to_the_text_and_nothing_is_saved(login, ministry_user, question):
    before = draft_of(question).text
    response = _post_draft(login(ministry_user), question, "In {{ registration_procedure_used.maybe.total }} LOP's.")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="text-errors"' in html and "has no answer “maybe”" in html
    assert "{{ registration_procedure_used.maybe.total }}" in html  # what was typed is kept
    assert draft_of(question).text == before


@pytest.mark.django_db
def test_a_bare_number_is_saved_but_flagged(login, ministry_user, question):
    response = _post_draft(login(ministry_user), question, "In 26 LOP's en {{ base.total }} in totaal.")
    assert response.status_code == 302
    html = login(ministry_user).get(_url("draft", question.pk)).content.decode()
    assert '<mark class="unsourced" title="figure without a source">26</mark>' in html
    assert 'id="unsourced"' in html and "“26”" in html


@pytest.mark.django_db
def test_preview_shows_the_typed_text_without_saving(login, ministry_user, question):
    before = draft_of(question).text
    response = _post_draft(login(ministry_user), question, "Nieuw: {{ base.total }} LOP's.", button="preview")
    assert response.status_code == 200 and "Preview (not saved)" in response.content.decode()
    assert 'class="figure"' in response.content.decode()
    assert draft_of(question).text == before


@pytest.mark.django_db
def test_a_stale_save_gets_the_conflict_page_with_the_text_kept(login, ministry_user, admin_user, question):
    loaded = draft_of(question).version
    assert _post_draft(login(admin_user), question, "Eerst {{ base.total }}.", version=loaded).status_code == 302
    response = _post_draft(login(ministry_user), question, "Mijn tekst {{ base.basis }}.", version=loaded)
    html = response.content.decode()
    assert response.status_code == 409
    assert any(admin_user.get_full_name() in m and m.startswith("Not saved") for m in _messages(response))
    assert "Mijn tekst {{ base.basis }}." in html
    assert draft_of(question).text == "Eerst {{ base.total }}."


@pytest.mark.django_db
def test_a_draft_waiting_for_approval_is_read_only(login, ministry_user, question):
    write(ministry_user, question)
    submit(ministry_user, question)
    client = login(ministry_user)
    html = client.get(_url("draft", question.pk)).content.decode()
    assert "readonly" in html and 'name="save"' not in html
    response = _post_draft(client, question, "Anders.")
    assert response.status_code == 200 and "waiting for approval" in response.content.decode()
    assert draft_of(question).text == TEXT


# Sending for approval, approving, sending back --------------------------------------------------------------


@pytest.mark.django_db
def test_unsourced_numbers_keep_the_draft_from_being_sent(login, ministry_user, question):
    write(ministry_user, question, "In 26 LOP's.")
    response = login(ministry_user).post(_url("submit", question.pk), follow=True)
    assert any("“26”" in m for m in _messages(response))
    assert draft_of(question).status == "draft"


@pytest.mark.django_db
def test_four_eyes_through_the_pages(login, client, ministry_user, question, checker):
    write(ministry_user, question)
    assert login(ministry_user).post(_url("submit", question.pk)).status_code == 302
    assert draft_of(question).status == "pending"
    # The author, even when allowed to approve, is refused with a message; nothing changes.
    ministry_user.can_approve_answers = True
    ministry_user.save()
    response = client.post(_url("approve", question.pk), follow=True)
    assert any("four eyes" in m for m in _messages(response)) and not Publication.objects.exists()
    # Someone without the right: 403.
    assert login(UserFactory(username="collega", role=Role.MINISTRY)).post(
        _url("approve", question.pk)).status_code == 403
    # The approver sees the buttons, and approving publishes.
    page = login(checker).get(question.get_absolute_url())
    assert page.context["can_review"] and _url("approve", question.pk) in page.content.decode()
    response = client.post(_url("approve", question.pk))
    publication = Publication.objects.get()
    assert response.status_code == 302 and response["Location"] == _url("answer", publication.pk)
    # Approving again: nothing more is published.
    response = client.post(_url("approve", question.pk), follow=True)
    assert Publication.objects.count() == 1 and _messages(response)


@pytest.mark.django_db
def test_sending_back_with_a_comment_is_on_the_question_page(login, client, ministry_user, question, checker):
    write(ministry_user, question)
    submit(ministry_user, question)
    login(checker)
    assert client.get(_url("return", question.pk)).status_code == 200
    response = client.post(_url("return", question.pk), {"comment": ""})
    assert response.status_code == 200 and "comment" in response.context["form"].errors
    response = client.post(_url("return", question.pk), {"comment": "Graag de <em>bron</em> vermelden."})
    assert response.status_code == 302 and draft_of(question).status == "draft"
    html = login(ministry_user).get(question.get_absolute_url()).content.decode()
    assert "Sent back" in html and "Graag de &lt;em&gt;bron&lt;/em&gt; vermelden." in html


@pytest.mark.django_db
def test_the_author_gets_no_return_form(login, ministry_user, question):
    ministry_user.can_approve_answers = True
    ministry_user.save()
    write(ministry_user, question)
    submit(ministry_user, question)
    client = login(ministry_user)
    response = client.get(_url("return", question.pk))
    assert response.status_code == 200 and response.context["refusal"] and "<textarea" not in response.content.decode()
    client.post(_url("return", question.pk), {"comment": "Zelf terug."})
    assert draft_of(question).status == "pending" and not ReviewStep.objects.filter(action="returned").exists()


# The publication ----------------------------------------------------------------------------------------------


@pytest.fixture
def published(question, ministry_user, checker):
    return publish(ministry_user, checker, question)


def _change_the_data(round, admin_user):
    """A basis report reopened (it stops counting) and a late secundair report that says yes."""
    report = round.reports.filter(platform__level="basis", status="submitted").first()
    reports.report_reopen(actor=admin_user, round=round, platform=report.platform, comment="Vergissing.")
    late = PlatformFactory(level="secundair", rounds=[round])
    report_with_answers(round, late, {"registration_procedure_used": "yes", "application_period_adjusted": "no"})
    round_data_changed(round)


@pytest.mark.django_db
def test_the_publication_page_shows_the_frozen_answer_and_who(login, ministry_user, checker, published):
    response = login(ministry_user).get(published.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="figure"' in html and ">2</a> LOP's Basisonderwijs" in html
    assert published.sha256 in html and published.coverage in html
    assert escape(ministry_user.get_full_name()) in html and escape(checker.get_full_name()) in html
    for name in ("answer_docx", "answer_json", "answer_print"):
        assert _url(name, published.pk) in html
    assert not response.context["changes"] and _url("correct", published.pk) not in html


@pytest.mark.django_db
def test_after_a_change_in_the_data_the_publication_says_what_moved_and_can_be_corrected(
        login, ministry_user, checker, admin_user, published, round, question):
    _change_the_data(round, admin_user)
    client = login(ministry_user)
    response = client.get(published.get_absolute_url())
    html = response.content.decode()
    assert [(c.reference, c.published, c.now) for c in response.context["changes"]] == [
        ("registration_procedure_used.yes.basis", 2, 1), ("registration_procedure_used.yes.secundair", 0, 1),
        ("application_period_adjusted.yes.total", 2, 1)]
    assert "<td>-1</td>" in html.replace('<td class="text-end">', "<td>") and "+1" in html
    assert ">2</a> LOP's Basisonderwijs" in html  # the published text is as it was
    assert _url("correct", published.pk) in html
    # The question page marks it too.
    assert "Changed since publication: 3 figures moved." in client.get(question.get_absolute_url()).content.decode()

    response = client.post(_url("correct", published.pk))
    assert response.status_code == 302 and response["Location"] == _url("draft", question.pk)
    correction = draft_of(question)
    assert correction.corrects == published and correction.text == published.source_text
    submit(ministry_user, question)
    login(checker).post(_url("approve", question.pk))
    second = Publication.objects.get(number=2)
    html = client.get(published.get_absolute_url()).content.decode()
    assert "corrected by version 2" in html and _url("answer", second.pk) in html
    html = client.get(second.get_absolute_url()).content.decode()
    assert "corrects version 1" in html and ">1</a> LOP's Basisonderwijs" in html


@pytest.mark.django_db
def test_the_json_has_the_issues_shape_and_its_hash_checks_out(login, ministry_user, admin_user, published, round):
    _change_the_data(round, admin_user)
    response = login(ministry_user).get(_url("answer_json", published.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert {"question", "published_at", "sha256", "text", "figures", "summary", "changed_since"} <= set(data)
    assert data["question"] == {
        "number": "schriftelijke vraag nr. 12", "title": "Rol van de lokale overlegplatforms",
        "asked_by": "Jan Demo (demo)", "asked_on": "2020-05-20", "answer_due": "2020-06-19",
        "text": "1. Kan de minister een overzicht geven?", "rounds": [round.slug]}
    assert data["figures"] == {"registration_procedure_used.yes.basis": 2,
                               "registration_procedure_used.yes.secundair": 0,
                               "application_period_adjusted.yes.total": 2}
    assert data["summary"]["format"] == 2 and data["summary"]["base"]["total"] == 3  # as at publication
    assert data["text"] == published.text and "{{" not in data["text"]
    assert data["changed_since"][0] == {"reference": "registration_procedure_used.yes.basis", "published": 2,
                                        "now": 1}
    assert datetime.datetime.fromisoformat(data["published_at"]) == published.published_at
    # Anyone can check the hash from the JSON alone, as the README says.
    content = {k: v for k, v in data.items() if k not in ("sha256", "changed_since")}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert hashlib.sha256(canonical).hexdigest() == data["sha256"] == published.sha256
    assert frozen.sha256(data) == data["sha256"]


@pytest.mark.django_db
def test_the_word_document_is_a4_dutch_belgian_with_the_number_and_the_data_date(login, ministry_user, published):
    response = login(ministry_user).get(_url("answer_docx", published.pk))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    section = document.sections[0]
    assert abs(section.page_width.mm - 210) < 1 and abs(section.page_height.mm - 297) < 1
    styles = document.styles.element.xml
    assert re.search(r'w:lang [^>]*w:val="nl-BE"', styles)
    text = "\n".join(p.text for p in document.paragraphs)
    assert document.paragraphs[0].text.startswith("schriftelijke vraag nr. 12")
    assert published.coverage in text  # "Based on … data as of …" ("stand van de gegevens op …" in Dutch)
    assert "In 2 LOP's Basisonderwijs" in text
    assert document.core_properties.author


@pytest.mark.django_db
def test_the_print_view_has_the_answer_and_no_navigation(login, ministry_user, published):
    html = login(ministry_user).get(_url("answer_print", published.pk)).content.decode()
    assert "In 2 LOP's Basisonderwijs" in html and published.coverage in html
    assert "<nav" not in html and "<button" not in html and "<form" not in html
    assert "answer-print.css" in html


# The approver right on the person form ------------------------------------------------------------------------


def _person_post(person, **changes):
    data = {"first_name": person.first_name, "last_name": person.last_name, "email": person.email,
            "role": person.role, "platforms": [], **changes}
    return {k: v for k, v in data.items() if v is not False}


@pytest.mark.django_db
def test_an_admin_lets_a_ministry_account_approve_answers_and_it_is_recorded(login, admin_user, ministry_user):
    client = login(admin_user)
    response = client.post(reverse("people:edit", kwargs={"pk": ministry_user.pk}),
                           _person_post(ministry_user, can_approve_answers="on"))
    assert response.status_code == 302
    ministry_user.refresh_from_db()
    assert ministry_user.can_approve_answers
    event = AccountEvent.objects.get(target=ministry_user)
    assert (event.action, event.actor) == ("details_changed", admin_user) and "→" in event.details
    html = client.get(reverse("people:detail", kwargs={"pk": ministry_user.pk})).content.decode()
    assert "May approve answers" in html and "yes: approves answers" in html
    client.post(reverse("people:edit", kwargs={"pk": ministry_user.pk}), _person_post(ministry_user))
    ministry_user.refresh_from_db()
    assert not ministry_user.can_approve_answers


@pytest.mark.django_db
def test_a_coordinator_cannot_be_allowed_to_approve(login, admin_user, coordinator, platform):
    response = login(admin_user).post(reverse("people:edit", kwargs={"pk": coordinator.pk}),
                                      _person_post(coordinator, can_approve_answers="on", platforms=[platform.pk]))
    assert response.status_code == 200 and "can_approve_answers" in response.context["form"].errors
    coordinator.refresh_from_db()
    assert not coordinator.can_approve_answers and not AccountEvent.objects.exists()


# Pinned query counts ------------------------------------------------------------------------------------------


@pytest.fixture
def many(round, ministry_user, checker):
    """Twelve questions: drafts, pending ones, and published ones with a correction."""
    questions = []
    for n in range(12):
        question = record(ministry_user, [round], number=f"schriftelijke vraag nr. {n + 1}")
        if n % 3 == 1:
            write(ministry_user, question)
            submit(ministry_user, question)
        elif n % 3 == 2:
            publish(ministry_user, checker, question)
        questions.append(question)
    return questions


@pytest.mark.django_db
def test_query_count_of_the_list(login, ministry_user, many, django_assert_max_num_queries):
    client = login(ministry_user)
    with django_assert_max_num_queries(AUTH + 3):  # questions with their state, rounds, publications
        response = client.get(reverse("parliament:list"))
    assert len(response.context["questions"]) == 12


def _busy_question(many, ministry_user, checker):
    """A question with two publications, a correction in progress and several steps."""
    question = many[2]
    services.correction_start(actor=ministry_user, publication=Publication.objects.get(question=question))
    submit(ministry_user, question)
    services.draft_approve(actor=checker, draft=draft_of(question))
    services.correction_start(actor=ministry_user, publication=Publication.objects.get(question=question, number=2))
    return question


@pytest.mark.django_db
def test_query_count_of_the_question_page(login, ministry_user, checker, many, django_assert_max_num_queries):
    question = _busy_question(many, ministry_user, checker)
    client = login(ministry_user)
    client.get(question.get_absolute_url())  # the summary cached, as the draft's editors have it
    # question, rounds, open draft, its text's history and senders (authors), publications, steps; the summary cached
    with django_assert_max_num_queries(AUTH + 7):
        response = client.get(question.get_absolute_url())
    assert len(response.context["publications"]) == 2 and len(response.context["steps"]) == 7


@pytest.mark.django_db
def test_query_count_of_the_draft_page(login, ministry_user, checker, many, django_assert_max_num_queries):
    question = _busy_question(many, ministry_user, checker)
    client = login(ministry_user)
    client.get(_url("draft", question.pk))
    with django_assert_max_num_queries(AUTH + 3):  # question, rounds, open draft; the summary cached
        response = client.get(_url("draft", question.pk))
    assert response.status_code == 200


@pytest.mark.django_db
def test_query_count_of_the_publication_page(login, ministry_user, checker, many, django_assert_max_num_queries):
    question = _busy_question(many, ministry_user, checker)
    publication = Publication.objects.get(question=question, number=1)
    client = login(ministry_user)
    client.get(publication.get_absolute_url())
    # publication (question, corrects), rounds, their themes, latest version, open draft, corrected by
    with django_assert_max_num_queries(AUTH + 6):
        response = client.get(publication.get_absolute_url())
    assert response.context["corrected_by"].number == 2
