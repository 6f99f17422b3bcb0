"""Demo reporting rounds.

- `open-demo`: open today with the four themes and no answers yet.
- `corona-2020`: the closed round of spring 2020, with a submitted report of every demo platform whose
  counts reproduce every figure of the minister's answer (`../shared/domain/minister-answer-2020.txt`),
  and the initiatives the platforms took (questions 1 and 2 of the parliamentary question).

`corona-2020` asks the 70 demo platforms (41 basis, 29 secundair), whatever else was imported since;
`open-demo` asks the platforms that were active when it was made (`ask_active_platforms`).

Both rounds ask the questionnaire of 2020 (`rounds/seed/corona_2020.py`); the answers of 2020 are
answer and note rows of that questionnaire, checked by its definition (implied answers filled in,
pre-school participation not asked of secundair platforms) as the report form checks them.

Deterministic (a seeded random generator, consumed in a fixed order) and idempotent: rows are
upserted on their natural keys, so running it again changes nothing and creates nothing twice.
The 2020 rows are written with the ORM directly (the services refuse a round past its deadline) and
in bulk, without audit-trail rows: they are demo data, not anyone's changes.
"""

import datetime
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import User
from initiatives.models import Initiative, InitiativeKind, ReachedUnit, TargetGroup
from platforms.demo import platform_rows
from platforms.models import Level, Membership, OrganisationKind, Platform

from .models import (
    Answer,
    Note,
    QuestionKind,
    Questionnaire,
    Report,
    ReportingRound,
    ReportStatus,
    RoundPlatform,
    Section,
    Theme,
)
from .questionnaire import NO, YES, Definition, definition_for, storage_rows
from .seed.corona_2020 import SECTIONS
from .services.questionnaires import questionnaire_replace

NONE, UNCHANGED, ADJUSTED = "none", "unchanged", "adjusted"  # the choices of the arrangement questions

THEME_SLUGS = ["laptops", "reaching-all-pupils", "family-support", "summer-schools-reading"]
BRUSSELS = ZoneInfo("Europe/Brussels")
CLOSURE = datetime.date(2020, 3, 16)  # schools closed; the period of the round starts here
RESTART = datetime.date(2020, 5, 18)  # partial return to school
PERIOD_END = datetime.date(2020, 6, 30)

# The figures of the minister's answer, split (basis, secundair) over 41 + 29 platforms.
# Registration periods can only be adjusted where a registration procedure was used.
PROCEDURE_USED = (26, 12)
PROCEDURE_DEPENDENT = {"application_period_adjusted": (9, 4), "enrolment_period_adjusted": (15, 7)}
FREE_ENROLMENT_ADJUSTED = (12, 8)
# Arrangements: the platforms not counted here answer "none" (pre-school is not asked of secundair platforms).
ARRANGEMENTS = {
    "newcomers": {ADJUSTED: (5, 4), UNCHANGED: (26, 20)},  # 55, of which 9 adjusted
    "preschool": {ADJUSTED: (3, 0), UNCHANGED: (21, 0)},  # 21 and 3 of 41
    "excluded_pupils": {ADJUSTED: (2, 3), UNCHANGED: (27, 20)},  # 47: a majority
}
# Per theme: how many discussed it, and of those how many made agreements, took actions, ...
THEME_FIGURES = {
    "laptops": {"discussed": (18, 15), "agreements": (4, 5), "actions": (10, 10), "exchange": (12, 9),
                "informed": (15, 12)},
    "reaching-all-pupils": {"discussed": (25, 17), "agreements": (17, 11), "actions": (8, 6), "exchange": (16, 10),
                            "informed": (21, 15)},
    "family-support": {"discussed": (15, 8), "agreements": (5, 2), "actions": (8, 4), "exchange": (12, 7),
                       "informed": (13, 7)},
    "summer-schools-reading": {"discussed": (22, 13), "agreements": (10, 6), "actions": (7, 4), "exchange": (8, 5),
                               "informed": (19, 11)},
}
ACTIVITIES = ("informed", "agreements", "actions", "exchange")  # informed first: see AGENDA_THEMES
# "On the agenda (to inform, to make agreements)": every platform that discussed these themes
# informed its members or made agreements, so agreements first go to those that did not inform.
AGENDA_THEMES = {"summer-schools-reading"}
# The big cities used a registration procedure (they did in 2020); the rest is drawn.
PROCEDURE_CITIES = 10

