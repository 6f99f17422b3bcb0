"""References to figures in an answer text (summaries/references.py), the text generated from the questionnaire's
sentences, and the answer as HTML and as Word (summaries/documents.py)."""

import io
from pathlib import Path

import docx
import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation

from rounds.models import ReportingRound, Theme
from summaries.documents import answer_docx, answer_html
from summaries.references import (
    ReferenceRefused,
    default_sentence,
    drilldown_url,
    figure,
    figures,
    find,
    generated_text,
    sentence_for,
    unsourced_numbers,
    write_in,
)
from summaries.summary import round_summary

from .factories import InitiativeFactory, PlatformFactory, ReportingRoundFactory
from .questionnaire_factories import question, report_with_answers, section

ANSWER_2020 = Path(settings.BASE_DIR) / "parliament" / "seed" / "answer-2020.md"
SUPPORT = [("language", "Taalondersteuning"), ("material", "Materiaal")]
HOW = [("online", "Online"), ("school", "Op school")]


def _questionnaire(sentences: dict | None = None) -> list[dict]:
    """Every kind of question, a condition, and a section asked per theme."""
    sentences = sentences or {}

    def q(key, *args, **extra):
        return question(key, *args, sentence=sentences.get(key, ""), **extra)

    return [
        section("reception", [
            q("received", "Ontving het LOP leerlingen?"),
            q("pupil_count", "Hoeveel leerlingen?", "number", relevant="${received} = 'yes'"),
            q("support", "Welke ondersteuning?", "multiple", choices=SUPPORT, required=False),
            q("how", "Hoe?", "choice", choices=HOW, required=False),
            q("remarks", "Opmerkingen", "text", required=False),
            q("started", "Sinds wanneer?", "date", required=False),
        ], title="Onthaal"),
        section("theme_work", [q("discussed", "Besproken")], title="Thema", per_theme=True),
    ]


@pytest.fixture
def custom(db):
    """Two basis platforms and a secundair one, every one submitted, with initiatives; and its summary."""
    basis, other_basis = PlatformFactory(level="basis"), PlatformFactory(level="basis")
    secundair = PlatformFactory(level="secundair")
    round = ReportingRoundFactory(slug="onthaal", title="Onthaal 2022", themes=Theme.objects.filter(slug="laptops"),
                                  questionnaire=_questionnaire())
    first = report_with_answers(round, basis, {
        "received": "yes", "pupil_count": 12, "support": frozenset({"language", "material"}), "how": "online",
        "remarks": "Vlot", "theme:laptops:discussed": "yes"})
    report_with_answers(round, other_basis, {"received": "no", "theme:laptops:discussed": "no"})
    third = report_with_answers(round, secundair, {
        "received": "yes", "pupil_count": 3, "support": frozenset({"language"}), "how": "school",
        "theme:laptops:discussed": "no"})
    InitiativeFactory(report=first, kind="homework_support")
    InitiativeFactory(report=first, kind="homework_support")
    InitiativeFactory(report=third, kind="laptops_ict")
    return round


def _summaries(round):
    return {round.slug: round_summary(ReportingRound.objects.get(pk=round.pk))}


# The grammar --------------------------------------------------------------------------------------------------


def test_find_gives_every_reference_in_order_without_braces_or_spaces():
    text = "In {{ received.yes.total }} van de {{received.base.total}} LOP's; {{ onthaal / base.basis }}."
    assert find(text) == [(3, 27, "received.yes.total"), (35, 58, "received.base.total"),
                          (66, 92, "onthaal/base.basis")]
    assert find("{{ open\nover two lines }} and {single} braces") == []


