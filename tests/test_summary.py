"""The ministry's summary: figures, bases, drafts, drill-down, JSON (format 2), constant query counts,
for the questionnaire of 2020 and for any other."""

import datetime
import itertools

import pytest
from django.core.cache import cache
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from platforms.models import Platform
from rounds.models import Answer, Note, Report, ReportingRound, RoundPlatform, Theme
from summaries.presenters import summary_blocks
from summaries.summary import drilldown, round_summary

from .factories import InitiativeFactory, PlatformFactory, ReportingRoundFactory
from .questionnaire_factories import (
    answer_rows,
    answers_write,
    give_questionnaire,
    question,
    report_with_answers,
    section,
)
from .second_factor_helpers import verify_session

ANSWERS = {
    "registration_procedure_used": "yes", "application_period_adjusted": "no", "enrolment_period_adjusted": "yes",
    "free_enrolment_period_adjusted": "no", "newcomers": "unchanged", "excluded_pupils": "none",
}
THEMES = ["laptops", "reaching-all-pupils", "family-support", "summer-schools-reading"]
ACTIVITIES = ("agreements", "actions", "exchange", "informed")


def _values(platform, **changes) -> dict:
    values = {**ANSWERS, **changes}
    if platform.level == "basis":
        values.setdefault("preschool", "adjusted")
    return values


def _submitted(round, platform, notes=None, **changes):
    return report_with_answers(round, platform, _values(platform, **changes), notes)


def _url(round, name="rounds:summary"):
    return reverse(name, kwargs={"round_slug": round.slug})


def _laptops(discussed="yes", **activities) -> dict:
    return {f"theme:laptops:{key}": value for key, value in
            {"discussed": discussed, **{a: "no" for a in ACTIVITIES}, **activities}.items()}


@pytest.fixture
def counted(open_round):
    """Two basis and one secundair submitted report, one basis draft, one inactive platform's report."""
    give_questionnaire(open_round)
    basis = PlatformFactory.create_batch(3, level="basis")
    secundair = PlatformFactory.create_batch(2, level="secundair")
    _submitted(open_round, basis[0], **_laptops(actions="yes"))
    _submitted(open_round, basis[1], newcomers="adjusted", registration_procedure_used="no",
               enrolment_period_adjusted="no", **_laptops(actions="yes"))
    _submitted(open_round, secundair[0], newcomers="adjusted", **_laptops())
    report_with_answers(open_round, basis[2], {"newcomers": "none"}, status="draft")
    inactive = PlatformFactory(level="secundair", is_active=False)
    _submitted(open_round, inactive, **_laptops(actions="yes"))
    return open_round


@pytest.mark.django_db
def test_figures_count_submitted_reports_of_active_platforms_by_level(counted):
    data = round_summary(counted).as_json()
    questions = data["questions"]
    assert data["platforms"] == {"total": 5, "basis": 3, "secundair": 2}
    assert data["base"] == {"total": 3, "basis": 2, "secundair": 1}
    assert questions["registration_procedure_used"]["base"] == {"total": 3, "basis": 2, "secundair": 1}
    assert questions["registration_procedure_used"]["counts"] == {
        "yes": {"total": 2, "basis": 1, "secundair": 1}, "no": {"total": 1, "basis": 1, "secundair": 0}}
    # An implied answer is an answer: no procedure, so the periods were not adjusted.
    assert questions["application_period_adjusted"]["counts"]["no"]["total"] == 3
    assert questions["newcomers"]["counts"]["adjusted"] == {"total": 2, "basis": 1, "secundair": 1}
    assert questions["newcomers"]["counts"]["none"]["total"] == 0  # the draft is not counted
    # Pre-school participation is asked of basisonderwijs platforms only.
    assert questions["preschool"]["base"] == {"total": 2, "basis": 2, "secundair": 0}
    assert questions["preschool"]["counts"]["adjusted"] == {"total": 2, "basis": 2, "secundair": 0}
    assert questions["theme:laptops:discussed"]["counts"]["yes"] == {"total": 3, "basis": 2, "secundair": 1}
    assert questions["theme:laptops:actions"]["counts"]["yes"] == {"total": 2, "basis": 2, "secundair": 0}
    assert (questions["theme:laptops:actions"]["theme"], questions["newcomers"]["theme"]) == ("laptops", None)
    assert questions["theme:laptops:actions"]["section"] == "themes"
    # Every question of every theme, in questionnaire order.
    assert [c for c in questions if c.startswith("theme:")] == [
        f"theme:{slug}:{key}" for slug in THEMES for key in ("discussed", *ACTIVITIES)]
    # A theme nobody answered: counted as zero, over the same base.
    assert questions["theme:family-support:discussed"]["counts"]["yes"]["total"] == 0
    assert questions["theme:family-support:discussed"]["base"]["total"] == 3


