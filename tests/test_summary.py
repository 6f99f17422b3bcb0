"""The ministry's summary: figures, bases, drafts, drill-down, JSON, constant query counts."""

import itertools

import pytest
from django.core.cache import cache
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from initiatives.models import ThemeAnswer
from platforms.models import Platform
from rounds.models import Report, ReportingRound, Theme
from summaries.summary import round_summary

from .factories import InitiativeFactory, PlatformFactory, ReportFactory, ReportingRoundFactory

ANSWERS = {
    "registration_procedure_used": True, "application_period_adjusted": False, "enrolment_period_adjusted": True,
    "free_enrolment_period_adjusted": False, "newcomers": "unchanged", "excluded_pupils": "none",
}


def _submitted(round, platform, **fields):
    values = {**ANSWERS, "preschool": "adjusted" if platform.level == "basis" else "not_applicable", **fields}
    return ReportFactory(round=round, platform=platform, status="submitted", submitted_at=timezone.now(), **values)


def _url(round, name="rounds:summary"):
    return reverse(name, kwargs={"round_slug": round.slug})


@pytest.fixture
def counted(open_round):
    """Two basis and one secundair submitted report, one basis draft, one inactive platform's report."""
    basis = PlatformFactory.create_batch(3, level="basis")
    secundair = PlatformFactory.create_batch(2, level="secundair")
    _submitted(open_round, basis[0])
    _submitted(open_round, basis[1], newcomers="adjusted", registration_procedure_used=False,
               enrolment_period_adjusted=False)
    _submitted(open_round, secundair[0], newcomers="adjusted")
    ReportFactory(round=open_round, platform=basis[2], status="draft", newcomers="none")
    inactive = PlatformFactory(level="secundair", is_active=False)
    _submitted(open_round, inactive)
    laptops = Theme.objects.get(slug="laptops")
    for report in Report.objects.filter(status="submitted", platform__is_active=True):
        ThemeAnswer.objects.create(report=report, theme=laptops, discussed=True,
                                   actions=report.platform.level == "basis", agreements=False, exchange=False,
                                   informed=False)
    return open_round


@pytest.mark.django_db
def test_figures_count_submitted_reports_of_active_platforms_by_level(counted):
    data = round_summary(counted).as_json()
    assert data["platforms"] == {"total": 5, "basis": 3, "secundair": 2}
    assert data["registrations"]["base"] == {"total": 3, "basis": 2, "secundair": 1}
    assert data["registrations"]["registration_procedure_used"] == {"total": 2, "basis": 1, "secundair": 1}
    assert data["arrangements"]["newcomers"]["adjusted"] == {"total": 2, "basis": 1, "secundair": 1}
    assert data["arrangements"]["newcomers"]["none"]["total"] == 0  # the draft is not counted
    # Pre-school participation is asked of basisonderwijs platforms only.
    assert data["arrangements"]["preschool"]["base"] == {"total": 2, "basis": 2, "secundair": 0}
    assert data["arrangements"]["preschool"]["adjusted"] == {"total": 2, "basis": 2, "secundair": 0}
    assert data["themes"]["laptops"]["discussed"] == {"total": 3, "basis": 2, "secundair": 1}
    assert data["themes"]["laptops"]["actions"] == {"total": 2, "basis": 2, "secundair": 0}
    assert data["themes"]["laptops"]["name"] == "Verstrekken van laptops"
    assert set(data["themes"]) == {"laptops", "reaching-all-pupils", "family-support", "summer-schools-reading"}


@pytest.mark.django_db
def test_include_drafts_counts_them_too(counted):
    data = round_summary(counted, include_drafts=True).as_json()
    assert data["registrations"]["base"]["total"] == 4
    assert data["arrangements"]["newcomers"]["none"]["total"] == 1


@pytest.mark.django_db
def test_initiatives_by_kind_and_target_group(counted):
    report = Report.objects.filter(status="submitted", platform__level="basis").first()
    InitiativeFactory(report=report, kind="homework_support")
    InitiativeFactory(report=report, kind="bridge_figures")
    InitiativeFactory(report=Report.objects.get(status="draft"), kind="tutoring")  # not counted
    summary = round_summary(counted)
    data = summary.as_json()["initiatives"]
    assert data["total"] == {"total": 2, "basis": 2, "secundair": 0}
    assert data["by_kind"]["homework_support"]["total"] == 1
    assert data["by_kind"]["tutoring"]["total"] == 0
    assert data["platforms_with_initiatives"] == {"total": 1, "basis": 1, "secundair": 0}
    groups = {g.slug: t.total for g, t in summary.initiatives_by_target_group}
    assert groups["low-ses"] == 2 and groups["parents"] == 0