REGISTRATION_NOTES = [
    "Aanmeldingsperiode met een week verlengd omdat de ondersteuning van ouders wegviel.",
    "Inschrijvingsperiode voor aangemelde leerlingen twee weken later gestart; inschrijven kon ook telefonisch.",
    "Aanmeldingsperiode verlengd en een telefonische helpdesk geopend voor ouders zonder computer.",
    "Aangemelde leerlingen werden op afspraak ingeschreven, met één ouder tegelijk op school.",
    "De partners die ouders helpen bij het aanmelden werkten op afstand; daarom kregen ouders tien dagen extra.",
]
FREE_ENROLMENT_NOTES = [
    "Vrije inschrijvingen pas vanaf 18 mei, na de gedeeltelijke heropstart van de scholen.",
    "Start van de vrije inschrijvingen met een week uitgesteld; inschrijven kon ook digitaal.",
    "Scholen schreven vrij in op afspraak, telefonisch of per mail.",
]
NEWCOMERS_NOTES = [
    "Onthaalgesprekken met nieuwkomers per telefoon of video, met een tolk van het Agentschap Integratie en "
    "Inburgering.",
    "Toeleiding naar OKAN tijdelijk via het onthaalbureau, omdat de scholen geen intakegesprekken konden houden.",
    "Nieuwe afspraken met het CLB over de oriëntering van nieuwkomers zonder testafname op school.",
]
PRESCHOOL_NOTES = [
    "Huisbezoeken van de kleuterparticipatiecoach vervangen door telefoontjes en een kaartje in de bus.",
    "Inschrijvingsmomenten voor kleuters verplaatst naar eind augustus, samen met het Huis van het Kind.",
    "Kleuters die niet naar de opvang kwamen, kregen een knutsel- en voorleespakket aan huis.",
]
EXCLUDED_NOTES = [
    "Uitgesloten leerlingen worden per videogesprek opgevolgd door het CLB.",
    "Het LOP volgt uitgesloten leerlingen tijdelijk wekelijks op in plaats van maandelijks.",
]
THEME_NOTES = {
    "laptops": [
        "Samen met de stad laptops verdeeld via DigitalForYouth.be; de scholen gaven door wie geen toestel had.",
        "Het LOP bracht de vraag naar laptops en internetverbindingen van alle scholen samen.",
    ],
    "reaching-all-pupils": [
        "Afspraak: elke school belt wekelijks de leerlingen die niet inloggen; het CLB volgt op wie onbereikbaar "
        "blijft.",
        "De scholen wisselden uit hoe ze papieren pakketten bij leerlingen zonder internet krijgen.",
    ],
    "family-support": [
        "Overzicht van het aanbod van OCMW, CAW en armoedeorganisaties bezorgd aan alle scholen.",
        "De partners stelden hun aanbod voor gezinnen voor op een online LOP-vergadering.",
    ],
    "summer-schools-reading": [
        "De scholen kregen informatie over de zomerscholen van de stad en de leesprojecten van de bibliotheek.",
        "Afspraak over welke leerlingen de scholen doorverwijzen naar de zomerschool.",
    ],
}


@dataclass(frozen=True)
class DemoInitiative:
    """A kind of initiative a demo platform took; `asked_of` and `involved` name kinds of members
    ("school", "clb") or partner categories, drawn from the platform's current members."""

    title: str
    description: str
    kind: str
    target_groups: tuple[str, ...]
    themes: tuple[str, ...]
    asked_of: tuple[str, ...]
    involved: tuple[str, ...] = ()
    other_partners: str = ""
    reached_unit: str = ""
    levels: tuple[str, ...] = (Level.BASIS, Level.SECUNDAIR)
    earliest: datetime.date = CLOSURE  # initiatives for the restart of 18 May begin after it


