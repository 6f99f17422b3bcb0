"""Importing platforms and members from CSV or XLSX: by command and on the admins' upload page, all or nothing."""

import csv
import datetime
import io
import re

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from platforms import importing
from platforms.import_views import MAX_UPLOAD_BYTES, SESSION_KEY
from platforms.importing import MEMBER_COLUMNS, PLATFORM_COLUMNS, RowError
from platforms.models import Membership, Organisation, Platform

from .factories import ClbFactory, MembershipFactory, PartnerFactory, PlatformFactory, SchoolFactory

IMPORT_URL = reverse("platforms:import")
CONFIRM_URL = reverse("platforms:import_confirm")

PLATFORMS = [
    {"code": "antwerpen-bao", "name": "LOP Basisonderwijs Antwerpen", "level": "basis", "area": "Antwerpen"},
    {"code": "antwerpen-so", "name": "LOP Secundair Onderwijs Antwerpen", "level": "secundair", "area": "Antwerpen"},
]


def _member(platform_code="gent-bao", kind="school", name="Basisschool De Linde", instellingsnummer="012345",
            onderwijsnet="katholiek", partner_category="", municipality="Gent"):
    return {"platform_code": platform_code, "kind": kind, "name": name, "instellingsnummer": instellingsnummer,
            "onderwijsnet": onderwijsnet, "partner_category": partner_category, "municipality": municipality}


def _clb(**cells):
    return _member(**{"kind": "clb", "name": "Vrij CLB Gent", "instellingsnummer": "955500", "onderwijsnet": "",
                      **cells})


def _partner(**cells):
    return _member(**{"kind": "partner", "name": "OCMW Gent", "instellingsnummer": "", "onderwijsnet": "",
                      "partner_category": "municipality", **cells})