@pytest.mark.django_db
def test_summary_page_shows_status_figures_and_drilldown(login, ministry_user, counted):
    page = login(ministry_user).get(_url(counted)).text
    assert "Ingediend: 3 van de 5 platformen" in page
    assert "2 van de 3" in page  # registration procedure used, over the counted reports
    drill = _url(counted, "rounds:summary_platforms") + "?question=newcomers&amp;value=adjusted"
    assert drill in page
    assert "nog niet ingediend" in page


@pytest.mark.django_db
def test_drilldown_lists_the_platforms_behind_a_figure_with_their_notes(login, ministry_user, counted):
    report = Report.objects.get(status="submitted", platform__level="secundair", platform__is_active=True)
    report.newcomers_note = "Onthaal via OKAN-klas <b>Gent</b>"
    report.save()
    url = _url(counted, "rounds:summary_platforms")
    client = login(ministry_user)
    page = client.get(url, {"question": "newcomers", "value": "adjusted", "level": "secundair"}).text
    assert report.platform.name in page
    assert "Onthaal via OKAN-klas &lt;b&gt;Gent&lt;/b&gt;" in page  # escaped, never markup
    assert "1 platform" in page
    page = client.get(url, {"question": "theme:laptops:actions", "value": "yes"}).text
    assert page.count("/report/") == 2
    for bad in ({"question": "theme:nope:actions", "value": "yes"}, {"question": "newcomers", "value": "maybe"},
                {"question": "status", "value": "yes"}, {}):
        assert client.get(url, bad).status_code == 404


@pytest.mark.django_db
def test_earlier_round_is_shown_side_by_side(login, ministry_user, counted):
    earlier = ReportingRoundFactory(slug="vorig-jaar", title="Bevraging 2019",
                                    opens_on=counted.opens_on.replace(year=2019),
                                    deadline=counted.opens_on.replace(year=2019))
    _submitted(earlier, Platform.objects.filter(level="basis", is_active=True).first())
    page = login(ministry_user).get(_url(counted)).text
    assert "Eerder: Bevraging 2019" in page
    assert "1 van de 1" in page


@pytest.mark.django_db
def test_summary_json_has_the_documented_shape(login, ministry_user, counted):
    data = login(ministry_user).get(_url(counted, "rounds:summary_json")).json()
    assert set(data) == {"round", "platforms", "registrations", "arrangements", "themes", "initiatives"}
    assert data["round"] == {"slug": counted.slug, "title": counted.title}
    assert set(data["arrangements"]) == {"newcomers", "preschool", "excluded_pupils"}
    assert set(data["arrangements"]["newcomers"]) == {"base", "none", "unchanged", "adjusted"}
    assert set(data["themes"]["laptops"]) == {"name", "base", "discussed", "agreements", "actions", "exchange",
                                              "informed"}
    assert set(data["initiatives"]) == {"total", "by_kind", "platforms_with_initiatives"}
    for count in (data["platforms"], data["registrations"]["base"], data["themes"]["laptops"]["base"]):
        assert set(count) == {"total", "basis", "secundair"}


def _bulk_round(n_platforms: int) -> ReportingRound:
    """A round with n platforms, each with a submitted report, four theme answers and an initiative."""
    round = ReportingRoundFactory()
    levels = itertools.cycle(["basis", "basis", "secundair"])
    Platform.objects.bulk_create([
        Platform(code=f"p{i}", name=f"LOP {i}", level=next(levels), area="Vlaanderen") for i in range(n_platforms)])
    now = timezone.now()
    reports = Report.objects.bulk_create([
        Report(round=round, platform=p, status="submitted", submitted_at=now, version=1, **ANSWERS,
               preschool="unchanged" if p.level == "basis" else "not_applicable")
        for p in Platform.objects.all()])
    themes = list(Theme.objects.all())
    ThemeAnswer.objects.bulk_create([
        ThemeAnswer(report=r, theme=t, discussed=True, agreements=True, actions=False, exchange=True, informed=False)
        for r in reports for t in themes])
    return round