@pytest.mark.django_db
def test_every_kind_of_figure(custom):
    summaries = _summaries(custom)
    expected = {
        "received.yes.total": 2, "received.yes.basis": 1, "received.yes.secundair": 1, "received.no.total": 1,
        "received.yes+no.total": 3, "received.base.total": 3,
        "pupil_count.answered.total": 2, "pupil_count.sum.total": 15, "pupil_count.sum.basis": 12,
        "pupil_count.median": 7.5, "pupil_count.base.total": 2,  # asked only when received = yes
        "support.language.total": 2, "support.material.basis": 1, "support.language+material.total": 3,
        "how.online+school.total": 2, "how.school.secundair": 1,
        "remarks.answered.total": 1, "started.answered.total": 0, "remarks.base.secundair": 1,
        "theme:laptops:discussed.yes.total": 1, "theme:laptops:discussed.base.total": 3,
        "platforms.total": 3, "platforms.basis": 2, "submitted.total": 3, "base.secundair": 1,
        "initiatives.total.total": 3, "initiatives.homework_support.total": 2,
        "initiatives.laptops_ict.secundair": 1, "initiatives.platforms.total": 2, "initiatives.tutoring.total": 0,
        "onthaal/received.yes.total": 2,
    }
    for reference, value in expected.items():
        assert figure(reference, summaries, "onthaal") == value, reference
    text = " ".join(f"{{{{ {reference} }}}}" for reference in expected)
    assert figures(text, summaries, "onthaal") == (expected, [])


@pytest.mark.django_db
def test_a_median_nobody_answered_is_none_and_written_as_a_dash(custom):
    round = ReportingRoundFactory(slug="leeg", questionnaire=[section("s", [question("n", kind="number")])])
    summaries = _summaries(round)
    assert figure("n.median", summaries, "leeg") is None
    assert write_in("mediaan {{ n.median }}", figures("{{ n.median }}", summaries, "leeg")[0]) == "mediaan –"


@pytest.mark.django_db
@pytest.mark.parametrize(("reference", "message"), [
    ("foo.yes.total", "{{ foo.yes.total }}: the question foo is not in the questionnaire of Onthaal 2022."),
    ("received.maybe.total", "{{ received.maybe.total }}: the question received has no answer “maybe” "
                             "(possible: yes, no, base)."),
    ("how.online+never.total", "{{ how.online+never.total }}: the question how has no answer “never” (possible: "
                               "online, school, base)."),
    ("pupil_count.yes.total", "{{ pupil_count.yes.total }}: the question pupil_count has no answer “yes” (possible: "
                              "answered, sum, median, base)."),
    ("received.yes.all", "{{ received.yes.all }}: unknown level “all” (possible: total, basis, secundair)."),
    ("platforms.everywhere", "{{ platforms.everywhere }}: unknown level “everywhere” (possible: total, basis, "
                             "secundair)."),
    ("received.yes", "{{ received.yes }}: say which platforms: end with .total, .basis or .secundair."),
    ("received.median", "{{ received.median }}: only a number question has a median."),
    ("pupil_count.median.total", "{{ pupil_count.median.total }}: the median is over all platforms: write "
                                 "pupil_count.median."),
    ("discussed.yes.total", "{{ discussed.yes.total }}: the question discussed is asked per theme: write "
                            "theme:<theme>:discussed (themes: laptops)."),
    ("initiatives.lunch.total", "{{ initiatives.lunch.total }}: there is no figure of initiatives “lunch” "
                                "(possible: total, platforms, homework_support, bridge_figures, laptops_ict, "
                                "summer_school, reading_promotion, family_outreach, tutoring, other)."),
    ("received", "{{ received }}: not a reference to a figure; write for instance {{ key.yes.total }} or "
                 "{{ key.base.total }}."),
    ("", "{{  }}: an empty reference; write for instance {{ key.yes.total }}."),
    ("corona-2020/received.yes.total", "{{ corona-2020/received.yes.total }}: a reference to another round's "
                                       "figure: the round “corona-2020” is not one this text is answered with "
                                       "(possible: onthaal)."),
])
def test_a_reference_to_a_figure_that_does_not_exist_is_refused_with_its_reason(custom, reference, message):
    summaries = _summaries(custom)
    with translation.override("en"), pytest.raises(ReferenceRefused) as refused:
        figure(reference, summaries, "onthaal")
    assert str(refused.value) == message
    with translation.override("en"):
        values, errors = figures(f"Tekst {{{{ {reference} }}}} en {{{{ received.yes.total }}}}.", summaries,
                                 "onthaal")
    assert values == {"received.yes.total": 2} and errors == [message]
    assert drilldown_url(reference, summaries, "onthaal") is None


