"""Finding 8 of issue #15: no import file ties up a worker, and every import is recorded in the audit log.

A file is bounded before it is read whole: the upload's size, a workbook's unpacked size and compression
ratio (from its zip directory, before openpyxl or pyxform opens it), the lines, data rows and cells read,
and the length of a cell. A refused file lists its first 100 errors and says how many more there are.
The bounds are settings: the tests lower them rather than build files of hundreds of MB.
"""

import csv
import hashlib
import io

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from lopportal import imports
from platforms import importing
from platforms.importing import MEMBER_COLUMNS, PLATFORM_COLUMNS
from platforms.models import Organisation, Platform
from rounds import xlsform
from rounds.importing import round_columns
from rounds.models import Questionnaire, Report, ReportingRound
from rounds.spec import spec_from_questionnaire
from rounds.xlsform import read_xlsform, write_xlsform

from .factories import ReportFactory, ReportingRoundFactory
from .import_files import BOMB_TEXT
from .import_files import xlsx as _xlsx
from .report_files import CUSTOM_SECTIONS

IMPORT_URL = reverse("platforms:import")
CONFIRM_URL = reverse("platforms:import_confirm")


@pytest.fixture(autouse=True)
def english():
    """Messages as written in the code (the Dutch catalogue is written later)."""
    with translation.override("en"):
        yield