def _csv_bytes(columns, rows, *, delimiter=",", bom=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def _write_csv(tmp_path, columns, rows, *, name="bestand.csv", **kwargs):
    path = tmp_path / name
    path.write_bytes(_csv_bytes(columns, rows, **kwargs))
    return path


def _xlsx_bytes(columns, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([*columns, None])  # an empty trailing column, as spreadsheets leave them
    for row in rows:
        sheet.append([row.get(c) for c in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _import(command, path) -> str:
    out = io.StringIO()
    call_command(command, str(path), stdout=out)
    return out.getvalue()


def _refused(command, path) -> str:
    with pytest.raises(CommandError) as refused:
        _import(command, path)
    return str(refused.value)


def _at(line, column) -> str:
    """How an error's position is written ("regel 3, kolom level" once translated)."""
    return RowError(line, column, "").position


def _numbers(output: str) -> list[str]:
    """The counts in a command's report: created, updated, unchanged."""
    return re.findall(r"\d+", output)


def _counts():
    return Platform.objects.count(), Organisation.objects.count(), Membership.objects.count()


def _platform_errors(rows, columns=PLATFORM_COLUMNS):
    parsed, errors = importing.parse_platforms(_csv_bytes(columns, rows), "platforms.csv")
    if not errors:
        errors = importing.preview_platforms(parsed)[1]
    return [(e.line, e.column) for e in errors]


def _member_errors(rows, columns=MEMBER_COLUMNS):
    parsed, errors = importing.parse_members(_csv_bytes(columns, rows), "leden.csv")
    if not errors:
        errors = importing.preview_members(parsed)[1]
    return [(e.line, e.column) for e in errors]


# Platforms by command ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_good_platforms_csv_creates_them(tmp_path):
    path = _write_csv(tmp_path, PLATFORM_COLUMNS, PLATFORMS, delimiter=";", bom=True)

    output = _import("import_platforms", path)

    assert _numbers(output) == ["2", "0", "0"]
    platform = Platform.objects.get(code="antwerpen-so")
    assert (platform.name, platform.level, platform.area, platform.is_active) == (
        "LOP Secundair Onderwijs Antwerpen", "secundair", "Antwerpen", True)
    assert Platform.objects.count() == 2


@pytest.mark.django_db
def test_a_good_platforms_xlsx_creates_them(tmp_path):
    path = tmp_path / "platforms.xlsx"
    rows = [{**PLATFORMS[0], "level": "Basis", "name": "  LOP Basisonderwijs Antwerpen "}, PLATFORMS[1]]
    path.write_bytes(_xlsx_bytes(PLATFORM_COLUMNS, rows))

    _import("import_platforms", path)

    assert Platform.objects.get(code="antwerpen-bao").level == "basis"
    assert Platform.objects.get(code="antwerpen-bao").name == "LOP Basisonderwijs Antwerpen"
    assert Platform.objects.count() == 2


@pytest.mark.django_db
def test_reimporting_platforms_updates_and_does_not_duplicate(tmp_path, platform, coordinator):
    rows = [*PLATFORMS, {"code": "gent-bao", "name": platform.name, "level": "basis", "area": platform.area}]
    _import("import_platforms", _write_csv(tmp_path, PLATFORM_COLUMNS, rows))
    assert Platform.objects.count() == 3

    output = _import("import_platforms", _write_csv(tmp_path, PLATFORM_COLUMNS, rows))
    assert Platform.objects.count() == 3
    assert _numbers(output) == ["0", "0", "3"]

    rows[2] = {**rows[2], "name": "LOP Gent (basis)", "area": "Gent, Merelbeke"}
    output = _import("import_platforms", _write_csv(tmp_path, PLATFORM_COLUMNS, rows))
    assert _numbers(output) == ["0", "1", "2"]
    platform.refresh_from_db()
    assert (platform.name, platform.area) == ("LOP Gent (basis)", "Gent, Merelbeke")
    assert list(platform.coordinators.all()) == [coordinator]  # the file does not touch coordinators
    assert Platform.objects.count() == 3


@pytest.mark.django_db
def test_every_platform_error_is_listed_and_nothing_is_written(tmp_path, platform):
    rows = [
        PLATFORMS[0],
        {**PLATFORMS[1], "level": "hoger"},
        {**PLATFORMS[1], "code": "antwerpen-bao"},
        {"code": "niet geldig!", "name": "", "level": "", "area": "Gent"},
        {"code": "gent-bao", "name": "Nieuwe naam", "level": "kleuter", "area": "Gent"},
    ]
    before = _counts()

    assert _platform_errors(rows) == [(3, "level"), (4, "code"), (5, "code"), (5, "name"), (5, "level"),
                                      (6, "level")]
    message = _refused("import_platforms", _write_csv(tmp_path, PLATFORM_COLUMNS, rows))

    for line, column in [(3, "level"), (4, "code"), (5, "code"), (6, "level")]:
        assert _at(line, column) in message
    assert "(2)" not in message and _at(2, "code") not in message
    assert _counts() == before
    platform.refresh_from_db()
    assert platform.name == "LOP Basisonderwijs Gent"


@pytest.mark.django_db
def test_the_platforms_header_is_checked_on_line_1(tmp_path):
    columns = ["code", "name", "name", "gebied"]
    assert _platform_errors([], columns=columns) == [(1, "name"), (1, "gebied"), (1, "level"), (1, "area")]
    message = _refused("import_platforms", _write_csv(tmp_path, columns, [PLATFORMS[0]]))
    assert _at(1, "gebied") in message
    assert Platform.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "content"), [
    ("platforms.xls", b"code,name,level,area\n"),
    ("platforms.csv", "code,name,level,area\nx,é,basis,y\n".encode("cp1252")),
    ("platforms.xlsx", b"PK\x03\x04 not really a workbook"),
    ("platforms.csv", b""),
    ("platforms.csv", b"code,name,level,area\n"),
], ids=["xls", "not-utf8", "broken-xlsx", "empty", "no-rows"])
def test_unreadable_files_are_refused(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError):
        _import("import_platforms", path)
    assert Platform.objects.count() == 0


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError):
        _import("import_platforms", tmp_path / "bestaat-niet.csv")


# Members by command -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_good_members_csv_creates_organisations_and_memberships(tmp_path, platform, other_platform):
    rows = [
        _member(),
        _member(platform_code="brugge-so", onderwijsnet="KATHOLIEK"),  # the same school on a second platform
        _clb(),
        _partner(),
        _partner(platform_code="brugge-so", name="Vzw Kansen", municipality="Brugge", partner_category="poverty"),
    ]
    before = _counts()

    output = _import("import_members", _write_csv(tmp_path, MEMBER_COLUMNS, rows, delimiter=";"))

    assert _numbers(output) == ["4", "1", "0"]  # the school's second row only adds a membership
    school = Organisation.objects.get(instellingsnummer="012345")
    assert (school.kind, school.name, school.onderwijsnet, school.municipality, school.partner_category) == (
        "school", "Basisschool De Linde", "katholiek", "Gent", "")
    assert set(school.memberships.values_list("platform__code", flat=True)) == {"gent-bao", "brugge-so"}
    assert Organisation.objects.get(instellingsnummer="955500").kind == "clb"
    partner = Organisation.objects.get(name="Vzw Kansen")
    assert (partner.kind, partner.partner_category, partner.instellingsnummer) == ("partner", "poverty", "")
    assert partner.memberships.get().platform == other_platform
    assert _counts() == (before[0], before[1] + 4, before[2] + 5)
    assert not Membership.objects.filter(end_date__isnull=False).exists()


@pytest.mark.django_db
def test_a_good_members_xlsx_keeps_the_leading_zeros(tmp_path, platform):
    path = tmp_path / "leden.xlsx"
    rows = [_member(instellingsnummer=12345), _clb(instellingsnummer=955500.0), _partner(instellingsnummer=None)]
    path.write_bytes(_xlsx_bytes(MEMBER_COLUMNS, rows))

    _import("import_members", path)

    # Excel shows 012345 typed in a number cell as 12345: the import pads it to 6 digits again.
    assert Organisation.objects.get(instellingsnummer="012345").name == "Basisschool De Linde"
    assert Organisation.objects.filter(instellingsnummer="955500", kind="clb").exists()
    assert platform.memberships.filter(organisation__name="OCMW Gent", end_date__isnull=True).exists()


@pytest.mark.django_db
def test_reimporting_members_updates_and_does_not_duplicate(tmp_path, platform):
    rows = [_member(), _clb(), _partner()]
    path = _write_csv(tmp_path, MEMBER_COLUMNS, rows)
    _import("import_members", path)
    after_first = _counts()
    membership = Membership.objects.get(organisation__instellingsnummer="012345")
    membership.start_date = datetime.date(2019, 9, 1)
    membership.note = "Sinds de fusie."
    membership.save()

    output = _import("import_members", path)
    assert _counts() == after_first
    assert _numbers(output) == ["0", "0", "3"]

    rows[0] = _member(name="Basisschool De Linde (fusie)", onderwijsnet="go")
    rows[2] = _partner(partner_category="welfare")
    output = _import("import_members", _write_csv(tmp_path, MEMBER_COLUMNS, rows))
    assert _numbers(output) == ["0", "2", "1"]

    assert _counts() == after_first
    school = Organisation.objects.get(instellingsnummer="012345")
    assert (school.name, school.onderwijsnet) == ("Basisschool De Linde (fusie)", "go")
    assert Organisation.objects.get(name="OCMW Gent").partner_category == "welfare"
    membership.refresh_from_db()  # an existing current membership is left as it is
    assert (membership.start_date, membership.note, membership.end_date) == (
        datetime.date(2019, 9, 1), "Sinds de fusie.", None)


@pytest.mark.django_db
def test_an_existing_school_is_found_by_its_number_and_an_ended_membership_renewed(tmp_path, platform, other_platform):
    school = SchoolFactory(instellingsnummer="054321", name="Oude naam")
    ended = MembershipFactory(platform=platform, organisation=school, start_date=datetime.date(2018, 9, 1),
                              end_date=datetime.date(2020, 6, 30))
    before = _counts()

    _import("import_members", _write_csv(tmp_path, MEMBER_COLUMNS, [
        _member(instellingsnummer="054321", name="Nieuwe naam", onderwijsnet="go")]))

    school.refresh_from_db()
    assert school.name == "Nieuwe naam"
    assert _counts() == (before[0], before[1], before[2] + 1)
    ended.refresh_from_db()
    assert ended.end_date == datetime.date(2020, 6, 30)  # the former membership stays listed
    assert school.memberships.filter(platform=platform, end_date__isnull=True).count() == 1


@pytest.mark.django_db
def test_a_partner_is_found_by_name_and_municipality(tmp_path, platform, other_platform):
    elsewhere = PartnerFactory(name="OCMW Gent", municipality="Gent", partner_category="municipality")
    MembershipFactory(platform=other_platform, organisation=elsewhere)
    own = PartnerFactory(name="OCMW Gent", municipality="Gent", partner_category="municipality")
    MembershipFactory(platform=platform, organisation=own)
    before = _counts()

    parsed = importing.parse_members(_csv_bytes(MEMBER_COLUMNS, [
        _partner(), _partner(municipality="Merelbeke")]), "leden.csv")[0]
    preview, errors = importing.preview_members(parsed)
    assert errors == []
    assert [row.action for row in preview] == ["unchanged", "create"]  # the platform's own member is found

    counts = importing.members_import(actor=None, rows=parsed)
    assert counts == importing.ImportCounts(created=1, updated=0, unchanged=1)
    assert _counts() == (before[0], before[1] + 1, before[2] + 1)


@pytest.mark.django_db
def test_every_member_error_is_listed_and_nothing_is_written(tmp_path, platform):
    existing_clb = ClbFactory(instellingsnummer="950001")
    rows = [
        _member(),                                                        # 2: good
        _member(instellingsnummer="12345"),                               # 3: too short
        _member(instellingsnummer="12a456", name="School B"),             # 4: not digits
        _member(platform_code="bestaat-niet", instellingsnummer="222222"),  # 5: unknown platform
        _member(name="Een andere naam"),                                  # 6: same number as line 2, other data
        _member(instellingsnummer="950001", name="School op een CLB-nummer"),  # 7: the number is a CLB's
        _member(kind="kleuterschool", instellingsnummer="333333"),        # 8: unknown kind
        _member(instellingsnummer="444444", onderwijsnet=""),             # 9: a school needs a network
        _member(instellingsnummer="555555", onderwijsnet="staat"),        # 10: unknown network
        _clb(onderwijsnet="go"),                                          # 11: a CLB has no network
        _clb(instellingsnummer=""),                                       # 12: a CLB needs a number
        _partner(instellingsnummer="666666"),                             # 13: a partner has no number
        _partner(name="Vzw Zonder Categorie", partner_category=""),       # 14: a partner needs a category
        _partner(name="Vzw Fout", partner_category="cultuur"),            # 15: unknown category
        _member(instellingsnummer="777777", partner_category="poverty"),  # 16: a school has no category
        _member(platform_code="", instellingsnummer="888888"),            # 17: no platform code
    ]
    before = _counts()

    assert _member_errors(rows) == [
        (3, "instellingsnummer"), (4, "instellingsnummer"), (5, "platform_code"), (6, "instellingsnummer"),
        (7, "instellingsnummer"), (8, "kind"), (9, "onderwijsnet"), (10, "onderwijsnet"), (11, "onderwijsnet"),
        (12, "instellingsnummer"), (13, "instellingsnummer"), (14, "partner_category"), (15, "partner_category"),
        (16, "partner_category"), (17, "platform_code"),
    ]
    message = _refused("import_members", _write_csv(tmp_path, MEMBER_COLUMNS, rows))

    for line, column in [(3, "instellingsnummer"), (5, "platform_code"), (6, "instellingsnummer"),
                         (7, "instellingsnummer"), (8, "kind")]:
        assert _at(line, column) in message
    assert "15" in message.splitlines()[0]
    assert existing_clb.name in message
    assert _counts() == before
    assert not Organisation.objects.filter(instellingsnummer="012345").exists()


@pytest.mark.django_db
def test_the_same_number_twice_with_the_same_data_is_fine(tmp_path, platform):
    rows = [_member(), _member()]
    assert _member_errors(rows) == []
    _import("import_members", _write_csv(tmp_path, MEMBER_COLUMNS, rows))
    assert Membership.objects.filter(organisation__instellingsnummer="012345").count() == 1


@pytest.mark.django_db
def test_the_same_partner_twice_with_another_category_is_an_error(platform, other_platform):
    rows = [_partner(), _partner(platform_code="brugge-so", partner_category="welfare"),
            _partner(platform_code="brugge-so", municipality="Merelbeke", partner_category="welfare")]
    assert _member_errors(rows) == [(3, "partner_category")]


@pytest.mark.django_db
def test_a_numeric_instellingsnummer_in_csv_is_read_as_written(platform):
    # A CSV cell is text: a lost leading zero cannot be told from a typo, so it is refused.
    assert _member_errors([_member(instellingsnummer="12345")]) == [(2, "instellingsnummer")]


@pytest.mark.django_db
def test_a_cell_outside_the_named_columns_is_an_error(platform):
    data = _csv_bytes(MEMBER_COLUMNS, [_member()]).replace(b"Gent\r\n", b"Gent,extra\r\n", 1)
    rows, errors = importing.parse_members(data, "leden.csv")
    assert [(e.line, e.column) for e in errors] == [(2, "8")]


# The upload page --------------------------------------------------------------------------------------------


def _upload(client, what, columns, rows, *, name="bestand.csv", data=None):
    content = data if data is not None else _csv_bytes(columns, rows)
    upload = io.BytesIO(content)
    upload.name = name
    return client.post(IMPORT_URL, {"what": what, "file": upload})


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.django_db
def test_the_upload_page_shows_the_form(login, admin_user):
    response = login(admin_user).get(IMPORT_URL)
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content
    assert b"platform_code, kind, name, instellingsnummer" in response.content


@pytest.mark.django_db
def test_the_preview_shows_what_will_change_and_writes_nothing(login, admin_user, platform):
    client = login(admin_user)
    rows = [*PLATFORMS, {"code": "gent-bao", "name": "LOP Gent", "level": "basis", "area": platform.area}]
    before = _counts()

    response = _upload(client, "platforms", PLATFORM_COLUMNS, rows)

    assert response.status_code == 200
    content = response.content.decode()
    assert "antwerpen-bao – LOP Basisonderwijs Antwerpen" in content
    assert "LOP Basisonderwijs Gent → LOP Gent" in content
    assert _counts() == before
    token = client.session[SESSION_KEY]["token"]
    assert f'value="{token}"' in content

    response = client.post(CONFIRM_URL, {"token": token})

    assert response.status_code == 302 and response["Location"] == reverse("platforms:list")
    assert _counts() == (before[0] + 2, before[1], before[2])
    platform.refresh_from_db()
    assert platform.name == "LOP Gent"
    assert SESSION_KEY not in client.session
    [message] = _messages(response)
    assert "bestand.csv" in message and re.findall(r"\d+", message) == ["2", "1", "0"]


@pytest.mark.django_db
def test_the_members_preview_says_who_becomes_a_member(login, admin_user, platform):
    client = login(admin_user)
    school = platform.memberships.get(organisation__kind="school").organisation
    rows = [_member(), _member(instellingsnummer=school.instellingsnummer, name=school.name,
                               onderwijsnet=school.onderwijsnet, municipality="Drongen")]
    before = _counts()

    response = _upload(client, "members", MEMBER_COLUMNS, rows, name="leden.xlsx", data=_xlsx_bytes(MEMBER_COLUMNS,
                                                                                                    rows))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Basisschool De Linde (012345)" in content
    assert "Gent → Drongen" in content
    assert platform.name in content
    assert _counts() == before

    client.post(CONFIRM_URL, {"token": client.session[SESSION_KEY]["token"]})
    assert _counts() == (before[0], before[1] + 1, before[2] + 1)
    school.refresh_from_db()
    assert school.municipality == "Drongen"


@pytest.mark.django_db
def test_a_bad_upload_lists_every_error_and_writes_nothing(login, admin_user, platform):
    client = login(admin_user)
    rows = [_member(), _member(platform_code="bestaat-niet", instellingsnummer="1234")]
    before = _counts()

    response = _upload(client, "members", MEMBER_COLUMNS, rows)

    assert response.status_code == 200
    content = response.content.decode()
    assert "<td>3</td><td><code>platform_code</code></td>" in content
    assert "<td>3</td><td><code>instellingsnummer</code></td>" in content
    assert SESSION_KEY not in client.session
    assert _counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "data"), [
    ("leden.xlsx", b"PK\x03\x04 kapot"),
    ("leden.csv", b"\xff\xfe\x00n\x00i\x00e\x00t"),
    ("leden.csv", b"platform_code\x00,kind\n"),
    ("leden.pdf", b"%PDF-1.4"),
    ("leden.csv", b""),
], ids=["broken-xlsx", "utf16", "nul-byte", "pdf", "empty"])
def test_a_broken_upload_gives_a_message_not_an_error_page(login, admin_user, name, data):
    response = _upload(login(admin_user), "members", MEMBER_COLUMNS, [], name=name, data=data)
    assert response.status_code == 200
    assert b"alert-danger" in response.content
    assert SESSION_KEY not in response.wsgi_request.session
    assert Organisation.objects.count() == 0