@pytest.mark.django_db
def test_another_rounds_figure_is_given_only_when_the_text_is_about_that_round(custom):
    other = ReportingRoundFactory(slug="ander", questionnaire=_questionnaire())
    both = {**_summaries(custom), **_summaries(other)}
    assert figure("ander/received.yes.total", both, "onthaal") == 0
    assert figure("received.yes.total", both, "onthaal") == 2
    with pytest.raises(ReferenceRefused, match="cijfer van een andere bevraging"):
        figure("ander/received.yes.total", _summaries(custom), "onthaal")


@pytest.mark.django_db
def test_round_level_figures_win_over_a_question_keyed_like_them(db):
    PlatformFactory(level="basis")
    round = ReportingRoundFactory(slug="woorden", questionnaire=[section("s", [question("base")])])
    summaries = _summaries(round)
    assert figure("base.total", summaries, "woorden") == 0  # the counted reports: none yet
    assert figure("base.base.total", summaries, "woorden") == 0  # the question keyed base, by its other shapes
    assert figure("platforms.total", summaries, "woorden") == 1


@pytest.mark.django_db
def test_a_figure_links_to_the_platforms_behind_it(custom):
    summaries = _summaries(custom)
    platforms = "/rounds/onthaal/summary/platforms/"
    assert drilldown_url("received.yes.basis", summaries, "onthaal") == \
        f"{platforms}?question=received&value=yes&level=basis"
    assert drilldown_url("theme:laptops:discussed.no.total", summaries, "onthaal") == \
        f"{platforms}?question=theme%3Alaptops%3Adiscussed&value=no"
    assert drilldown_url("pupil_count.sum.total", summaries, "onthaal") == f"{platforms}?question=pupil_count"
    assert drilldown_url("remarks.answered.secundair", summaries, "onthaal") == \
        f"{platforms}?question=remarks&level=secundair"
    # Bases, sums of answers and round-level figures: the summary; initiatives: their list.
    assert drilldown_url("received.base.total", summaries, "onthaal") == "/rounds/onthaal/summary/"
    assert drilldown_url("how.online+school.total", summaries, "onthaal") == "/rounds/onthaal/summary/"
    assert drilldown_url("platforms.total", summaries, "onthaal") == "/rounds/onthaal/summary/"
    assert drilldown_url("initiatives.laptops_ict.basis", summaries, "onthaal") == \
        "/rounds/onthaal/initiatives/?level=basis&kind=laptops_ict"
    drafts = {"onthaal": round_summary(custom, include_drafts=True)}
    assert drilldown_url("received.yes.total", drafts, "onthaal").endswith("&include_drafts=1")


# Numbers without a source -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "numbers"), [
    ("55 LOP's hebben afspraken; {{ newcomers.adjusted.total }} stuurden bij.", ["55"]),
    ("In {{ a.yes.total }} (35) van de 70, en 7,5 gemiddeld of 1.234 in totaal.", ["35", "70", "7,5", "1.234"]),
    ("{{ a.yes.total }}55 en 12%", ["55", "12"]),
    # Not figures of a round: years, words with digits, dates, list and heading numbers, a question's number.
    ("Sinds 2020 en in schooljaar 2020-2021.", []),
    ("Het COVID-19-virus, 4G-routers, de 3de graad en B2B.", []),
    ("Sinds 16 maart 2020, vanaf 15 mei, tot 30/06/2020 of 2020-06-30.", []),
    ("1. De eerste vraag\n2) De tweede\n## 3. Kop\n### 2.1 Onderkop", []),
    ("Schriftelijke vraag nr. 356 en vraag nr 12.", []),
    ("Een jaar als 1850 of 2150 is wel een getal.", ["1850", "2150"]),
])
def test_numbers_typed_as_text_are_found_and_the_exempt_ones_are_not(text, numbers):
    assert unsourced_numbers(text) == numbers


