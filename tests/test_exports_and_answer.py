"""Exports (CSV, XLSX) in the one format, formula neutralisation, and the answer text and .docx."""

import csv
import io

import docx
import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from initiatives.models import ThemeAnswer
from rounds.columns import report_columns
from rounds.models import Theme

from .factories import InitiativeFactory, PlatformFactory, ReportFactory

SLUGS = ["laptops", "reaching-all-pupils", "family-support", "summer-schools-reading"]


def _url(round, name):
    return reverse(name, kwargs={"round_slug": round.slug})


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def reports(open_round, platform, other_platform):
    submitted = ReportFactory(
        round=open_round, platform=platform, status="submitted", submitted_at=timezone.now(),
        registration_procedure_used=True, application_period_adjusted=True, enrolment_period_adjusted=False,
        free_enrolment_period_adjusted=False, newcomers="adjusted", preschool="unchanged", excluded_pupils="none",
        registrations_note="=HYPERLINK(\"http://evil.example\")", newcomers_note="Onthaal <script>alert(1)</script>",
    )
    ThemeAnswer.objects.create(report=submitted, theme=Theme.objects.get(slug="laptops"), discussed=True,
                               agreements=False, actions=True, exchange=False, informed=False, note="+31 laptops")
    draft = ReportFactory(round=open_round, platform=other_platform, status="draft", preschool="not_applicable")
    InitiativeFactory(report=submitted, title="@Huiswerkklas")
    return submitted, draft


@pytest.mark.django_db
def test_report_csv_has_the_documented_columns_and_values(login, ministry_user, open_round, reports):
    response = login(ministry_user).get(_url(open_round, "rounds:export_csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))
    header = rows[0]
    assert header[:11] == [
        "platform_code", "platform_name", "level", "status", "registration_procedure_used",
        "application_period_adjusted", "enrolment_period_adjusted", "free_enrolment_period_adjusted", "newcomers",
        "preschool", "excluded_pupils"]
    assert header[11:16] == [f"theme:laptops:{f}" for f in ("discussed", "agreements", "actions", "exchange",
                                                            "informed")]
    assert header == report_columns(SLUGS)
    assert all(c.endswith("note") for c in header[11 + 20:])
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    basis = by_code["gent-bao"]
    assert (basis["level"], basis["status"], basis["registration_procedure_used"], basis["newcomers"]) == \
        ("basis", "submitted", "yes", "adjusted")
    assert basis["enrolment_period_adjusted"] == "no"
    assert basis["theme:laptops:actions"] == "yes" and basis["theme:family-support:discussed"] == ""
    # Formulas are neutralised, text is kept as text.
    assert basis["registrations_note"] == "'=HYPERLINK(\"http://evil.example\")"
    assert basis["theme:laptops:note"] == "'+31 laptops"
    assert basis["newcomers_note"] == "Onthaal <script>alert(1)</script>"
    secundair = by_code["brugge-so"]
    assert (secundair["status"], secundair["preschool"], secundair["newcomers"]) == ("draft", "", "")


@pytest.mark.django_db
def test_report_xlsx_holds_the_same_rows(login, ministry_user, open_round, reports):
    response = login(ministry_user).get(_url(open_round, "rounds:export_xlsx"))
    workbook = openpyxl.load_workbook(io.BytesIO(_body(response)), read_only=True)
    rows = [list(r) for r in workbook.active.iter_rows(values_only=True)]
    assert rows[0] == report_columns(SLUGS)
    assert len(rows) == 3
    by_code = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_code["gent-bao"]["registrations_note"] == "'=HYPERLINK(\"http://evil.example\")"
    assert by_code["gent-bao"]["registration_procedure_used"] == "yes"


@pytest.mark.django_db
def test_initiative_exports(login, ministry_user, open_round, reports):
    client = login(ministry_user)
    rows = list(csv.reader(io.StringIO(_body(client.get(_url(open_round, "rounds:initiatives_csv")))
                                       .decode("utf-8-sig"))))
    assert rows[0][:5] == ["platform_code", "platform_name", "level", "report_status", "title"]
    assert rows[1][4] == "'@Huiswerkklas"
    assert rows[1][7] == "low-ses"
    workbook = openpyxl.load_workbook(io.BytesIO(_body(client.get(_url(open_round, "rounds:initiatives_xlsx")))))
    assert workbook.active.cell(row=2, column=5).value == "'@Huiswerkklas"


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
def test_export_memory_is_flat_the_rows_are_streamed(login, ministry_user, open_round):
    """The CSV is a streaming response whose rows come from the database in chunks."""
    for i in range(30):
        ReportFactory(round=open_round, platform=PlatformFactory(code=f"lop-x{i}"))
    response = login(ministry_user).get(_url(open_round, "rounds:export_csv"))
    assert response.streaming
    assert len(list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))) == 31