@pytest.mark.django_db
def test_a_file_over_2_mb_is_refused(login, admin_user):
    data = _csv_bytes(PLATFORM_COLUMNS, [PLATFORMS[0]]) + b"x" * MAX_UPLOAD_BYTES
    response = _upload(login(admin_user), "platforms", PLATFORM_COLUMNS, [], data=data)
    assert response.status_code == 200
    assert b"2 MB" in response.content and b"alert-danger" in response.content
    assert Platform.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["wrong-token", None])
def test_a_confirmation_without_its_upload_writes_nothing(login, admin_user, token):
    client = login(admin_user)
    _upload(client, "platforms", PLATFORM_COLUMNS, PLATFORMS)

    response = client.post(CONFIRM_URL, {"token": token} if token else {})

    assert response.status_code == 302 and response["Location"] == IMPORT_URL
    assert len(_messages(response)) == 1
    assert Platform.objects.count() == 0


@pytest.mark.django_db
def test_a_confirmation_after_the_session_lost_the_upload_writes_nothing(login, admin_user):
    client = login(admin_user)
    _upload(client, "platforms", PLATFORM_COLUMNS, PLATFORMS)
    token = client.session[SESSION_KEY]["token"]
    client.get(IMPORT_URL)  # back to the form: the pending import is cancelled

    response = client.post(CONFIRM_URL, {"token": token})

    assert response.status_code == 302 and response["Location"] == IMPORT_URL
    assert Platform.objects.count() == 0


