"""The demo round `corona-2020`: 70 submitted reports whose answer rows reproduce every figure of the
minister's answer, in the database and through summary.json (format 2)."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count, Q
from django.urls import reverse

from initiatives.models import Initiative
from platforms.demo import load_demo
from platforms.models import Membership
from rounds.demo import load_rounds
from rounds.models import Answer, Note, Report, ReportingRound
from rounds.questionnaire import definition_for
from rounds.seed.corona_2020 import SECTIONS

THEMES = ["laptops", "reaching-all-pupils", "family-support", "summer-schools-reading"]
THEME_KEYS = ("discussed", "agreements", "actions", "exchange", "informed")


def _counts() -> tuple:
    through = [Initiative._meta.get_field(name).remote_field.through
               for name in ("target_groups", "asked_of", "partners_involved", "themes")]
    return (ReportingRound.objects.count(), Report.objects.count(), Answer.objects.count(), Note.objects.count(),
            Initiative.objects.count(), sum(model.objects.count() for model in through))


def _snapshot() -> list:
    reports = list(Report.objects.filter(round__slug="corona-2020").order_by("platform__code").values())
    answers = list(Answer.objects.filter(report__round__slug="corona-2020").order_by("pk").values())
    notes = list(Note.objects.filter(report__round__slug="corona-2020").order_by("pk").values())
    initiatives = list(Initiative.objects.filter(report__round__slug="corona-2020").order_by("pk").values())
    return [reports, answers, notes, initiatives]


@pytest.fixture
def corona_round(db):
    load_demo()
    assert load_rounds() == {"rounds": 2}
    counts, snapshot = _counts(), _snapshot()
    assert load_rounds() == {"rounds": 2}
    # Idempotent: a second run creates nothing and changes nothing (not even the primary keys).
    assert _counts() == counts
    assert _snapshot() == snapshot
    return ReportingRound.objects.get(slug="corona-2020")


def _answers(round, key, value="yes", theme=None, **lookups):
    answers = Answer.objects.filter(report__round=round, question__key=key, value=value, **lookups)
    return answers.filter(theme__slug=theme) if theme else answers.filter(theme__isnull=True)


@pytest.mark.django_db
def test_the_round_is_closed_and_every_platform_submitted(corona_round):
    assert corona_round.title == "Coronamaatregelen voorjaar 2020"
    assert (corona_round.period_start, corona_round.period_end) == (datetime.date(2020, 3, 16),
                                                                    datetime.date(2020, 6, 30))
    assert (corona_round.opens_on, corona_round.deadline) == (datetime.date(2020, 5, 1), datetime.date(2020, 6, 15))
    assert sorted(corona_round.themes.values_list("slug", flat=True)) == sorted(THEMES)
    reports = Report.objects.filter(round=corona_round).select_related("platform", "submitted_by")
    assert reports.count() == 70
    assert reports.filter(status="submitted").count() == 70
    assert reports.values("platform").distinct().count() == 70
    brussels = ZoneInfo("Europe/Brussels")
    for report in reports:
        assert report.version == 1
        local = report.submitted_at.astimezone(brussels)
        assert (local.year, local.month) == (2020, 6) and local.day <= 15
        assert report.submitted_by == report.platform.coordinators.order_by("pk").first()
        report.full_clean()


@pytest.mark.django_db
def test_both_rounds_ask_the_questionnaire_of_2020(corona_round):
    open_demo = ReportingRound.objects.get(slug="open-demo")
    for round in (corona_round, open_demo):
        definition = definition_for(round)
        assert [s.key for s in definition.sections] == [s["key"] for s in SECTIONS]
        assert list(definition.questions) == [q["key"] for s in SECTIONS for q in s["questions"]]
        assert [t.slug for t in definition.themes] == THEMES
    assert not Report.objects.filter(round=open_demo).exists()


@pytest.mark.django_db
def test_every_report_is_complete_and_fits_the_questionnaire(corona_round):
    """Every question asked of the platform answered (implied answers too), none that was not asked."""
    definition = definition_for(corona_round)
    reports = Report.objects.filter(round=corona_round).select_related("platform").prefetch_related(
        "answers__question", "answers__theme", "notes__section", "notes__theme")
    for report in reports:
        values = {}
        for answer in report.answers.all():
            column = f"theme:{answer.theme.slug}:{answer.question.key}" if answer.theme else answer.question.key
            assert column not in values, column
            values[column] = answer.value
            answer.full_clean()
        notes = {}
        for note in report.notes.all():
            key = note.section.note_key
            notes[f"theme:{note.theme.slug}:{key}" if note.theme else key] = note.text
        clean, clean_notes, errors = definition.check(report.platform.level, values, notes, submitting=True,
                                                      strict=True)
        assert not errors, (report.platform.code, errors)
        assert clean == values and clean_notes == notes
        expected = 7 + 4 * 5 if report.platform.level == "basis" else 6 + 4 * 5  # no pre-school for secundair
        assert len(values) == expected
    assert Note.objects.filter(report__round=corona_round, section__note_key="registrations_note").exists()
    assert Note.objects.filter(report__round=corona_round, section__note_key="newcomers_note").exists()
    assert Note.objects.filter(report__round=corona_round, theme__isnull=False).exists()


@pytest.mark.django_db
def test_the_answer_rows_reproduce_every_figure_of_the_answer(corona_round):
    round = corona_round
    basis, secundair = {"report__platform__level": "basis"}, {"report__platform__level": "secundair"}

    assert _answers(round, "registration_procedure_used", **basis).count() == 26
    assert _answers(round, "registration_procedure_used", **secundair).count() == 12
    assert _answers(round, "application_period_adjusted").count() == 13
    assert _answers(round, "enrolment_period_adjusted").count() == 22
    used = _answers(round, "registration_procedure_used").values("report_id")
    # The periods can only have been adjusted where a procedure was used.
    assert _answers(round, "application_period_adjusted", report__in=used).count() == 13
    assert _answers(round, "enrolment_period_adjusted", report__in=used).count() == 22
    assert _answers(round, "free_enrolment_period_adjusted").count() == 20

    assert _answers(round, "newcomers", "unchanged").count() + _answers(round, "newcomers", "adjusted").count() == 55
    assert _answers(round, "newcomers", "adjusted").count() == 9
    assert _answers(round, "newcomers", "none").count() == 15

    assert _answers(round, "preschool", "unchanged", **basis).count() == 21
    assert _answers(round, "preschool", "adjusted", **basis).count() == 3
    assert _answers(round, "preschool", "none", **basis).count() == 17
    assert not Answer.objects.filter(report__round=round, question__key="preschool", **secundair).exists()

    assert _answers(round, "excluded_pupils", "unchanged").count() > 70 / 2
    assert Answer.objects.filter(report__round=round, question__key="excluded_pupils").count() == 70

    # Every figure mixes basis and secundair platforms.
    for key in ("application_period_adjusted", "enrolment_period_adjusted", "free_enrolment_period_adjusted"):
        assert _answers(round, key, **basis).exists() and _answers(round, key, **secundair).exists(), key
    assert _answers(round, "newcomers", "adjusted", **basis).exists()
    assert _answers(round, "newcomers", "adjusted", **secundair).exists()

    rows = (Answer.objects.filter(report__round=round, theme__isnull=False, value="yes")
            .values("theme__slug", "question__key").annotate(
                n=Count("pk"), basis=Count("pk", filter=Q(**basis)), secundair=Count("pk", filter=Q(**secundair))))
    by_theme = {}
    for row in rows:
        by_theme.setdefault(row["theme__slug"], {})[row["question__key"]] = row
    assert set(by_theme) == set(THEMES)

    def figures(slug, *keys):
        return tuple(by_theme[slug][key]["n"] for key in keys)

    assert figures("laptops", "discussed", "actions", "exchange") == (33, 20, 21)
    assert figures("reaching-all-pupils", "discussed", "agreements", "exchange") == (42, 28, 26)
    assert figures("family-support", "discussed", "exchange", "actions") == (23, 19, 12)
    assert figures("summer-schools-reading", "discussed") == (35,)
    # "On the agenda (to inform, to make agreements)": each of the 35 did one or the other.
    summer = Report.objects.filter(round=round).filter(
        Q(answers__question__key="informed") | Q(answers__question__key="agreements"),
        answers__theme__slug="summer-schools-reading", answers__value="yes").distinct()
    assert summer.count() == 35
    for slug, row in by_theme.items():
        assert all(row[key]["n"] <= row["discussed"]["n"] for key in row), slug
        assert row["discussed"]["basis"] and row["discussed"]["secundair"], slug
    # Not discussed: every activity follows as "no" (an implied answer is stored).
    for slug in THEMES:
        not_discussed = _answers(round, "discussed", "no", theme=slug).values("report_id")
        assert not Answer.objects.filter(report__in=not_discussed, theme__slug=slug, value="yes").exists()


@pytest.mark.django_db
def test_summary_json_gives_every_figure_of_the_ministers_answer(corona_round, login, ministry_user):
    """The 20 figures of the answer of 2020 (../shared/domain/README.md), read through summary.json."""
    data = login(ministry_user).get(reverse("rounds:summary_json", kwargs={"round_slug": "corona-2020"})).json()
    assert data["format"] == 2
    assert data["round"]["title"] == "Coronamaatregelen voorjaar 2020"
    assert data["platforms"] == {"total": 70, "basis": 41, "secundair": 29}
    assert data["base"]["total"] == 70
    questions = data["questions"]

    def count(column, value="yes"):
        return questions[column]["counts"][value]["total"]

    assert questions["registration_procedure_used"]["base"]["total"] == 70
    assert questions["registration_procedure_used"]["counts"]["yes"]["basis"] == 26
    assert questions["registration_procedure_used"]["counts"]["yes"]["secundair"] == 12
    assert count("application_period_adjusted") == 13
    assert count("enrolment_period_adjusted") == 22
    assert count("free_enrolment_period_adjusted") == 20
    assert count("newcomers", "unchanged") + count("newcomers", "adjusted") == 55
    assert count("newcomers", "adjusted") == 9
    assert questions["preschool"]["base"] == {"total": 41, "basis": 41, "secundair": 0}
    assert (count("preschool", "unchanged"), count("preschool", "adjusted")) == (21, 3)
    assert count("excluded_pupils", "unchanged") * 2 > questions["excluded_pupils"]["base"]["total"]  # a majority
    assert questions["theme:laptops:discussed"]["base"]["total"] == 70
    assert (count("theme:laptops:discussed"), count("theme:laptops:actions"),
            count("theme:laptops:exchange")) == (33, 20, 21)
    assert (count("theme:reaching-all-pupils:discussed"), count("theme:reaching-all-pupils:agreements"),
            count("theme:reaching-all-pupils:exchange")) == (42, 28, 26)
    assert (count("theme:family-support:discussed"), count("theme:family-support:exchange"),
            count("theme:family-support:actions")) == (23, 19, 12)
    assert count("theme:summer-schools-reading:discussed") == 35  # "de helft"
    assert data["initiatives"]["total"]["total"] > 0


@pytest.mark.django_db
def test_the_summary_page_shows_the_figures(corona_round, login, ministry_user):
    page = login(ministry_user).get(reverse("rounds:summary", kwargs={"round_slug": "corona-2020"})).text
    assert "26 van de 41" in page and "12 van de 29" in page  # registration procedure, per level
    assert "21 van de 41" in page  # pre-school participation unchanged, of basisonderwijs only
    assert "33 van de 70" in page and "42 van de 70" in page


@pytest.mark.django_db
def test_the_answer_text_gives_every_figure_of_the_ministers_answer_in_its_words(corona_round, login,
                                                                                 ministry_user):
    """The round's answer page: the sentences of 2020 (data of its questionnaire) with the demo's figures."""
    response = login(ministry_user).get(reverse("rounds:answer", kwargs={"round_slug": "corona-2020"}))
    answer = response.context["answer"]
    assert answer.refused == []
    assert re.findall(r"\d+", answer.coverage)[:2] == ["70", "70"]
    text = answer.text
    for sentence in (
        "In 26 LOP's Basisonderwijs en 12 LOP's Secundair Onderwijs maakte minstens één school gebruik van een "
        "aanmeldingsprocedure voor de organisatie van de inschrijvingen.",
        "- 13 LOP's hebben de aanmeldingsperiode aangepast\n"
        "- 22 LOP's pasten de inschrijvingsperiode voor aangemelde leerlingen aan\n"
        "- 20 LOP's hebben de vrije inschrijvingsperiode aangepast",
        "- 55 LOP's hebben afspraken m.b.t. de toeleiding van anderstalige nieuwkomers. 9 LOP's hiervan stuurden "
        "deze afspraken bij n.a.v. de coronamaatregelen.",
        "- In 21 van de 41 LOP's blijven de afspraken m.b.t. kleuterparticipatie ongewijzigd en in 3 LOP's zijn de "
        "afspraken bijgestuurd.",
        "- Verstrekken van laptops: in 33 van de 70 LOP's kwam dit thema ter sprake.",
        "20 LOP's zetten zelf acties op of werkten mee aan acties. 21 LOP's boden de LOP-leden de kans om "
        "ervaringen en goede praktijken uit te wisselen.",
        "- Bereiken van alle leerlingen door de scholen: in 42 van de 70 LOP's kwam dit thema ter sprake. 28 LOP's "
        "maakten hierover afspraken.",
        "26 LOP's boden de LOP-leden de kans",
        "- Ondersteuningsaanbod voor kansarme gezinnen van niet-onderwijspartners: in 23 van de 70 LOP's kwam dit "
        "thema ter sprake.",
        "12 LOP's zetten zelf acties op of werkten mee aan acties. 19 LOP's boden de LOP-leden de kans",
        "- Zomerscholen en projecten rond leesbevordering: in 35 van de 70 LOP's kwam dit thema ter sprake.",
    ):
        assert sentence in text, sentence
    # "Voor een meerderheid van de LOP's": the answer gives the figures, and they are a majority.
    excluded = re.search(r"Voor (\d+) van de (\d+) LOP's veranderen de afspraken m\.b\.t\. de opvolging", text)
    assert int(excluded[1]) * 2 > int(excluded[2]) == 70


@pytest.mark.django_db
def test_the_initiatives_are_asked_of_members_of_their_own_platform(corona_round):
    initiatives = (Initiative.objects.filter(report__round=corona_round)
                   .select_related("report__platform")
                   .prefetch_related("asked_of", "partners_involved", "target_groups", "themes"))
    assert 45 <= len(initiatives) <= 60
    assert 35 <= len({i.report.platform_id for i in initiatives}) <= 45
    members = {}
    for membership in Membership.objects.filter(end_date__isnull=True):
        members.setdefault(membership.platform_id, set()).add(membership.organisation_id)
    round_themes = set(corona_round.themes.values_list("pk", flat=True))
    for initiative in initiatives:
        initiative.full_clean()
        own = members[initiative.report.platform_id]
        asked_of = {org.pk for org in initiative.asked_of.all()}
        assert 1 <= len(asked_of) <= 3, initiative
        assert asked_of <= own, initiative
        assert {org.pk for org in initiative.partners_involved.all()} <= own, initiative
        assert initiative.target_groups.all(), initiative
        assert {theme.pk for theme in initiative.themes.all()} <= round_themes, initiative
        assert datetime.date(2020, 3, 16) <= initiative.start_date <= datetime.date(2020, 6, 30)
        assert initiative.end_date is None or initiative.end_date >= initiative.start_date
        if initiative.report.platform.level == "secundair":
            assert "preschoolers" not in {group.slug for group in initiative.target_groups.all()}, initiative
    assert any(i.reached_count is not None for i in initiatives)
    assert any(i.reached_count is None for i in initiatives)
    assert len({i.kind for i in initiatives}) >= 6
