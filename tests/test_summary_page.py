"""The summary page at a glance (issue #14): every question a chart with counts and percentages per level,
a one-of-a-list question in one stacked row with its headline, the previous round in percentages with the
change in percentage points, the page built once per version of the figures, and its queries pinned."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from platforms.demo import load_demo
from rounds.demo import load_rounds
from rounds.models import ReportingRound
from summaries import charts
from summaries.presenters import headline_label, none_choice, percent, points_text, summary_blocks
from summaries.summary import round_summary
from tests.questionnaire_factories import give_questionnaire, question, report_with_answers, section

from .factories import PlatformFactory, ReportingRoundFactory


def _url(round, name="rounds:summary"):
    return reverse(name, kwargs={"round_slug": round.slug})


def _row(page: str, label: str) -> str:
    """The table row whose header is this question's label."""
    match = re.search(r"<tr[^>]*><th scope=\"row\"[^>]*>" + re.escape(label) + r".*?</tr>", page, re.S)
    assert match, label
    return match.group(0)


def _cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", " ", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def demo_2020(db):
    load_demo()
    load_rounds()
    return ReportingRound.objects.get(slug="corona-2020")


@pytest.mark.django_db
def test_every_question_shows_counts_and_percentages_per_level(demo_2020, login, ministry_user):
    page = login(ministry_user).get(_url(demo_2020)).text
    # The minister's figures (../shared/domain/README.md): the registration procedure 26 basis, 12 secundair.
    row = _row(page, "Maakte minstens één school in het LOP gebruik van een aanmeldingsprocedure?")
    total, basis, secundair = (" ".join(cell.split()) for cell in _cells(row))
    assert total.startswith("38 van de 70 (54%)")
    assert basis.startswith("26 van de 41 (63%)")
    assert secundair.startswith("12 van de 29 (41%)")
    # Each level's figure has its bar, drawn on the server; its width is the percentage.
    assert row.count('<svg class="summary-bar"') == 3 and 'width="63.41%"' in row
    # The level's name beside each figure (the phone layout shows it), and the table has a caption.
    assert 'data-label="Basisonderwijs"' in row
    assert re.search(r'<caption class="visually-hidden">Inschrijvingen: ', page)
    # A question for basisonderwijs only: not applicable to secundair, its base the 41.
    preschool = _cells(_row(page, "Afspraken over kleuterparticipatie"))
    assert "21 van de 41" in preschool[0] and "niet van toepassing" in preschool[2]
    theme = _row(page, "Kwam dit thema ter sprake in het LOP?")  # the first theme: laptops
    assert "33 van de 70 (47%)" in " ".join(_cells(theme)[0].split())


@pytest.mark.django_db
def test_a_one_of_a_list_question_is_one_stacked_row_with_its_headline(demo_2020, login, ministry_user):
    page = login(ministry_user).get(_url(demo_2020)).text
    rows = re.findall(r'<tr class="summary-stacked">.*?</tr>', page, re.S)
    assert len(rows) == 3  # newcomers, pre-school participation, excluded pupils: one row each
    newcomers = next(row for row in rows if "toeleiding van anderstalige nieuwkomers" in row)
    # "55 LOP's hebben afspraken m.b.t. de toeleiding van anderstalige nieuwkomers. 9 ... bijgestuurd."
    assert "Afspraken: 55 van de 70 (79%)" in _text(newcomers)
    cells = [" ".join(cell.split()) for cell in _cells(newcomers)]
    assert cells[0].startswith("55 van de 70 (79%)")
    # The parts: unchanged, adjusted, then none; each with its count and percentage, linked to its platforms.
    assert re.search(r"Afspraken ongewijzigd: 46 van de 70 \(66%\).*Afspraken bijgestuurd: 9 van de 70 \(13%\)"
                     r".*Geen afspraken: 15 van de 70 \(21%\)", cells[0])
    assert "?question=newcomers&amp;value=adjusted&amp;level=basis" in newcomers
    # One bar per level, its parts told apart by pattern (a legend shows which), not by colour alone.
    assert newcomers.count("summary-bar-stacked") == 3
    fills = re.findall(r'fill="url\(#summary-fill-(\d)\)"', newcomers)
    assert {"0", "1", str(charts.NONE_INDEX)} <= set(fills)
    assert page.count('<pattern id="summary-fill-') == len(charts.PATTERNS) + 1
    preschool = next(row for row in rows if "kleuterparticipatie" in row)
    assert "Afspraken: 24 van de 41 (59%)" in _text(preschool)


@pytest.mark.django_db
def test_the_none_answer_comes_from_the_questionnaire():
    listed = question("contact", "Wie was het aanspreekpunt?", "choice",
                      choices=[("school", "De school"), ("none", "Geen aanspreekpunt")])
    definition = give_questionnaire(ReportingRoundFactory(), [section("s", [listed])])
    contact = definition.questions["contact"]
    assert none_choice(contact) == "none"
    assert headline_label(contact, "none") == "Aanspreekpunt"
    other = give_questionnaire(ReportingRoundFactory(), [section("s", [question(
        "reach", "Bereik", "choice", choices=[("many", "Veel"), ("few", "Weinig")])])]).questions["reach"]
    assert none_choice(other) == ""  # no headline: the parts only


