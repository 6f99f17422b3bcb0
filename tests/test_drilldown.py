"""The drill-down behind a figure of the summary: it names its round, question, value and base, and downloads."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from .factories import PlatformFactory
from .questionnaire_factories import give_questionnaire, report_with_answers

ANSWERS = {
    "registration_procedure_used": "yes", "application_period_adjusted": "no", "enrolment_period_adjusted": "yes",
    "free_enrolment_period_adjusted": "no", "newcomers": "unchanged", "excluded_pupils": "none",
}


@pytest.fixture
def drill_round(open_round):
    """Two basis and one secundair platform submitted (two adjusted their newcomers' agreements), a basis draft
    that adjusted too, and a secundair platform that did not answer."""
    give_questionnaire(open_round)
    gent = PlatformFactory(code="gent-bao", name="LOP Basisonderwijs Gent", level="basis")
    aalst = PlatformFactory(code="aalst-bao", name="LOP Basisonderwijs Aalst", level="basis")
    brugge = PlatformFactory(code="brugge-so", name="LOP Secundair Onderwijs Brugge", level="secundair")
    draft = PlatformFactory(code="ieper-bao", name="LOP Basisonderwijs Ieper", level="basis")
    PlatformFactory(code="leeg-so", level="secundair")
    report_with_answers(open_round, gent, {**ANSWERS, "preschool": "none", "newcomers": "adjusted"},
                        {"newcomers_note": "Onthaal via OKAN-klas"})
    report_with_answers(open_round, aalst, {**ANSWERS, "preschool": "none"})
    report_with_answers(open_round, brugge, {**ANSWERS, "newcomers": "adjusted"})
    report_with_answers(open_round, draft, {**ANSWERS, "preschool": "none", "newcomers": "adjusted"}, status="draft")
    return open_round


def _url(round, name="rounds:summary_platforms"):
    return reverse(name, kwargs={"round_slug": round.slug})


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(body.splitlines()[0], delimiters=",;")
    return list(csv.reader(io.StringIO(body), dialect))


@pytest.mark.django_db
def test_the_page_names_its_round_question_value_and_base(login, ministry_user, drill_round):
    client = login(ministry_user)
    response = client.get(_url(drill_round), {"question": "newcomers", "value": "adjusted"})
    page = response.text
    assert response.context["base"] == 3 and len(response.context["rows"]) == 2
    assert drill_round.title in page
    assert response.context["question"] in page and "nieuwkomers" in response.context["question"]
    assert response.context["value_label"] in page and response.context["value_label"] != "adjusted"
    assert "2 van de 3 platformen" in page or "2 of the 3 platforms" in page
    # Per level, over that level's base; with drafts, over the base with drafts.
    response = client.get(_url(drill_round), {"question": "newcomers", "value": "adjusted", "level": "basis"})
    assert (len(response.context["rows"]), response.context["base"]) == (1, 2)
    response = client.get(_url(drill_round), {"question": "newcomers", "value": "adjusted", "include_drafts": "1"})
    assert (len(response.context["rows"]), response.context["base"]) == (3, 4)
    # A question asked of basis platforms only: its base leaves the secundair platform out.
    response = client.get(_url(drill_round), {"question": "preschool", "value": "none"})
    assert (len(response.context["rows"]), response.context["base"]) == (2, 2)
    response = client.get(_url(drill_round), {"question": "preschool", "value": "none", "level": "secundair"})
    assert (len(response.context["rows"]), response.context["base"]) == (0, 0)


@pytest.mark.django_db
def test_the_page_links_its_downloads_with_the_same_query(login, ministry_user, drill_round):
    page = login(ministry_user).get(_url(drill_round), {"question": "newcomers", "value": "adjusted",
                                                        "level": "basis", "include_drafts": "1"}).text
    query = "?question=newcomers&amp;value=adjusted&amp;level=basis&amp;include_drafts=1"
    assert _url(drill_round, "rounds:summary_platforms_csv") + query in page
    assert _url(drill_round, "rounds:summary_platforms_xlsx") + query in page
    assert _url(drill_round, "rounds:summary_platforms_csv") + query + "&amp;dialect=excel" in page


@pytest.mark.django_db
def test_csv_lists_the_platforms_with_answer_and_note(login, ministry_user, drill_round):
    client = login(ministry_user)
    response = client.get(_url(drill_round, "rounds:summary_platforms_csv"), {"question": "newcomers",
                                                                               "value": "adjusted"})
    assert response.status_code == 200
    filename = f"{drill_round.slug}-platformen-newcomers-adjusted.csv"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    header, *rows = _csv(response)
    assert len(header) == 6  # code, platform, level, status, answer, note
    assert [row[0] for row in rows] == ["gent-bao", "brugge-so"]  # by level, then name, as on the page
    gent = rows[0]
    assert gent[1] == "LOP Basisonderwijs Gent" and gent[5] == "Onthaal via OKAN-klas"
    assert gent[4] != "adjusted" and gent[4] == rows[1][4]  # the value's label, not its code
    assert rows[1][5] == ""
    # The same file for Excel with Belgian settings: semicolons.
    response = client.get(_url(drill_round, "rounds:summary_platforms_csv"),
                          {"question": "newcomers", "value": "adjusted", "level": "secundair", "dialect": "excel"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0].count(";") == 5
    assert "brugge-so;" in body and "gent-bao" not in body


@pytest.mark.django_db
def test_xlsx_has_the_same_rows(login, admin_user, drill_round):
    response = login(admin_user).get(_url(drill_round, "rounds:summary_platforms_xlsx"),
                                     {"question": "newcomers", "value": "adjusted", "include_drafts": "1"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["gent-bao", "ieper-bao", "brugge-so"]  # with the draft
    assert rows[1][1] == "LOP Basisonderwijs Gent" and rows[1][5] == "Onthaal via OKAN-klas"


@pytest.mark.django_db
def test_bad_parameters_are_a_404_on_the_page_and_the_downloads(login, ministry_user, drill_round):
    client = login(ministry_user)
    for name in ("rounds:summary_platforms", "rounds:summary_platforms_csv", "rounds:summary_platforms_xlsx"):
        for bad in ({}, {"question": "newcomers", "value": "maybe"}, {"question": "nope", "value": "yes"},
                    {"question": "\x00", "value": "\x00"}, {"question": "newcomers"}):
            assert client.get(_url(drill_round, name), bad).status_code == 404, (name, bad)
        # An unknown level is ignored, as on the summary.
        assert client.get(_url(drill_round, name), {"question": "newcomers", "value": "adjusted",
                                                    "level": "hoger"}).status_code == 200


@pytest.mark.django_db
def test_coordinators_cannot_download_a_drilldown(login, coordinator, drill_round):
    for name in ("rounds:summary_platforms_csv", "rounds:summary_platforms_xlsx"):
        response = login(coordinator).get(_url(drill_round, name), {"question": "newcomers", "value": "adjusted"})
        assert response.status_code == 403
