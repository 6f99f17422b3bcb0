"""A round asks a fixed set of platforms (its roster): fixed when it opens, changed after that only by an admin
with a reason, and every figure of the round is over it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Role
from platforms.importing import parse_platforms, platforms_import
from platforms.models import Platform
from platforms.services import platform_update
from rounds.importing import RowError, round_columns
from rounds.models import ReportingRound, RosterChange, RoundPlatform
from rounds.reminders import reminders_plan
from rounds.services.rounds import round_platform_add, round_platform_remove, round_save
from summaries.exports import initiative_rows, report_rows, round_initiatives
from summaries.summary import platforms_not_submitted, round_summary

from .factories import InitiativeFactory, PlatformFactory, ReportFactory, ReportingRoundFactory, UserFactory

TODAY = timezone.localdate


def _codes(round) -> set[str]:
    return set(round.platforms.values_list("code", flat=True))


def _submitted(round, platform):
    return ReportFactory(round=round, platform=platform, status="submitted", submitted_at=timezone.now())


@pytest.fixture
def platforms(db):
    """Three basis and two secundair platforms, before any round."""
    return [*PlatformFactory.create_batch(3, level="basis"), *PlatformFactory.create_batch(2, level="secundair")]


@pytest.fixture
def closed_round(platforms):
    """A round like corona-2020: opened long ago and closed, asking the five platforms."""
    return ReportingRoundFactory(slug="corona-2020", opens_on=datetime.date(2020, 5, 1),
                                 deadline=datetime.date(2020, 6, 15), closed_at=timezone.now())


@pytest.fixture
def running_round(platforms):
    """A round that opened yesterday and is not closed."""
    return ReportingRoundFactory(slug="lopend")


@pytest.fixture
def future_round(platforms):
    """A round that opens in ten days: its platforms still follow the platforms."""
    return ReportingRoundFactory(slug="volgend-jaar", opens_on=TODAY() + datetime.timedelta(days=10),
                                 deadline=TODAY() + datetime.timedelta(days=40))


def _import_platforms(admin, text: str):
    rows, errors = parse_platforms(text.encode(), "platforms.csv")
    assert errors == []
    return platforms_import(actor=admin, rows=rows)


# Fixed when the round opens ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_round_asks_every_active_platform(admin_user, platforms):
    gone = PlatformFactory(is_active=False)
    round = round_save(actor=admin_user, round=ReportingRound(), data={
        "slug": "nieuw", "title": "Nieuwe bevraging", "period_start": datetime.date(2024, 9, 1), "period_end": None,
        "opens_on": TODAY(), "deadline": TODAY() + datetime.timedelta(days=30), "themes": []})
    assert _codes(round) == {p.code for p in platforms}
    assert gone.code not in _codes(round)
    assert round_summary(round).as_json()["platforms"] == {"total": 5, "basis": 3, "secundair": 2}


@pytest.mark.django_db
def test_an_import_adds_new_platforms_only_to_rounds_that_have_not_opened(admin_user, platforms, closed_round,
                                                                          running_round, future_round):
    before = {r.slug: round_summary(r).as_json()["platforms"] for r in (closed_round, running_round)}
    assert before["corona-2020"] == {"total": 5, "basis": 3, "secundair": 2}
    versions = dict(ReportingRound.objects.values_list("slug", "data_version"))
    counts = _import_platforms(admin_user, "code,name,level,area\n"
                                           "nieuw-lop,LOP Basisonderwijs Nieuwstad,basis,Nieuwstad\n"
                                           f"{platforms[0].code},Andere naam,basis,{platforms[0].area}\n")
    assert (counts.created, counts.updated) == (1, 1)
    # A round that has opened (closed or not) keeps its platforms and its figures.
    for round in (closed_round, running_round):
        round.refresh_from_db()
        assert "nieuw-lop" not in _codes(round)
        assert round_summary(round).as_json()["platforms"] == before[round.slug]
    # A round that has not opened yet asks the new platform too.
    assert "nieuw-lop" in _codes(future_round)
    assert round_summary(future_round).as_json()["platforms"] == {"total": 6, "basis": 4, "secundair": 2}
    # Every summary is marked changed (a platform's name or level is in every round's figures).
    assert all(version > versions[slug]
               for slug, version in ReportingRound.objects.values_list("slug", "data_version"))


@pytest.mark.django_db
def test_the_import_page_says_that_opened_rounds_keep_their_platforms(login, admin_user, platforms, running_round,
                                                                      future_round):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(admin_user)
    upload = SimpleUploadedFile("platforms.csv", b"code,name,level,area\nnieuw-so,LOP Secundair Nieuw,secundair,X\n")
    preview = client.post(reverse("platforms:import"), {"what": "platforms", "file": upload})
    response = client.post(reverse("platforms:import_confirm"), {"token": preview.context["token"]}, follow=True)
    # Besides the counts, a note that the rounds that have opened do not ask the new platform.
    messages = list(response.context["messages"])
    assert [m.level_tag for m in messages] == ["success", "info"]
    assert running_round.title in str(messages[1]) and future_round.title not in str(messages[1])
    assert "nieuw-so" in _codes(future_round) and "nieuw-so" not in _codes(running_round)


@pytest.mark.django_db
def test_deactivating_or_reactivating_a_platform_changes_only_rounds_that_have_not_opened(
        admin_user, platforms, running_round, future_round):
    platform = platforms[0]

    def update(active):
        platform_update(actor=admin_user, platform=platform, name=platform.name, level=platform.level,
                        area=platform.area, coordinators=[], is_active=active)

    update(False)
    assert platform.code not in _codes(future_round)
    assert platform.code in _codes(running_round)  # it was asked when the round opened: only an admin takes it out
    update(True)
    assert platform.code in _codes(future_round)
    assert RosterChange.objects.count() == 0  # following the platforms is no one's change


# Added and taken out by an admin, with a reason ---------------------------------------------------------------


@pytest.mark.django_db
def test_an_admin_adds_and_takes_out_a_platform_with_a_reason(admin_user, platforms, running_round):
    late = PlatformFactory(code="laat-lop", level="secundair", rounds=[])  # made after the round opened
    running_round.refresh_from_db()
    version = running_round.data_version
    round_platform_add(actor=admin_user, round=running_round, platform=late, reason="Nieuw platform sinds 1/9.")
    assert "laat-lop" in _codes(running_round)
    assert round_summary(running_round).as_json()["platforms"]["secundair"] == 3
    round_platform_remove(actor=admin_user, round=running_round, platform=platforms[0], reason="  Opgeheven.  ")
    assert platforms[0].code not in _codes(running_round)
    assert round_summary(running_round).as_json()["platforms"] == {"total": 5, "basis": 2, "secundair": 3}
    changes = list(RosterChange.objects.filter(round=running_round).order_by("at", "pk")
                   .values_list("platform__code", "action", "reason", "actor"))
    assert changes == [("laat-lop", "added", "Nieuw platform sinds 1/9.", admin_user.pk),
                       (platforms[0].code, "removed", "Opgeheven.", admin_user.pk)]
    running_round.refresh_from_db()
    assert running_round.data_version == version + 2  # the cached summary is keyed on it


@pytest.mark.django_db
def test_roster_changes_are_refused_with_a_clear_message(admin_user, platforms, running_round, closed_round):
    late = PlatformFactory(code="laat-lop", rounds=[])
    gone = PlatformFactory(code="weg-lop", is_active=False)
    refusals = [
        (round_platform_add, running_round, late, "   ", "reason"),
        (round_platform_add, running_round, platforms[0], "Nog eens.", "platform"),
        (round_platform_add, running_round, gone, "Toch vragen.", "platform"),
        (round_platform_remove, running_round, late, "Niet gevraagd.", None),
        (round_platform_add, closed_round, late, "Na het afsluiten.", None),
        (round_platform_remove, closed_round, platforms[0], "Na het afsluiten.", None),
    ]
    for service, round, platform, reason, field in refusals:
        with pytest.raises(ValidationError) as refused:
            service(actor=admin_user, round=round, platform=platform, reason=reason)
        if field:
            assert field in refused.value.message_dict
        assert refused.value.messages[0], (service.__name__, platform.code)
    assert RosterChange.objects.count() == 0
    assert _codes(running_round) == {p.code for p in platforms}
    assert _codes(closed_round) == {p.code for p in platforms}


@pytest.mark.django_db
def test_the_roster_page_adds_and_takes_out_with_a_reason(login, admin_user, platforms, running_round):
    PlatformFactory(code="laat-lop", name="LOP Laat", rounds=[])
    _submitted(running_round, platforms[0])
    client = login(admin_user)
    url = reverse("rounds:roster", kwargs={"round_slug": running_round.slug})
    page = client.get(url)
    assert [row.platform.code for row in page.context["roster"].others] == ["laat-lop"]
    assert "LOP Laat (laat-lop)" in page.text  # a choice of the form

    # A missing reason is said next to the field, and nothing changes.
    refused = client.post(url, {"platform": "laat-lop", "reason": ""})
    assert refused.status_code == 200 and refused.context["form"].errors["reason"]
    assert "laat-lop" not in _codes(running_round)
    # A platform that is in the round already is not a choice.
    assert client.post(url, {"platform": platforms[1].code, "reason": "x"}).context["form"].errors["platform"]
    response = client.post(url, {"platform": "laat-lop", "reason": "Nieuw sinds september."})
    assert response.status_code == 302 and "laat-lop" in _codes(running_round)

    remove = reverse("rounds:roster_remove", kwargs={"round_slug": running_round.slug, "code": platforms[0].code})
    confirm = client.get(remove).text
    assert "Ingediend" in confirm or "ingediend" in confirm  # it says the platform's report stays
    assert client.post(remove, {"reason": ""}).status_code == 200
    assert platforms[0].code in _codes(running_round)
    assert client.post(remove, {"reason": "Samengevoegd met <b>Gent</b>."}).status_code == 302
    assert platforms[0].code not in _codes(running_round)
    # Not in the round any more: no confirmation page for it.
    assert client.get(remove).status_code == 404

    page = client.get(url).text
    assert "Samengevoegd met &lt;b&gt;Gent&lt;/b&gt;." in page  # the reason, escaped
    assert "Nieuw sinds september." in page
    assert escape(str(admin_user)) in page  # a name like D'Hondt is escaped in HTML


@pytest.mark.django_db
def test_a_closed_rounds_platforms_page_has_no_forms(login, admin_user, platforms, closed_round):
    client = login(admin_user)
    url = reverse("rounds:roster", kwargs={"round_slug": closed_round.slug})
    page = client.get(url)
    assert page.status_code == 200 and not page.context["can_change"]
    assert reverse("rounds:roster_remove", kwargs={"round_slug": closed_round.slug,
                                                   "code": platforms[0].code}) not in page.text
    late = PlatformFactory(code="laat-lop", rounds=[])
    response = client.post(url, {"platform": late.code, "reason": "Toch."})
    assert response.status_code == 200 and "laat-lop" not in _codes(closed_round)


@pytest.mark.django_db
def test_the_round_page_links_the_platforms_with_their_number_for_admins(login, admin_user, ministry_user,
                                                                          platforms, running_round):
    url = reverse("rounds:detail", kwargs={"round_slug": running_round.slug})
    roster_url = 'href="{}"'.format(reverse("rounds:roster", kwargs={"round_slug": running_round.slug}))
    page = login(admin_user).get(url).text
    assert roster_url in page and "5 platformen" in page
    assert roster_url not in login(ministry_user).get(url).text


# Every figure is over the round's platforms --------------------------------------------------------------------


@pytest.fixture
def with_outsider(platforms, running_round):
    """Submitted reports of two of the round's platforms and of one platform that is not in the round."""
    outsider = PlatformFactory(code="buiten-lop", level="basis", rounds=[],
                               coordinators=[UserFactory(role=Role.COORDINATOR)])
    for platform in platforms:
        platform.coordinators.set([UserFactory(role=Role.COORDINATOR)])
    reports = [_submitted(running_round, platforms[0]), _submitted(running_round, platforms[3]),
               _submitted(running_round, outsider)]
    for report in reports:
        InitiativeFactory(report=report)
    return outsider