def test_percentages_and_their_changes():
    assert (percent(55, 70), percent(1, 8), percent(0, 0)) == (79, 13, None)  # half up; no base: not applicable
    assert [points_text(a, b) for a, b in ((79, 75), (60, 63), (5, 5), (None, 5))] == ["+4 pp", "−3 pp", "0 pp", ""]


@pytest.fixture
def two_rounds(db):
    """The questionnaire of 2020 asked twice: last year 1 of 4 platforms used a registration procedure and
    had arrangements for newcomers; this year 2 of 3."""
    earlier = ReportingRoundFactory(slug="vorig-jaar", title="Bevraging 2019", opens_on=datetime.date(2019, 5, 1),
                                    deadline=datetime.date(2019, 6, 15))
    current = ReportingRoundFactory(slug="dit-jaar", title="Bevraging 2020")
    give_questionnaire(earlier)
    give_questionnaire(current)
    basis = PlatformFactory.create_batch(2, level="basis")
    secundair = PlatformFactory.create_batch(2, level="secundair")
    for platform, procedure, newcomers in zip(basis + secundair, ("yes", "no", "no", "no"),
                                              ("adjusted", "none", "none", "none"), strict=True):
        report_with_answers(earlier, platform, {"registration_procedure_used": procedure, "newcomers": newcomers})
    for platform, procedure, newcomers in zip(basis + secundair[:1], ("yes", "yes", "no"),
                                              ("unchanged", "adjusted", "none"), strict=True):
        report_with_answers(current, platform, {"registration_procedure_used": procedure, "newcomers": newcomers})
    return earlier, current


@pytest.mark.django_db
def test_the_previous_round_side_by_side_in_percentages_with_the_change(two_rounds, login, ministry_user):
    earlier, current = two_rounds
    page = login(ministry_user).get(_url(current)).text
    assert "Eerder: Bevraging 2019" in page
    procedure = _cells(_row(page, "Maakte minstens één school in het LOP gebruik van een aanmeldingsprocedure?"))
    assert " ".join(procedure[0].split()).startswith("2 van de 3 (67%)")
    assert " ".join(procedure[3].split()) == "25% +42 pp 1 van de 4"
    newcomers = " ".join(_cells(_row(page, "Afspraken over de toeleiding van anderstalige nieuwkomers"))[3].split())
    assert newcomers.startswith("25% +42 pp 1 van de 4")  # arrangements: 1 of 4 then, 2 of 3 now
    assert "Geen afspraken: 75% −42 pp" in newcomers
    # The same, from the view models.
    blocks = summary_blocks(round_summary(current), round_summary(earlier))
    chart = next(c for block in blocks for c in block.charts if c.rows[0].column == "newcomers")
    assert (chart.stacked, chart.headline, chart.previous_total, chart.change) == (True, "Afspraken", (1, 4),
                                                                                  "+42 pp")
    assert [row.value for row in chart.rows] == ["unchanged", "adjusted", "none"]


@pytest.mark.django_db
def test_the_page_is_built_once_per_version_of_the_figures(two_rounds, login, ministry_user, admin_user,
                                                          django_assert_max_num_queries):
    from rounds.services import rounds as round_services

    earlier, current = two_rounds
    client = login(ministry_user)
    client.get(_url(current))
    # Built: session, user, the second factor's device, the round, the previous round's version, the missing
    # platforms (one not submitted) with their coordinators; nothing of the figures.
    with django_assert_max_num_queries(7):
        page = client.get(_url(current)).text
    assert "2 van de 3 (67%)" in _text(page)
    # A new figure shows at once: the version changes with it.
    report_with_answers(current, PlatformFactory(level="secundair"), {"registration_procedure_used": "yes"})
    from summaries.summary import round_data_changed

    round_data_changed(current)
    assert "3 van de 4 (75%)" in _text(client.get(_url(current)).text)
    # And so does the previous round's new title.
    round_services.round_save(actor=admin_user, round=earlier, data={
        "title": "Bevraging voorjaar 2019", "themes": list(earlier.themes.all())})
    assert "Eerder: Bevraging voorjaar 2019" in client.get(_url(current)).text


@pytest.mark.django_db
def test_the_page_head_follows_the_rounds_title_state_and_drafts_choice(login, ministry_user):
    """The head is rendered once and kept (presenters.summary_header): an edit or a new state shows at once."""
    round = ReportingRoundFactory(slug="vraag-2026", title="Eerste titel", deadline=datetime.date(2099, 1, 1))
    client = login(ministry_user)
    page = client.get(_url(round)).text
    assert "Eerste titel" in page and "Open" in _text(page)
    ReportingRound.objects.filter(pk=round.pk).update(title="Tweede titel", closed_at=timezone.now())
    page = client.get(_url(round)).text
    assert "Tweede titel" in page and "Eerste titel" not in page
    assert "Gesloten" in _text(page)
    drafts = client.get(_url(round) + "?include_drafts=1").text
    assert "?include_drafts=1" not in drafts.split('href="/rounds/vraag-2026/summary.json')[0].rsplit("<a", 1)[-1]
    assert f'href="{_url(round)}"' in drafts  # the way back to the submitted reports only
