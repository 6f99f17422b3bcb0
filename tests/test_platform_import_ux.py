"""The platform import as an admin meets it: Dutch column names, errors with the value found, a refused file sent
again without choosing the rest anew, a preview that says what follows, and templates that import back cleanly."""

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from platforms import importing
from platforms.import_views import SESSION_KEY
from platforms.models import Membership, Organisation, Platform
from rounds.models import RoundPlatform

from .factories import ReportingRoundFactory

IMPORT_URL = reverse("platforms:import")
CONFIRM_URL = reverse("platforms:import_confirm")
TEMPLATE_CSV_URL = reverse("platforms:import_template_csv")
TEMPLATE_XLSX_URL = reverse("platforms:import_template_xlsx")


def _csv(header: list[str], rows: list[list[str]], *, delimiter=";") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _xlsx(header: list[str], rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    for row in [header, *rows]:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _upload(client, data: bytes, *, what="platforms", name="platformen.csv"):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(IMPORT_URL, {"what": what, "file": upload})


def _confirm(client):
    return client.post(CONFIRM_URL, {"token": client.session[SESSION_KEY]["token"]})


def _errors(data: bytes, name="platformen.csv", *, what="platforms") -> list[tuple]:
    parse, preview = ((importing.parse_platforms, importing.preview_platforms) if what == "platforms"
                      else (importing.parse_members, importing.preview_members))
    rows, errors = parse(data, name)
    if not errors:
        errors = preview(rows)[1]
    return [(error.line, error.column, error.message) for error in errors]


# Dutch column names -------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("make", [_csv, _xlsx])
def test_dutch_column_names_import_in_any_case_and_with_spaces(login, admin_user, make):
    client = login(admin_user)
    data = make([" Regio", "NAAM ", "niveau", "Code"], [["Aalst", "LOP Aalst", "Secundair", "aalst-so"]])
    name = "platformen.csv" if make is _csv else "platformen.xlsx"

    response = _upload(client, data, name=name)

    assert response.status_code == 200 and SESSION_KEY in client.session
    _confirm(client)
    platform = Platform.objects.get(code="aalst-so")
    assert (platform.name, platform.level, platform.area) == ("LOP Aalst", "secundair", "Aalst")


@pytest.mark.django_db
def test_dutch_member_columns_and_category_words_import(platform):
    data = _csv(["platformcode", "soort", "naam", "instellingsnummer", "onderwijsnet", "partnercategorie", "gemeente"],
                [["gent-bao", "partner", "Vzw De Brug", "", "", "Armoede", "Gent"],
                 ["gent-bao", "school", "Basisschool Het Anker", "054321", "go", "", "Gent"]])
    rows, errors = importing.parse_members(data, "leden.csv")
    assert errors == []

    importing.members_import(actor=None, rows=rows)

    partner = Organisation.objects.get(name="Vzw De Brug")
    assert partner.partner_category == "poverty"
    assert Membership.objects.filter(platform=platform, organisation__instellingsnummer="054321").exists()


@pytest.mark.django_db
def test_a_column_named_in_dutch_and_in_english_is_refused():
    data = _csv(["code", "naam", "name", "niveau", "regio"], [["x-bao", "LOP X", "LOP X", "basis", "X"]])
    assert [(line, column) for line, column, _message in _errors(data)] == [(1, "name")]
    assert "naam" in _errors(data)[0][2]


@pytest.mark.django_db
def test_a_missing_column_is_named_as_the_rest_of_the_file_names_them():
    dutch = _errors(_csv(["code", "naam", "regio"], [["x-bao", "LOP X", "X"]]))
    english = _errors(_csv(["code", "name", "area"], [["x-bao", "LOP X", "X"]]))
    assert [(line, column) for line, column, _message in dutch] == [(1, "niveau")]
    assert [(line, column) for line, column, _message in english] == [(1, "level")]


# The value found ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_error_names_line_column_as_written_the_value_and_what_is_expected():
    data = _csv(["code", "naam", "niveau", "regio"], [["a-bao", "LOP A", "basis", "A"],
                                                      ["b-so", "LOP B", "Middelbaar", "B"],
                                                      ["a-bao", "LOP A bis", "basis", "A"]])
    [level, twice] = _errors(data)

    assert level[:2] == (3, "niveau")
    assert "Middelbaar" in level[2] and "basis" in level[2] and "secundair" in level[2]
    assert twice[:2] == (4, "code")
    assert "a-bao" in twice[2] and "2" in twice[2]


@pytest.mark.django_db
def test_member_errors_repeat_the_value_found(platform):
    header = ["platformcode", "soort", "naam", "instellingsnummer", "onderwijsnet", "partnercategorie", "gemeente"]
    data = _csv(header, [["bestaat-niet", "school", "School A", "111111", "go", "", "Gent"],
                         ["gent-bao", "kleuterschool", "School B", "222222", "go", "", "Gent"],
                         ["gent-bao", "school", "School C", "12a45", "staat", "", "Gent"],
                         ["gent-bao", "partner", "Vzw D", "", "", "cultuur", "Gent"]],)
    errors = {(line, column): message for line, column, message in _errors(data, "leden.csv", what="members")}

    assert "bestaat-niet" in errors[(2, "platformcode")]
    assert "kleuterschool" in errors[(3, "soort")]
    assert "12a45" in errors[(4, "instellingsnummer")]
    assert "staat" in errors[(4, "onderwijsnet")]
    assert "cultuur" in errors[(5, "partnercategorie")] and "armoede" in errors[(5, "partnercategorie")]


@pytest.mark.django_db
def test_the_value_shown_is_cut_short_and_escaped_on_the_page(login, admin_user):
    client = login(admin_user)
    long_value = "<b>middelbaar</b>" + "x" * 500
    data = _csv(["code", "naam", "niveau", "regio"], [["a-bao", "LOP A", long_value, "A"]])

    [(_line, _column, message)] = _errors(data)
    response = _upload(client, data)

    assert "<b>middelbaar</b>" in message and "x" * 100 not in message and "…" in message
    content = response.content.decode()
    assert "&lt;b&gt;middelbaar&lt;/b&gt;" in content and "<b>middelbaar</b>" not in content
    assert "x" * 100 not in content


# A refused file, sent again -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_refused_file_comes_back_on_the_form_with_the_choices_kept(login, admin_user, platform):
    client = login(admin_user)
    header = ["platformcode", "soort", "naam", "instellingsnummer", "onderwijsnet", "partnercategorie", "gemeente"]
    wrong = _csv(header, [["gent-bao", "school", "Basisschool Het Anker", "05432", "go", "", "Gent"]])

    response = _upload(client, wrong, what="members", name="leden.csv")

    content = response.content.decode()
    assert response.status_code == 200 and SESSION_KEY not in client.session
    assert "leden.csv" in content and "05432" in content
    assert re.search(r'<input[^>]*name="what" value="members"[^>]*checked', content)  # the choice is kept
    assert not re.search(r'<input[^>]*name="what" value="platforms"[^>]*checked', content)
    assert 'type="file" name="file"' in content and 'enctype="multipart/form-data"' in content

    corrected = wrong.replace(b"05432", b"054321")
    response = _upload(client, corrected, what="members", name="leden.csv")

    assert response.status_code == 200 and SESSION_KEY in client.session
    _confirm(client)
    assert Membership.objects.filter(platform=platform, organisation__instellingsnummer="054321").exists()


# What follows -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_preview_says_what_follows_for_new_platforms(login, admin_user, platform, coordinator):
    today = timezone.localdate()
    waiting = ReportingRoundFactory(title="Ronde die nog moet openen", opens_on=today + datetime.timedelta(days=7),
                                    deadline=today + datetime.timedelta(days=30))
    running = ReportingRoundFactory(title="Lopende ronde")
    closed = ReportingRoundFactory(title="Gesloten ronde", closed_at=timezone.now())
    client = login(admin_user)
    data = _csv(["code", "naam", "niveau", "regio"], [["nieuw-bao", "LOP Nieuw", "basis", "Nieuwegem"],
                                                      ["gent-bao", "LOP Gent", "basis", platform.area]])

    response = _upload(client, data)

    content = response.content.decode()
    assert reverse("people:invite") in content
    assert waiting.title in content and running.title in content and closed.title not in content
    assert reverse("rounds:roster", args=[running.slug]) in content
    assert reverse("rounds:roster", args=[waiting.slug]) not in content
    rows = {row.label: row for row in response.context["changing"]}
    assert rows["nieuw-bao – LOP Nieuw"].coordinators == 0
    assert rows["gent-bao – LOP Gent"].coordinators == 1  # the coordinator fixture
    assert [r.title for r in response.context["rounds"].joining] == [waiting.title]
    assert [r.title for r in response.context["rounds"].not_joining] == [running.title]

    _confirm(client)

    new = Platform.objects.get(code="nieuw-bao")
    assert set(RoundPlatform.objects.filter(platform=new).values_list("round__title", flat=True)) == {waiting.title}
    assert not new.coordinators.exists()


@pytest.mark.django_db
def test_a_preview_without_new_platforms_says_nothing_about_rounds(login, admin_user, platform):
    ReportingRoundFactory(title="Lopende ronde")
    client = login(admin_user)
    data = _csv(["code", "naam", "niveau", "regio"], [["gent-bao", "LOP Gent", "basis", platform.area]])

    response = _upload(client, data)

    assert response.status_code == 200
    assert "Lopende ronde" not in response.content.decode()
    assert reverse("people:invite") not in response.content.decode()


# Templates ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("what", ["platforms", "members"])
def test_the_csv_template_has_dutch_columns_and_example_rows(login, admin_user, what):
    response = login(admin_user).get(TEMPLATE_CSV_URL, {"what": what})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with a BOM
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == importing.template_header(what)
    assert len(lines) == 1 + len(importing.TEMPLATE_ROWS[what])


@pytest.mark.django_db
@pytest.mark.parametrize("what", ["platforms", "members"])
def test_the_xlsx_template_has_a_frozen_dutch_header(login, admin_user, what):
    response = login(admin_user).get(TEMPLATE_XLSX_URL, {"what": what})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]] == importing.template_header(what)
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.max_row == 1 + len(importing.TEMPLATE_ROWS[what])
    if what == "members":  # an institution number keeps its leading zero
        assert sheet["D2"].value == "099901" and sheet["D2"].number_format == "@"