@pytest.mark.django_db
@pytest.mark.parametrize("n_platforms", [70, 700])
def test_summary_query_count_does_not_grow_with_the_platforms(login, ministry_user, n_platforms,
                                                               django_assert_max_num_queries):
    round = _bulk_round(n_platforms)
    client = login(ministry_user)
    # session, user, round + themes; the summary's aggregates (8); earlier round; not-submitted platforms
    # with their coordinators
    with django_assert_max_num_queries(16):
        response = client.get(_url(round))
    assert response.context["summary"].base.total == n_platforms
    with django_assert_max_num_queries(12):
        data = client.get(_url(round, "rounds:summary_json")).json()
    assert data["themes"]["laptops"]["agreements"]["total"] == n_platforms


@pytest.mark.django_db
def test_coordinators_cannot_read_the_summary(login, coordinator, platform, counted):
    client = login(coordinator)
    for name in ("rounds:summary", "rounds:summary_json", "rounds:answer", "rounds:answer_docx",
                 "rounds:export_csv", "rounds:export_xlsx", "rounds:initiative_list"):
        assert client.get(_url(counted, name)).status_code == 403, name


@pytest.mark.django_db
def test_the_demo_round_reproduces_every_figure_of_the_ministers_answer(login, ministry_user):
    """The figures of the answer of 2020 (../shared/domain/README.md), read through summary.json."""
    from platforms.demo import load_demo
    from rounds.demo import load_rounds

    load_demo()
    load_rounds()
    data = login(ministry_user).get(reverse("rounds:summary_json", kwargs={"round_slug": "corona-2020"})).json()
    assert data["round"]["title"] == "Coronamaatregelen voorjaar 2020"
    assert data["platforms"] == {"total": 70, "basis": 41, "secundair": 29}
    registrations = data["registrations"]
    assert registrations["base"]["total"] == 70
    assert registrations["registration_procedure_used"]["basis"] == 26
    assert registrations["registration_procedure_used"]["secundair"] == 12
    assert registrations["application_period_adjusted"]["total"] == 13
    assert registrations["enrolment_period_adjusted"]["total"] == 22
    assert registrations["free_enrolment_period_adjusted"]["total"] == 20
    newcomers = data["arrangements"]["newcomers"]
    assert newcomers["unchanged"]["total"] + newcomers["adjusted"]["total"] == 55
    assert newcomers["adjusted"]["total"] == 9
    preschool = data["arrangements"]["preschool"]
    assert preschool["base"] == {"total": 41, "basis": 41, "secundair": 0}
    assert (preschool["unchanged"]["total"], preschool["adjusted"]["total"]) == (21, 3)
    excluded = data["arrangements"]["excluded_pupils"]
    assert excluded["unchanged"]["total"] * 2 > excluded["base"]["total"]  # "een meerderheid"
    themes = data["themes"]
    assert themes["laptops"]["base"]["total"] == 70
    assert (themes["laptops"]["discussed"]["total"], themes["laptops"]["actions"]["total"],
            themes["laptops"]["exchange"]["total"]) == (33, 20, 21)
    assert (themes["reaching-all-pupils"]["discussed"]["total"], themes["reaching-all-pupils"]["agreements"]["total"],
            themes["reaching-all-pupils"]["exchange"]["total"]) == (42, 28, 26)
    assert (themes["family-support"]["discussed"]["total"], themes["family-support"]["exchange"]["total"],
            themes["family-support"]["actions"]["total"]) == (23, 19, 12)
    assert themes["summer-schools-reading"]["discussed"]["total"] == 35  # "de helft"
    assert data["initiatives"]["total"]["total"] > 0


@pytest.mark.django_db
def test_the_demo_answer_text_reads_like_the_ministers(login, ministry_user):
    from platforms.demo import load_demo
    from rounds.demo import load_rounds

    load_demo()
    load_rounds()
    page = login(ministry_user).get(reverse("rounds:answer", kwargs={"round_slug": "corona-2020"})).text
    for sentence in (
        "Op basis van 70 van de 70 LOP&#x27;s.",
        "In 26 LOP&#x27;s Basisonderwijs en 12 LOP&#x27;s Secundair Onderwijs maakte minstens één school gebruik van "
        "een aanmeldingsprocedure",
        "13 LOP&#x27;s hebben de aanmeldingsperiode aangepast",
        "22 LOP&#x27;s pasten de inschrijvingsperiode voor aangemelde leerlingen aan",
        "20 LOP&#x27;s hebben de vrije inschrijvingsperiode aangepast",
        "55 LOP&#x27;s hebben afspraken m.b.t. de toeleiding van anderstalige nieuwkomers. 9 LOP&#x27;s hiervan",
        "In 21 van de 41 LOP&#x27;s blijven de afspraken m.b.t. kleuterparticipatie ongewijzigd en in 3 LOP&#x27;s",
        "Voor een meerderheid van de LOP&#x27;s",
        "Verstrekken van laptops: in 33 van de 70 LOP&#x27;s kwam dit thema ter sprake.",
        "20 LOP&#x27;s zetten zelf acties op of werkten mee aan acties.",
        "in de helft van de LOP&#x27;s (35) kwam dit thema ter sprake",
    ):
        assert sentence in page, sentence