INITIATIVES = [
    DemoInitiative(
        "Huiswerkbegeleiding op afstand",
        "Vrijwilligers en studenten begeleiden leerlingen twee keer per week per telefoon of videogesprek bij hun "
        "schoolwerk. De scholen melden leerlingen aan die thuis weinig hulp krijgen.",
        InitiativeKind.HOMEWORK_SUPPORT, ("low-ses", "at-risk"), ("reaching-all-pupils",), ("school",),
        ("welfare", "municipality"), reached_unit=ReachedUnit.PUPILS),
    DemoInitiative(
        "Huiswerkklas in de bibliotheek",
        "Vanaf de gedeeltelijke heropstart kunnen leerlingen in kleine groepen en op afspraak hun schoolwerk maken "
        "in de bibliotheek, met een begeleider en een computer.",
        InitiativeKind.HOMEWORK_SUPPORT, ("low-ses", "at-risk"), ("reaching-all-pupils", "laptops"), ("school",),
        ("other",), reached_unit=ReachedUnit.PUPILS, earliest=RESTART),
    DemoInitiative(
        "Brugfiguren bellen kwetsbare gezinnen",
        "De brugfiguren van de scholen bellen elke week de gezinnen die de school moeilijk bereikt, vragen hoe het "
        "gaat en helpen bij het afstandsonderwijs.",
        InitiativeKind.BRIDGE_FIGURES, ("low-ses", "parents", "newcomers"), ("reaching-all-pupils",), ("school",),
        ("clb",), reached_unit=ReachedUnit.FAMILIES),
    DemoInitiative(
        "Brugfiguren aan de schoolpoort en op huisbezoek",
        "De stad zet haar brugfiguren in bij de heropstart: ze staan aan de schoolpoort, leggen de nieuwe afspraken "
        "uit en gaan op huisbezoek bij gezinnen waarvan de kinderen niet terugkomen.",
        InitiativeKind.BRIDGE_FIGURES, ("low-ses", "parents"), ("reaching-all-pupils", "family-support"),
        ("school", "municipality"), ("clb",), reached_unit=ReachedUnit.FAMILIES, earliest=RESTART),
    DemoInitiative(
        "Laptops inzamelen en verdelen",
        "Het LOP verzamelt bij de scholen hoeveel leerlingen geen toestel hebben, verdeelt de laptops van "
        "DigitalForYouth.be en van de stad, en volgt op of ze gebruikt worden.",
        InitiativeKind.LAPTOPS_ICT, ("low-ses",), ("laptops",), ("school",), ("municipality",),
        "DigitalForYouth.be", ReachedUnit.PUPILS, earliest=datetime.date(2020, 3, 23)),
    DemoInitiative(
        "Mobiel internet voor gezinnen zonder verbinding",
        "Gezinnen zonder internetverbinding krijgen een 4G-router of een simkaart met data, zodat de kinderen het "
        "afstandsonderwijs kunnen volgen.",
        InitiativeKind.LAPTOPS_ICT, ("low-ses", "parents"), ("laptops", "family-support"), ("school",),
        ("poverty", "municipality"), "telecomoperatoren", ReachedUnit.FAMILIES),
    DemoInitiative(
        "Digitale helpdesk voor ouders",
        "Een telefonische helpdesk helpt ouders met Smartschool, e-mail en het aanmelden; medewerkers spreken ook "
        "Arabisch, Turks en Frans.",
        InitiativeKind.LAPTOPS_ICT, ("parents", "newcomers"), ("laptops", "reaching-all-pupils"), ("school",),
        ("integration", "parents"), reached_unit=ReachedUnit.FAMILIES),
    DemoInitiative(
        "Zomerschool Nederlands",
        "Drie weken zomerschool met taallessen en spel voor leerlingen die de voorbije maanden weinig Nederlands "
        "hoorden. De scholen selecteren de leerlingen in juni.",
        InitiativeKind.SUMMER_SCHOOL, ("newcomers", "at-risk"), ("summer-schools-reading",), ("school", "clb"),
        ("integration", "municipality"), reached_unit=ReachedUnit.PUPILS),
    DemoInitiative(
        "Zomerschool voor de overstap naar het secundair",
        "Leerlingen van het zesde leerjaar met een leerachterstand oefenen in augustus lezen, rekenen en plannen, "
        "zodat ze beter voorbereid aan het eerste jaar beginnen.",
        InitiativeKind.SUMMER_SCHOOL, ("at-risk", "low-ses"), ("summer-schools-reading",), ("school",),
        ("municipality",), reached_unit=ReachedUnit.PUPILS, levels=(Level.BASIS,)),
    DemoInitiative(
        "Zomerschool inhaalonderwijs",
        "Leerkrachten en studenten van de lerarenopleiding geven in augustus bijles wiskunde en Nederlands aan "
        "leerlingen die het afstandsonderwijs niet konden volgen.",
        InitiativeKind.SUMMER_SCHOOL, ("at-risk",), ("summer-schools-reading",), ("school",), ("clb",),
        "lerarenopleiding van de hogeschool", ReachedUnit.PUPILS, levels=(Level.SECUNDAIR,)),
    DemoInitiative(
        "Leespakketten aan huis",
        "De bibliotheek stelt pakketten met boeken op maat samen; de scholen en het Huis van het Kind brengen ze bij "
        "gezinnen zonder boeken in huis.",
        InitiativeKind.READING_PROMOTION, ("low-ses", "parents"), ("summer-schools-reading",), ("school",),
        ("other", "poverty"), reached_unit=ReachedUnit.FAMILIES),
    DemoInitiative(
        "Voorlezen via video",
        "Leerkrachten en vrijwilligers lezen voor in korte filmpjes, ook in de thuistalen van de kinderen; de "
        "scholen sturen de links naar alle ouders.",
        InitiativeKind.READING_PROMOTION, ("preschoolers", "newcomers"), ("summer-schools-reading",), ("school",),
        ("other", "integration"), levels=(Level.BASIS,)),
    DemoInitiative(
        "Elke leerling elke week bereikt",
        "Het LOP vroeg alle scholen om elke leerling minstens wekelijks te contacteren en wie niet bereikbaar is "
        "door te geven aan het CLB, dat samen met de partners op zoek gaat.",
        InitiativeKind.FAMILY_OUTREACH, ("at-risk", "low-ses"), ("reaching-all-pupils",), ("school", "clb"),
        ("welfare",), reached_unit=ReachedUnit.PUPILS),
    DemoInitiative(
        "Huisbezoeken bij onbereikbare gezinnen",
        "Medewerkers van het CAW en de armoedeorganisaties gaan, met mondmasker en afstand, langs bij gezinnen die "
        "school en CLB niet meer bereiken.",
        InitiativeKind.FAMILY_OUTREACH, ("low-ses", "parents"), ("reaching-all-pupils", "family-support"),
        ("welfare", "poverty"), ("clb",), reached_unit=ReachedUnit.FAMILIES, earliest=datetime.date(2020, 4, 20)),
    DemoInitiative(
        "Contact met gezinnen van afwezige kleuters",
        "Scholen en het Huis van het Kind bellen de ouders van kleuters die sinds 2 juni niet naar school kwamen, "
        "en moedigen hen aan om hun kleuter opnieuw te laten komen.",
        InitiativeKind.FAMILY_OUTREACH, ("preschoolers", "parents"), ("reaching-all-pupils",), ("school", "poverty"),
        ("clb",), reached_unit=ReachedUnit.FAMILIES, levels=(Level.BASIS,), earliest=datetime.date(2020, 6, 2)),
    DemoInitiative(
        "Vertaalde infobrieven over de heropstart",
        "De afspraken over de heropstart werden vertaald in tien talen en met pictogrammen; sleutelfiguren uit de "
        "gemeenschappen verspreiden ze.",
        InitiativeKind.FAMILY_OUTREACH, ("newcomers", "parents"), ("reaching-all-pupils",), ("school", "integration"),
        ("integration",), earliest=datetime.date(2020, 5, 6)),
    DemoInitiative(
        "Bijles door studenten",
        "Studenten geven online bijles aan leerlingen met een leerachterstand, één uur per week per vak.",
        InitiativeKind.TUTORING, ("at-risk",), ("reaching-all-pupils",), ("school",), ("clb",),
        "Studenten op het Werkveld (vzw)", ReachedUnit.PUPILS, levels=(Level.SECUNDAIR,)),
    DemoInitiative(
        "Oudere leerlingen begeleiden nieuwkomers",
        "Leerlingen uit de derde graad helpen OKAN-leerlingen en pas doorgestroomde nieuwkomers per videogesprek "
        "met hun schoolwerk en met Nederlands.",
        InitiativeKind.TUTORING, ("newcomers",), ("reaching-all-pupils",), ("school",), ("integration",),
        reached_unit=ReachedUnit.PUPILS, levels=(Level.SECUNDAIR,)),
    DemoInitiative(
        "Sociale kaart voor de scholen",
        "Het LOP bundelde het aanbod van OCMW, CAW, armoedeorganisaties en voedselbedeling in één overzicht, zodat "
        "scholen gezinnen snel kunnen doorverwijzen.",
        InitiativeKind.OTHER, ("low-ses", "parents"), ("family-support",), ("municipality", "welfare", "poverty"),
        ("clb",)),
    DemoInitiative(
        "Schoolmateriaal en voedselpakketten samen met het OCMW",
        "Bij het ophalen van papieren schoolpakketten krijgen gezinnen die het moeilijk hebben ook schoolmateriaal "
        "en, waar nodig, een voedselpakket.",
        InitiativeKind.OTHER, ("low-ses",), ("family-support",), ("school", "municipality"), ("poverty",),
        reached_unit=ReachedUnit.FAMILIES),
    DemoInitiative(
        "Papieren schoolpakketten voor leerlingen zonder internet",
        "Scholen drukken de taken af en brengen ze wekelijks rond; de leerlingen geven hun werk terug in een "
        "brievenbus aan de school.",
        InitiativeKind.OTHER, ("low-ses", "at-risk"), ("reaching-all-pupils", "laptops"), ("school",),
        reached_unit=ReachedUnit.PUPILS),
]
INITIATIVE_PLATFORMS = 40  # platforms with at least one initiative
SECOND_INITIATIVES = 12  # of those, how many have a second one