@pytest.mark.django_db
def test_include_drafts_counts_them_too(counted):
    data = round_summary(counted, include_drafts=True).as_json()
    assert data["base"]["total"] == 4
    assert data["questions"]["registration_procedure_used"]["base"]["total"] == 4
    assert data["questions"]["newcomers"]["counts"]["none"]["total"] == 1


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
    assert "?question=theme%3Alaptops%3Aactions&amp;value=yes&amp;level=basis" in page
    assert "nog niet ingediend" in page
    # A block per section, one per theme for the section asked per theme.
    assert "Afspraken over anderstalige nieuwkomers" in page
    assert "Thema: Verstrekken van laptops" in page


@pytest.mark.django_db
def test_drilldown_lists_the_platforms_behind_a_figure_with_their_notes(login, ministry_user, counted):
    report = Report.objects.get(status="submitted", platform__level="secundair", platform__is_active=True)
    answers_write(report, _values(report.platform, newcomers="adjusted", **_laptops()),
                  {"newcomers_note": "Onthaal via OKAN-klas <b>Gent</b>", "theme:laptops:note": "Laptops via de stad"})
    url = _url(counted, "rounds:summary_platforms")
    client = login(ministry_user)
    page = client.get(url, {"question": "newcomers", "value": "adjusted", "level": "secundair"}).text
    assert report.platform.name in page
    assert "Onthaal via OKAN-klas &lt;b&gt;Gent&lt;/b&gt;" in page  # escaped, never markup
    assert "1 platform" in page
    page = client.get(url, {"question": "theme:laptops:actions", "value": "yes"}).text
    assert page.count("/report/") == 2
    # The note shown is the one of the question's section, of the question's theme.
    page = client.get(url, {"question": "theme:laptops:discussed", "value": "yes"}).text
    assert page.count("/report/") == 3 and "Laptops via de stad" in page and "OKAN" not in page
    page = client.get(url, {"question": "theme:family-support:discussed", "value": "yes"}).text
    assert "Laptops via de stad" not in page
    for bad in ({"question": "theme:nope:actions", "value": "yes"}, {"question": "newcomers", "value": "maybe"},
                {"question": "newcomers", "value": ""}, {"question": "status", "value": "yes"},
                {"question": "theme:laptops", "value": "yes"}, {"question": "newcomers_note", "value": ""}, {}):
        assert client.get(url, bad).status_code == 404, bad


@pytest.mark.django_db
def test_earlier_round_is_shown_side_by_side(login, ministry_user, counted):
    earlier = ReportingRoundFactory(slug="vorig-jaar", title="Bevraging 2019",
                                    opens_on=counted.opens_on.replace(year=2019),
                                    deadline=counted.opens_on.replace(year=2019))
    give_questionnaire(earlier)
    _submitted(earlier, Platform.objects.filter(level="basis", is_active=True).first())
    page = login(ministry_user).get(_url(counted)).text
    assert "Eerder: Bevraging 2019" in page
    assert "1 van de 1" in page


