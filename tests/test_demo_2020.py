"""The demo round `corona-2020`: 70 submitted reports that reproduce every figure of the minister's answer."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count, Q

from initiatives.models import Initiative, ThemeAnswer
from platforms.demo import load_demo
from platforms.models import Membership
from rounds.demo import load_rounds
from rounds.models import Report, ReportingRound

THEMES = ["laptops", "reaching-all-pupils", "family-support", "summer-schools-reading"]


def _counts() -> tuple[int, int, int, int, int]:
    through = [Initiative._meta.get_field(name).remote_field.through
               for name in ("target_groups", "asked_of", "partners_involved", "themes")]
    return (ReportingRound.objects.count(), Report.objects.count(), ThemeAnswer.objects.count(),
            Initiative.objects.count(), sum(model.objects.count() for model in through))


def _snapshot() -> list:
    reports = list(Report.objects.filter(round__slug="corona-2020").order_by("platform__code").values())
    answers = list(ThemeAnswer.objects.filter(report__round__slug="corona-2020")
                   .order_by("report__platform__code", "theme__slug").values())
    initiatives = list(Initiative.objects.filter(report__round__slug="corona-2020").order_by("pk").values())
    return [reports, answers, initiatives]


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


def _count(qs, **lookups) -> int:
    return qs.filter(**lookups).count()


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
        assert None not in (report.registration_procedure_used, report.application_period_adjusted,
                            report.enrolment_period_adjusted, report.free_enrolment_period_adjusted)
        assert "" not in (report.newcomers, report.preschool, report.excluded_pupils)
        report.full_clean()
    answers = ThemeAnswer.objects.filter(report__round=corona_round).select_related("report", "theme")
    assert answers.count() == 70 * 4
    for answer in answers:
        assert None not in (answer.discussed, answer.agreements, answer.actions, answer.exchange, answer.informed)
        answer.full_clean()
    assert reports.exclude(registrations_note="").exists()
    assert reports.exclude(newcomers_note="").exists()


@pytest.mark.django_db
def test_the_reports_reproduce_every_figure_of_the_answer(corona_round):
    reports = Report.objects.filter(round=corona_round)
    basis, secundair = reports.filter(platform__level="basis"), reports.filter(platform__level="secundair")
    assert (basis.count(), secundair.count()) == (41, 29)

    assert _count(basis, registration_procedure_used=True) == 26
    assert _count(secundair, registration_procedure_used=True) == 12
    assert _count(reports, application_period_adjusted=True) == 13
    assert _count(reports, application_period_adjusted=True, registration_procedure_used=True) == 13
    assert _count(reports, enrolment_period_adjusted=True) == 22
    assert _count(reports, enrolment_period_adjusted=True, registration_procedure_used=True) == 22
    assert _count(reports, free_enrolment_period_adjusted=True) == 20

    assert _count(reports, newcomers__in=["unchanged", "adjusted"]) == 55
    assert _count(reports, newcomers="adjusted") == 9
    assert _count(reports, newcomers="unchanged") == 46
    assert _count(reports, newcomers="none") == 15

    assert _count(basis, preschool="unchanged") == 21
    assert _count(basis, preschool="adjusted") == 3
    assert _count(basis, preschool="none") == 17
    assert _count(secundair, preschool="not_applicable") == 29

    assert _count(reports, excluded_pupils="unchanged") > 70 / 2
    assert _count(reports, excluded_pupils__in=["none", "unchanged", "adjusted"]) == 70

    # Every figure mixes basis and secundair platforms.
    for field in ("application_period_adjusted", "enrolment_period_adjusted", "free_enrolment_period_adjusted"):
        assert _count(basis, **{field: True}) and _count(secundair, **{field: True}), field
    assert _count(basis, newcomers="adjusted") and _count(secundair, newcomers="adjusted")

    fields = ("discussed", "agreements", "actions", "exchange", "informed")
    counts = {f"n_{field}": Count("pk", filter=Q(**{field: True})) for field in fields}
    figures = (ThemeAnswer.objects.filter(report__round=corona_round).values("theme__slug").annotate(
        **counts,
        n_discussed_basis=Count("pk", filter=Q(discussed=True, report__platform__level="basis")),
        n_discussed_secundair=Count("pk", filter=Q(discussed=True, report__platform__level="secundair")),
        n_on_agenda=Count("pk", filter=Q(agreements=True) | Q(informed=True)),
    ))
    by_theme = {row.pop("theme__slug"): {k.removeprefix("n_"): v for k, v in row.items()} for row in figures}
    assert set(by_theme) == set(THEMES)

    laptops = by_theme["laptops"]
    assert (laptops["discussed"], laptops["actions"], laptops["exchange"]) == (33, 20, 21)
    reaching = by_theme["reaching-all-pupils"]
    assert (reaching["discussed"], reaching["agreements"], reaching["exchange"]) == (42, 28, 26)
    family = by_theme["family-support"]
    assert (family["discussed"], family["exchange"], family["actions"]) == (23, 19, 12)
    summer = by_theme["summer-schools-reading"]
    assert summer["discussed"] == 35
    # "On the agenda (to inform, to make agreements)": each of the 35 did one or the other.
    assert summer["on_agenda"] == 35
    for slug, row in by_theme.items():
        assert all(row[field] <= row["discussed"] for field in fields), slug
        assert row["discussed_basis"] and row["discussed_secundair"], slug


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
