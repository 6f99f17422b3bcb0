"""Importing reports from a CSV or XLSX file in the export format: all rows are checked, then all written."""

import csv
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from rounds import importing
from rounds.importing import RowError
from rounds.models import Answer, Note, Report, ReportingRound, ReportStatus, Theme
from rounds.questionnaire import definition_for

from .factories import PlatformFactory, ReportFactory, ReportingRoundFactory
from .report_files import (
    CUSTOM_SECTIONS,
    THEMES_2020,
    answer,
    columns_2020,
    export_csv,
    give_questionnaire,
    stored,
)

THEMES = THEMES_2020
COLUMNS = columns_2020(THEMES)
ANSWER_REQUIRED = "Beantwoord deze vraag voor u indient."  # the form's own message, translated already


@pytest.fixture
def open_round(open_round):
    """The open round of conftest with the 2020 questionnaire."""
    return give_questionnaire(open_round)


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


def _report(round, platform) -> Report:
    return Report.objects.get(round=round, platform=platform)


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
    basis = _report(open_round, platform)
    assert basis.status == ReportStatus.SUBMITTED and basis.submitted_at is not None
    assert basis.version == 1
    values, notes = stored(basis)
    assert (values["registration_procedure_used"], values["application_period_adjusted"],
            values["enrolment_period_adjusted"]) == ("yes", "no", "no")
    assert (values["newcomers"], values["preschool"], values["excluded_pupils"]) == ("adjusted", "unchanged",
                                                                                     "unchanged")
    assert notes == {"registrations_note": "Aanmeldperiode verlengd.", "theme:laptops:note": "Laptops via de stad."}
    assert (values["theme:laptops:discussed"], values["theme:laptops:agreements"],
            values["theme:laptops:actions"]) == ("yes", "no", "yes")
    assert len(values) == 7 + 4 * 5

    secundair = _report(open_round, other_platform)
    assert secundair.status == ReportStatus.DRAFT and secundair.submitted_at is None
    values, _notes = stored(secundair)
    assert "preschool" not in values  # not asked of secundair onderwijs
    # Implied answers are filled in, unanswered ones stay unanswered.
    assert (values["application_period_adjusted"], values["enrolment_period_adjusted"]) == ("no", "no")
    assert "newcomers" not in values
    assert "theme:family-support:discussed" not in values
    assert values["theme:family-support:informed"] == "no"


@pytest.mark.django_db
def test_reimporting_replaces_the_reports(tmp_path, platform, other_platform, open_round):
    path = _write_csv(tmp_path, [_row(platform), _row(other_platform, status="draft")])
    _import(path, open_round)
    first_submitted = _report(open_round, platform).submitted_at

    path = _write_csv(tmp_path, [_row(platform, newcomers="unchanged", registrations_note="",
                                      theme__laptops__discussed="no", theme__laptops__actions="",
                                      theme__laptops__exchange=""),
                                 _row(other_platform, status="draft", newcomers="")])
    _import(path, open_round)

    assert Report.objects.filter(round=open_round).count() == 2
    report = _report(open_round, platform)
    assert report.version == 2
    assert report.submitted_at == first_submitted  # it had one already
    values, notes = stored(report)
    assert values["newcomers"] == "unchanged"
    assert "registrations_note" not in notes  # an empty cell takes the note back
    assert (values["theme:laptops:discussed"], values["theme:laptops:actions"],
            values["theme:laptops:exchange"]) == ("no", "no", "no")
    other = _report(open_round, other_platform)
    assert other.version == 2
    assert "newcomers" not in stored(other)[0]  # an empty cell takes the answer back
    assert Answer.objects.filter(report=other).count() == 5 + 4 * 5
    assert Note.objects.filter(report__round=open_round).count() == 1


@pytest.mark.django_db
def test_an_existing_report_is_replaced_and_its_version_raised(tmp_path, platform, open_round):
    existing = answer(ReportFactory(round=open_round, platform=platform, version=3), {"newcomers": "none"})
    _import(_write_csv(tmp_path, [_row(platform, status="draft")]), open_round)
    existing.refresh_from_db()
    assert existing.version == 4
    assert stored(existing)[0]["newcomers"] == "adjusted"
    assert Report.objects.filter(platform=platform).count() == 1
    assert existing.history.count() == 2  # the import is in the audit trail
    newcomers = Answer.objects.get(report=existing, question__key="newcomers")
    assert [h.value for h in newcomers.history.order_by("history_date")] == ["none", "adjusted"]


