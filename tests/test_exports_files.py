"""Files analysts use: the report and initiative workbooks (frozen header, filter, widths, date cells, a "Vragen"
sheet), the "CSV voor Excel", and the Word files (A4, nl-BE, author and date); the report workbook still imports."""

import csv
import datetime
import io
import re
import zipfile

import docx
import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl.utils import get_column_letter

from initiatives.models import InitiativeKind
from lopportal.docx import date_line
from rounds.models import Report, Theme
from summaries import exports
from summaries.exports import INITIATIVE_COLUMNS

from .factories import InitiativeFactory, PlatformFactory, ReportFactory, ReportingRoundFactory
from .parliament_helpers import answered_round, approver, publish, record
from .report_files import CUSTOM_SECTIONS, answer, give_questionnaire, read_csv, stored

BOM = "\ufeff".encode()
DUTCH_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
                "november", "december")


def _url(round, name):
    return reverse(name, kwargs={"round_slug": round.slug})


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _workbook(response):
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(_body(response)))


@pytest.fixture
def custom_round(db, platform, other_platform):
    """A round with every kind of question (a date too), a submitted basis report, a secundair draft, an initiative."""
    themes = [Theme.objects.get(slug="laptops"), Theme.objects.get(slug="family-support")]
    round = give_questionnaire(ReportingRoundFactory(slug="oekraine-2022", themes=themes), CUSTOM_SECTIONS)
    submitted = answer(ReportFactory(round=round, platform=platform, status="submitted",
                                     submitted_at=datetime.datetime(2022, 4, 1, tzinfo=datetime.UTC)), {
        "received": "yes", "pupils": 7, "languages": frozenset({"ru", "uk"}), "first_day": datetime.date(2022, 3, 1),
        "theme:laptops:offered": "yes", "theme:laptops:how": "online", "theme:laptops:evaluated": "yes",
        "theme:family-support:offered": "no",
    }, {"arrival_note": "-2 leerlingen vertrokken", "theme:laptops:support_note": "@school\nregel twee"})
    answer(ReportFactory(round=round, platform=other_platform), {
        "received": "no", "contact": "=HYPERLINK(\"x\")", "theme:family-support:offered": "yes"})
    InitiativeFactory(report=submitted, title="Taalbad", kind=InitiativeKind.TUTORING,
                      start_date=datetime.date(2022, 3, 14), end_date=datetime.date(2022, 6, 30))
    return round


@pytest.fixture
def analyst(login, ministry_user):
    return login(ministry_user)


# The report workbook ------------------------------------------------------------------------------------------


def _assert_table_sheet(sheet, width: int, height: int) -> None:
    """A frozen bold header, a filter over exactly the data, and a width for every column."""
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(width)}{height}"
    assert sheet.max_column == width and sheet.max_row == height
    assert all(sheet.cell(row=1, column=c).font.b for c in range(1, width + 1))
    for column in range(1, width + 1):
        assert 8 <= sheet.column_dimensions[get_column_letter(column)].width <= 60


@pytest.mark.django_db
def test_the_report_workbook_has_a_frozen_header_a_filter_widths_and_date_cells(analyst, custom_round):
    workbook = _workbook(analyst.get(_url(custom_round, "rounds:export_xlsx")))
    assert workbook.sheetnames == ["oekraine-2022", "Vragen"]
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    _assert_table_sheet(sheet, len(header), 3)  # the header and two reports
    rows = {row[0].value: {name: cell for name, cell in zip(header, row, strict=True)}
            for row in sheet.iter_rows(min_row=2)}
    first_day = rows["gent-bao"]["first_day"]
    assert isinstance(first_day.value, datetime.datetime) and first_day.is_date  # a date cell, not text
    assert first_day.value.date() == datetime.date(2022, 3, 1)
    assert first_day.number_format == "dd/mm/yyyy"
    assert rows["brugge-so"]["first_day"].value is None  # not asked: empty, as before
    # The other cells are the file format's values, unchanged (numbers as numbers, text neutralised).
    assert rows["gent-bao"]["pupils"].value == 7 and rows["gent-bao"]["languages"].value == "uk ru"
    assert rows["gent-bao"]["arrival_note"].value == "'-2 leerlingen vertrokken"
    assert rows["brugge-so"]["contact"].value == "'=HYPERLINK(\"x\")"
    # The widths follow the content: the long platform name's column is wider than the level's.
    widths = {name: sheet.column_dimensions[get_column_letter(i + 1)].width for i, name in enumerate(header)}
    assert widths["platform_name"] > widths["level"]