@pytest.mark.django_db
def test_an_unknown_template_is_not_found(login, admin_user):
    assert login(admin_user).get(TEMPLATE_CSV_URL, {"what": "rounds"}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_templates_import_back_without_errors(login, admin_user, fmt):
    client = login(admin_user)
    url = TEMPLATE_CSV_URL if fmt == "csv" else TEMPLATE_XLSX_URL

    for what in ["platforms", "members"]:  # the members' rows are of the platforms' template
        template = client.get(url, {"what": what}).content
        response = _upload(client, template, what=what, name=f"sjabloon.{fmt}")
        assert response.status_code == 200 and not response.context.get("errors"), response.context.get("errors")
        assert response.context["counts"].created == len(importing.TEMPLATE_ROWS[what])
        _confirm(client)

    assert set(Platform.objects.values_list("code", flat=True)) == {"voorbeeld-bao", "voorbeeld-so"}
    assert Membership.objects.filter(platform__code="voorbeeld-bao").count() == 3
    assert Organisation.objects.get(instellingsnummer="099901").name == "Basisschool De Voorbeeldboom"


@pytest.mark.django_db
def test_the_import_page_links_the_templates(login, admin_user):
    content = login(admin_user).get(IMPORT_URL).content.decode()
    assert TEMPLATE_CSV_URL in content and TEMPLATE_XLSX_URL in content
    assert f"{TEMPLATE_XLSX_URL}?what=members" in content
    assert "niveau" in content and "regio" in content