def _demo_platforms() -> list[Platform]:
    """The 70 demo platforms, in the order of `platforms.demo` (big cities first per level)."""
    codes = [row[0] for row in platform_rows()]
    by_code = {
        p.code: p for p in Platform.objects.filter(code__in=codes).prefetch_related(
            Prefetch("coordinators", queryset=User.objects.order_by("pk"))
        )
    }
    missing = [code for code in codes if code not in by_code]
    if missing:
        raise RuntimeError(f"Load the demo platforms first (missing: {', '.join(missing)}).")
    return [by_code[code] for code in codes]


def _pick(rng: random.Random, pool: list, n: int) -> set:
    """n of the pool, drawn reproducibly."""
    return set(rng.sample(pool, n))


def _by_level(rng: random.Random, levels: dict[str, list], figures: tuple[int, int], among=None) -> set:
    """Draw the basis and secundair counts of one figure, each from its level (limited to `among`)."""
    picked = set()
    for level, n in zip((Level.BASIS, Level.SECUNDAIR), figures, strict=True):
        pool = [p for p in levels[level] if among is None or p in among]
        picked |= _pick(rng, pool, n)
    return picked


def _report_answers(rng: random.Random, platforms: list[Platform]) -> dict[int, dict]:
    """The report fields of every platform (by pk), matching the figures of the answer."""
    levels = {level: [p.pk for p in platforms if p.level == level] for level in (Level.BASIS, Level.SECUNDAIR)}
    procedure = set()
    for level, n in zip((Level.BASIS, Level.SECUNDAIR), PROCEDURE_USED, strict=True):
        cities, rest = levels[level][:PROCEDURE_CITIES], levels[level][PROCEDURE_CITIES:]
        procedure |= set(cities) | _pick(rng, rest, n - len(cities))
    dependent = {field: _by_level(rng, levels, figures, among=procedure)
                 for field, figures in PROCEDURE_DEPENDENT.items()}
    free = _by_level(rng, levels, FREE_ENROLMENT_ADJUSTED)
    arrangements = {}
    for field, answers in ARRANGEMENTS.items():
        left = {p.pk for p in platforms}
        for answer, figures in answers.items():
            chosen = _by_level(rng, levels, figures, among=left)
            arrangements |= {(field, pk): answer for pk in chosen}
            left -= chosen

    answers = {}
    for platform in platforms:
        pk = platform.pk
        row = {
            "registration_procedure_used": pk in procedure,
            **{field: pk in chosen for field, chosen in dependent.items()},
            "free_enrolment_period_adjusted": pk in free,
        }
        for field in ARRANGEMENTS:
            row[field] = arrangements.get((field, pk), NONE)
        if platform.level == Level.SECUNDAIR:
            row["preschool"] = None  # not asked
        notes = []
        if row["application_period_adjusted"] or row["enrolment_period_adjusted"]:
            notes.append(rng.choice(REGISTRATION_NOTES))
        if row["free_enrolment_period_adjusted"]:
            notes.append(rng.choice(FREE_ENROLMENT_NOTES))
        row["registrations_note"] = " ".join(notes)
        for field, choices in (("newcomers", NEWCOMERS_NOTES), ("preschool", PRESCHOOL_NOTES),
                               ("excluded_pupils", EXCLUDED_NOTES)):
            row[f"{field}_note"] = rng.choice(choices) if row[field] == ADJUSTED else ""
        answers[pk] = row
    return answers