@pytest.mark.django_db
def test_summary_json_has_the_documented_shape(login, ministry_user, counted):
    data = login(ministry_user).get(_url(counted, "rounds:summary_json")).json()
    assert set(data) == {"format", "round", "platforms", "base", "questions", "initiatives"}
    assert data["format"] == 2
    assert data["round"] == {"slug": counted.slug, "title": counted.title}
    newcomers = data["questions"]["newcomers"]
    assert set(newcomers) == {"label", "kind", "section", "theme", "base", "counts"}
    assert (newcomers["kind"], newcomers["section"], newcomers["theme"]) == ("choice", "newcomers_arrangements", None)
    assert newcomers["label"] == "Afspraken over de toeleiding van anderstalige nieuwkomers"
    assert list(newcomers["counts"]) == ["none", "unchanged", "adjusted"]
    assert list(data["questions"]["theme:laptops:actions"]["counts"]) == ["yes", "no"]
    assert set(data["questions"]) == {
        "registration_procedure_used", "application_period_adjusted", "enrolment_period_adjusted",
        "free_enrolment_period_adjusted", "newcomers", "preschool", "excluded_pupils",
        *[f"theme:{slug}:{key}" for slug in THEMES for key in ("discussed", *ACTIVITIES)]}
    assert set(data["initiatives"]) == {"total", "by_kind", "platforms_with_initiatives"}
    for count in (data["platforms"], data["base"], newcomers["base"], newcomers["counts"]["adjusted"]):
        assert set(count) == {"total", "basis", "secundair"}


# Any questionnaire --------------------------------------------------------------------------------------------

RECEIVED = "${received_pupils} = 'yes'"
CUSTOM = [
    section("reception", [
        question("received_pupils", "Ving het LOP Oekraïense leerlingen op?"),
        question("pupil_count", "Hoeveel leerlingen?", "number", relevant=RECEIVED, min_value=0),
        question("support", "Welke ondersteuning?", "multiple", relevant=RECEIVED,
                 choices=[("language", "Taalondersteuning"), ("psych", "Psychosociale steun"),
                          ("material", "Schoolmateriaal")]),
        question("contact", "Wie was het aanspreekpunt?", "choice", level="basis",
                 choices=[("school", "De school"), ("clb", "Het CLB"), ("none", "Niemand")]),
        question("remarks", "Opmerkingen", "text", required=False),
        question("start_date", "Vanaf wanneer?", "date", required=False),
    ]),
    section("theme_work", [
        question("discussed", "Kwam dit thema ter sprake?"),
        question("actions", "Zette het LOP acties op?", relevant="${discussed} = 'yes'"),
    ], title="Thema", per_theme=True, note_key="theme_note", note_label="Opmerking"),
]


@pytest.fixture
def custom_round(db):
    """A round of 2022 with a questionnaire of its own and two of the four themes."""
    round = ReportingRoundFactory(slug="oekraine-2022", title="Onthaal van Oekraïense leerlingen",
                                  themes=Theme.objects.filter(slug__in=["laptops", "family-support"]),
                                  questionnaire=CUSTOM)
    b1, b2, b3 = PlatformFactory.create_batch(3, level="basis")
    s1, s2 = PlatformFactory.create_batch(2, level="secundair")

    def themes(laptops=("no", None), family=("no", None)):
        values = {}
        for slug, (discussed, actions) in (("laptops", laptops), ("family-support", family)):
            values[f"theme:{slug}:discussed"] = discussed
            if actions:
                values[f"theme:{slug}:actions"] = actions
        return values

    report_with_answers(round, b1, {
        "received_pupils": "yes", "pupil_count": 10, "support": frozenset({"language", "psych"}), "contact": "school",
        "remarks": "Goed <verlopen>", "start_date": datetime.date(2022, 3, 14),
        **themes(laptops=("yes", "yes"))}, {"theme:laptops:theme_note": "Laptops via de stad"})
    report_with_answers(round, b2, {"received_pupils": "yes", "pupil_count": 4, "support": frozenset({"language"}),
                                    "contact": "clb", **themes(laptops=("yes", "no"))})
    report_with_answers(round, s1, {"received_pupils": "no", **themes(family=("yes", "yes"))})
    report_with_answers(round, s2, {"received_pupils": "yes", "pupil_count": 7, "support": frozenset({"material"}),
                                    **themes()})
    report_with_answers(round, b3, {"received_pupils": "yes", "pupil_count": 100}, status="draft")
    return round


def _c(basis, secundair):
    return {"total": basis + secundair, "basis": basis, "secundair": secundair}