def test_write_in_gives_the_values_in_the_belgian_format():
    text = "{{ a.yes.total }} en {{b.sum.total}}, mediaan {{ c.median }}, {{ d.median }}; {{ onbekend.yes.total }}"
    with translation.override("nl-be"):
        written = write_in(text, {"a.yes.total": 2, "b.sum.total": 1234, "c.median": 7.5, "d.median": None})
    assert written == "2 en 1234, mediaan 7,5, –; {{ onbekend.yes.total }}"


# HTML and Word ------------------------------------------------------------------------------------------------


def test_answer_html_links_the_values_marks_what_is_refused_or_unsourced_and_escapes_the_rest():
    text = ("## Kop <b>vet</b>\n\nIn {{ registration_procedure_used.yes.total }} LOP's, *niet* 55. "
            "<script>alert('x')</script> {{ a_b._c.total }} {{ foo<x>.yes.total }} [link](javascript:alert(1)) "
            "![beeld](x.png) {{ c.median }}\n\n- een\n- twee\n\n1. eerste\n2. tweede\n")
    with translation.override("en"):
        html = str(answer_html(text, figures={"registration_procedure_used.yes.total": 26, "a_b._c.total": 3,
                                              "c.median": None},
                               urls={"registration_procedure_used.yes.total": "/d?question=r&level=basis"}))
    assert "<h2 class=\"h5 mt-4\">Kop &lt;b&gt;vet&lt;/b&gt;</h2>" in html
    assert '<a class="figure" href="/d?question=r&amp;level=basis">26</a>' in html
    assert '<span class="figure">3</span>' in html  # its underscores are not emphasis
    assert '<span class="figure">–</span>' in html
    assert "<em>niet</em>" in html
    assert '<mark class="unsourced" title="figure without a source">55</mark>' in html
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in html and "<script" not in html
    assert '<mark class="figure-refused">{{ foo&lt;x&gt;.yes.total }}</mark>' in html
    assert "<a href" not in html and "<img" not in html  # no links or images of one's own
    assert "<ul>\n<li>een</li>" in html and "<ol>\n<li>eerste</li>" in html
    assert '<mark class="unsourced"' not in str(answer_html("Niet 55.", figures={}, urls={}, flag_unsourced=False))


def test_private_use_characters_typed_in_the_text_cannot_pose_as_references():
    html = str(answer_html("\ue000\ue010\ue001 en \ue002 {{ a.yes.total }}", figures={"a.yes.total": 1}, urls={}))
    assert html == '<p>en  <span class="figure">1</span></p>\n'