@pytest.mark.django_db
def test_the_vragen_sheet_explains_every_column_in_dutch_with_its_values(analyst, open_round, platform):
    give_questionnaire(open_round)
    answer(ReportFactory(round=open_round, platform=platform), {"registration_procedure_used": "yes"})
    workbook = _workbook(analyst.get(_url(open_round, "rounds:export_xlsx")))
    data, questions = workbook.worksheets
    assert questions.title == "Vragen"
    _assert_table_sheet(questions, 6, data.max_column + 1)  # one row per column of the data sheet
    explained = {row[0]: row for row in questions.iter_rows(min_row=2, values_only=True)}
    assert list(explained) == [cell.value for cell in data[1]]  # every column, in the data sheet's order
    _column, section, question, _kind, values, asked_of = explained["registration_procedure_used"]
    assert question == "Maakte minstens één school in het LOP gebruik van een aanmeldingsprocedure?"
    assert values.splitlines() == ["yes = Ja", "no = Nee"]
    assert explained["newcomers"][4].splitlines() == [
        "none = Geen afspraken", "unchanged = Afspraken ongewijzigd", "adjusted = Afspraken bijgestuurd"]
    assert explained["newcomers"][2] == "Afspraken over de toeleiding van anderstalige nieuwkomers"
    # A question asked of one level, and one whose answer follows from another, say so.
    assert explained["preschool"][5].startswith("Basisonderwijs") or "Primary" in explained["preschool"][5]
    assert "aanmeldingsprocedure" in explained["application_period_adjusted"][5]
    # A question asked per theme names its theme.
    assert Theme.objects.get(slug="laptops").name in explained["theme:laptops:discussed"][1]
    assert explained["theme:laptops:discussed"][2] == "Kwam dit thema ter sprake in het LOP?"
    assert explained["status"][4].splitlines()[0].startswith("draft = ")
    assert explained["level"][4].splitlines()[0].startswith("basis = ")
    assert questions.cell(row=2, column=5).alignment.wrap_text or questions["E4"].alignment.wrap_text


@pytest.mark.django_db
def test_the_vragen_sheet_of_a_custom_questionnaire(analyst, custom_round):
    questions = _workbook(analyst.get(_url(custom_round, "rounds:export_xlsx")))["Vragen"]
    explained = {row[0]: row for row in questions.iter_rows(min_row=2, values_only=True)}
    assert explained["languages"][4].splitlines()[:3] == ["uk = Oekraïens", "ru = Russisch", "en = Engels"]
    assert explained["theme:laptops:how"][4].splitlines() == ["school = Op school", "online = Online"]
    assert "0" in explained["pupils"][4] and "5000" in explained["pupils"][4]
    assert explained["contact"][5].startswith(("Secundair", "Secondary"))
    assert explained["arrival_note"][3] in ("Opmerking", "Note")


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?dialect=excel"])
def test_export_then_import_gives_the_same_answers(tmp_path, analyst, custom_round, query):
    """The downloaded workbook (with its "Vragen" sheet and date cells) and the CSV for Excel import unchanged."""
    before = {r.platform_id: (r.status, *stored(r)) for r in Report.objects.filter(round=custom_round)}
    if query:
        path = tmp_path / "export.csv"
        path.write_bytes(_body(analyst.get(_url(custom_round, "rounds:export_csv") + query)))
    else:
        path = tmp_path / "export.xlsx"
        path.write_bytes(_body(analyst.get(_url(custom_round, "rounds:export_xlsx"))))
    Report.objects.filter(round=custom_round).delete()  # the import creates them again

    call_command("import_responses", str(path), "--round", custom_round.slug, stdout=io.StringIO())

    after = {r.platform_id: (r.status, *stored(r)) for r in Report.objects.filter(round=custom_round)}
    assert after == before
    assert len(after) == 2 and any(values.get("first_day") == datetime.date(2022, 3, 1)
                                   for _status, values, _notes in after.values())


# CSV for Excel ------------------------------------------------------------------------------------------------


def _excel_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["rounds:export_csv", "rounds:initiatives_csv"])
def test_the_csv_for_excel_has_semicolons_a_bom_and_the_same_cells(analyst, custom_round, name):
    plain = _body(analyst.get(_url(custom_round, name)))
    excel = _body(analyst.get(_url(custom_round, name) + "?dialect=excel"))
    rows = _excel_csv(excel)
    assert excel.count(b"\r\n") == len(rows)  # CRLF ends every record (a note's own line break stays as it is)
    header_line = excel[len(BOM):].split(b"\r\n", 1)[0].decode()
    assert ";" in header_line and "," not in header_line
    assert rows == read_csv(plain)  # the same columns and cells
    # The plain CSV is as it was: commas.
    assert plain.startswith(BOM) and "," in plain[len(BOM):].split(b"\r\n", 1)[0].decode()


@pytest.mark.django_db
def test_an_unknown_dialect_gives_the_plain_csv(analyst, custom_round):
    plain = _body(analyst.get(_url(custom_round, "rounds:export_csv")))
    response = analyst.get(_url(custom_round, "rounds:export_csv") + "?dialect=libreoffice%00")
    assert response.status_code == 200 and _body(response) == plain


@pytest.mark.django_db
def test_the_summary_offers_the_csv_for_excel_beside_the_csv(analyst, custom_round):
    html = analyst.get(_url(custom_round, "rounds:summary")).content.decode()
    for name in ("rounds:export_csv", "rounds:initiatives_csv"):
        assert f'href="{_url(custom_round, name)}"' in html
        assert f'href="{_url(custom_round, name)}?dialect=excel"' in html


