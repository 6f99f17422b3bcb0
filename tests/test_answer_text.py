"""The answer text (page and .docx): the minister's sentences for the questions of 2020, a sentence per
question for any other questionnaire."""

import io

import docx
import pytest
from django.urls import reverse
from django.utils import translation

from rounds.models import Theme
from summaries.answer import answer_blocks, answer_text, asks_the_2020_questions
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
    draft = report_with_answers(open_round, other_platform, {}, status="draft")
    InitiativeFactory(report=submitted, title="@Huiswerkklas")
    return submitted, draft


@pytest.mark.django_db
def test_answer_text_takes_its_figures_from_the_data(login, ministry_user, open_round, reports):
    page = login(ministry_user).get(_url(open_round, "rounds:answer")).text
    assert "Op basis van 1 van de 2 LOP&#x27;s. Nog niet ingediend: LOP Secundair Onderwijs Brugge." in page
    assert "In 1 LOP Basisonderwijs en 0 LOP&#x27;s Secundair Onderwijs maakte minstens één school" in page
    assert "1 LOP hebben de aanmeldingsperiode aangepast" in page
    assert "Verstrekken van laptops: in 1 van de 1 LOP&#x27;s kwam dit thema ter sprake." in page
    assert "Onthaal" not in page  # notes are not part of the answer
    assert "&lt;script&gt;" not in page and "<script>alert" not in page


@pytest.mark.django_db
def test_half_and_majority_phrasing(login, ministry_user, open_round):
    from summaries.answer import share

    assert share(35, 70) == "de helft van de LOP's (35)"
    assert share(47, 70, majority=True) == "een meerderheid van de LOP's (47 van de 70)"
    assert share(47, 70) == "47 van de 70 LOP's"
    assert share(33, 70, majority=True) == "33 van de 70 LOP's"


@pytest.mark.django_db
def test_answer_docx_holds_the_same_text(login, ministry_user, open_round, reports):
    response = login(ministry_user).get(_url(open_round, "rounds:answer_docx"))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert open_round.title in text
    assert "Op basis van 1 van de 2 LOP's." in text
    assert "Verstrekken van laptops" in text


@pytest.mark.django_db
def test_the_demo_answer_text_reads_like_the_ministers(login, ministry_user):
    from platforms.demo import load_demo
    from rounds.demo import load_rounds

    load_demo()
    load_rounds()
    page = login(ministry_user).get(reverse("rounds:answer", kwargs={"round_slug": "corona-2020"})).text
    for sentence in (
        "Op basis van 70 van de 70 LOP&#x27;s.",
        "In 26 LOP&#x27;s Basisonderwijs en 12 LOP&#x27;s Secundair Onderwijs maakte minstens één school gebruik van "
        "een aanmeldingsprocedure",
        "13 LOP&#x27;s hebben de aanmeldingsperiode aangepast",
        "22 LOP&#x27;s pasten de inschrijvingsperiode voor aangemelde leerlingen aan",
        "20 LOP&#x27;s hebben de vrije inschrijvingsperiode aangepast",
        "55 LOP&#x27;s hebben afspraken m.b.t. de toeleiding van anderstalige nieuwkomers. 9 LOP&#x27;s hiervan",
        "In 21 van de 41 LOP&#x27;s blijven de afspraken m.b.t. kleuterparticipatie ongewijzigd en in 3 LOP&#x27;s",
        "Voor een meerderheid van de LOP&#x27;s",
        "Verstrekken van laptops: in 33 van de 70 LOP&#x27;s kwam dit thema ter sprake.",
        "20 LOP&#x27;s zetten zelf acties op of werkten mee aan acties.",
        "in de helft van de LOP&#x27;s (35) kwam dit thema ter sprake",
    ):
        assert sentence in page, sentence


@pytest.mark.django_db
def test_any_other_questionnaire_gets_a_sentence_per_question(db):
    round = ReportingRoundFactory(title="Onthaal van Oekraïense leerlingen",
                                  themes=Theme.objects.filter(slug="laptops"), questionnaire=[
        section("reception", [
            question("received_pupils", "Received pupils"),
            question("pupil_count", "Number of pupils", "number", relevant="${received_pupils} = 'yes'"),
            question("support", "Support given", "multiple", relevant="${received_pupils} = 'yes'",
                     choices=[("language", "Language"), ("material", "Material")]),
            question("remarks", "Remarks", "text", required=False),
        ], title="Reception"),
        section("theme_work", [question("discussed", "Discussed")], title="Theme", per_theme=True),
    ])
    basis, secundair = PlatformFactory(level="basis"), PlatformFactory(level="secundair")
    report_with_answers(round, basis, {"received_pupils": "yes", "pupil_count": 12, "remarks": "Vlot",
                                       "support": frozenset({"language", "material"}),
                                       "theme:laptops:discussed": "yes"})
    report_with_answers(round, secundair, {"received_pupils": "yes", "pupil_count": 3,
                                           "support": frozenset({"language"}), "theme:laptops:discussed": "no"})
    summary = round_summary(round)
    assert not asks_the_2020_questions(summary.definition)
    with translation.override("en"):
        text = answer_text(answer_blocks(summary, [], []))
    assert "Based on 2 of the 2 platforms." in text
    assert "\nReception\n- Received pupils: 2 of the 2 platforms answered yes.\n" in text
    assert "- Number of pupils: 2 platforms answered, together 15 (median 7.5).\n" in text
    assert "- Support given: Language: 2 of the 2 platforms; Material: 1 of the 2 platforms.\n" in text
    assert "Remarks" not in text and "Vlot" not in text  # text answers are not counted
    assert "\nTheme: Verstrekken van laptops\n- Discussed: 1 of the 2 platforms answered yes.\n" in text