@pytest.mark.django_db
def test_summary_and_not_submitted_are_over_the_rounds_platforms(running_round, platforms, with_outsider):
    data = round_summary(running_round).as_json()
    assert data["platforms"] == {"total": 5, "basis": 3, "secundair": 2}
    assert data["base"] == {"total": 2, "basis": 1, "secundair": 1}
    assert data["initiatives"]["total"]["total"] == 2
    assert set(platforms_not_submitted(running_round).values_list("code", flat=True)) == {
        p.code for p in platforms[1:3] + platforms[4:]}


@pytest.mark.django_db
def test_exports_hold_the_rounds_platforms_only(running_round, platforms, with_outsider):
    codes = [row[0] for row in list(report_rows(running_round))[1:]]
    assert codes == sorted([platforms[0].code, platforms[3].code])
    initiative_codes = {row[0] for row in list(initiative_rows(round_initiatives(running_round)))[1:]}
    assert initiative_codes == {platforms[0].code, platforms[3].code}


@pytest.mark.django_db
def test_reminders_go_to_the_rounds_platforms_only(running_round, platforms, with_outsider):
    with_outsider.reports.update(status="draft")
    plan = reminders_plan(running_round, today=TODAY())
    assert {item.platform.code for item in plan.due} == {p.code for p in platforms[1:3] + platforms[4:]}