@pytest.mark.django_db
def test_a_second_confirmation_does_not_import_twice(login, admin_user, platform):
    client = login(admin_user)
    _upload(client, "members", MEMBER_COLUMNS, [_member()])
    token = client.session[SESSION_KEY]["token"]
    client.post(CONFIRM_URL, {"token": token})
    after = _counts()

    response = client.post(CONFIRM_URL, {"token": token})

    assert response["Location"] == IMPORT_URL
    assert _counts() == after


@pytest.mark.django_db
def test_a_change_after_the_preview_shows_the_new_preview_first(login, admin_user):
    client = login(admin_user)
    _upload(client, "platforms", PLATFORM_COLUMNS, PLATFORMS)
    token = client.session[SESSION_KEY]["token"]
    PlatformFactory(code="antwerpen-so", name="Oude naam", level="secundair", area="Antwerpen")

    response = client.post(CONFIRM_URL, {"token": token})

    assert response.status_code == 200
    assert "Oude naam → LOP Secundair Onderwijs Antwerpen" in response.content.decode()
    assert Platform.objects.count() == 1
    assert Platform.objects.get().name == "Oude naam"

    client.post(CONFIRM_URL, {"token": token})  # confirming the new preview imports it
    assert Platform.objects.count() == 2
    assert Platform.objects.get(code="antwerpen-so").name == "LOP Secundair Onderwijs Antwerpen"


