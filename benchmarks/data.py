"""Test data for the benchmark: n platforms with a coordinator, two members and a full, submitted report.

Everything is written with `bulk_create` (7,000 platforms load in seconds); the answers are
random but reproducible (seeded with n) and respect the model's check constraints. About 41 in
70 platforms are basisonderwijs, the rest secundair, as in Flanders. There is one round (the
four themes of the data migration); each platform has one report with every question answered,
its four theme answers and, on average, one initiative with target groups, a theme, a school it
was asked of and a partner involved. No history rows: `bulk_create` writes none, and none of the
measured pages reads them.
"""

import datetime
import random
import time
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone

from accounts.models import Role, User
from initiatives.models import ARRANGEMENT_VALUES, Initiative, InitiativeKind, ReachedUnit, TargetGroup, ThemeAnswer
from platforms.models import Level, Membership, Onderwijsnet, Organisation, OrganisationKind, PartnerCategory, Platform
from rounds.models import Report, ReportingRound, ReportStatus, Theme

BATCH = 1000  # rows per INSERT: PostgreSQL takes at most 65,535 parameters per statement
ROUND_SLUG = "bench-2020"
MINISTRY_USERNAME = "bench-ministerie"
NOTES = [
    "",
    "Afspraken gemaakt in de stuurgroep van april; de scholen volgen ze op.",
    "Via de brugfiguren werden de gezinnen die niet bereikbaar waren opgebeld en thuis bezocht.",
    "Het LOP overlegde met het CLB en de gemeente over de opvang en de toeleiding; de regeling blijft "
    "ongewijzigd, maar de termijnen zijn met twee weken verlengd omdat de scholen gesloten waren.",
]


@dataclass
class BenchData:
    """What the measurements need from the generated data."""

    round_slug: str
    ministry: User
    coordinator: User
    platform_code: str  # the coordinator's platform, whose report page is measured
    rows: dict[str, int]
    seconds: float


def _through(model, field):
    return getattr(model, field).through


def reset() -> None:
    """Empty every table the generator fills (themes and target groups, made by a migration, stay)."""
    tables = [m._meta.db_table for m in (Platform, Organisation, User, ReportingRound)]
    quoted = ", ".join(connection.ops.quote_name(t) for t in [*tables, "django_session"])
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")  # noqa: S608 - table names from the models