def _theme_answers(rng: random.Random, platforms: list[Platform]) -> dict[tuple[int, str], dict]:
    """The theme answers of every platform, by (platform pk, theme slug)."""
    levels = {level: [p.pk for p in platforms if p.level == level] for level in (Level.BASIS, Level.SECUNDAIR)}
    answers = {}
    for slug, figures in THEME_FIGURES.items():
        discussed = _by_level(rng, levels, figures["discussed"])
        chosen = {}
        for activity in ACTIVITIES:
            if slug in AGENDA_THEMES and activity == "agreements":
                # Those that did not inform made agreements; the rest of the agreements is drawn.
                must = discussed - chosen["informed"]
                chosen[activity] = must | _by_level(
                    rng, levels,
                    tuple(n - len(must & set(levels[level]))
                          for level, n in zip((Level.BASIS, Level.SECUNDAIR), figures[activity], strict=True)),
                    among=chosen["informed"],
                )
            else:
                chosen[activity] = _by_level(rng, levels, figures[activity], among=discussed)
        for platform in platforms:
            row = {"discussed": platform.pk in discussed,
                   **{activity: platform.pk in chosen[activity] for activity in ACTIVITIES}}
            row["note"] = rng.choice(THEME_NOTES[slug]) if row["actions"] and rng.random() < 0.4 else ""
            answers[platform.pk, slug] = row
    return answers