@pytest.mark.django_db
@pytest.mark.parametrize("n_platforms", [70, 700])
def test_answer_and_initiative_list_query_counts_are_constant(login, ministry_user, n_platforms,
                                                              django_assert_max_num_queries):
    round = _bulk_round(n_platforms)
    for report in Report.objects.filter(round=round)[:60]:
        InitiativeFactory(report=report)
    client = login(ministry_user)
    # the summary (8) and its cache fingerprint (3), the missing platforms, the initiatives (2), ...
    with django_assert_max_num_queries(19):
        page = client.get(_url(round, "rounds:answer")).text
    assert f"Op basis van {n_platforms} van de {n_platforms} LOP" in page
    with django_assert_max_num_queries(8):
        response = client.get(_url(round, "rounds:initiative_list"), {"target_group": "low-ses", "q": "Huiswerk"})
    assert response.context["page"].paginator.count == 60


@pytest.mark.django_db
@pytest.mark.parametrize("n_platforms", [70, 700])
def test_the_csv_export_makes_the_same_queries_at_any_size(login, ministry_user, n_platforms,
                                                           django_assert_max_num_queries):
    round = _bulk_round(n_platforms)
    client = login(ministry_user)
    # session, user, round + themes, then the export: one query for every report row
    with django_assert_max_num_queries(6):
        response = client.get(_url(round, "rounds:export_csv"))
        rows = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(rows) == n_platforms + 1
    assert rows[1].split(",")[4:6] == ["yes", "no"]


@pytest.mark.django_db
def test_the_summary_is_cached_until_the_rounds_data_changes(login, ministry_user, coordinator, platform, open_round,
                                                              django_assert_num_queries):
    from rounds.services import reports as services

    client = login(ministry_user)
    url = _url(open_round, "rounds:summary_json")
    first = client.get(url, {"include_drafts": "1"}).json()
    assert first["registrations"]["base"]["total"] == 0
    # Served again from the cache: the session, the user and the round's data version.
    with django_assert_num_queries(3):
        assert client.get(url, {"include_drafts": "1"}).json() == first
    # A save through the portal shows at once.
    services.report_save(actor=coordinator, round=open_round, platform=platform, expected_version=0,
                         answers={"registration_procedure_used": True}, theme_answers={})
    second = client.get(url, {"include_drafts": "1"}).json()
    assert second["registrations"]["registration_procedure_used"]["total"] == 1


@pytest.mark.django_db
def test_every_change_through_the_portal_refreshes_the_cached_summary(login, ministry_user, admin_user, coordinator,
                                                                      platform, open_round):
    from platforms.services import platform_update
    from initiatives import services as initiative_services
    from rounds.services import reports as services

    client = login(ministry_user)
    url = _url(open_round, "rounds:summary_json")

    def figures():
        return client.get(url, {"include_drafts": "1"}).json()

    services.report_save(actor=coordinator, round=open_round, platform=platform, expected_version=0, answers={},
                         theme_answers={})
    assert figures()["initiatives"]["total"]["total"] == 0
    initiative = initiative_services.initiative_create(actor=coordinator, round=open_round, platform=platform, data={
        "title": "Huiswerkklas", "description": "Op woensdag.", "kind": "homework_support",
        "start_date": open_round.period_start, "target_groups": []})
    assert figures()["initiatives"]["total"]["total"] == 1
    initiative_services.initiative_delete(actor=coordinator, initiative=initiative)
    assert figures()["initiatives"]["total"]["total"] == 0
    platform_update(actor=admin_user, platform=platform, name=platform.name, level="secundair", area=platform.area,
                    coordinators=[coordinator])
    assert figures()["platforms"]["secundair"] == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", "replica"])
