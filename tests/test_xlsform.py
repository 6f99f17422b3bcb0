"""Questionnaires as XLSForm files (rounds/xlsform.py), the import and export commands, and the demo round
whose questionnaire comes from one."""

import datetime
import io
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook, load_workbook
from pyxform.xls2xform import convert

from platforms.demo import load_demo
from rounds.demo_2022 import SLUG, XLSFORM, load_ukraine_round
from rounds.models import Answer, Note, Questionnaire, Report, ReportStatus
from rounds.questionnaire import definition_for
from rounds.seed import make_oekraine_2022
from rounds.seed.corona_2020 import SECTIONS
from rounds.services.questionnaires import questionnaire_replace
from rounds.spec import spec_from_questionnaire
from rounds.xlsform import MAX_SURVEY_ROWS, read_xlsform, write_xlsform

from .factories import PlatformFactory, ReportFactory, ReportingRoundFactory
from .test_questionnaire_spec import custom_spec

HEADER = ["type", "name", "label", "hint", "required", "relevant", "level", "per_theme", "note_name", "note_label",
          "implied_when", "implied_value", "min", "max"]


def workbook(survey: list, choices: list | None = None, *, header=None, choices_header=None) -> bytes:
    """An XLSForm workbook with these rows (lists of cells; the header is HEADER unless given)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(header or HEADER)
    for row in survey:
        sheet.append(row)
    if choices is not None:
        sheet = book.create_sheet("choices")
        sheet.append(choices_header or ["list_name", "name", "label"])
        for row in choices:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read(data: bytes, filename="vragenlijst.xlsx"):
    with translation.override("en"):
        return read_xlsform(data, filename)


GOOD = [
    ["begin group", "general", "Algemeen"],
    ["select_one yes_no", "used", "Gebruikt?", "", "yes"],
    ["select_one colours", "colour", "Welke kleur?", "", "yes", "${used} = 'yes'"],
    ["end group"],
]
COLOURS = [["colours", "red", "Rood"], ["colours", "blue", "Blauw"]]


# Export, then import -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [SECTIONS, custom_spec()], ids=["corona-2020", "custom"])
def test_export_then_import_gives_the_same_questionnaire(spec):
    sections, errors = read(write_xlsform(spec))
    assert errors == []
    assert sections == spec


def test_a_round_exports_its_questionnaire_and_the_import_gives_it_back(db):
    source = ReportingRoundFactory(slug="bron", questionnaire=custom_spec())
    target = ReportingRoundFactory(slug="doel", questionnaire=[])
    data = write_xlsform(source)
    sections, errors = read(data)
    assert errors == []
    questionnaire = questionnaire_replace(actor=None, round=target, sections=sections)
    assert spec_from_questionnaire(questionnaire) == spec_from_questionnaire(source.questionnaire) == custom_spec()
    settings = load_workbook(io.BytesIO(data))["settings"]
    assert [c.value for c in settings[2]] == [source.title, "bron", "Dutch (nl)"]


@pytest.mark.parametrize("spec", [SECTIONS, custom_spec()], ids=["corona-2020", "custom"])
def test_the_export_is_a_valid_xlsform_that_pyxform_turns_into_an_xform(spec):
    result = convert(xlsform=write_xlsform(spec), file_type=".xlsx")
    assert result.warnings == []
    assert "<h:title>" in result.xform


def test_a_questions_sentence_in_the_answer_travels_in_our_column_answer_sentence():
    spec = custom_spec()
    sentence = spec[0]["questions"][0]["sentence"]
    assert sentence
    survey = load_workbook(io.BytesIO(write_xlsform(spec)))["survey"]
    header = [cell.value for cell in survey[1]]
    column = header.index("answer_sentence") + 1
    assert survey.cell(row=3, column=column).value == sentence  # row 2 opens the group
    sections, errors = read(workbook([
        ["begin group", "general", "Algemeen", "", "", "", "", "", "", "", "", "", "", "", "Een zin."],
        ["select_one yes_no", "used", "Gebruikt?", "", "yes", "", "", "", "", "", "", "", "", "",
         "- {{ used.yes.total }} LOP's gebruikten het."],
        ["end group"],
    ], [], header=[*HEADER, "answer_sentence"]))
    assert errors == ["sheet survey, row 2, column answer_sentence: This column is for questions, not for a group."]
    sections, errors = read(workbook([
        ["begin group", "general", "Algemeen"],
        ["select_one yes_no", "used", "Gebruikt?", "", "yes", "", "", "", "", "", "", "", "", "",
         "- {{ used.yes.total }} LOP's gebruikten het."],
        ["end group"],
    ], [], header=[*HEADER, "answer_sentence"]))
    assert errors == []
    assert sections[0]["questions"][0]["sentence"] == "- {{ used.yes.total }} LOP's gebruikten het."


def test_a_text_that_looks_like_a_formula_is_written_as_text_and_read_back():
    spec = custom_spec()
    spec[0]["questions"][0]["label"] = "=SUM(A1:A3) leerlingen?"
    spec[0]["questions"][1]["choices"] = [("red", "+32 rood"), ("green", "Groen"), ("blue", "Blauw")]
    data = write_xlsform(spec)
    survey = load_workbook(io.BytesIO(data))["survey"]
    assert survey["C3"].data_type == "s" and survey["C3"].value == "=SUM(A1:A3) leerlingen?"
    assert read(data) == (spec, [])


def test_labels_in_dutch_are_taken_when_the_file_has_several_languages():
    header = ["type", "name", "label::English (en)", "label::Dutch (nl)", "hint::Dutch (nl)", "required"]
    data = workbook([
        ["start", "start"],  # metadata that the portal keeps itself: skipped
        ["begin_group", "general", "General", "Algemeen"],
        ["note", "intro", "Read this", "Lees dit"],  # a note: skipped
        ["select one yes_no", "used", "Used?", "Gebruikt?", "Uitleg", "TRUE"],
        ["integer", "pupils", "Pupils", "Leerlingen"],
        ["end_group"],
    ], [["yes_no", "yes", "Yes"], ["yes_no", "no", "No"]],
        header=header, choices_header=["list_name", "name", "label::English (en)"])
    sections, errors = read(data)
    assert errors == []
    assert sections[0]["title"] == "Algemeen"
    assert [(q["key"], q["label"], q["kind"], q["required"], q["help_text"]) for q in sections[0]["questions"]] == [
        ("used", "Gebruikt?", "yesno", True, "Uitleg"), ("pupils", "Leerlingen", "number", False, "")]


def test_an_implied_date_typed_as_a_date_in_excel_is_read_as_that_date():
    data = workbook([
        ["begin group", "general", "Algemeen"],
        ["select_one yes_no", "used", "Gebruikt?"],
        ["date", "since", "Sinds?", "", "", "", "", "", "", "", "${used} = 'no'", datetime.date(2022, 2, 24)],
        ["end group"],
    ])
    sections, errors = read(data)
    assert errors == []
    assert sections[0]["questions"][1]["implied_value"] == "2022-02-24"


# Refusals ------------------------------------------------------------------------------------------------------


def test_a_bad_file_is_refused_whole_with_every_error_at_its_sheet_row_and_column():
    data = workbook([
        ["begin group", "general", "Algemeen"],                                            # row 2
        ["select_one yes_no", "used", "Gebruikt?", "", "misschien"],                       # row 3
        ["select_one colours", "colour", "Kleur?", "", "yes", "${used} > 'yes'"],          # row 4
        ["decimal", "share", "Aandeel?"],                                                  # row 5
        ["integer", "Pupils", "Leerlingen?", "", "", "", "", "", "", "", "", "", "veel"],  # row 6
        ["select_multiple shapes", "shape", "Vorm?"],                                      # row 7
        ["text", "remark", "Opmerking?", "", "", "${share} = 'x'"],                       # row 8 (refers to row 5)
        ["end group"],                                                                     # row 9
        ["date", "loose", "Los?"],                                                         # row 10
        ["begin group", "themes", "Thema", "", "", "", "lager", "misschien"],              # row 11
    ], [["colours", "red", "Rood"], ["colours", "red", "Nog eens rood"], ["colours", "1", "Een"]])
    sections, errors = read(data)
    assert sections == []
    assert errors == [
        "sheet survey, row 3, column required: Write yes, or leave the cell empty.",
        "sheet survey, row 4, column relevant: Cannot read the condition from “> 'yes'” on: use ${key} = 'value', "
        "${key} != 'value', selected(${key}, 'value'), and, or and parentheses.",
        "sheet survey, row 5, column type: The type “decimal” is not supported: use select_one yes_no, "
        "select_one <list>, select_multiple <list>, integer, text, date, begin group or end group.",
        "sheet survey, row 6, column name: Use lower-case letters, digits and underscores, starting with a letter.",
        "sheet survey, row 6, column min: Give a whole number (of at most 15 digits), or nothing.",
        "sheet survey, row 7, column type: The list shapes is not on the sheet choices.",
        "sheet survey, row 10, column type: Put this question in a group (begin group … end group): every question "
        "belongs to a section.",
        "sheet survey, row 11, column per_theme: Write yes, or leave the cell empty.",
        "sheet survey, row 11, column type: This group is not closed with end group.",
        "sheet survey, row 11, column level: Unknown level: use basis, secundair, or leave it empty for both.",
        "sheet survey, row 11, column type: A section needs at least one question or a note.",
        "sheet choices, row 3, column name: The list colours already has a choice named “red”.",
        "sheet choices, row 4, column name: Use letters, digits, _, . and - (at most 60), starting with a letter "
        "or _.",
    ]


def test_conditions_outside_the_supported_syntax_or_on_later_questions_are_refused():
    data = workbook([
        ["begin group", "general", "Algemeen"],
        ["select_one yes_no", "used", "Gebruikt?", "", "", "${later} = 'yes'"],
        ["select_one yes_no", "later", "Later?", "", "", "${used} = 'yes' and string-length(${used}) > 0"],
        ["select_one yes_no", "third", "Derde?", "", "", "selected(${used}, 'yes')"],
        ["end group"],
    ])
    _sections, errors = read(data)
    assert errors[0] == ("sheet survey, row 3, column relevant: ${later} is not asked before this question: a "
                         "condition can only refer to earlier questions.")
    assert errors[1].startswith("sheet survey, row 4, column relevant: Cannot read the condition from “> 0” on")
    assert errors[2] == ("sheet survey, row 5, column relevant: selected() is only for a several-of-a-list question: "
                         "write ${used} = 'yes'.")


def test_missing_sheets_and_columns_are_refused():
    assert read(workbook(GOOD, COLOURS, header=["type", "label"]))[1] == [
        "sheet survey, row 1, column name: This column is missing."]
    book = Workbook()
    book.active.title = "choices"
    book.create_sheet("settings")
    buffer = io.BytesIO()
    book.save(buffer)
    assert read(buffer.getvalue())[1] == ["The workbook has no sheet named survey."]
    assert read(workbook([], COLOURS))[1] == ["The sheet survey has no questions."]


def test_unsupported_columns_repeats_and_nested_groups_are_refused():
    data = workbook([
        ["begin group", "general", "Algemeen"],
        ["begin group", "inner", "Binnen"],
        ["integer", "pupils", "Leerlingen?", "", "", "", "", "", "", "", "", "", "", "", ". > 0"],
        ["begin repeat", "again", "Herhaal"],
        ["end group"],
    ], header=[*HEADER, "constraint"])
    errors = read(data)[1]
    assert "sheet survey, row 3, column type: A group inside a group is not supported: close the group above with " \
           "end group first." in errors
    assert "sheet survey, row 4, column constraint: This column is not supported: leave it empty." in errors
    assert any(e.startswith("sheet survey, row 5, column type: Repeats are not supported") for e in errors)


def test_the_file_is_bounded_in_size_and_rows():
    assert read(b"PK" + b"0" * (2 * 1024 * 1024))[1] == ["The file is larger than 2 MB."]
    rows = [["begin group", "general", "Algemeen"]]
    rows += [["integer", f"q{n}", f"Vraag {n}"] for n in range(MAX_SURVEY_ROWS)] + [["end group"]]
    assert read(workbook(rows))[1] == ["The sheet survey has more than 2,000 rows."]
    assert read(b"not a workbook")[1] == ["The file cannot be read as an Excel workbook (.xlsx)."]
    assert read(workbook(GOOD, COLOURS), "vragenlijst.csv")[1] == [
        "Only an XLSForm in an Excel workbook (.xlsx) can be read."]


def test_a_zip_that_unpacks_to_a_huge_sheet_is_refused_before_it_is_parsed():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (60 * 1024 * 1024))
    assert len(buffer.getvalue()) < 2 * 1024 * 1024
    assert read(buffer.getvalue())[1] == ["The workbook is too large once unpacked."]


def test_an_error_message_is_in_dutch_when_dutch_is_active():
    data = workbook([["begin group", "general", "Algemeen"], ["decimal", "share", "Aandeel?"], ["end group"]])
    with translation.override("nl"):
        errors = read_xlsform(data, "vragenlijst.xlsx")[1]
    # "blad survey, regel 3, kolom type: …" once the catalogue has the msgid (English until then).
    assert len(errors) == 1 and "survey" in errors[0] and "3" in errors[0] and "type" in errors[0]


# Commands ------------------------------------------------------------------------------------------------------


@pytest.fixture
def round(db):
    return ReportingRoundFactory(slug="nieuw", questionnaire=[])


def test_import_questionnaire_replaces_the_questionnaire(round, tmp_path, capsys):
    path = tmp_path / "vragenlijst.xlsx"
    path.write_bytes(write_xlsform(custom_spec()))
    call_command("import_questionnaire", str(path), "--round", "nieuw")
    assert spec_from_questionnaire(Questionnaire.objects.get(round=round)) == custom_spec()
    assert "8" in capsys.readouterr().out


def test_export_then_import_through_the_commands(round, tmp_path):
    source = ReportingRoundFactory(slug="bron", questionnaire=custom_spec())
    path = tmp_path / "uit.xlsx"
    call_command("export_questionnaire", "--round", source.slug, str(path))
    call_command("import_questionnaire", str(path), "--round", "nieuw")
    assert spec_from_questionnaire(Questionnaire.objects.get(round=round)) == custom_spec()
    assert [p.name for p in tmp_path.iterdir()] == ["uit.xlsx"]  # no temporary file left behind


def test_import_questionnaire_refuses_a_bad_file_and_changes_nothing(round, tmp_path):
    questionnaire_replace(actor=None, round=round, sections=SECTIONS)
    version = Questionnaire.objects.get(round=round).version
    path = tmp_path / "fout.xlsx"
    path.write_bytes(workbook([["begin group", "general", "Algemeen"], ["decimal", "share", "Aandeel?"],
                               ["end group"]]))
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("import_questionnaire", str(path), "--round", "nieuw")
    assert str(refused.value).splitlines()[1].startswith("sheet survey, row 3, column type: ")
    assert Questionnaire.objects.get(round=round).version == version
    assert spec_from_questionnaire(Questionnaire.objects.get(round=round)) == SECTIONS


def test_import_questionnaire_refuses_a_round_with_a_saved_report(round, tmp_path):
    questionnaire_replace(actor=None, round=round, sections=SECTIONS)
    ReportFactory(round=round, platform=PlatformFactory())
    path = tmp_path / "vragenlijst.xlsx"
    path.write_bytes(write_xlsform(custom_spec()))
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("import_questionnaire", str(path), "--round", "nieuw")
    assert "This round already has a saved report: its questionnaire can no longer change." in str(refused.value)
    assert spec_from_questionnaire(Questionnaire.objects.get(round=round)) == SECTIONS


@pytest.mark.parametrize(("arguments", "message"), [
    (["import_questionnaire", "{dir}/x.xlsx", "--round", "nergens"], "no reporting round with the code nergens"),
    (["import_questionnaire", "{dir}/ontbreekt.xlsx", "--round", "nieuw"], "does not exist"),
    (["export_questionnaire", "--round", "nergens", "{dir}/x.xlsx"], "no reporting round with the code nergens"),
    (["export_questionnaire", "--round", "nieuw", "{dir}/x.csv"], "ending in .xlsx"),
    (["export_questionnaire", "--round", "nieuw", "{dir}/geen/map/x.xlsx"], "does not exist"),
])
def test_the_commands_refuse_with_a_clear_message(round, tmp_path, arguments, message):
    with translation.override("en"), pytest.raises(CommandError, match=message):
        call_command(*[a.format(dir=tmp_path) for a in arguments])


# The demo round of 2022 ----------------------------------------------------------------------------------------


def test_the_committed_xlsform_is_what_its_script_writes(tmp_path):
    path = tmp_path / "oekraine-2022.xlsx"
    make_oekraine_2022.build().save(path)
    committed, errors = read(XLSFORM.read_bytes())
    assert errors == []
    assert read(path.read_bytes()) == (committed, [])
    kinds = {q["kind"] for s in committed for q in s["questions"]}
    assert kinds == {"yesno", "multiple", "number", "date", "text"}
    assert any(s["per_theme"] for s in committed) and any(s["note_key"] for s in committed)
    assert any(q["relevant"] for s in committed for q in s["questions"])
    assert any(q["min_value"] == 0 for s in committed for q in s["questions"])


def test_the_ukraine_round_is_loaded_from_its_xlsform_with_three_drafts_and_again_changes_nothing(db):
    load_demo()
    round = load_ukraine_round()
    assert round.slug == SLUG and not round.is_closed
    assert sorted(round.themes.values_list("slug", flat=True)) == ["family-support", "reaching-all-pupils"]
    questionnaire = Questionnaire.objects.get(round=round)
    assert spec_from_questionnaire(questionnaire) == read(XLSFORM.read_bytes())[0]
    reports = Report.objects.filter(round=round)
    assert sorted(reports.values_list("platform__code", flat=True)) == ["antwerpen-bao", "antwerpen-so", "gent-bao"]
    assert set(reports.values_list("status", flat=True)) == {ReportStatus.DRAFT}
    antwerpen = Answer.objects.filter(report__round=round, report__platform__code="antwerpen-bao")
    assert set(antwerpen.filter(question__key="reception_arrangements").values_list("value", flat=True)) == {
        "central_registration", "spread_over_schools", "interpreters"}
    assert antwerpen.get(question__key="ukrainian_pupils_count").number == 148
    # Implied answers are filled in: Gent received no pupils, so (secundair only) nothing for OKAN, and no count.
    gent = Answer.objects.filter(report__round=round, report__platform__code="gent-bao")
    assert not gent.filter(question__key__in=["ukrainian_pupils_count", "okan_places_added"]).exists()
    definition = definition_for(round)
    assert {slot.column for slot in definition.slots} >= {"theme:family-support:theme_support",
                                                          "theme:reaching-all-pupils:theme_relevant"}

    counts = (Answer.objects.count(), Note.objects.count(), questionnaire.version, reports.count())
    load_ukraine_round()
    questionnaire.refresh_from_db()
    assert (Answer.objects.count(), Note.objects.count(), questionnaire.version, reports.count()) == counts