def _members_of(organisations: list, wanted) -> list:
    """The organisations of the kinds ("school", "clb") or partner categories named, in order."""
    return [org for org in organisations
            if (org.kind in wanted and org.kind != OrganisationKind.PARTNER)
            or (org.kind == OrganisationKind.PARTNER and org.partner_category in wanted)]


def _initiative_rows(rng: random.Random, platforms: list[Platform], reports: dict[int, Report],
                     theme_answers: dict[tuple[int, str], dict]) -> list[dict]:
    """The demo initiatives: fields and many-to-many values (as pks), one dict each."""
    members: dict[int, list] = {}
    for membership in (Membership.objects.filter(platform__in=platforms, end_date__isnull=True)
                       .select_related("organisation").order_by("organisation__name", "pk")):
        members.setdefault(membership.platform_id, []).append(membership.organisation)
    with_initiatives = sorted(rng.sample(range(len(platforms)), INITIATIVE_PLATFORMS))
    twice = set(rng.sample(with_initiatives, SECOND_INITIATIVES))
    rows = []
    for index in with_initiatives:
        platform = platforms[index]
        organisations = members.get(platform.pk, [])
        # Prefer initiatives on the themes the platform discussed.
        suitable = [t for t in INITIATIVES if platform.level in t.levels]
        fitting = [t for t in suitable if any(theme_answers[platform.pk, slug]["discussed"] for slug in t.themes)]
        pool = fitting if len(fitting) >= 2 else suitable
        for template in rng.sample(pool, 2 if index in twice else 1):
            asked = _members_of(organisations, template.asked_of) or _members_of(organisations, ["school"])
            asked_of = rng.sample(asked, min(len(asked), rng.randint(1, 3)))
            involved = [org for org in _members_of(organisations, template.involved) if org not in asked_of]
            partners = rng.sample(involved, min(len(involved), rng.randint(1, 2))) if involved else []
            if template.kind == InitiativeKind.SUMMER_SCHOOL:
                # Prepared in June, held in July and August.
                start = datetime.date(2020, 6, rng.randint(1, 30))
                end = datetime.date(2020, 8, rng.randint(14, 28))
            else:
                start = template.earliest + datetime.timedelta(
                    days=rng.randint(0, min(45, (PERIOD_END - template.earliest).days)))
                end = None if rng.random() < 0.3 else start + datetime.timedelta(days=rng.randint(20, 90))
            unit, count = template.reached_unit, None
            if unit and rng.random() < 0.7:
                count = rng.randint(12, 60) if unit == ReachedUnit.FAMILIES else rng.randint(15, 180)
                if platform.code.startswith(("antwerpen", "gent", "brussel")):
                    count *= 4
            coordinator = reports[platform.pk].submitted_by
            rows.append({
                "fields": {
                    "report": reports[platform.pk], "title": template.title, "description": template.description,
                    "kind": template.kind, "other_partners": template.other_partners, "start_date": start,
                    "end_date": end,
                    "reached_count": count, "reached_unit": unit if count is not None else "",
                    "version": 1, "updated_at": reports[platform.pk].submitted_at, "updated_by": coordinator,
                },
                "target_groups": template.target_groups,
                "asked_of": [org.pk for org in asked_of],
                "partners_involved": [org.pk for org in partners],
                "themes": template.themes,
            })
    return rows


def _sync_m2m(field, wanted: dict[int, set[int]]) -> None:
    """Make the rows of a many-to-many field of these initiatives exactly `wanted`, without signals."""
    through = field.remote_field.through
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    existing = {(getattr(row, f"{source}_id"), getattr(row, f"{target}_id")): row.pk
                for row in through.objects.filter(**{f"{source}_id__in": list(wanted)})}
    desired = {(initiative, other) for initiative, others in wanted.items() for other in others}
    stale = [pk for pair, pk in existing.items() if pair not in desired]
    if stale:
        through.objects.filter(pk__in=stale).delete()
    through.objects.bulk_create([through(**{f"{source}_id": i, f"{target}_id": o})
                                 for i, o in sorted(desired - existing.keys())])