@override_settings(DOCUMENT_AUTHOR="Departement Testonderwijs")
def test_answer_docx_is_a4_in_dutch_belgium_by_the_department():
    text = "## Inschrijvingen\n\nIn 26 LOP's **ja**.\n\n- 13 LOP's\n- 22 LOP's\n\n1. eerste\n\n### Onderkop\n"
    data = answer_docx(text + "Een \x0bverboden teken.", title="Schriftelijke vraag nr. 356",
                       lines=["Vraag van 20 mei 2020", "Stand van de gegevens op 1 juni 2020"])
    document = docx.Document(io.BytesIO(data))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert {round(m.mm) for m in (section.left_margin, section.right_margin, section.top_margin,
                                  section.bottom_margin)} == {25}
    properties = document.core_properties
    assert properties.author == "Departement Testonderwijs"
    assert properties.title == "Schriftelijke vraag nr. 356"
    assert properties.language == "nl-BE" and properties.created is not None
    lang = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val"
    styles = document.styles.element
    defaults = styles.find(".//{*}docDefaults/{*}rPrDefault/{*}rPr/{*}lang")
    assert defaults.get(lang) == "nl-BE"
    assert document.styles["Normal"].element.find(".//{*}rPr/{*}lang").get(lang) == "nl-BE"
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    assert paragraphs == [
        ("Title", "Schriftelijke vraag nr. 356"), ("Normal", "Vraag van 20 mei 2020"),
        ("Normal", "Stand van de gegevens op 1 juni 2020"), ("Heading 1", "Inschrijvingen"),
        ("Normal", "In 26 LOP's ja."), ("List Bullet", "13 LOP's"), ("List Bullet", "22 LOP's"),
        ("List Number", "eerste"), ("Heading 2", "Onderkop"), ("Normal", "Een verboden teken."),
    ]
    assert document.paragraphs[4].runs[1].bold


def test_a_title_with_control_characters_still_makes_a_document():
    document = docx.Document(io.BytesIO(answer_docx("Tekst.", title="Vraag\x00\x0b nr. 1", lines=[])))
    assert document.core_properties.title == "Vraag nr. 1"
    assert document.paragraphs[0].text == "Vraag nr. 1"


# Sentences and the generated text ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_kind_has_a_dutch_default_sentence_whose_figures_are_references(custom):
    summary = round_summary(custom)
    questions = summary.definition.questions
    assert default_sentence(questions["received"]) == (
        "- Ontving het LOP leerlingen? Ja bij {{ received.yes.total }} van de {{ received.base.total }} LOP's.")
    assert default_sentence(questions["how"]) == (
        "- Hoe? Online bij {{ how.online.total }} en Op school bij {{ how.school.total }} van de "
        "{{ how.base.total }} LOP's.")
    assert "(meerdere antwoorden mogelijk)" in default_sentence(questions["support"])
    assert default_sentence(questions["pupil_count"]) == (
        "- Hoeveel leerlingen? {{ pupil_count.answered.total }} LOP's antwoordden, samen "
        "{{ pupil_count.sum.total }} (mediaan {{ pupil_count.median }}).")
    assert default_sentence(questions["remarks"]) == default_sentence(questions["started"]) == ""
    text = generated_text(summary)
    assert unsourced_numbers(text) == []
    values, errors = figures(text, {"onthaal": summary}, "onthaal")
    assert errors == []
    with translation.override("en"):
        written = write_in(text, values)
    assert written.startswith("## Onthaal\n\n- Ontving het LOP leerlingen? Ja bij 2 van de 3 LOP's.\n"
                              "- Hoeveel leerlingen? 2 LOP's antwoordden, samen 15 (mediaan 7.5).\n")
    assert "Opmerkingen" not in written and "Vlot" not in written  # text answers are not counted
    assert "## Thema: Verstrekken van laptops\n\n- Besproken: Ja bij 1 van de 3 LOP's." in written
    assert ("2 LOP's registreerden 3 initiatieven om kwetsbare kinderen en jongeren te bereiken:\n\n"
            "- Huiswerkbegeleiding: 2\n- Laptops en ICT: 1\n") in written


