"""Test data for the benchmark: n platforms with a coordinator, two members and a full, submitted report.

Everything is written with `bulk_create`, the answers and notes with COPY; the answers are
random but reproducible (seeded with n). About 41 in 70 platforms are basisonderwijs, the rest
secundair, as in Flanders. There is one round, with the four themes of the data migration and a
questionnaire given by `questionnaire_replace`: the 2020 questionnaire (`rounds/seed/corona_2020.py`),
or with `wide=True` the 60 questions of `benchmarks/wide.py`. Each platform has one submitted
report with every question it is asked answered, as `Answer` rows (one per chosen option for
several of a list) and `Note` rows, and, on average, one initiative with target groups, a theme,
a school it was asked of and a partner involved.

The answers are what the report form would store: a question not asked of the platform's level,
or whose condition (`relevant`) does not hold for the earlier answers, has no row; one whose
answer follows from an earlier one (2020: no procedure ⇒ the periods were not adjusted; a theme
not discussed ⇒ no agreements, actions, exchange or information) has that answer. The first
reports are checked against `Definition.check`, the rules of the form and the service. No
history rows: neither `bulk_create` nor COPY writes any, and none of the measured pages reads them.
"""

import datetime
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from psycopg import sql

from accounts.models import Role, User
from initiatives.models import Initiative, InitiativeKind, ReachedUnit, TargetGroup
from platforms.models import Level, Membership, Onderwijsnet, Organisation, OrganisationKind, PartnerCategory, Platform
from rounds import conditions
from rounds.models import Answer, Note, QuestionKind, Report, ReportingRound, ReportStatus, RoundPlatform, Theme
from rounds.questionnaire import Definition, QuestionDef, condition_value, definition_for, storage_rows
from rounds.seed.corona_2020 import SECTIONS as SECTIONS_2020
from rounds.services.questionnaires import questionnaire_replace

from .wide import WIDE_SECTIONS

BATCH = 1000  # rows per INSERT: PostgreSQL takes at most 65,535 parameters per statement
REPORT_CHUNK = 1000  # reports whose answers are built and written at a time (memory stays small)
CHECKED_REPORTS = 50  # the first reports checked against Definition.check
ROUND_SLUG = "bench-2020"
WIDE_ROUND_SLUG = "bench-60"
MINISTRY_USERNAME = "bench-ministerie"
NOTES = [
    "",
    "Afspraken gemaakt in de stuurgroep van april; de scholen volgen ze op.",
    "Via de brugfiguren werden de gezinnen die niet bereikbaar waren opgebeld en thuis bezocht.",
    "Het LOP overlegde met het CLB en de gemeente over de opvang en de toeleiding; de regeling blijft "
    "ongewijzigd, maar de termijnen zijn met twee weken verlengd omdat de scholen gesloten waren.",
]
TEXTS = ["De samenwerking met de scholen.", "Meer tijd voor overleg.", "De bereikbaarheid van de gezinnen.",
         "Vlot; de brugfiguren kenden de gezinnen al."]
# The 2020 answers as the first benchmark drew them: the chance of yes, or weights of the choices in order
# (none, unchanged, adjusted). Implied answers come on top (no procedure: not adjusted; not discussed: no).
PROFILE_2020 = {
    "registration_procedure_used": 0.55, "application_period_adjusted": 0.35, "enrolment_period_adjusted": 0.55,
    "free_enrolment_period_adjusted": 0.3, "newcomers": [2, 6, 1], "preschool": [3, 5, 1],
    "excluded_pupils": [2, 5, 1], "discussed": 0.55, "agreements": 0.6, "actions": 0.5, "exchange": 0.6,
    "informed": 0.8,
}


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
    """Empty every table the generator fills (themes and target groups, made by a migration, stay).

    And the in-process cache: the new rows get the same ids as the old ones (RESTART IDENTITY), so
    the cached questionnaire and summary of the previous size would be found under the new keys.
    """
    cache.clear()
    tables = [m._meta.db_table for m in (Platform, Organisation, User, ReportingRound)]
    quoted = ", ".join(connection.ops.quote_name(t) for t in [*tables, "django_session"])
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")  # noqa: S608 - table names from the models