def _load_initiatives(rows: list[dict], round: ReportingRound) -> None:
    """Upsert the initiatives on (report, title), then their many-to-many rows."""
    existing = {(i.report_id, i.title): i for i in Initiative.objects.filter(report__round=round)}
    keep, new = [], []
    for row in rows:
        fields = row["fields"]
        initiative = existing.get((fields["report"].pk, fields["title"]))
        if initiative is None:
            new.append(Initiative(**fields))
        else:
            for name, value in fields.items():
                setattr(initiative, name, value)
            keep.append(initiative)
    names = [name for name in rows[0]["fields"] if name not in ("report", "title")]
    Initiative.objects.bulk_update(keep, names)
    Initiative.objects.bulk_create(new)
    # Anything else in this closed demo round is an initiative an earlier version of the loader made.
    current = {(i.report_id, i.title) for i in keep + new}
    stale = [i.pk for key, i in existing.items() if key not in current]
    if stale:
        Initiative.objects.filter(pk__in=stale).delete()

    ids = {(i.report_id, i.title): i.pk for i in Initiative.objects.filter(report__round=round)}
    lookups = {
        "target_groups": dict(TargetGroup.objects.values_list("slug", "pk")),
        "themes": dict(Theme.objects.values_list("slug", "pk")),
    }
    for name in ("target_groups", "asked_of", "partners_involved", "themes"):
        wanted = {}
        for row in rows:
            values = row[name]
            if name in lookups:
                values = [lookups[name][slug] for slug in values]
            wanted[ids[row["fields"]["report"].pk, row["fields"]["title"]]] = set(values)
        _sync_m2m(Initiative._meta.get_field(name), wanted)


def _questionnaire_2020(round: ReportingRound) -> Definition:
    """Give the round the questionnaire of 2020 unless it has one already (kept as it is: once a round has
    reports its questionnaire is read-only); its definition."""
    questionnaire = Questionnaire.objects.filter(round=round).first()
    if questionnaire is None or not Section.objects.filter(questionnaire=questionnaire).exists():
        questionnaire = questionnaire_replace(actor=None, round=round, sections=SECTIONS)
    round.questionnaire = questionnaire
    return definition_for(round)


def _report_values(row: dict, theme_rows: dict[str, dict]) -> tuple[dict, dict]:
    """A demo report's answers and notes by column, as the questionnaire's definition takes them."""
    values, notes = {}, {}
    for key, value in row.items():
        if key.endswith("_note"):
            notes[key] = value
        elif isinstance(value, bool):
            values[key] = YES if value else NO
        else:
            values[key] = value
    for slug, answers in theme_rows.items():
        for key, value in answers.items():
            if key == "note":
                notes[f"theme:{slug}:note"] = value
            else:
                values[f"theme:{slug}:{key}"] = YES if value else NO
    return values, notes


def _answer_rows(definition: Definition, report: Report, level: str, values: dict, notes: dict) -> tuple[list, list]:
    """The answer and note rows of a demo report, checked as a submitted report's are."""
    clean, clean_notes, errors = definition.check(level, values, notes, submitting=True, strict=True)
    if errors:
        raise RuntimeError(f"The demo report of {report.platform_id} does not fit the questionnaire: {errors}")
    answers = []
    for slot in definition.slots:
        for value, number in storage_rows(slot.question, clean.get(slot.column)):
            answers.append(Answer(report=report, question_id=slot.question.pk,
                                  theme_id=slot.theme.pk if slot.theme else None, kind=slot.question.kind,
                                  value=value, number=number))
    rows = [Note(report=report, section_id=note.section.pk, theme_id=note.theme.pk if note.theme else None,
                 text=clean_notes[note.column])
            for note in definition.note_slots if note.column in clean_notes]
    return answers, rows


def _answer_key(answer: Answer) -> tuple:
    return (answer.report_id, answer.question_id, answer.theme_id,
            answer.value if answer.kind == QuestionKind.MULTIPLE else None)


def _load_answers(round: ReportingRound, answers: list[Answer], notes: list[Note]) -> None:
    """Make the answer and note rows of the round's reports exactly these (upserted on their natural keys)."""
    existing = {_answer_key(a): a for a in Answer.objects.filter(report__round=round)}
    create, update = [], []
    for answer in answers:
        current = existing.pop(_answer_key(answer), None)
        if current is None:
            create.append(answer)
        elif (current.value, current.number) != (answer.value, answer.number):
            current.value, current.number = answer.value, answer.number
            update.append(current)
    if existing:
        Answer.objects.filter(pk__in=[a.pk for a in existing.values()]).delete()
    Answer.objects.bulk_update(update, ["value", "number"])
    Answer.objects.bulk_create(create)

    existing_notes = {(n.report_id, n.section_id, n.theme_id): n for n in Note.objects.filter(report__round=round)}
    create, update = [], []
    for note in notes:
        current = existing_notes.pop((note.report_id, note.section_id, note.theme_id), None)
        if current is None:
            create.append(note)
        elif current.text != note.text:
            current.text = note.text
            update.append(current)
    if existing_notes:
        Note.objects.filter(pk__in=[n.pk for n in existing_notes.values()]).delete()
    Note.objects.bulk_update(update, ["text"])
    Note.objects.bulk_create(create)