@pytest.mark.django_db
def test_a_platform_taken_out_no_longer_counts_and_its_report_is_out_of_reach(
        login, admin_user, ministry_user, coordinator, platform, running_round):
    report = _submitted(running_round, platform)
    initiative = InitiativeFactory(report=report)
    assert round_summary(running_round).base.total == 1
    report_url = reverse("rounds:report", kwargs={"round_slug": running_round.slug, "code": platform.code})
    initiative_url = reverse("rounds:initiative_detail", kwargs={"round_slug": running_round.slug,
                                                                 "code": platform.code, "pk": initiative.pk})
    assert login(coordinator).get(report_url).status_code == 200

    round_platform_remove(actor=admin_user, round=running_round, platform=platform, reason="Opgeheven.")
    assert round_summary(running_round).base.total == 0
    assert round_summary(running_round).as_json()["initiatives"]["total"]["total"] == 0
    assert list(report_rows(running_round))[1:] == []
    for user in (coordinator, ministry_user, admin_user):
        client = login(user)
        assert client.get(report_url).status_code == 404, user
        assert client.get(initiative_url).status_code == 404, user
    # The report itself stays, and counts again once the platform is added back.
    round_platform_add(actor=admin_user, round=running_round, platform=platform, reason="Toch gevraagd.")
    assert round_summary(running_round).base.total == 1


