"""The round's answer text (page and .docx): the questionnaire's sentences with the current figures, each figure
linked to the platforms behind it."""

import datetime
import io
import re

import docx
import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from rounds.models import Question, Theme
from summaries.answer import coverage_line
from summaries.summary import round_summary

from .factories import InitiativeFactory, PlatformFactory, ReportingRoundFactory
from .questionnaire_factories import give_questionnaire, question, report_with_answers, section


def _url(round, name):
    return reverse(name, kwargs={"round_slug": round.slug})


@pytest.fixture
def reports(open_round, platform, other_platform):
    """A submitted basis report (with notes that must not show) and a secundair draft."""
    give_questionnaire(open_round)
    submitted = report_with_answers(open_round, platform, {
        "registration_procedure_used": "yes", "application_period_adjusted": "yes", "enrolment_period_adjusted": "no",
        "free_enrolment_period_adjusted": "no", "newcomers": "adjusted", "preschool": "unchanged",
        "excluded_pupils": "none", "theme:laptops:discussed": "yes", "theme:laptops:actions": "yes",
    }, {"registrations_note": "=HYPERLINK(\"http://evil.example\")",
        "newcomers_note": "Onthaal <script>alert(1)</script>"})
    draft = report_with_answers(open_round, other_platform, {"registration_procedure_used": "yes"}, status="draft")
    InitiativeFactory(report=submitted, title="@Huiswerkklas")
    return submitted, draft


def _figure(url_query: str, value: int) -> str:
    return f'<a class="figure" href="/rounds/corona-2020/summary/platforms/?{url_query}">{value}</a>'


@pytest.mark.django_db
def test_answer_text_takes_its_figures_from_the_data_and_links_them(login, ministry_user, open_round, reports,
                                                                    django_assert_max_num_queries):
    client = login(ministry_user)
    with django_assert_max_num_queries(20):
        response = client.get(_url(open_round, "rounds:answer"))
    page = response.text
    assert "In " + _figure("question=registration_procedure_used&amp;value=yes&amp;level=basis", 1) + \
        " LOP's Basisonderwijs en " + \
        _figure("question=registration_procedure_used&amp;value=yes&amp;level=secundair", 0) in page
    assert "<li>" + _figure("question=application_period_adjusted&amp;value=yes", 1) + \
        " LOP's hebben de aanmeldingsperiode aangepast</li>" in page
    assert "Verstrekken van laptops: in " + _figure("question=theme%3Alaptops%3Adiscussed&amp;value=yes", 1) + \
        ' van de <a class="figure" href="/rounds/corona-2020/summary/">1</a> LOP\'s kwam dit thema ter sprake.' in page
    assert "Onthaal" not in page and "evil.example" not in page  # notes are not part of the answer
    assert "<script>alert" not in page
    assert 'href="/questions/"' in page  # a citable answer is written for a parliamentary question
    answer = response.context["answer"]
    assert answer.refused == []
    assert re.findall(r"\d+", answer.coverage)[:2] == ["1", "2"]  # "Op basis van 1 van de 2 LOP's; stand van ..."
    assert "In 1 LOP&#x27;s Basisonderwijs en 0 LOP&#x27;s Secundair Onderwijs maakte" in page  # the text to copy
    assert "{{" not in answer.text


@pytest.mark.django_db
def test_drafts_are_counted_on_request(login, ministry_user, open_round, reports):
    response = login(ministry_user).get(_url(open_round, "rounds:answer") + "?include_drafts=1")
    assert _figure("question=registration_procedure_used&amp;value=yes&amp;level=secundair&amp;include_drafts=1",
                   1) in response.text
    coverage = response.context["answer"].coverage
    assert re.findall(r"\d+", coverage)[:2] == ["2", "2"]
    assert coverage.endswith(gettext("Reports not yet submitted are included."))


@pytest.mark.django_db
def test_the_coverage_line_gives_the_counted_platforms_and_when(open_round, reports):
    at = datetime.datetime(2026, 6, 3, 12, 5, tzinfo=datetime.UTC)
    with translation.override("en"):
        assert coverage_line(round_summary(open_round), at) == \
            "Based on 1 of the 2 platforms; figures as of 3 June 2026 at 14:05."