def analyze() -> None:
    """Fresh statistics and visibility map, as autovacuum would leave them on a live database."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _answers(rng: random.Random, level: str) -> dict:
    procedure = rng.random() < 0.55
    arrangement = [a.value for a in ARRANGEMENT_VALUES]
    return {
        "registration_procedure_used": procedure,
        "application_period_adjusted": procedure and rng.random() < 0.35,
        "enrolment_period_adjusted": procedure and rng.random() < 0.55,
        "free_enrolment_period_adjusted": rng.random() < 0.3,
        "registrations_note": rng.choice(NOTES),
        "newcomers": rng.choices(arrangement, weights=[2, 6, 1])[0],
        "newcomers_note": rng.choice(NOTES),
        "preschool": rng.choices(arrangement, weights=[3, 5, 1])[0] if level == Level.BASIS else "not_applicable",
        "preschool_note": rng.choice(NOTES) if level == Level.BASIS else "",
        "excluded_pupils": rng.choices(arrangement, weights=[2, 5, 1])[0],
        "excluded_pupils_note": rng.choice(NOTES),
    }


def _theme_answer(rng: random.Random, report: Report, theme: Theme) -> ThemeAnswer:
    discussed = rng.random() < 0.55
    return ThemeAnswer(
        report=report, theme=theme, discussed=discussed,
        **{f: discussed and rng.random() < p for f, p in
           (("agreements", 0.6), ("actions", 0.5), ("exchange", 0.6), ("informed", 0.8))},
        note=rng.choice(NOTES),
    )


def generate(n: int) -> BenchData:
    """Empty the tables and create n platforms with everything the measured pages show."""
    started = time.perf_counter()
    reset()
    rng = random.Random(n)  # noqa: S311 - reproducible test data, not security
    now = timezone.now()
    today = timezone.localdate()
    password = make_password("bench-not-a-login")  # nobody logs in with it: the client uses force_login

    ministry = User.objects.create(username=MINISTRY_USERNAME, role=Role.MINISTRY, password=password,
                                   email="ministerie@example.be")
    coordinators = User.objects.bulk_create([
        User(username=f"coord-{i:05d}", role=Role.COORDINATOR, password=password, first_name="Coördinator",
             last_name=f"{i:05d}", email=f"coord-{i:05d}@example.be") for i in range(n)], batch_size=BATCH)
    platforms = Platform.objects.bulk_create([
        Platform(code=f"lop-{i:05d}", level=(level := Level.BASIS if i % 70 < 41 else Level.SECUNDAIR),
                 name=f"LOP {'Basisonderwijs' if level == Level.BASIS else 'Secundair Onderwijs'} Gemeente {i}",
                 area=f"Gemeente {i}") for i in range(n)], batch_size=BATCH)
    _through(Platform, "coordinators").objects.bulk_create([
        _through(Platform, "coordinators")(platform_id=p.pk, user_id=c.pk) for p, c in zip(platforms, coordinators,
                                                                                          strict=True)],
        batch_size=BATCH)

    # Each platform has a school and a local partner as members.
    organisations = Organisation.objects.bulk_create([
        org for i in range(n) for org in (
            Organisation(kind=OrganisationKind.SCHOOL, name=f"Basisschool De Linde {i}",
                         instellingsnummer=f"{100000 + i:06d}", onderwijsnet=rng.choice(Onderwijsnet.values),
                         municipality=f"Gemeente {i}"),
            Organisation(kind=OrganisationKind.PARTNER, name=f"OCMW Gemeente {i}",
                         partner_category=PartnerCategory.MUNICIPALITY, municipality=f"Gemeente {i}"),
        )], batch_size=BATCH)
    schools, partners = organisations[0::2], organisations[1::2]
    Membership.objects.bulk_create([
        Membership(platform=p, organisation=o, start_date=datetime.date(2019, 9, 1))
        for i, p in enumerate(platforms) for o in (schools[i], partners[i])], batch_size=BATCH)

    round = ReportingRound.objects.create(
        slug=ROUND_SLUG, title="Coronamaatregelen voorjaar 2020 (benchmark)", period_start=datetime.date(2020, 3, 16),
        period_end=datetime.date(2020, 6, 30), opens_on=today - datetime.timedelta(days=1),
        deadline=today + datetime.timedelta(days=14))
    themes = list(Theme.objects.order_by("position"))
    round.themes.set(themes)

    reports = Report.objects.bulk_create([
        Report(round=round, platform=p, status=ReportStatus.SUBMITTED, version=3, submitted_at=now,
               submitted_by=c, updated_at=now, updated_by=c, **_answers(rng, p.level))
        for p, c in zip(platforms, coordinators, strict=True)], batch_size=BATCH)
    ThemeAnswer.objects.bulk_create([_theme_answer(rng, r, t) for r in reports for t in themes], batch_size=BATCH)

    kinds, groups = InitiativeKind.values, list(TargetGroup.objects.all())
    owners = [i for i in range(n) for _ in range(rng.choice([0, 1, 1, 2]))]  # one per platform on average
    initiatives = Initiative.objects.bulk_create([
        Initiative(report=reports[i], title=f"Huiswerkklas in de bibliotheek {k}", kind=kinds[k % len(kinds)],
                   description="Twee keer per week huiswerkbegeleiding voor leerlingen zonder rustige plek thuis, "
                               "met vrijwilligers van de gemeente en de school.",
                   other_partners="Bibliotheek" if k % 3 == 0 else "",
                   start_date=(start := datetime.date(2020, 3, 16) + datetime.timedelta(days=rng.randrange(60))),
                   end_date=start + datetime.timedelta(days=rng.randrange(30, 90)) if k % 4 else None,
                   reached_count=rng.randrange(5, 400) if k % 2 else None,
                   reached_unit=rng.choice(ReachedUnit.values) if k % 2 else "", updated_at=now)
        for k, i in enumerate(owners)], batch_size=BATCH)
    target_groups = _through(Initiative, "target_groups")
    target_groups.objects.bulk_create([
        target_groups(initiative_id=initiative.pk, targetgroup_id=g.pk)
        for initiative in initiatives for g in rng.sample(groups, rng.choice([1, 1, 2, 3]))], batch_size=BATCH)
    initiative_themes = _through(Initiative, "themes")
    initiative_themes.objects.bulk_create([
        initiative_themes(initiative_id=initiative.pk, theme_id=rng.choice(themes).pk)
        for initiative in initiatives], batch_size=BATCH)
    asked_of, involved = _through(Initiative, "asked_of"), _through(Initiative, "partners_involved")
    asked_of.objects.bulk_create([asked_of(initiative_id=initiative.pk, organisation_id=schools[i].pk)
                                  for initiative, i in zip(initiatives, owners, strict=True)], batch_size=BATCH)
    involved.objects.bulk_create([involved(initiative_id=initiative.pk, organisation_id=partners[i].pk)
                                  for initiative, i in zip(initiatives, owners, strict=True)], batch_size=BATCH)
    analyze()

    # The report page of a platform in the middle, with (at least) one initiative.
    middle = owners[len(owners) // 2]
    return BenchData(
        round_slug=round.slug, ministry=ministry, coordinator=coordinators[middle],
        platform_code=platforms[middle].code,
        rows={"platforms": n, "basis": sum(p.level == Level.BASIS for p in platforms), "reports": len(reports),
              "theme answers": len(reports) * len(themes), "initiatives": len(initiatives),
              "organisations": len(organisations)},
        seconds=time.perf_counter() - started,
    )