@pytest.mark.django_db
def test_a_coordinator_sees_only_the_rounds_that_ask_their_platform(login, coordinator, platform, running_round):
    other_round = ReportingRoundFactory(slug="zonder-gent", platforms=[])
    client = login(coordinator)
    home = [o.round.slug for o in client.get(reverse("home")).context["overviews"]]
    listed = [o.round.slug for o in client.get(reverse("rounds:list")).context["overviews"]]
    assert home == listed == [running_round.slug]
    page = client.get(reverse("rounds:detail", kwargs={"round_slug": other_round.slug}))
    assert page.status_code == 200 and page.context["overview"].rows == []
    assert reverse("rounds:report", kwargs={"round_slug": other_round.slug, "code": platform.code}) not in page.text


@pytest.mark.django_db
def test_import_responses_refuses_a_platform_that_is_not_in_the_round(tmp_path, platform, running_round):
    PlatformFactory(code="buiten-lop", rounds=[])
    columns = round_columns(running_round)
    lines = [",".join(columns)]
    for code in (platform.code, "buiten-lop"):
        lines.append(",".join({"platform_code": code, "status": "draft"}.get(c, "") for c in columns))
    path = tmp_path / "antwoorden.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("import_responses", str(path), "--round", running_round.slug)
    message = str(refused.value)
    assert RowError(3, "platform_code", "").position in message and "buiten-lop" in message
    assert RowError(2, "platform_code", "").position not in message
    assert not running_round.reports.exists()  # nothing written