@pytest.mark.django_db
def test_a_file_that_became_invalid_after_the_preview_is_refused(login, admin_user, platform):
    client = login(admin_user)
    _upload(client, "members", MEMBER_COLUMNS, [_member(instellingsnummer="955900")])
    ClbFactory(instellingsnummer="955900")
    before = _counts()

    response = client.post(CONFIRM_URL, {"token": client.session[SESSION_KEY]["token"]})

    assert response.status_code == 200
    assert "<td>2</td><td><code>instellingsnummer</code></td>" in response.content.decode()
    assert _counts() == before
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_a_get_of_the_confirmation_goes_back_to_the_form(login, admin_user):
    response = login(admin_user).get(CONFIRM_URL)
    assert response.status_code == 302 and response["Location"] == IMPORT_URL


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["coordinator", "ministry_user"])
@pytest.mark.parametrize("url", [IMPORT_URL, CONFIRM_URL])
def test_only_admins_may_import(request, login, platform, role, url):
    client = login(request.getfixturevalue(role))
    upload = io.BytesIO(_csv_bytes(PLATFORM_COLUMNS, PLATFORMS))
    upload.name = "platforms.csv"
    assert client.get(url).status_code == 403
    assert client.post(url, {"what": "platforms", "file": upload, "token": "x"}).status_code == 403
    assert Platform.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("url", [IMPORT_URL, CONFIRM_URL])