@pytest.mark.django_db
def test_any_questionnaire_is_counted_over_the_base_it_applies_to(custom_round, django_assert_max_num_queries):
    with django_assert_max_num_queries(11):  # the questionnaire (4) and the summary's seven
        data = round_summary(custom_round).as_json()
    questions = data["questions"]
    assert data["base"] == _c(2, 2)
    assert questions["received_pupils"]["base"] == _c(2, 2)
    assert questions["received_pupils"]["counts"] == {"yes": _c(2, 1), "no": _c(0, 1)}
    # Asked only when pupils were received: the base is the three that did.
    count = questions["pupil_count"]
    assert set(count) == {"label", "kind", "section", "theme", "base", "answered", "sum", "median"}
    assert (count["kind"], count["section"], count["base"]) == ("number", "reception", _c(2, 1))
    assert (count["answered"], count["sum"], count["median"]) == (_c(2, 1), _c(14, 7), 7)
    # Several of a list: every option counted.
    assert questions["support"]["base"] == _c(2, 1)
    assert questions["support"]["counts"] == {"language": _c(2, 0), "psych": _c(1, 0), "material": _c(0, 1)}
    # Asked of basisonderwijs only.
    assert questions["contact"]["base"] == _c(2, 0)
    assert questions["contact"]["counts"] == {"school": _c(1, 0), "clb": _c(1, 0), "none": _c(0, 0)}
    # Text and dates are not counted: how many answered, the drill-down lists them.
    assert set(questions["remarks"]) == {"label", "kind", "section", "theme", "base", "answered"}
    assert questions["remarks"]["answered"] == _c(1, 0)
    assert questions["start_date"]["answered"] == _c(1, 0)
    # A section asked per theme, with a condition on the same theme's answer.
    assert questions["theme:laptops:actions"]["theme"] == "laptops"
    assert questions["theme:laptops:actions"]["base"] == _c(2, 0)
    assert questions["theme:laptops:actions"]["counts"]["yes"] == _c(1, 0)
    assert questions["theme:family-support:actions"]["base"] == _c(0, 1)
    assert questions["theme:family-support:actions"]["counts"]["yes"] == _c(0, 1)
    assert questions["theme:family-support:discussed"]["base"] == _c(2, 2)

    drafts = round_summary(custom_round, include_drafts=True).as_json()["questions"]["pupil_count"]
    assert (drafts["base"], drafts["sum"], drafts["median"]) == (_c(3, 1), _c(114, 7), 8.5)


@pytest.mark.django_db
def test_a_condition_on_an_unanswered_question_or_on_no_answer(custom_round):
    questionnaire = custom_round.questionnaire
    questionnaire.questions.filter(key="remarks").update(relevant="${contact} = ''")
    questionnaire.questions.filter(key="start_date").update(relevant="${contact} != 'school' and "
                                                                     "selected(${support}, 'language')")
    questionnaire.version += 1
    questionnaire.save()
    custom_round.refresh_from_db()
    questions = round_summary(ReportingRound.objects.get(pk=custom_round.pk)).as_json()["questions"]
    assert questions["remarks"]["base"] == _c(0, 2)  # contact is not asked of secundair platforms
    assert questions["start_date"]["base"] == _c(1, 0)


@pytest.mark.django_db
def test_the_custom_questionnaires_page_and_drilldowns(login, ministry_user, custom_round):
    client = login(ministry_user)
    page = client.get(_url(custom_round)).text
    assert "Thema: Verstrekken van laptops" in page and "Welke ondersteuning?: Taalondersteuning" in page
    assert "3 van de 3" in page  # the number question's answered, over its base
    drill = _url(custom_round, "rounds:summary_platforms")
    rows = drilldown(custom_round, question="pupil_count", value="")
    assert sorted(row.answer for row in rows) == ["10", "4", "7"]
    page = client.get(drill, {"question": "remarks"}).text
    # One platform answered, of the four the question applies to (the drill-down names its base).
    assert "Goed &lt;verlopen&gt;" in page and ("1 van de 4 platformen" in page or "1 of the 4 platforms" in page)
    assert "14/03/2022" in client.get(drill, {"question": "start_date"}).text
    assert client.get(drill, {"question": "support", "value": "language"}).text.count("/report/") == 2
    page = client.get(drill, {"question": "theme:laptops:actions", "value": "yes"}).text
    assert "Laptops via de stad" in page
    for bad in ({"question": "support", "value": "nope"}, {"question": "remarks", "value": "yes"},
                {"question": "support"}, {"question": "theme:summer-schools-reading:discussed", "value": "yes"}):
        assert client.get(drill, bad).status_code == 404, bad