# The page's query count -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_roster_page_query_count_is_pinned(login, admin_user, django_assert_max_num_queries):
    round = ReportingRoundFactory(slug="veel")
    for i in range(30):
        platform = PlatformFactory(level="basis" if i % 2 else "secundair",
                                   coordinators=[UserFactory(role=Role.COORDINATOR), UserFactory()])
        if i % 3 == 0:
            _submitted(round, platform)
    PlatformFactory.create_batch(5, rounds=[])
    for platform in Platform.objects.filter(rounds=round)[:4]:
        round_platform_remove(actor=admin_user, round=round, platform=platform, reason=f"Reden {platform.code}")
    client = login(admin_user)
    # session, user, second-factor device; the round; the reports, the platforms (whether in the round) with their
    # coordinators, the changes
    with django_assert_max_num_queries(3 + 1 + 4):
        response = client.get(reverse("rounds:roster", kwargs={"round_slug": round.slug}))
    roster = response.context["roster"]
    assert (len(roster.rows), len(roster.others), len(roster.changes)) == (26, 9, 4)
    platform = roster.rows[0].platform
    # session, user, second-factor device; the round, the platform in it, its report
    with django_assert_max_num_queries(3 + 3):
        response = client.get(reverse("rounds:roster_remove", kwargs={"round_slug": round.slug,
                                                                       "code": platform.code}))
    assert response.status_code == 200


# The migration that gave every existing round its platforms -------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_gives_every_existing_round_the_platforms_it_counted():
    from .test_migration_questionnaire import _latest, _migrate

    before = [("rounds", "0005_round_platforms_and_sentences")]
    apps = _migrate(before)
    Platform_ = apps.get_model("platforms", "Platform")
    Round = apps.get_model("rounds", "ReportingRound")
    active = [Platform_.objects.create(code=f"mig-{i}", name=f"LOP {i}", level="basis" if i < 3 else "secundair",
                                       area="A") for i in range(5)]
    Platform_.objects.create(code="mig-weg", name="Opgeheven", level="basis", area="B", is_active=False)
    rounds = [Round.objects.create(slug=slug, title=slug, period_start=datetime.date(2020, 3, 16),
                                   opens_on=datetime.date(2020, 5, 1), deadline=datetime.date(2020, 6, 15))
              for slug in ("mig-2020", "mig-2021")]
    _migrate(_latest())

    for round in rounds:
        assert set(RoundPlatform.objects.filter(round_id=round.pk).values_list("platform__code", flat=True)) == {
            p.code for p in active}
    assert round_summary(ReportingRound.objects.get(slug="mig-2020")).as_json()["platforms"] == {
        "total": 5, "basis": 3, "secundair": 2}
    # A platform imported afterwards is not in them.
    PlatformFactory(code="mig-later", rounds=[])
    _import_platforms(None, "code,name,level,area\nmig-nieuw,LOP Nieuw,basis,C\n")
    assert RoundPlatform.objects.filter(round__slug="mig-2020").count() == 5
    # Reversible: back before the migration the rows are gone.
    apps = _migrate(before)
    assert apps.get_model("rounds", "RoundPlatform").objects.count() == 0
    _migrate(_latest())


# The demo -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_round_of_2020_keeps_its_70_platforms_after_an_import(admin_user):
    from platforms.demo import load_demo
    from rounds.demo import load_rounds

    load_demo()
    load_rounds()
    _import_platforms(admin_user, "code,name,level,area\nnieuw-lop,LOP Nieuw,basis,Nieuwstad\n")
    load_demo()
    load_rounds()  # a rerun changes nothing either
    for slug in ("corona-2020", "open-demo"):
        round = ReportingRound.objects.get(slug=slug)
        assert round_summary(round).as_json()["platforms"] == {"total": 70, "basis": 41, "secundair": 29}, slug
    assert round_summary(ReportingRound.objects.get(slug="corona-2020")).base.total == 70