def test_with_a_read_replica_the_figures_and_their_version_come_from_it(settings, login, ministry_user, counted):
    """DATABASE_REPLICA_URL: the summary reads the replica, and keys its cache on the replica's version.

    Were the version read from the primary, a lagging replica's older figures would be cached
    under the primary's newer version. ("replica" is a second connection to the test database.)
    """
    settings.SUMMARY_DATABASE = "replica"
    client = login(ministry_user)
    for name in ("rounds:summary_json", "rounds:summary"):
        cache.clear()
        with (CaptureQueriesContext(connections["default"]) as primary,
              CaptureQueriesContext(connections["replica"]) as replica):
            response = client.get(_url(counted, name))
        assert response.status_code == 200
        on_replica = " ".join(query["sql"] for query in replica.captured_queries)
        assert "data_version" in on_replica and "COUNT(" in on_replica
        assert "COUNT(" not in " ".join(query["sql"] for query in primary.captured_queries)
    assert client.get(_url(counted, "rounds:summary_json")).json()["registrations"]["base"]["total"] == 3


@pytest.mark.django_db
def test_renaming_a_round_or_a_theme_shows_in_the_summary_at_once(login, ministry_user, admin_user, open_round):
    from rounds.services import rounds as round_services

    client = login(ministry_user)
    url = _url(open_round, "rounds:summary_json")
    theme = open_round.themes.first()
    assert client.get(url).json()["round"]["title"] == "Coronacrisis 2020"
    round_services.round_save(actor=admin_user, round=open_round, data={
        "title": "Coronacrisis 2020 (schoolsluiting)", "themes": list(open_round.themes.all())})
    round_services.theme_save(actor=admin_user, theme=theme, data={"name": "Welbevinden"})
    data = client.get(url).json()
    assert data["round"]["title"] == "Coronacrisis 2020 (schoolsluiting)"
    assert data["themes"][theme.slug]["name"] == "Welbevinden"


@pytest.mark.django_db
def test_saving_a_round_loaded_earlier_does_not_lower_its_data_version(open_round):
    from summaries.summary import round_data_changed

    loaded = ReportingRound.objects.get(pk=open_round.pk)
    round_data_changed(open_round)  # a report saved meanwhile
    loaded.title = "Nieuwe titel"
    loaded.save()
    open_round.refresh_from_db()
    assert (open_round.title, open_round.data_version) == ("Nieuwe titel", loaded.data_version + 1)


@pytest.mark.django_db
def test_edits_in_the_django_admin_show_in_the_summary_at_once(login, ministry_user, admin_user, counted):
    from django.test import Client

    url = _url(counted, "rounds:summary_json")
    reader = login(ministry_user)
    assert reader.get(url).json()["registrations"]["base"]["total"] == 3
    admin = Client()
    admin.force_login(admin_user)
    theme = counted.themes.first()
    response = admin.post(reverse("admin:initiatives_theme_change", args=[theme.pk]), {
        "name": "Welbevinden", "slug": theme.slug, "position": theme.position, "is_active": "on",
        "description": theme.description})
    assert response.status_code == 302
    report = Report.objects.filter(round=counted, status="submitted").first()
    assert admin.post(reverse("admin:initiatives_report_delete", args=[report.pk]), {"post": "yes"}).status_code == 302
    data = reader.get(url).json()
    assert data["themes"][theme.slug]["name"] == "Welbevinden"
    assert data["registrations"]["base"]["total"] == 2
    # The list's bulk delete too.
    others = list(Report.objects.filter(round=counted, status="submitted").values_list("pk", flat=True))
    response = admin.post(reverse("admin:initiatives_report_changelist"), {
        "action": "delete_selected", "_selected_action": others[:1], "post": "yes"})
    assert response.status_code == 302
    assert reader.get(url).json()["registrations"]["base"]["total"] == 1


@pytest.mark.django_db
def test_a_report_changed_in_the_django_admin_is_not_overwritten_by_a_form_opened_before(admin_user, coordinator,
                                                                                        platform, open_round, rf):
    from django.contrib.admin.sites import site

    from rounds.services import reports as services

    report = services.report_save(actor=coordinator, round=open_round, platform=platform, expected_version=0,
                                  answers={"registrations_note": "van de coördinator"}, theme_answers={})
    opened_at = report.version
    request = rf.post("/")
    request.user = admin_user
    edited = Report.objects.get(pk=report.pk)
    edited.registrations_note = "rechtgezet door de beheerder"
    site._registry[Report].save_model(request, edited, form=None, change=True)
    with pytest.raises(services.StaleSave):
        services.report_save(actor=coordinator, round=open_round, platform=platform, expected_version=opened_at,
                             answers={"registrations_note": "oude versie"}, theme_answers={})
    assert Report.objects.get(pk=report.pk).registrations_note == "rechtgezet door de beheerder"