def test_anonymous_users_are_sent_to_the_login(client, url):
    for response in (client.get(url), client.post(url, {"token": "x"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert Platform.objects.count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_platforms_import_cut_off_halfway_writes_nothing(monkeypatch):
    """All or nothing also when a write fails after every row was checked (a database error, say).

    Transactional, so that no test transaction around it could make up for a missing one.
    """
    rows, errors = importing.parse_platforms(_csv_bytes(PLATFORM_COLUMNS, [
        {"code": "gent-bao", "name": "LOP Gent basis", "level": "basis", "area": "Gent"},
        {"code": "gent-so", "name": "LOP Gent secundair", "level": "secundair", "area": "Gent"},
    ]), "platformen.csv")
    assert not errors
    saves = []
    original_save = Platform.save

    def save_then_fail(platform, *args, **kwargs):
        saves.append(platform.code)
        if len(saves) == 2:
            raise RuntimeError("the database went away")
        return original_save(platform, *args, **kwargs)

    monkeypatch.setattr(Platform, "save", save_then_fail)
    with pytest.raises(RuntimeError):
        importing.platforms_import(actor=None, rows=rows)
    assert saves == ["gent-bao", "gent-so"]
    assert not Platform.objects.filter(code__in=["gent-bao", "gent-so"]).exists()
