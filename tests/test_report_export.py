"""The report exports (CSV, XLSX) in the one file format, formula neutralisation, and the initiative exports."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rounds.models import Answer, Question, Theme
from summaries.exports import report_rows

from .factories import InitiativeFactory, PlatformFactory, ReportFactory, ReportingRoundFactory
from .report_files import (
    CUSTOM_COLUMNS,
    CUSTOM_SECTIONS,
    CUSTOM_THEME_COLUMNS,
    THEMES_2020,
    answer,
    columns_2020,
    give_questionnaire,
    read_csv,
)


def _url(round, name):
    return reverse(name, kwargs={"round_slug": round.slug})


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def open_round(open_round):
    """The open round of conftest with the 2020 questionnaire."""
    return give_questionnaire(open_round)


@pytest.fixture
def reports(open_round, platform, other_platform):
    submitted = answer(ReportFactory(round=open_round, platform=platform, status="submitted",
                                     submitted_at=timezone.now()), {
        "registration_procedure_used": "yes", "application_period_adjusted": "yes",
        "enrolment_period_adjusted": "no", "free_enrolment_period_adjusted": "no", "newcomers": "adjusted",
        "preschool": "unchanged", "excluded_pupils": "none",
        "theme:laptops:discussed": "yes", "theme:laptops:agreements": "no", "theme:laptops:actions": "yes",
        "theme:laptops:exchange": "no", "theme:laptops:informed": "no",
        "theme:family-support:discussed": "no",
    }, {"registrations_note": "=HYPERLINK(\"http://evil.example\")",
        "newcomers_note": "Onthaal <script>alert(1)</script>", "theme:laptops:note": "+31 laptops"})
    draft = answer(ReportFactory(round=open_round, platform=other_platform, status="draft"),
                   {"registration_procedure_used": "no"})
    InitiativeFactory(report=submitted, title="@Huiswerkklas")
    return submitted, draft


BASIS_2020 = [
    "gent-bao", "LOP Basisonderwijs Gent", "basis", "submitted", "yes", "yes", "no", "no", "adjusted", "unchanged",
    "none",
    "yes", "no", "yes", "no", "no",  # laptops
    "", "", "", "", "",  # reaching all pupils
    "no", "no", "no", "no", "no",  # family support: not discussed, so the rest follows
    "", "", "", "", "",  # summer schools
    "'=HYPERLINK(\"http://evil.example\")", "Onthaal <script>alert(1)</script>", "", "", "'+31 laptops", "", "", "",
]
SECUNDAIR_2020 = [
    "brugge-so", "LOP Secundair Onderwijs Brugge", "secundair", "draft", "no", "no", "no", "", "", "", "",
    *[""] * 20, *[""] * 8,
]


@pytest.mark.django_db
def test_the_2020_report_csv_keeps_its_columns_and_values(login, ministry_user, open_round, reports):
    response = login(ministry_user).get(_url(open_round, "rounds:export_csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(_body(response))
    assert rows[0] == columns_2020(THEMES_2020)
    assert rows[1:] == [SECUNDAIR_2020, BASIS_2020]  # by platform code


@pytest.mark.django_db
def test_a_question_not_asked_is_an_empty_cell(open_round, reports):
    """Pre-school is not asked of secundair onderwijs: empty, even with an answer left from an earlier level."""
    _submitted, draft = reports
    preschool = Question.objects.get(questionnaire__round=open_round, key="preschool")
    Answer.objects.create(report=draft, question=preschool, kind=preschool.kind, value="adjusted")
    rows = {row[0]: row for row in report_rows(open_round)}
    assert rows["brugge-so"] == SECUNDAIR_2020


@pytest.mark.django_db
def test_report_xlsx_holds_the_same_rows(login, ministry_user, open_round, reports):
    response = login(ministry_user).get(_url(open_round, "rounds:export_xlsx"))
    workbook = openpyxl.load_workbook(io.BytesIO(_body(response)), read_only=True)
    rows = [[cell if cell is not None else "" for cell in row] for row in workbook.active.iter_rows(values_only=True)]
    assert rows[0] == columns_2020(THEMES_2020)
    assert rows[1:] == [SECUNDAIR_2020, BASIS_2020]


@pytest.mark.django_db
def test_initiative_exports(login, ministry_user, open_round, reports):
    client = login(ministry_user)
    rows = read_csv(_body(client.get(_url(open_round, "rounds:initiatives_csv"))))
    assert rows[0][:5] == ["platform_code", "platform_name", "level", "report_status", "title"]
    assert rows[1][4] == "'@Huiswerkklas"
    assert rows[1][7] == "low-ses"
    workbook = openpyxl.load_workbook(io.BytesIO(_body(client.get(_url(open_round, "rounds:initiatives_xlsx")))))
    assert workbook.active.cell(row=2, column=5).value == "'@Huiswerkklas"


@pytest.fixture
def custom_round(db):
    themes = [Theme.objects.get(slug="laptops"), Theme.objects.get(slug="family-support")]
    return give_questionnaire(ReportingRoundFactory(slug="oekraine-2022", themes=themes), CUSTOM_SECTIONS)


@pytest.mark.django_db
def test_a_custom_questionnaire_exports_its_keys_and_values(login, ministry_user, custom_round, platform,
                                                           other_platform):
    answer(ReportFactory(round=custom_round, platform=platform), {
        "received": "yes", "pupils": 7, "languages": frozenset({"en", "uk"}), "first_day": datetime.date(2022, 3, 1),
        "theme:laptops:offered": "yes", "theme:laptops:how": "online", "theme:laptops:evaluated": "yes",
        "theme:family-support:offered": "no",
    }, {"arrival_note": "-2 vertrokken", "theme:family-support:support_note": "Niets"})
    secundair = answer(ReportFactory(round=custom_round, platform=other_platform, status="draft"),
                       {"received": "no", "contact": "@peeters"})
    # An answer to a question no longer asked (the earlier answer changed): not in the file.
    pupils = Question.objects.get(questionnaire__round=custom_round, key="pupils")
    Answer.objects.create(report=secundair, question=pupils, kind=pupils.kind, value="3", number=3)

    rows = list(report_rows(custom_round))
    assert rows[0] == ["platform_code", "platform_name", "level", "status", *CUSTOM_COLUMNS,
                       *[f"theme:{slug}:{key}" for slug in ("laptops", "family-support")
                         for key in CUSTOM_THEME_COLUMNS],
                       "arrival_note", "theme:laptops:support_note", "theme:family-support:support_note"]
    by_code = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    basis = by_code["gent-bao"]
    assert [basis[c] for c in CUSTOM_COLUMNS] == ["yes", 7, "uk en", "2022-03-01", ""]  # choices in list order
    assert [basis[f"theme:laptops:{c}"] for c in CUSTOM_THEME_COLUMNS] == ["yes", "online", "yes"]
    assert [basis[f"theme:family-support:{c}"] for c in CUSTOM_THEME_COLUMNS] == ["no", "", "no"]  # implied
    assert (basis["arrival_note"], basis["theme:family-support:support_note"]) == ("-2 vertrokken", "Niets")
    other = by_code["brugge-so"]
    assert [other[c] for c in CUSTOM_COLUMNS] == ["no", "", "", "", "@peeters"]

    # In the CSV, numbers are digits and text that a spreadsheet would run is neutralised.
    csv_rows = read_csv(_body(login(ministry_user).get(_url(custom_round, "rounds:export_csv"))))
    csv_by_code = {row[0]: dict(zip(csv_rows[0], row, strict=True)) for row in csv_rows[1:]}
    assert csv_by_code["gent-bao"]["pupils"] == "7"
    assert csv_by_code["gent-bao"]["arrival_note"] == "'-2 vertrokken"
    assert csv_by_code["brugge-so"]["contact"] == "'@peeters"


def _export_queries(round) -> int:
    with CaptureQueriesContext(connection) as queries:
        rows = list(report_rows(round))
    assert len(rows) == round.reports.count() + 1
    return len(queries)


@pytest.mark.django_db
def test_the_export_makes_the_same_queries_for_any_number_of_reports(open_round):
    def add_reports(count):
        for _ in range(count):
            answer(ReportFactory(round=open_round, platform=PlatformFactory()), {
                "registration_procedure_used": "yes", "newcomers": "none", "theme:laptops:discussed": "no"},
                {"registrations_note": "Opmerking", "theme:laptops:note": "Laptops"})

    add_reports(3)
    list(report_rows(open_round))  # the questionnaire's structure is cached from here on
    few = _export_queries(open_round)
    add_reports(30)
    assert _export_queries(open_round) == few <= 4  # the questionnaire is cached: reports, answers, notes, themes


@pytest.mark.django_db
def test_export_memory_is_flat_the_rows_are_streamed(login, ministry_user, open_round):
    """The CSV is a streaming response whose rows come from the database in chunks."""
    for i in range(30):
        ReportFactory(round=open_round, platform=PlatformFactory(code=f"lop-x{i}"))
    response = login(ministry_user).get(_url(open_round, "rounds:export_csv"))
    assert response.streaming
    assert len(read_csv(_body(response))) == 31


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_export_reads_one_snapshot_outside_a_transaction(open_round, platform, other_platform):
    """Outside a transaction (a real request), the three queries read one snapshot (PostgreSQL) and the rows match."""
    answer(ReportFactory(round=open_round, platform=platform), {"newcomers": "none"}, {"newcomers_note": "N"})
    answer(ReportFactory(round=open_round, platform=other_platform), {"newcomers": "adjusted"})
    assert not connection.in_atomic_block
    header, *rows = report_rows(open_round)
    assert not connection.in_atomic_block
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert (by_code["gent-bao"]["newcomers"], by_code["gent-bao"]["newcomers_note"]) == ("none", "N")
    assert (by_code["brugge-so"]["newcomers"], by_code["brugge-so"]["newcomers_note"]) == ("adjusted", "")