@pytest.mark.django_db
def test_own_sentences_name_the_theme_and_are_rewritten_to_its_figures(db):
    PlatformFactory(level="basis")
    themes = Theme.objects.filter(slug__in=["laptops", "summer-schools-reading"])
    round = ReportingRoundFactory(slug="eigen", themes=themes, questionnaire=_questionnaire({
        "received": "Ontvangen: {{ received.yes.total }} (van {{ platforms.total }}).",
        "pupil_count": "-",
        "remarks": "{{ remarks.answered.total }} LOP's gaven een opmerking.",
        "discussed": "{theme}: {{ discussed.yes.total }} van de {{ discussed.base.total }}, "
                     "bij {{ received.yes.total }} met leerlingen.",
    }))
    summary = round_summary(round)
    assert sentence_for(summary.definition.questions["pupil_count"]) == ""  # "-": left out
    text = generated_text(summary)
    assert "## Onthaal\n\nOntvangen: {{ received.yes.total }} (van {{ platforms.total }}).\n\n- Welke" in text
    assert "pupil_count" not in text
    assert "{{ remarks.answered.total }} LOP's gaven een opmerking." in text
    assert ("## Thema\n\n- Verstrekken van laptops: {{ theme:laptops:discussed.yes.total }} van de "
            "{{ theme:laptops:discussed.base.total }}, bij {{ received.yes.total }} met leerlingen.\n"
            "- Zomerscholen en projecten rond leesbevordering: {{ theme:summer-schools-reading:discussed.yes.total }}"
            ) in text
    assert figures(text, {"eigen": summary}, "eigen")[1] == []


THE_MINISTERS_FIGURES = {
    "registration_procedure_used.yes.basis": 26, "registration_procedure_used.yes.secundair": 12,
    "application_period_adjusted.yes.total": 13, "enrolment_period_adjusted.yes.total": 22,
    "free_enrolment_period_adjusted.yes.total": 20,
    "newcomers.unchanged+adjusted.total": 55, "newcomers.adjusted.total": 9,
    "preschool.unchanged.total": 21, "preschool.base.total": 41, "preschool.adjusted.total": 3,
    "theme:laptops:discussed.yes.total": 33, "theme:laptops:discussed.base.total": 70,
    "theme:laptops:actions.yes.total": 20, "theme:laptops:exchange.yes.total": 21,
    "theme:reaching-all-pupils:discussed.yes.total": 42, "theme:reaching-all-pupils:discussed.base.total": 70,
    "theme:reaching-all-pupils:agreements.yes.total": 28, "theme:reaching-all-pupils:exchange.yes.total": 26,
    "theme:family-support:discussed.yes.total": 23, "theme:family-support:exchange.yes.total": 19,
    "theme:family-support:actions.yes.total": 12,
    "theme:summer-schools-reading:discussed.yes.total": 35,
}


@pytest.mark.django_db
def test_the_demo_answer_of_2020_gives_the_ministers_figures_and_every_one_is_a_reference():
    from platforms.demo import load_demo
    from rounds.demo import load_rounds

    load_demo()
    load_rounds()
    summary = round_summary(ReportingRound.objects.get(slug="corona-2020"))
    summaries = {"corona-2020": summary}

    text = ANSWER_2020.read_text(encoding="utf-8")
    assert unsourced_numbers(text) == []
    values, errors = figures(text, summaries, "corona-2020")
    assert errors == []
    # "Voor een meerderheid van de LOP's (47 van de 70)": the figures behind the minister's "majority".
    majority, base = values.pop("excluded_pupils.unchanged.total"), values.pop("excluded_pupils.base.total")
    assert base == 70 and majority > base / 2
    assert values == THE_MINISTERS_FIGURES
    written = write_in(text, figures(text, summaries, "corona-2020")[0])
    assert "In 26 LOP's Basisonderwijs en 12 LOP's Secundair Onderwijs maakte minstens één school" in written
    assert "In de helft van de LOP's (35) stonden deze thema's op de agenda" in written

    # The generated text of the round's questionnaire (its sentences of 2020) gives them too.
    generated = generated_text(summary)
    assert unsourced_numbers(generated) == []
    generated_values, errors = figures(generated, summaries, "corona-2020")
    assert errors == []
    assert {reference: value for reference, value in THE_MINISTERS_FIGURES.items()
            if reference in generated_values} == THE_MINISTERS_FIGURES