def _ask(round: ReportingRound, platforms) -> None:
    """Make these platforms the round's; a rerun adds only what is missing and takes nothing out."""
    RoundPlatform.objects.bulk_create([RoundPlatform(round=round, platform=p) for p in platforms],
                                      ignore_conflicts=True)


def mark_opening_mailed(round: ReportingRound) -> None:
    """The demo's coordinators are not told that the demo rounds opened: mark them as announced (loaddemo runs
    before any `send_reminders`, which would otherwise catch them up)."""
    ReportingRound.objects.filter(pk=round.pk, opening_mailed_at__isnull=True).update(opening_mailed_at=timezone.now())


def ask_active_platforms(round: ReportingRound) -> None:
    """A new demo round asks every active platform, as `round_save` gives a round an admin makes."""
    _ask(round, Platform.objects.filter(is_active=True))


def load_corona_2020() -> ReportingRound:
    """The closed round of spring 2020, with 70 submitted reports matching the minister's answer."""
    rng = random.Random(2020)  # noqa: S311 - reproducible demo data, not security
    round, _ = ReportingRound.objects.update_or_create(
        slug="corona-2020",
        defaults={
            "title": "Coronamaatregelen voorjaar 2020",
            "period_start": CLOSURE,
            "period_end": PERIOD_END,
            "opens_on": datetime.date(2020, 5, 1),
            "deadline": datetime.date(2020, 6, 15),
        },
    )
    round.themes.set(Theme.objects.filter(slug__in=THEME_SLUGS))
    definition = _questionnaire_2020(round)
    platforms = _demo_platforms()
    _ask(round, platforms)
    report_answers = _report_answers(rng, platforms)
    theme_answers = _theme_answers(rng, platforms)

    reports = []
    for platform in platforms:
        submitted_at = datetime.datetime(2020, 6, rng.randint(1, 12), rng.randint(8, 18), rng.randint(0, 59),
                                         tzinfo=BRUSSELS)
        coordinator = next(iter(platform.coordinators.all()), None)  # prefetched, ordered by pk
        reports.append(Report(
            round=round, platform=platform, status=ReportStatus.SUBMITTED, version=1,
            submitted_at=submitted_at, submitted_by=coordinator, updated_at=submitted_at, updated_by=coordinator,
            return_comment="", returned_at=None, returned_by=None, reopened=False,
        ))
    report_fields = [f.name for f in Report._meta.concrete_fields if f.name not in ("id", "round", "platform")]
    Report.objects.bulk_create(reports, update_conflicts=True, unique_fields=["round", "platform"],
                               update_fields=report_fields)
    by_platform = {r.platform_id: r for r in Report.objects.filter(round=round).select_related("submitted_by")}

    answers, notes = [], []
    for platform in platforms:
        values, report_notes = _report_values(
            report_answers[platform.pk], {slug: theme_answers[platform.pk, slug] for slug in THEME_SLUGS})
        rows = _answer_rows(definition, by_platform[platform.pk], platform.level, values, report_notes)
        answers += rows[0]
        notes += rows[1]
    _load_answers(round, answers, notes)

    _load_initiatives(_initiative_rows(rng, platforms, by_platform, theme_answers), round)
    return round


@transaction.atomic
def load_rounds() -> dict[str, int]:
    """Create or update the demo rounds; returns counts for the report."""
    today = timezone.localdate()
    round, created = ReportingRound.objects.update_or_create(
        slug="open-demo",
        defaults={
            "title": "Coronacrisis: rol van de LOP's (demo)",
            "period_start": CLOSURE,
            "period_end": None,
            "opens_on": today,
            "deadline": today + datetime.timedelta(days=30),
        },
    )
    round.themes.set(Theme.objects.filter(slug__in=THEME_SLUGS))
    if created:
        ask_active_platforms(round)
    mark_opening_mailed(round)
    _questionnaire_2020(round)
    mark_opening_mailed(load_corona_2020())
    return {"rounds": ReportingRound.objects.count()}