def _csv(columns: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue().encode()


def _platform(n: int, level: str = "basis") -> list:
    return [f"p-{n}", f"Platform {n}", level, "Gent"]


def _member(name: str = "Basisschool De Linde") -> list:
    return ["gent-bao", "school", name, "012345", "katholiek", "", "Gent"]


def _upload(client, what: str, data: bytes, name: str = "bestand.csv"):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(IMPORT_URL, {"what": what, "file": upload})


def _refused(command: str, path, *arguments) -> str:
    with pytest.raises(CommandError) as refused:
        call_command(command, str(path), *arguments, stdout=io.StringIO())
    return str(refused.value)


def _positions(errors) -> list[tuple]:
    return [(error.line, error.column) for error in errors]


@pytest.fixture
def no_openpyxl(monkeypatch):
    """Fails the test when a workbook is opened: a bomb must be refused from its zip directory alone.

    The calls are counted (and checked at the end), not only refused: a reader that is refused turns that into
    "cannot be read", which would hide that it was called.
    """
    calls = []

    def opened(*args, **kwargs):
        calls.append(args)
        raise ValueError("the workbook was opened")
    monkeypatch.setattr(imports, "load_workbook", opened)
    monkeypatch.setattr(xlsform, "xlsx_to_dict", opened)
    yield calls
    assert calls == [], "openpyxl or pyxform opened the workbook"


# Many errors -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_file_of_many_bad_rows_lists_the_first_100_errors_and_how_many_more(login, admin_user):
    data = _csv(PLATFORM_COLUMNS, [_platform(n, level="kleuter") for n in range(500)])  # every level unknown
    response = _upload(login(admin_user), "platforms", data)
    assert response.status_code == 200
    assert response.context["error_count"] == 500
    assert len(response.context["errors"]) == 100 and response.context["more_errors"] == 400
    assert response.content.count(b"<tr><td>") == 100
    assert b"400" in response.content  # "… and 400 more errors"
    assert len(response.content) < 60_000  # the finding: 52 MB
    assert not Platform.objects.exists()


@pytest.mark.django_db
def test_the_errors_of_reading_are_counted_all_but_only_the_first_100_are_kept(tmp_path):
    # An error in every row while the file is read (a cell outside the named columns): 300 in all.
    data = _csv(PLATFORM_COLUMNS, [[*_platform(n), "extra"] for n in range(300)])
    rows, errors = importing.parse_platforms(data, "platforms.csv")
    assert len(errors) == 100 and imports.error_count(errors) == 300
    assert _positions(errors)[:2] == [(2, "5"), (3, "5")]
    path = tmp_path / "platforms.csv"
    path.write_bytes(data)
    lines = _refused("import_platforms", path).splitlines()
    assert lines[0] == "Nothing was imported: the file has 300 errors."
    assert len(lines) == 1 + 100 + 1 and lines[-1] == "… and 200 more errors."


@pytest.mark.django_db
def test_the_bound_that_stopped_the_reading_is_listed_first_however_many_errors_came_before(settings):
    settings.IMPORT_MAX_ROWS = {**settings.IMPORT_MAX_ROWS, "platforms": 150}
    data = _csv(PLATFORM_COLUMNS, [[*_platform(n), "extra"] for n in range(200)])
    rows, errors = importing.parse_platforms(data, "platforms.csv")
    assert imports.error_count(errors) == 151 and len(errors) == 100
    assert str(errors[0]) == "line 152: The file has more than 150 data rows: split it into files of at most 150 rows."
    assert _positions(errors[1:3]) == [(2, "5"), (3, "5")]


@pytest.mark.django_db
def test_a_huge_file_of_bad_rows_stops_being_read_at_the_row_bound(login, admin_user, tmp_path):
    # The finding: 1.8 MB of 200,000 short rows. Reading stops after the bound of data rows (1,000 platforms).
    data = _csv(PLATFORM_COLUMNS, [[f"p{n}", "x", "k", "G"] for n in range(130_000)])
    assert 1_500_000 < len(data) < 2 * 1024 * 1024
    response = _upload(login(admin_user), "platforms", data)
    assert response.status_code == 200
    assert response.context["error_count"] == 1
    [error] = response.context["errors"]
    assert (error.line, error.message) == (1002, "The file has more than 1,000 data rows: split it into files of "
                                                 "at most 1,000 rows.")
    assert len(response.content) < 30_000


# Bounds on rows, lines, cells ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_too_many_rows_are_refused_and_the_rest_is_not_read(settings, tmp_path):
    settings.IMPORT_MAX_ROWS = {**settings.IMPORT_MAX_ROWS, "members": 5}
    rows = [_member(f"School {n}") for n in range(5)]
    assert importing.parse_members(_csv(MEMBER_COLUMNS, rows), "leden.csv")[1] == []
    rows += [_member("School 6"), _member("Nul\x00")]  # the NUL on line 8 is never read
    path = tmp_path / "leden.csv"
    path.write_bytes(_csv(MEMBER_COLUMNS, rows))
    message = _refused("import_members", path)
    assert message.splitlines()[1:] == [
        "line 7: The file has more than 5 data rows: split it into files of at most 5 rows."]
    assert not Organisation.objects.filter(name__startswith="School").exists()


@pytest.mark.django_db
def test_empty_lines_count_towards_the_bound_on_lines(settings):
    settings.IMPORT_MAX_LINES = 50
    data = _csv(PLATFORM_COLUMNS, [[""] * 4] * 100 + [_platform(1)])
    rows, errors = importing.parse_platforms(data, "platforms.csv")
    assert rows == []
    assert [str(error) for error in errors] == ["line 51: The file has more than 50 lines: split it into smaller "
                                                "files."]


@pytest.mark.django_db
def test_a_row_spread_far_to_the_right_counts_every_cell_up_to_its_last(settings):
    settings.IMPORT_MAX_CELLS = 1_000
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(PLATFORM_COLUMNS)
    sheet.append(_platform(1))
    sheet.cell(row=3, column=5_000, value="x")  # one cell, 5,000 columns wide once read
    out = io.BytesIO()
    workbook.save(out)
    rows, errors = importing.parse_platforms(out.getvalue(), "platforms.xlsx")
    assert rows == []
    assert [str(error) for error in errors] == [
        "line 3: The file has more than 1,000 cells (rows times columns): split it into smaller files, or delete "
        "the empty columns and rows."]


@pytest.mark.django_db
@pytest.mark.parametrize("extension", [".csv", ".xlsx"])
def test_a_cell_longer_than_the_bound_is_an_error_at_its_line_and_column(settings, extension):
    settings.IMPORT_MAX_CELL_CHARS = 100
    rows = [_member("x" * 101), _member("y" * 100)]
    data = _csv(MEMBER_COLUMNS, rows) if extension == ".csv" else _xlsx({"Leden": [MEMBER_COLUMNS, *rows]})
    rows, errors = importing.parse_members(data, f"leden{extension}")
    assert [str(error) for error in errors] == [
        "line 2, column name: Ensure this value has at most 100 characters (it has 101)."]


@pytest.mark.django_db
def test_a_csv_cell_beyond_what_the_csv_module_reads_stops_the_reading():
    data = _csv(MEMBER_COLUMNS, [_member(), _member("x" * 200_000)])
    rows, errors = importing.parse_members(data, "leden.csv")
    assert [str(error) for error in errors] == ["line 3: This cell is longer than 4,000 characters."]


@pytest.mark.django_db
def test_a_command_refuses_a_file_larger_than_the_bound_without_reading_it(settings, tmp_path):
    settings.IMPORT_MAX_UNPACKED_BYTES = 1_000
    path = tmp_path / "platforms.csv"
    path.write_bytes(_csv(PLATFORM_COLUMNS, [_platform(n) for n in range(100)]))
    assert _refused("import_platforms", path) == "The file is larger than 1000\xa0bytes: split it into smaller files."
    assert not Platform.objects.exists()


# Zip bombs -------------------------------------------------------------------------------------------------


@pytest.fixture
def bomb() -> bytes:
    """A members workbook with one shared string of 5 MB: a few KB packed."""
    data = _xlsx({"Leden": [MEMBER_COLUMNS, _member(BOMB_TEXT)]})
    assert len(data) < 50_000
    return data


@pytest.mark.django_db
def test_a_zip_bomb_is_refused_by_its_compression_ratio_before_openpyxl_opens_it(bomb, no_openpyxl):
    rows, errors = importing.parse_members(bomb, "leden.xlsx")
    assert [str(error) for error in errors] == [
        "The workbook is packed more tightly than a spreadsheet can be (more than 100 times): it is not opened. "
        "Save it again in Excel."]


@pytest.mark.django_db
def test_a_workbook_larger_than_the_bound_once_unpacked_is_refused_before_openpyxl_opens_it(
        settings, bomb, no_openpyxl, login, admin_user):
    settings.IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    assert [str(e) for e in importing.parse_members(bomb, "leden.xlsx")[1]] == [
        "The workbook is too large once unpacked."]
    response = _upload(login(admin_user), "members", bomb, name="leden.xlsx")
    assert response.status_code == 200
    assert [e.message for e in response.context["errors"]] == ["The workbook is too large once unpacked."]
    assert not Organisation.objects.filter(name=BOMB_TEXT).exists()


@pytest.mark.django_db
def test_the_bounds_are_kept_for_the_report_file_of_import_responses(settings, tmp_path, platform, no_openpyxl):
    round = ReportingRoundFactory()
    path = tmp_path / "antwoorden.xlsx"
    path.write_bytes(_xlsx({"Antwoorden": [round_columns(round), [platform.code, BOMB_TEXT]]}))
    assert "The workbook is packed more tightly than a spreadsheet can be" in _refused(
        "import_responses", path, "--round", round.slug)
    assert not Report.objects.exists()


# The questionnaire's XLSForm -------------------------------------------------------------------------------


SURVEY = [["type", "name", "label"], ["begin group", "general", "Algemeen"], ["integer", "pupils", "Hoeveel?"],
          ["end group"]]


def test_an_xlsform_bomb_is_refused_before_pyxform_or_openpyxl_opens_it(settings, no_openpyxl):
    data = _xlsx({"survey": [*SURVEY, ["text", "long", BOMB_TEXT]]})
    assert read_xlsform(data, "vragenlijst.xlsx")[1] == [
        "The workbook is packed more tightly than a spreadsheet can be (more than 100 times): it is not opened. "
        "Save it again in Excel."]
    settings.IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    assert read_xlsform(data, "vragenlijst.xlsx")[1] == ["The workbook is too large once unpacked."]


def test_an_xlsform_cell_too_long_or_too_many_rows_is_refused_before_pyxform_reads_it(settings, monkeypatch):
    calls = []
    monkeypatch.setattr(xlsform, "xlsx_to_dict", lambda *args: calls.append(args))  # openpyxl streams: allowed
    settings.IMPORT_MAX_CELL_CHARS = 50
    data = _xlsx({"survey": [*SURVEY[:2], ["integer", "pupils", "H" * 51], SURVEY[3]]})
    assert read_xlsform(data, "vragenlijst.xlsx")[1] == [
        "sheet survey, row 3, column label: Ensure this value has at most 50 characters (it has 51)."]
    settings.IMPORT_MAX_ROWS = {**settings.IMPORT_MAX_ROWS, "questionnaire": 5}
    choices = [["list_name", "name", "label"], *[["colours", f"c{n}", f"Kleur {n}"] for n in range(10)]]
    data = _xlsx({"survey": SURVEY, "choices": choices})
    assert read_xlsform(data, "vragenlijst.xlsx")[1] == [
        "sheet choices, row 7: The file has more than 5 data rows: split it into files of at most 5 rows."]
    assert calls == []


@pytest.mark.django_db
def test_an_xlsform_with_many_cells_too_long_lists_the_first_100_and_counts_them_all(settings, tmp_path):
    settings.IMPORT_MAX_CELL_CHARS = 12
    data = _xlsx({"survey": [*SURVEY[:2], *[["integer", f"q{n}", f"Vraag nummer {n}"] for n in range(150)],
                             SURVEY[3]]})
    errors = read_xlsform(data, "vragenlijst.xlsx")[1]
    assert len(errors) == 100 and imports.error_count(errors) == 150
    assert errors[0] == "sheet survey, row 3, column label: Ensure this value has at most 12 characters (it has 14)."
    path = tmp_path / "vragenlijst.xlsx"
    path.write_bytes(data)
    lines = _refused("import_questionnaire", path, "--round", ReportingRoundFactory(questionnaire=[]).slug).splitlines()
    assert lines[0] == "Nothing was imported: the file has 150 errors." and lines[-1] == "… and 50 more errors."


@pytest.mark.django_db
def test_the_xlsform_upload_page_refuses_a_bomb_and_keeps_the_questionnaire(login, admin_user, no_openpyxl):
    round = ReportingRoundFactory(questionnaire=CUSTOM_SECTIONS)
    before = spec_from_questionnaire(Questionnaire.objects.get(round=round))
    upload = io.BytesIO(_xlsx({"survey": [*SURVEY, ["text", "long", BOMB_TEXT]]}))
    upload.name = "vragenlijst.xlsx"
    response = login(admin_user).post(reverse("rounds:questionnaire_upload", kwargs={"round_slug": round.slug}),
                                      {"file": upload})
    assert response.status_code == 200
    assert response.context["error_count"] == 1
    assert spec_from_questionnaire(Questionnaire.objects.get(round=round)) == before


# The audit log ---------------------------------------------------------------------------------------------


def _import_entries():
    return list(LogEntry.objects.filter(additional_data__has_key="import").order_by("pk"))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.django_db
def test_a_web_import_of_platforms_is_recorded_once_with_its_file_and_counts(login, admin_user, platform):
    data = _csv(PLATFORM_COLUMNS, [_platform(1), _platform(2), [platform.code, "Nieuwe naam", "basis", "Gent"]])
    client = login(admin_user)
    _upload(client, "platforms", data, name="platforms.csv")
    assert _import_entries() == []  # a preview imports nothing
    client.post(CONFIRM_URL, {"token": client.session["platforms_import"]["token"]})
    [entry] = _import_entries()
    assert entry.actor == admin_user
    assert entry.content_type == ContentType.objects.get_for_model(Platform) and entry.object_pk == ""
    assert entry.additional_data["import"] == {"kind": "platforms", "file_name": "platforms.csv",
                                               "sha256": _sha256(data), "rows": 3, "created": 2, "updated": 1,
                                               "unchanged": 0}
    assert "command" not in entry.additional_data


@pytest.mark.django_db
@pytest.mark.parametrize("what", ["platforms", "members"])
def test_a_command_import_is_recorded_once_with_the_command(tmp_path, platform, what):
    columns, rows = (PLATFORM_COLUMNS, [_platform(1)]) if what == "platforms" else (MEMBER_COLUMNS, [_member()])
    data = _csv(columns, rows)
    path = tmp_path / f"{what}.csv"
    path.write_bytes(data)
    call_command(f"import_{what}", str(path), stdout=io.StringIO())
    [entry] = _import_entries()
    assert entry.actor is None and entry.additional_data["command"] == f"import_{what}"
    assert entry.additional_data["import"] == {"kind": what, "file_name": f"{what}.csv", "sha256": _sha256(data),
                                               "rows": 1, "created": 1, "updated": 0, "unchanged": 0}


@pytest.mark.django_db
def test_a_refused_file_leaves_no_import_in_the_audit_log(tmp_path, platform):
    path = tmp_path / "platforms.csv"
    path.write_bytes(_csv(PLATFORM_COLUMNS, [_platform(1, level="kleuter")]))
    _refused("import_platforms", path)
    assert _import_entries() == []


@pytest.mark.django_db
def test_an_import_of_responses_is_recorded_on_its_round(tmp_path, platform, other_platform):
    round = ReportingRoundFactory()
    ReportFactory(round=round, platform=other_platform)  # exists already: the file replaces it
    columns = round_columns(round)
    rows = [[p.code, p.name, p.level, "draft"] + [""] * (len(columns) - 4) for p in (platform, other_platform)]
    data = _csv(columns, rows)
    path = tmp_path / "antwoorden.csv"
    path.write_bytes(data)
    call_command("import_responses", str(path), "--round", round.slug, stdout=io.StringIO())
    [entry] = _import_entries()
    assert (entry.content_type, entry.object_pk) == (ContentType.objects.get_for_model(ReportingRound),
                                                     str(round.pk))
    assert entry.additional_data["command"] == "import_responses"
    assert entry.additional_data["import"] == {"kind": "responses", "file_name": "antwoorden.csv",
                                               "sha256": _sha256(data), "rows": 2, "created": 1, "updated": 1,
                                               "unchanged": 0}


@pytest.mark.django_db
def test_a_questionnaire_import_is_recorded_on_its_round_by_the_web_and_the_command(login, admin_user, tmp_path):
    round = ReportingRoundFactory(questionnaire=[])
    data = write_xlsform(CUSTOM_SECTIONS)
    upload = io.BytesIO(data)
    upload.name = "vragenlijst.xlsx"
    response = login(admin_user).post(reverse("rounds:questionnaire_upload", kwargs={"round_slug": round.slug}),
                                      {"file": upload})
    assert response.status_code == 302
    path = tmp_path / "opnieuw.xlsx"
    path.write_bytes(data)
    call_command("import_questionnaire", str(path), "--round", round.slug, stdout=io.StringIO())
    web, command = _import_entries()
    questions = sum(len(section["questions"]) for section in CUSTOM_SECTIONS)
    for entry in (web, command):
        assert (entry.content_type, entry.object_pk) == (ContentType.objects.get_for_model(ReportingRound),
                                                         str(round.pk))
    assert web.actor == admin_user and "command" not in web.additional_data
    assert web.additional_data["import"] == {"kind": "questionnaire", "file_name": "vragenlijst.xlsx",
                                             "sha256": _sha256(data), "rows": questions, "created": questions,
                                             "updated": 0, "unchanged": 0}
    assert command.actor is None and command.additional_data["command"] == "import_questionnaire"
    assert command.additional_data["import"] == {**web.additional_data["import"], "file_name": "opnieuw.xlsx",
                                                 "created": 0, "unchanged": questions}