@pytest.mark.django_db
def test_the_previous_round_is_matched_by_question_key(custom_round):
    """The earlier round asked other questions in another order: only the same keys are compared."""
    earlier = ReportingRoundFactory(slug="oekraine-2021", opens_on=custom_round.opens_on - datetime.timedelta(days=365),
                                    deadline=custom_round.opens_on - datetime.timedelta(days=300),
                                    themes=Theme.objects.filter(slug="laptops"), questionnaire=[
        section("other", [
            question("pupil_count", "Aantal leerlingen", "number"),
            question("received_pupils", "Oekraïense leerlingen?"),
            question("contact", "Aanspreekpunt", "yesno"),  # the same key, another kind: not compared
        ]),
        section("theme_work", [question("discussed", "Besproken?")], per_theme=True),
    ])
    platform = Platform.objects.filter(level="basis").first()
    report_with_answers(earlier, platform, {"pupil_count": 30, "received_pupils": "no", "contact": "yes",
                                            "theme:laptops:discussed": "yes"})
    from summaries.summary import previous_round

    assert previous_round(custom_round) == earlier
    blocks = summary_blocks(round_summary(custom_round), round_summary(previous_round(custom_round)))
    rows = {(row.column, row.value): row for block in blocks for row in block.rows}
    assert rows["received_pupils", "yes"].previous == (0, 1)
    assert rows["pupil_count", ""].previous == (1, 1)
    assert "30" in rows["pupil_count", ""].previous_extra
    assert rows["contact", "school"].previous is None  # another kind of question in the earlier round
    assert rows["support", "language"].previous is None  # not asked in the earlier round
    assert rows["theme:laptops:discussed", "yes"].previous == (1, 1)
    assert rows["theme:family-support:discussed", "yes"].previous is None  # not a theme of the earlier round
    family = Theme.objects.get(slug="family-support").name
    assert [block.title for block in blocks] == ["Reception", "Thema: Verstrekken van laptops", f"Thema: {family}"]


@pytest.mark.django_db
def test_a_round_without_questions_yet(login, ministry_user):
    round = ReportingRoundFactory(questionnaire=[])
    client = login(ministry_user)
    assert client.get(_url(round)).status_code == 200
    data = client.get(_url(round, "rounds:summary_json")).json()
    assert (data["format"], data["questions"], data["base"]["total"]) == (2, {}, 0)
    assert client.get(_url(round, "rounds:answer")).status_code == 200
    assert client.get(_url(round, "rounds:summary_platforms"), {"question": "newcomers", "value": "none"}
                      ).status_code == 404


# Query counts -------------------------------------------------------------------------------------------------


def _bulk_round(n_platforms: int) -> ReportingRound:
    """A round with n platforms, each with a submitted report answering every question of 2020."""
    round = ReportingRoundFactory()
    definition = give_questionnaire(round)
    levels = itertools.cycle(["basis", "basis", "secundair"])
    platforms = Platform.objects.bulk_create([
        Platform(code=f"p{i}", name=f"LOP {i}", level=next(levels), area="Vlaanderen") for i in range(n_platforms)])
    RoundPlatform.objects.bulk_create([RoundPlatform(round=round, platform=p) for p in platforms])  # its roster
    now = timezone.now()
    reports = Report.objects.bulk_create([
        Report(round=round, platform=p, status="submitted", submitted_at=now, version=1)
        for p in Platform.objects.all()])
    themes = {f"theme:{slug}:{key}": value for slug in THEMES for key, value in
              {"discussed": "yes", "agreements": "yes", "actions": "no", "exchange": "yes", "informed": "no"}.items()}
    answers, notes = [], []
    for report in reports:
        level = report.platform.level
        values = {**ANSWERS, **themes, **({"preschool": "unchanged"} if level == "basis" else {})}
        rows = answer_rows(definition, report, level, values, {"registrations_note": "Verlengd."})
        answers += rows[0]
        notes += rows[1]
    Answer.objects.bulk_create(answers, batch_size=2000)
    Note.objects.bulk_create(notes, batch_size=2000)
    return round