# The initiatives files ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_initiatives_workbook_and_its_explanation(analyst, custom_round):
    workbook = _workbook(analyst.get(_url(custom_round, "rounds:initiatives_xlsx")))
    assert workbook.sheetnames == ["initiatieven", "Vragen"]
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == INITIATIVE_COLUMNS
    _assert_table_sheet(sheet, len(INITIATIVE_COLUMNS), 2)
    row = dict(zip(INITIATIVE_COLUMNS, sheet[2], strict=True))
    assert row["start_date"].is_date and row["start_date"].value.date() == datetime.date(2022, 3, 14)
    assert row["end_date"].is_date and row["end_date"].value.date() == datetime.date(2022, 6, 30)
    assert row["kind"].value == "tutoring"

    questions = workbook["Vragen"]
    _assert_table_sheet(questions, 3, len(INITIATIVE_COLUMNS) + 1)
    explained = {row[0]: row for row in questions.iter_rows(min_row=2, values_only=True)}
    assert list(explained) == INITIATIVE_COLUMNS
    assert f"tutoring = {InitiativeKind.TUTORING.label}" in explained["kind"][2].splitlines()
    assert {"laptops", "family-support"} <= {line.split(" = ")[0] for line in explained["themes"][2].splitlines()}
    assert all(description for _column, description, _values in explained.values())

    # The CSV keeps writing dates as YYYY-MM-DD.
    rows = read_csv(_body(analyst.get(_url(custom_round, "rounds:initiatives_csv"))))
    assert dict(zip(rows[0], rows[1], strict=True))["start_date"] == "2022-03-14"


# Word ---------------------------------------------------------------------------------------------------------


def _assert_dutch_a4_dated(body: bytes) -> docx.Document:
    document = docx.Document(io.BytesIO(body))
    for section in document.sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert re.search(r'<w:lang [^>]*w:val="nl-BE"', document.styles.element.xml)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:  # no part of the file still says US English
        assert not any(b'w:val="en-US"' in archive.read(name) for name in archive.namelist() if name.endswith(".xml"))
    properties = document.core_properties
    assert properties.author == settings.DOCUMENT_AUTHOR and properties.last_modified_by == settings.DOCUMENT_AUTHOR
    assert properties.language == "nl-BE"
    assert abs(properties.created - timezone.now()) < datetime.timedelta(minutes=5)
    assert properties.modified == properties.created
    line = document.sections[0].header.paragraphs[0].text
    assert line == date_line(timezone.localdate())
    assert re.fullmatch(rf"Brussel, \d{{1,2}} ({'|'.join(DUTCH_MONTHS)}) \d{{4}}", line)
    return document


@pytest.mark.django_db
def test_the_rounds_answer_docx_is_a4_dutch_by_the_department_and_dated(analyst, open_round):
    give_questionnaire(open_round)
    answered_round(open_round)
    document = _assert_dutch_a4_dated(analyst.get(_url(open_round, "rounds:answer_docx")).content)
    assert document.paragraphs[0].text == open_round.title  # the date sits in the page header, not the text


@pytest.mark.django_db
def test_the_published_answer_docx_is_a4_dutch_by_the_department_and_dated(login, ministry_user, open_round):
    give_questionnaire(open_round)
    answered_round(open_round)
    question = record(ministry_user, [open_round])
    publication = publish(ministry_user, approver(), question)
    response = login(ministry_user).get(reverse("parliament:answer_docx", kwargs={"pk": publication.pk}))
    assert response.status_code == 200
    document = _assert_dutch_a4_dated(response.content)
    assert document.paragraphs[0].text.startswith("schriftelijke vraag nr. 12")


def test_the_date_line_is_dutch_whatever_the_language_of_the_request():
    with translation.override("en"):
        assert date_line(datetime.date(2026, 11, 30)) == "Brussel, 30 november 2026"
    assert date_line(datetime.date(2027, 3, 1)) == "Brussel, 1 maart 2027"


@pytest.mark.django_db
def test_rows_beyond_those_measured_for_the_widths_are_written_and_filtered(monkeypatch, analyst, open_round):
    """The widths are measured on the first rows only: every row after them is written, and the filter covers all."""
    monkeypatch.setattr(exports, "WIDTH_SAMPLE_ROWS", 3)
    give_questionnaire(open_round)
    for i in range(8):
        ReportFactory(round=open_round, platform=PlatformFactory(code=f"lop-{i:03}", rounds=[open_round]))
    sheet = _workbook(analyst.get(_url(open_round, "rounds:export_xlsx"))).worksheets[0]
    assert sheet.max_row == 9 and sheet.auto_filter.ref.endswith("9")
    assert [sheet.cell(row=r, column=1).value for r in range(2, 10)] == [f"lop-{i:03}" for i in range(8)]