@pytest.mark.django_db
def test_the_import_raises_the_data_version_once(tmp_path, platform, other_platform, open_round):
    before = ReportingRound.objects.get(pk=open_round.pk).data_version
    _import(_write_csv(tmp_path, [_row(platform), _row(other_platform)]), open_round)
    assert ReportingRound.objects.get(pk=open_round.pk).data_version == before + 1


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

    values, notes = stored(_report(open_round, platform))
    assert (values["registration_procedure_used"], values["enrolment_period_adjusted"]) == ("yes", "no")
    assert "newcomers_note" not in notes
    secundair = _report(open_round, other_platform)
    assert secundair.status == ReportStatus.RETURNED
    assert stored(secundair)[1]["newcomers_note"] == "42"


@pytest.mark.django_db
def test_a_neutralised_note_comes_back_as_written(tmp_path, platform, open_round):
    path = _write_csv(tmp_path, [_row(platform, newcomers_note="'=SUM(A1)", theme__laptops__note="'@nieuws")])
    _import(path, open_round)
    notes = stored(_report(open_round, platform))[1]
    assert notes["newcomers_note"] == "=SUM(A1)"
    assert notes["theme:laptops:note"] == "@nieuws"


@pytest.mark.django_db
def test_an_exported_file_imports_unchanged(tmp_path, platform, other_platform, open_round):
    _import(_write_csv(tmp_path, [_row(platform, newcomers_note="-5 leerlingen", registration_procedure_used="no",
                                       application_period_adjusted="", enrolment_period_adjusted=""),
                                  _row(other_platform, status="draft", newcomers="",
                                       theme__laptops__discussed="no", theme__laptops__agreements="",
                                       theme__laptops__actions="", theme__laptops__exchange="",
                                       theme__laptops__informed="")]), open_round)
    reports = Report.objects.filter(round=open_round).order_by("pk")
    before = {r.platform_id: (r.status, *stored(r)) for r in reports}
    answers_before = Answer.history.count()

    _import(export_csv(open_round, tmp_path / "export.csv"), open_round)

    assert {r.platform_id: (r.status, *stored(r)) for r in reports} == before
    assert before[platform.pk][2]["newcomers_note"] == "-5 leerlingen"
    assert Answer.history.count() == answers_before  # nothing changed, so no answer history either


@pytest.mark.django_db
def test_a_multi_line_note_keeps_the_line_numbers_of_the_file(tmp_path, platform, other_platform, open_round):
    errors = _errors(tmp_path, open_round, [_row(platform, newcomers_note="eerste regel\ntweede regel"),
                                            _row(other_platform, newcomers="misschien")])
    assert [(line, column) for line, column, _message in errors] == [(4, "newcomers")]


# Refused files ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_bad_row_refuses_the_whole_file(tmp_path, platform, other_platform, open_round):
    third = PlatformFactory(code="gent-so", level="secundair")
    answer(ReportFactory(round=open_round, platform=third), {"newcomers": "none"})
    path = _write_csv(tmp_path, [_row(platform), _row(other_platform, newcomers="misschien"), _row(third)])
    version = ReportingRound.objects.get(pk=open_round.pk).data_version

    message = _refused(path, open_round)

    assert _at(3, "newcomers") in message
    assert _at(2, "newcomers") not in message and _at(4, "newcomers") not in message
    assert Report.objects.count() == 1
    assert stored(Report.objects.get(platform=third))[0] == {"newcomers": "none"}
    assert ReportingRound.objects.get(pk=open_round.pk).data_version == version