@pytest.mark.django_db
@pytest.mark.parametrize("n_platforms", [70, 700])
def test_summary_query_count_does_not_grow_with_the_platforms(login, ministry_user, n_platforms,
                                                               django_assert_max_num_queries):
    round = _bulk_round(n_platforms)
    client = login(ministry_user)
    # session, user, round + themes (with its questionnaire; its structure is cached); the summary (7); earlier
    # round; not-submitted platforms with their coordinators
    with django_assert_max_num_queries(14):
        response = client.get(_url(round))
    assert response.context["summary"].base.total == n_platforms
    with django_assert_max_num_queries(12):
        data = client.get(_url(round, "rounds:summary_json"), {"include_drafts": "1"}).json()
    assert data["questions"]["theme:laptops:agreements"]["counts"]["yes"]["total"] == n_platforms
    assert data["questions"]["preschool"]["base"]["secundair"] == 0
    # session, user, round + themes, the answers behind the figure with their reports, the notes
    with django_assert_max_num_queries(7):
        page = client.get(_url(round, "rounds:summary_platforms"), {"question": "registration_procedure_used",
                                                                    "value": "yes"}).text
    assert page.count("Verlengd.") == n_platforms


@pytest.mark.django_db
@pytest.mark.parametrize("n_platforms", [70, 700])
def test_answer_and_initiative_list_query_counts_are_constant(login, ministry_user, n_platforms,
                                                              django_assert_max_num_queries):
    round = _bulk_round(n_platforms)
    for report in Report.objects.filter(round=round)[:60]:
        InitiativeFactory(report=report)
    client = login(ministry_user)
    # session, user, the session's second-factor device, round + themes, the questionnaire's structure (3,
    # unless cached), the summary (7), the missing platforms, the initiatives with whom they were asked of
    cache.clear()
    with django_assert_max_num_queries(18):
        page = client.get(_url(round, "rounds:answer")).text
    assert f"Op basis van {n_platforms} van de {n_platforms} LOP" in page
    with django_assert_max_num_queries(9):
        response = client.get(_url(round, "rounds:initiative_list"), {"target_group": "low-ses", "q": "Huiswerk"})
    assert response.context["page"].paginator.count == 60


@pytest.mark.django_db
def test_coordinators_cannot_read_the_summary(login, coordinator, platform, counted):
    client = login(coordinator)
    for name in ("rounds:summary", "rounds:summary_json", "rounds:answer", "rounds:answer_docx",
                 "rounds:export_csv", "rounds:export_xlsx", "rounds:initiative_list"):
        assert client.get(_url(counted, name)).status_code == 403, name


# Freshness ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_summary_is_cached_until_the_rounds_data_changes(login, ministry_user, coordinator, platform, open_round,
                                                              django_assert_num_queries):
    from rounds.services import reports as services

    give_questionnaire(open_round)
    client = login(ministry_user)
    url = _url(open_round, "rounds:summary_json")
    first = client.get(url, {"include_drafts": "1"}).json()
    assert first["base"]["total"] == 0
    # Served again from the cache: the session, the user, the session's second-factor device and the round's
    # data version.
    with django_assert_num_queries(4):
        assert client.get(url, {"include_drafts": "1"}).json() == first
    # A save through the portal shows at once.
    services.report_save(actor=coordinator, round=open_round, platform=platform, expected_version=0,
                         values={"registration_procedure_used": "yes"}, notes={})
    second = client.get(url, {"include_drafts": "1"}).json()
    assert second["questions"]["registration_procedure_used"]["counts"]["yes"]["total"] == 1


@pytest.mark.django_db
def test_every_change_through_the_portal_refreshes_the_cached_summary(login, ministry_user, admin_user, coordinator,
                                                                      platform, open_round):
    from initiatives import services as initiative_services
    from platforms.services import platform_update
    from rounds.services import reports as services

    give_questionnaire(open_round)
    client = login(ministry_user)
    url = _url(open_round, "rounds:summary_json")

    def figures():
        return client.get(url, {"include_drafts": "1"}).json()

    services.report_save(actor=coordinator, round=open_round, platform=platform, expected_version=0, values={},
                         notes={})
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
        assert "submitted_version" in on_replica and "COUNT(" in on_replica  # the version of the submitted figures
        assert "COUNT(" not in " ".join(query["sql"] for query in primary.captured_queries)
    assert client.get(_url(counted, "rounds:summary_json")).json()["base"]["total"] == 3