@pytest.mark.django_db
def test_answer_docx_holds_the_same_text(login, ministry_user, open_round, reports):
    response = login(ministry_user).get(_url(open_round, "rounds:answer_docx"))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    document = docx.Document(io.BytesIO(response.content))
    assert round(document.sections[0].page_width.mm) == 210
    assert document.core_properties.title == open_round.title
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    assert paragraphs[0] == ("Title", open_round.title)
    assert paragraphs[1][1].startswith(coverage_line(round_summary(open_round), timezone.now())[:30])
    assert ("List Bullet", "1 LOP's hebben de aanmeldingsperiode aangepast") in paragraphs
    assert ("Heading 1", "Thema") in paragraphs
    assert not any("{{" in text for _style, text in paragraphs)


@pytest.mark.django_db
def test_a_sentence_that_refers_to_a_missing_figure_is_shown_as_refused(login, ministry_user, open_round, reports):
    # Written before a later change of the questionnaire (the sentences page itself refuses it).
    Question.objects.filter(questionnaire__round=open_round, key="newcomers").update(
        sentence="- {{ newcomers.maybe.total }} LOP's twijfelden.")
    questionnaire = open_round.questionnaire
    questionnaire.version += 1
    questionnaire.save()
    open_round.data_version += 1
    open_round.save()
    response = login(ministry_user).get(_url(open_round, "rounds:answer"))
    assert '<mark class="figure-refused">{{ newcomers.maybe.total }}</mark>' in response.text
    assert len(response.context["answer"].refused) == 1


@pytest.mark.django_db
def test_any_other_questionnaire_gets_a_default_sentence_per_question(login, ministry_user):
    round = ReportingRoundFactory(slug="oekraine", title="Onthaal van Oekraïense leerlingen",
                                  themes=Theme.objects.filter(slug="laptops"), questionnaire=[
        section("reception", [
            question("received_pupils", "Ontving het LOP leerlingen?"),
            question("pupil_count", "Aantal leerlingen", "number", relevant="${received_pupils} = 'yes'"),
            question("remarks", "Opmerkingen", "text", required=False),
        ], title="Onthaal"),
    ])
    basis, secundair = PlatformFactory(level="basis"), PlatformFactory(level="secundair")
    report_with_answers(round, basis, {"received_pupils": "yes", "pupil_count": 12, "remarks": "Vlot"})
    report_with_answers(round, secundair, {"received_pupils": "yes", "pupil_count": 3})
    response = login(ministry_user).get(_url(round, "rounds:answer"))
    text = response.context["answer"].text
    assert "## Onthaal\n\n- Ontving het LOP leerlingen? Ja bij 2 van de 2 LOP's.\n" in text
    assert "- Aantal leerlingen: 2 LOP's antwoordden, samen 15 (mediaan 7,5).\n" in text
    assert "Opmerkingen" not in text and "Vlot" not in text  # text answers are not counted


@pytest.mark.django_db
def test_the_efforts_asked_of_schools_and_partners_are_listed_by_name_as_typed(login, ministry_user, open_round,
                                                                              reports, platform):
    submitted, _draft = reports
    initiative = InitiativeFactory(report=submitted, title="*Huiswerk* {{ newcomers.yes.total }} voor 12 leerlingen")
    initiative.asked_of.set([platform.memberships.first().organisation])
    client = login(ministry_user)
    response = client.get(_url(open_round, "rounds:answer"))
    assert "<li>LOP Basisonderwijs Gent: *Huiswerk* {{ newcomers.yes.total }} voor 12 leerlingen (" in response.text
    assert response.context["answer"].refused == []  # a title is text, never a reference
    document = docx.Document(io.BytesIO(client.get(_url(open_round, "rounds:answer_docx")).content))
    typed = "LOP Basisonderwijs Gent: *Huiswerk* {{ newcomers.yes.total }} voor 12 leerlingen ("
    assert any(p.style.name == "List Bullet" and p.text.startswith(typed) for p in document.paragraphs)