@pytest.mark.django_db
def test_every_error_of_the_file_is_reported_at_once(tmp_path, platform, other_platform, open_round):
    rows = [_row(platform, newcomers="misschien", theme__laptops__discussed="wel"),
            _row(other_platform, status="klaar", preschool="none", excluded_pupils="")]
    message = _refused(_write_csv(tmp_path, rows), open_round)
    assert "4 " in message.splitlines()[0]
    for position in (_at(2, "newcomers"), _at(2, "theme:laptops:discussed"), _at(3, "status"),
                     _at(3, "preschool")):
        assert position in message
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_an_invalid_answer_is_one_error_of_its_own(tmp_path, platform, open_round):
    # Submitted: the refused cell is not also reported as unanswered.
    rows = [_row(platform, free_enrolment_period_adjusted="misschien", theme__laptops__informed="2")]
    errors = _errors(tmp_path, open_round, rows)
    assert [(line, column) for line, column, _message in errors] == [
        (2, "free_enrolment_period_adjusted"), (2, "theme:laptops:informed")]
    assert ANSWER_REQUIRED not in [message for _line, _column, message in errors]
    assert errors[0][2] == "Geen geldig antwoord: gebruik yes of no (ja of nee), of laat de cel leeg."


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
            _row(PlatformFactory(), theme__laptops__discussed="no", theme__laptops__agreements="yes",
                 theme__laptops__actions="", theme__laptops__exchange="")]
    errors = _errors(tmp_path, open_round, rows)
    assert [(line, column) for line, column, _message in errors] == [
        (2, "application_period_adjusted"), (3, "theme:laptops:agreements")]
    # The form's own (Dutch) message, naming the earlier answer.
    assert "aanmeldingsprocedure" in errors[0][2]
    assert "Kwam dit thema ter sprake" in errors[1][2]


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
    assert "laat" in errors[0][2].lower() or "leave" in errors[0][2]  # leave it empty


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
    round = give_questionnaire(ReportingRoundFactory(themes=[]))
    _import(_write_csv(tmp_path, [_row(platform)], columns=columns_2020([])), round)
    assert not Answer.objects.filter(report__round=round, theme__isnull=False).exists()

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


# A questionnaire built as data -----------------------------------------------------------------------------


@pytest.fixture
def custom_round(db):
    """A round with every kind of question, a condition, a level and a section asked per theme, on two themes."""
    themes = [Theme.objects.get(slug="laptops"), Theme.objects.get(slug="family-support")]
    return give_questionnaire(ReportingRoundFactory(slug="oekraine-2022", themes=themes), CUSTOM_SECTIONS)


def _custom_row(platform, columns: dict | None = None, status="submitted", **cells):
    """A complete row of the custom questionnaire; `columns` and `cells` override columns."""
    row = {"platform_code": platform.code, "platform_name": platform.name, "level": platform.level,
           "status": status, "received": "yes", "pupils": "12", "languages": "uk en", "first_day": "2022-03-07",
           "contact": "", "arrival_note": ""}
    for slug in ("laptops", "family-support"):
        row.update({f"theme:{slug}:offered": "yes", f"theme:{slug}:how": "school",
                    f"theme:{slug}:evaluated": "no", f"theme:{slug}:support_note": ""})
    return {**row, **(columns or {}), **cells}


def _custom_columns(round) -> list[str]:
    return ["platform_code", "platform_name", "level", "status", *definition_for(round).columns()]


@pytest.mark.django_db
def test_a_custom_questionnaire_is_imported_by_its_keys(tmp_path, platform, other_platform, custom_round):
    columns = _custom_columns(custom_round)
    assert columns[4:] == [
        "received", "pupils", "languages", "first_day", "contact",
        "theme:laptops:offered", "theme:laptops:how", "theme:laptops:evaluated",
        "theme:family-support:offered", "theme:family-support:how", "theme:family-support:evaluated",
        "arrival_note", "theme:laptops:support_note", "theme:family-support:support_note"]
    rows = [_custom_row(platform, languages="en  uk", arrival_note="=1+1"),
            _custom_row(other_platform, received="no", pupils="", languages="", first_day="",
                        contact="Mevrouw Peeters", columns={"theme:family-support:offered": "no",
                                                           "theme:family-support:how": "",
                                                           "theme:family-support:evaluated": ""})]
    _import(_write_csv(tmp_path, rows, columns=columns), custom_round)

    values, notes = stored(_report(custom_round, platform))
    assert values == {
        "received": "yes", "pupils": 12, "languages": frozenset({"uk", "en"}),
        "first_day": datetime.date(2022, 3, 7),
        "theme:laptops:offered": "yes", "theme:laptops:how": "school", "theme:laptops:evaluated": "no",
        "theme:family-support:offered": "yes", "theme:family-support:how": "school",
        "theme:family-support:evaluated": "no"}
    assert notes == {"arrival_note": "=1+1"}
    values, _notes = stored(_report(custom_round, other_platform))
    assert values["received"] == "no" and values["contact"] == "Mevrouw Peeters"
    assert "pupils" not in values and "languages" not in values
    assert values["theme:family-support:evaluated"] == "no"  # implied
    assert "theme:family-support:how" not in values