def analyze() -> None:
    """Fresh statistics and visibility map, as autovacuum would leave them on a live database."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


Picker = Callable[[random.Random], object]


def _pickers(definition: Definition, profile: dict) -> dict[int, Picker]:
    """Per question (pk), how its answer is drawn: from `profile` by key, else from parameters of its own.

    A question's parameters (chance of yes, weights of the choices, range of the number) are drawn
    from a generator seeded with its key, so they do not depend on the size or on other questions.
    """
    pickers = {}
    for section in definition.sections:
        for question in section.questions:
            pickers[question.pk] = _picker(question, profile.get(question.key), random.Random(question.key))  # noqa: S311
    return pickers


def _picker(question: QuestionDef, profile, parameters: random.Random) -> Picker:
    names = [name for name, _label in question.choices]
    if question.kind == QuestionKind.YESNO:
        chance = profile if profile is not None else 0.3 + 0.5 * parameters.random()
        return lambda rng: "yes" if rng.random() < chance else "no"
    if question.kind == QuestionKind.CHOICE:
        weights = profile if profile is not None else [parameters.randint(1, 6) for _name in names]
        return lambda rng: rng.choices(names, weights=weights)[0]
    if question.kind == QuestionKind.MULTIPLE:
        chance = 0.2 + 0.4 * parameters.random()
        return lambda rng: frozenset(n for n in names if rng.random() < chance) or frozenset([rng.choice(names)])
    if question.kind == QuestionKind.NUMBER:
        low = question.min_value if question.min_value is not None else 0
        high = min(question.max_value if question.max_value is not None else 10_000,
                   low + parameters.choice([20, 100, 500, 2000]))
        return lambda rng: rng.randint(low, high)
    if question.kind == QuestionKind.DATE:
        start = datetime.date(2022, 3, 1) + datetime.timedelta(days=parameters.randrange(60))
        return lambda rng: start + datetime.timedelta(days=rng.randrange(120))
    return lambda rng: rng.choice(TEXTS)


def _answers(definition: Definition, level: str, pickers: dict[int, Picker], rng: random.Random) -> dict:
    """A full report of a platform of this level, by column, as the form stores it.

    In questionnaire order, as `Definition.states` decides: a question not asked (level or
    condition on the answers so far) gets no answer, one whose answer follows from earlier ones
    gets that answer, every other question a drawn one.
    """
    values: dict[str, object] = {}
    for slot in definition.slots:
        question = slot.question
        if not question.applies_to(level):
            continue

        def lookup(key, theme=slot.theme):
            return condition_value(values.get(definition.column_of(key, theme)))

        if not conditions.holds(question.relevant, lookup):
            continue
        if question.implied_when and conditions.holds(question.implied_when, lookup):
            values[slot.column] = question.implied
        else:
            values[slot.column] = pickers[question.pk](rng)
    return values


def _notes(definition: Definition, level: str, rng: random.Random) -> dict:
    notes = {}
    for note in definition.note_slots:
        if note.section.applies_to(level) and (text := rng.choice(NOTES)):
            notes[note.column] = text
    return notes


ANSWER_COLUMNS = ("report_id", "question_id", "theme_id", "kind", "value", "number")
NOTE_COLUMNS = ("report_id", "section_id", "theme_id", "text")


def _rows(definition: Definition, report_id: int, values: dict, notes: dict) -> tuple[list[tuple], list[tuple]]:
    """The report's answer rows (`ANSWER_COLUMNS`; one per chosen option for several of a list) and note rows."""
    answers = []
    for slot in definition.slots:
        if slot.column not in values:
            continue
        question, theme_id = slot.question, slot.theme.pk if slot.theme else None
        answers += [(report_id, question.pk, theme_id, question.kind, value, number)
                    for value, number in storage_rows(question, values[slot.column])]
    note_rows = [(report_id, note.section.pk, note.theme.pk if note.theme else None, notes[note.column])
                 for note in definition.note_slots if note.column in notes]
    return answers, note_rows


