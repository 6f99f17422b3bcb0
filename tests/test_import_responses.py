"""Importing reports from a CSV or XLSX file in the export format: all rows are checked, then all written."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from initiatives.models import ThemeAnswer
from rounds import importing
from rounds.columns import neutralise, report_columns
from rounds.importing import RowError
from rounds.models import Report, ReportStatus
from summaries.exports import report_rows

from .factories import PlatformFactory, ReportFactory, ReportingRoundFactory

THEMES = ["laptops", "reaching-all-pupils", "family-support", "summer-schools-reading"]
COLUMNS = report_columns(THEMES)
ANSWER_REQUIRED = "Beantwoord deze vraag voor u indient."  # the form's own message, translated already


def _row(platform, status="submitted", **cells):
    """A complete row for this platform; `cells` override columns (`theme:x:y` as `theme__x__y`)."""
    basis = platform.level == "basis"
    row = {
        "platform_code": platform.code, "platform_name": platform.name, "level": platform.level, "status": status,
        "registration_procedure_used": "yes", "application_period_adjusted": "yes",
        "enrolment_period_adjusted": "no", "free_enrolment_period_adjusted": "no",
        "newcomers": "adjusted", "preschool": "unchanged" if basis else "", "excluded_pupils": "unchanged",
        "registrations_note": "Aanmeldperiode verlengd.", "newcomers_note": "", "preschool_note": "",
        "excluded_pupils_note": "",
    }
    for slug in THEMES:
        row.update({f"theme:{slug}:discussed": "yes", f"theme:{slug}:agreements": "no",
                    f"theme:{slug}:actions": "yes", f"theme:{slug}:exchange": "yes",
                    f"theme:{slug}:informed": "no", f"theme:{slug}:note": ""})
    for name, value in cells.items():
        if name.startswith("theme__"):
            _theme, slug, field = name.split("__")
            name = f"theme:{slug.replace('_', '-')}:{field}"
        row[name] = value
    return row


def _write_csv(tmp_path, rows, *, delimiter=",", bom=False, columns=COLUMNS, name="antwoorden.csv"):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    path = tmp_path / name
    path.write_bytes(out.getvalue().encode("utf-8-sig" if bom else "utf-8"))
    return path


def _import(path, round):
    out = io.StringIO()
    call_command("import_responses", str(path), "--round", round.slug, stdout=out)
    return out.getvalue()


def _refused(path, round) -> str:
    with pytest.raises(CommandError) as refused:
        _import(path, round)
    return str(refused.value)


def _at(line, column) -> str:
    """How the command names a position ("regel 3, kolom newcomers" once translated)."""
    return RowError(line, column, "").position


def _errors(tmp_path, round, rows, **kwargs) -> list[tuple[int, str, str]]:
    path = _write_csv(tmp_path, rows, **kwargs)
    with path.open("rb") as fileobj:
        parsed, errors = importing.parse_report_file(fileobj, path.name, round)
    errors += importing.validate_rows(round, parsed)
    return [(e.line, e.column, e.message) for e in errors]


# Good files ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_good_csv_creates_the_reports(tmp_path, platform, other_platform, open_round):
    rows = [
        _row(platform, registration_procedure_used="Ja", application_period_adjusted=" nee ",
             enrolment_period_adjusted="NEE", newcomers="Adjusted", theme__laptops__note="Laptops via de stad."),
        _row(other_platform, status="draft", registration_procedure_used="no", application_period_adjusted="",
             enrolment_period_adjusted="", newcomers="",
             **{f"theme__family_support__{field}": "" for field in ("discussed", "agreements", "actions", "exchange")}),
    ]
    path = _write_csv(tmp_path, rows, delimiter=";", bom=True)

    output = _import(path, open_round)

    assert "2" in output and "Coronacrisis 2020" in output
    basis = Report.objects.get(round=open_round, platform=platform)
    assert basis.status == ReportStatus.SUBMITTED and basis.submitted_at is not None
    assert basis.version == 1
    assert (basis.registration_procedure_used, basis.application_period_adjusted,
            basis.enrolment_period_adjusted) == (True, False, False)
    assert (basis.newcomers, basis.preschool, basis.excluded_pupils) == ("adjusted", "unchanged", "unchanged")
    assert basis.registrations_note == "Aanmeldperiode verlengd."
    laptops = basis.theme_answers.get(theme__slug="laptops")
    assert (laptops.discussed, laptops.agreements, laptops.actions, laptops.note) == (
        True, False, True, "Laptops via de stad.")
    assert basis.theme_answers.count() == 4

    secundair = Report.objects.get(round=open_round, platform=other_platform)
    assert secundair.status == ReportStatus.DRAFT and secundair.submitted_at is None
    assert secundair.preschool == "not_applicable"
    # Implied answers are filled in, unanswered ones stay unanswered.
    assert (secundair.application_period_adjusted, secundair.enrolment_period_adjusted) == (False, False)
    assert secundair.newcomers == ""
    assert secundair.theme_answers.get(theme__slug="family-support").discussed is None


@pytest.mark.django_db
def test_reimporting_replaces_the_reports(tmp_path, platform, other_platform, open_round):
    path = _write_csv(tmp_path, [_row(platform), _row(other_platform, status="draft")])
    _import(path, open_round)
    first_submitted = Report.objects.get(platform=platform).submitted_at

    path = _write_csv(tmp_path, [_row(platform, newcomers="unchanged", theme__laptops__discussed="no",
                                      theme__laptops__actions="", theme__laptops__exchange=""),
                                 _row(other_platform, status="draft")])
    _import(path, open_round)

    assert Report.objects.filter(round=open_round).count() == 2
    assert ThemeAnswer.objects.filter(report__round=open_round).count() == 8
    report = Report.objects.get(round=open_round, platform=platform)
    assert report.version == 2
    assert report.newcomers == "unchanged"
    assert report.submitted_at == first_submitted  # it had one already
    laptops = report.theme_answers.get(theme__slug="laptops")
    assert (laptops.discussed, laptops.actions, laptops.exchange) == (False, False, False)
    assert Report.objects.get(platform=other_platform).version == 2


@pytest.mark.django_db
def test_an_existing_report_is_replaced_and_its_version_raised(tmp_path, platform, open_round):
    existing = ReportFactory(round=open_round, platform=platform, version=3, newcomers="none")
    _import(_write_csv(tmp_path, [_row(platform, status="draft")]), open_round)
    existing.refresh_from_db()
    assert existing.version == 4
    assert existing.newcomers == "adjusted"
    assert Report.objects.filter(platform=platform).count() == 1
    assert existing.history.count() == 2  # the import is in the audit trail


@pytest.mark.django_db
def test_a_good_xlsx_works(tmp_path, platform, other_platform, open_round):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([*COLUMNS, None, None])  # empty trailing columns, as spreadsheets leave them
    row = _row(platform, registration_procedure_used=True, enrolment_period_adjusted=False, newcomers_note=None)
    sheet.append([row[c] for c in COLUMNS])
    sheet.append([None] * len(COLUMNS))  # an empty row is skipped
    row = _row(other_platform, status="returned", newcomers_note=42)
    sheet.append([row[c] for c in COLUMNS])
    path = tmp_path / "antwoorden.xlsx"
    workbook.save(path)

    _import(path, open_round)

    basis = Report.objects.get(platform=platform)
    assert (basis.registration_procedure_used, basis.enrolment_period_adjusted) == (True, False)
    assert basis.newcomers_note == ""
    secundair = Report.objects.get(platform=other_platform)
    assert secundair.status == ReportStatus.RETURNED
    assert secundair.newcomers_note == "42"


@pytest.mark.django_db
def test_a_neutralised_note_comes_back_as_written(tmp_path, platform, open_round):
    path = _write_csv(tmp_path, [_row(platform, newcomers_note="'=SUM(A1)", theme__laptops__note="'@nieuws")])
    _import(path, open_round)
    report = Report.objects.get(platform=platform)
    assert report.newcomers_note == "=SUM(A1)"
    assert report.theme_answers.get(theme__slug="laptops").note == "@nieuws"


@pytest.mark.django_db
def test_an_exported_file_imports_unchanged(tmp_path, platform, other_platform, open_round):
    _import(_write_csv(tmp_path, [_row(platform, newcomers_note="-5 leerlingen"),
                                  _row(other_platform, status="draft", newcomers="")]), open_round)
    before = {r.platform_id: (r.newcomers, r.newcomers_note, r.preschool, r.status)
              for r in Report.objects.filter(round=open_round)}
    exported = tmp_path / "export.csv"
    with exported.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        for row in report_rows(open_round):
            writer.writerow([neutralise(v) if isinstance(v, str) else v for v in row])

    _import(exported, open_round)

    after = {r.platform_id: (r.newcomers, r.newcomers_note, r.preschool, r.status)
             for r in Report.objects.filter(round=open_round)}
    assert after == before
    assert before[platform.pk][1] == "-5 leerlingen"


@pytest.mark.django_db
def test_a_multi_line_note_keeps_the_line_numbers_of_the_file(tmp_path, platform, other_platform, open_round):
    errors = _errors(tmp_path, open_round, [_row(platform, newcomers_note="eerste regel\ntweede regel"),
                                            _row(other_platform, newcomers="misschien")])
    assert [(line, column) for line, column, _message in errors] == [(4, "newcomers")]


# Refused files ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_bad_row_refuses_the_whole_file(tmp_path, platform, other_platform, open_round):
    third = PlatformFactory(code="gent-so", level="secundair")
    ReportFactory(round=open_round, platform=third, newcomers="none")
    path = _write_csv(tmp_path, [_row(platform), _row(other_platform, newcomers="misschien"), _row(third)])

    message = _refused(path, open_round)

    assert _at(3, "newcomers") in message
    assert _at(2, "newcomers") not in message and _at(4, "newcomers") not in message
    assert Report.objects.count() == 1
    assert Report.objects.get(platform=third).newcomers == "none"


@pytest.mark.django_db
def test_an_invalid_answer_is_one_error_of_its_own(tmp_path, platform, open_round):
    # Submitted: the refused cell is not also reported as unanswered.
    rows = [_row(platform, free_enrolment_period_adjusted="misschien", theme__laptops__informed="2")]
    errors = _errors(tmp_path, open_round, rows)
    assert [(line, column) for line, column, _message in errors] == [
        (2, "free_enrolment_period_adjusted"), (2, "theme:laptops:informed")]
    assert ANSWER_REQUIRED not in [message for _line, _column, message in errors]


@pytest.mark.django_db
def test_platform_codes_are_checked(tmp_path, platform, other_platform, open_round):
    gone = PlatformFactory(code="oud-lop", is_active=False)
    rows = [_row(platform), _row(PlatformFactory.build(code="bestaat-niet")), _row(platform),
            _row(gone), _row(other_platform, platform_code="")]
    errors = _errors(tmp_path, open_round, rows)
    assert [(line, column) for line, column, _message in errors] == [
        (3, "platform_code"), (4, "platform_code"), (5, "platform_code"), (6, "platform_code")]

    message = _refused(_write_csv(tmp_path, rows), open_round)
    assert _at(4, "platform_code") in message
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_an_unknown_status_is_refused(tmp_path, platform, open_round):
    errors = _errors(tmp_path, open_round, [_row(platform, status="klaar")])
    assert [(line, column) for line, column, _message in errors] == [(2, "status")]


@pytest.mark.django_db
def test_a_rule_violation_is_reported_at_its_column(tmp_path, platform, open_round):
    rows = [_row(platform, registration_procedure_used="no", application_period_adjusted="yes"),
            _row(PlatformFactory(), theme__laptops__discussed="no", theme__laptops__agreements="yes")]
    errors = _errors(tmp_path, open_round, rows)
    assert [(line, column) for line, column, _message in errors] == [
        (2, "application_period_adjusted"), (3, "theme:laptops:discussed")]
    assert "aanmeldingsprocedure" in errors[0][2]  # the form's own (Dutch) message


@pytest.mark.django_db
def test_a_submitted_row_must_answer_every_question(tmp_path, platform, open_round):
    rows = [_row(platform, newcomers="", theme__family_support__informed=""),
            _row(PlatformFactory(), status="draft", newcomers="", theme__family_support__informed="")]
    errors = _errors(tmp_path, open_round, rows)
    assert errors == [(2, "newcomers", ANSWER_REQUIRED), (2, "theme:family-support:informed", ANSWER_REQUIRED)]


@pytest.mark.django_db
def test_preschool_must_be_empty_on_a_secundair_platform(tmp_path, other_platform, open_round):
    errors = _errors(tmp_path, open_round, [_row(other_platform, preschool="unchanged", preschool_note="Ja")])
    assert [(line, column) for line, column, _message in errors] == [(2, "preschool"), (2, "preschool_note")]


@pytest.mark.django_db
def test_a_note_too_long_gets_djangos_own_message(tmp_path, platform, open_round):
    errors = _errors(tmp_path, open_round, [_row(platform, theme__laptops__note="x" * 4001)])
    assert [(line, column) for line, column, _message in errors] == [(2, "theme:laptops:note")]
    assert "4000" in errors[0][2] and "Zorg" in errors[0][2]


@pytest.mark.django_db
def test_the_header_must_have_every_column_and_no_others(tmp_path, platform, open_round):
    columns = [c for c in COLUMNS if c != "excluded_pupils_note"] + ["opmerking"]
    errors = _errors(tmp_path, open_round, [_row(platform)], columns=columns)
    assert [(line, column) for line, column, _message in errors] == [(1, "opmerking"), (1, "excluded_pupils_note")]

    message = _refused(_write_csv(tmp_path, [_row(platform)], columns=columns), open_round)
    assert _at(1, "excluded_pupils_note") in message
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_the_columns_follow_the_themes_of_the_round(tmp_path, platform):
    round = ReportingRoundFactory(themes=[])
    columns = report_columns([])
    _import(_write_csv(tmp_path, [_row(platform)], columns=columns), round)
    assert Report.objects.get(round=round).theme_answers.count() == 0

    errors = _errors(tmp_path, round, [_row(platform)])  # the four themes are not in this round
    assert {line for line, _column, _message in errors} == {1}
    assert len(errors) == 4 * 6


@pytest.mark.django_db
def test_an_unknown_round_is_refused(tmp_path, platform, open_round):
    path = _write_csv(tmp_path, [_row(platform)])
    with pytest.raises(CommandError, match="bestaat-niet"):
        call_command("import_responses", str(path), "--round", "bestaat-niet")
    assert Report.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["antwoorden.xls", "antwoorden.txt"])
def test_other_file_types_are_refused(tmp_path, platform, open_round, name):
    path = _write_csv(tmp_path, [_row(platform)], name=name)
    with pytest.raises(CommandError):
        _import(path, open_round)
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_refused(tmp_path, platform, open_round):
    path = tmp_path / "antwoorden.csv"
    path.write_bytes(",".join(COLUMNS).encode() + b"\n" + "é".encode("cp1252"))
    with pytest.raises(CommandError):
        _import(path, open_round)
    assert Report.objects.count() == 0