@pytest.mark.django_db
def test_a_custom_questionnaire_is_checked_like_the_form(tmp_path, platform, other_platform, custom_round):
    rows = [
        _custom_row(platform, pupils="twaalf", languages="uk pl", first_day="7/3/2022", contact="Mevrouw Peeters",
                    columns={"theme:laptops:how": "thuis"}),
        _custom_row(other_platform, {"theme:laptops:offered": "no", "theme:laptops:evaluated": "yes"}, received="no"),
        _custom_row(PlatformFactory(), {"theme:family-support:how": ""}, pupils="5001"),
    ]
    errors = _errors(tmp_path, custom_round, rows, columns=_custom_columns(custom_round))
    assert [(line, column) for line, column, _message in errors] == [
        (2, "pupils"), (2, "languages"), (2, "first_day"), (2, "contact"), (2, "theme:laptops:how"),
        # Cells for questions not asked (by the condition) are refused, not dropped.
        (3, "pupils"), (3, "languages"), (3, "first_day"), (3, "theme:laptops:how"),
        (3, "theme:laptops:evaluated"),
        (4, "pupils"), (4, "theme:family-support:how")]
    by_position = {(line, column): message for line, column, message in errors}
    assert "pl" in by_position[2, "languages"]
    assert by_position[4, "theme:family-support:how"] == ANSWER_REQUIRED
    assert "5000" in by_position[4, "pupils"]
    assert Report.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["export.csv", "export.xlsx"])
def test_export_then_import_gives_the_same_answers(tmp_path, platform, other_platform, custom_round, name):
    from summaries.exports import report_rows

    third = PlatformFactory(level="secundair")
    answer(ReportFactory(round=custom_round, platform=platform, status="submitted",
                         submitted_at=datetime.datetime(2022, 4, 1, tzinfo=datetime.UTC)), {
        "received": "yes", "pupils": 7, "languages": frozenset({"ru", "uk"}), "first_day": datetime.date(2022, 3, 1),
        "theme:laptops:offered": "yes", "theme:laptops:how": "online", "theme:laptops:evaluated": "yes",
        "theme:family-support:offered": "no",
    }, {"arrival_note": "-2 leerlingen vertrokken", "theme:laptops:support_note": "@school\nregel twee"})
    answer(ReportFactory(round=custom_round, platform=other_platform), {
        "received": "no", "contact": "=HYPERLINK(\"x\")", "theme:family-support:offered": "yes"})
    ReportFactory(round=custom_round, platform=third, status="returned")
    reports = Report.objects.filter(round=custom_round).order_by("pk")
    before = {r.platform_id: (r.status, *stored(r)) for r in reports}

    if name.endswith(".csv"):
        path = export_csv(custom_round, tmp_path / name)
    else:
        from summaries.exports import _safe, xml_text

        workbook = Workbook()
        sheet = workbook.active
        for row in report_rows(custom_round):
            sheet.append([xml_text(v) if isinstance(v, str) else v for v in _safe(row)])
        path = tmp_path / name
        workbook.save(path)
    Report.objects.filter(round=custom_round).delete()  # the import creates them again

    _import(path, custom_round)

    assert {r.platform_id: (r.status, *stored(r)) for r in Report.objects.filter(round=custom_round)} == before
    assert before[platform.pk][1]["pupils"] == 7