def _copy(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Rows into the model's table with PostgreSQL's COPY.

    For the answers and notes (up to 670,000 rows at 7,000 platforms with 60 questions) rather
    than `bulk_create`: a third of its time and a fiftieth of its CPU (no model instances, no
    INSERT to build), with the same constraints checked by the database.
    """
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns)))
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _write_answers(definition: Definition, reports: list[Report], levels: list[str],
                   rng: random.Random) -> tuple[int, int]:
    """Every report's answers and notes, a chunk of reports at a time; (answer rows, note rows)."""
    pickers = _pickers(definition, PROFILE_2020)
    answer_count = note_count = 0
    for start in range(0, len(reports), REPORT_CHUNK):
        answers, notes = [], []
        for index in range(start, min(start + REPORT_CHUNK, len(reports))):
            level = levels[index]
            values = _answers(definition, level, pickers, rng)
            texts = _notes(definition, level, rng)
            if index < CHECKED_REPORTS:  # what the form and the service would store for it
                clean, clean_notes, errors = definition.check(level, values, texts, submitting=True)
                if errors or clean != values or clean_notes != texts:
                    raise RuntimeError(f"generated report {index} breaks the questionnaire's rules: {errors}")
            report_answers, report_notes = _rows(definition, reports[index].pk, values, texts)
            answers += report_answers
            notes += report_notes
        _copy(Answer, ANSWER_COLUMNS, answers)
        _copy(Note, NOTE_COLUMNS, notes)
        answer_count += len(answers)
        note_count += len(notes)
    return answer_count, note_count


def generate(n: int, *, wide: bool = False) -> BenchData:
    """Empty the tables and create n platforms with everything the measured pages show.

    wide: the round asks the 60 questions of `benchmarks/wide.py` instead of the 2020 questionnaire.
    """
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
        slug=WIDE_ROUND_SLUG if wide else ROUND_SLUG,
        title="Zestig vragen (benchmark)" if wide else "Coronamaatregelen voorjaar 2020 (benchmark)",
        period_start=datetime.date(2020, 3, 16), period_end=datetime.date(2020, 6, 30),
        opens_on=today - datetime.timedelta(days=1), deadline=today + datetime.timedelta(days=14))
    themes = list(Theme.objects.order_by("position"))
    round.themes.set(themes)
    # Every platform is in the round (its roster), as when a round opens with all active platforms.
    RoundPlatform.objects.bulk_create([RoundPlatform(round=round, platform=p) for p in platforms], batch_size=BATCH)
    # Through the service, as the editor and the file import write it (before any report: then it is locked).
    questionnaire_replace(actor=ministry, round=round, sections=WIDE_SECTIONS if wide else SECTIONS_2020)
    round = ReportingRound.objects.select_related("questionnaire").prefetch_related("themes").get(pk=round.pk)
    definition = definition_for(round)

    reports = Report.objects.bulk_create([
        Report(round=round, platform=p, status=ReportStatus.SUBMITTED, version=3, submitted_at=now,
               submitted_by=c, updated_at=now, updated_by=c)
        for p, c in zip(platforms, coordinators, strict=True)], batch_size=BATCH)
    answer_count, note_count = _write_answers(definition, reports, [p.level for p in platforms], rng)

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
              "questions": sum(len(s.questions) for s in definition.sections), "slots": len(definition.slots),
              "answers": answer_count, "notes": note_count, "initiatives": len(initiatives),
              "organisations": len(organisations)},
        seconds=time.perf_counter() - started,
    )