@pytest.mark.django_db
def test_renaming_a_round_or_a_theme_shows_in_the_summary_at_once(login, ministry_user, admin_user, open_round):
    from rounds.services import rounds as round_services

    give_questionnaire(open_round)
    client = login(ministry_user)
    url = _url(open_round, "rounds:summary_json")
    theme = open_round.themes.get(slug="laptops")
    assert client.get(url).json()["round"]["title"] == "Coronacrisis 2020"
    assert "Thema: Verstrekken van laptops" in client.get(_url(open_round)).text
    round_services.round_save(actor=admin_user, round=open_round, data={
        "title": "Coronacrisis 2020 (schoolsluiting)", "themes": list(open_round.themes.all())})
    round_services.theme_save(actor=admin_user, theme=theme, data={"name": "Welbevinden"})
    assert client.get(url).json()["round"]["title"] == "Coronacrisis 2020 (schoolsluiting)"
    page = client.get(_url(open_round)).text
    assert "Thema: Welbevinden" in page and "Verstrekken van laptops" not in page


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
    assert reader.get(url).json()["base"]["total"] == 3
    admin = Client()
    admin.force_login(admin_user)
    verify_session(admin, admin_user)  # the Django admin too is behind the second factor
    theme = counted.themes.get(slug="laptops")
    response = admin.post(reverse(f"admin:{theme._meta.app_label}_theme_change", args=[theme.pk]), {
        "name": "Welbevinden", "slug": theme.slug, "position": theme.position, "is_active": "on",
        "description": theme.description})
    assert response.status_code == 302
    assert "Thema: Welbevinden" in reader.get(_url(counted)).text
    report = Report.objects.filter(round=counted, status="submitted").first()
    admin_url = f"admin:{Report._meta.app_label}_report"
    assert admin.post(reverse(f"{admin_url}_delete", args=[report.pk]), {"post": "yes"}).status_code == 302
    assert reader.get(url).json()["base"]["total"] == 2
    # The list's bulk delete too.
    others = list(Report.objects.filter(round=counted, status="submitted").values_list("pk", flat=True))
    response = admin.post(reverse(f"{admin_url}_changelist"), {
        "action": "delete_selected", "_selected_action": others[:1], "post": "yes"})
    assert response.status_code == 302
    assert reader.get(url).json()["base"]["total"] == 1


@pytest.mark.django_db
def test_a_report_changed_in_the_django_admin_is_not_overwritten_by_a_form_opened_before(admin_user, coordinator,
                                                                                        platform, open_round, rf):
    from django.contrib.admin.sites import site

    from rounds.services import reports as services

    give_questionnaire(open_round)
    report = services.report_save(actor=coordinator, round=open_round, platform=platform, expected_version=0,
                                  values={}, notes={"registrations_note": "van de coördinator"})
    opened_at = report.version
    request = rf.post("/")
    request.user = admin_user
    edited = Report.objects.get(pk=report.pk)
    edited.return_comment = "rechtgezet door de beheerder"
    site._registry[Report].save_model(request, edited, form=None, change=True)
    with pytest.raises(services.StaleSave):
        services.report_save(actor=coordinator, round=open_round, platform=platform, expected_version=opened_at,
                             values={}, notes={"registrations_note": "oude versie"})
    assert Note.objects.get(report=report).text == "van de coördinator"


@pytest.mark.django_db
@pytest.mark.parametrize("n_platforms", [70, 700])
def test_the_csv_export_makes_the_same_queries_at_any_size(login, ministry_user, n_platforms,
                                                           django_assert_max_num_queries):
    round = _bulk_round(n_platforms)
    client = login(ministry_user)
    # session, user, second-factor device, round + themes, the answers, the notes, the reports (structure cached)
    with django_assert_max_num_queries(8):
        response = client.get(_url(round, "rounds:export_csv"))
        rows = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(rows) == n_platforms + 1
    assert rows[1].split(",")[4:6] == ["yes", "no"]
