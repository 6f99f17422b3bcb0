"""Plausible demo data: 70 platforms (41 basis, 29 secundair) with members and demo accounts.

Deterministic (a seeded random generator) and idempotent: running it again updates what
exists and creates nothing twice.
"""

import datetime
import random

from django.db import transaction

from accounts.models import Role, User

from .models import Level, Membership, Onderwijsnet, Organisation, OrganisationKind, PartnerCategory, Platform
from .services import rosters_follow

DEMO_PASSWORD = "demo-lop-2020"  # noqa: S105 - documented demo password, refused in production

# (username, role, first name, last name)
DEMO_USERS = [
    ("admin", Role.ADMIN, "An", "Peeters"),
    ("ministerie", Role.MINISTRY, "Bart", "Claes"),
    # May approve answers to parliament (set by parliament/demo.py): the second pair of eyes on `ministerie`'s.
    ("ministerie2", Role.MINISTRY, "Lotte", "Verhaegen"),
    ("coordinator", Role.COORDINATOR, "Sofie", "Janssens"),
    ("coordinator2", Role.COORDINATOR, "Youssef", "El Amrani"),
]
# Which platforms the demo coordinators coordinate: one person may coordinate several.
DEMO_COORDINATION = {
    "coordinator": ["antwerpen-bao", "antwerpen-so"],
    "coordinator2": ["gent-bao"],
}

# LOP areas: 41 for basisonderwijs, 29 for secundair onderwijs (secundair areas are wider).
BASIS_AREAS = [
    ("Antwerpen", "Antwerpen"), ("Gent", "Gent"), ("Brussel", "Brussels Hoofdstedelijk Gewest"),
    ("Leuven", "Leuven, Herent, Kortenberg"), ("Mechelen", "Mechelen, Bonheiden, Sint-Katelijne-Waver"),
    ("Brugge", "Brugge"), ("Kortrijk", "Kortrijk, Kuurne, Harelbeke"), ("Oostende", "Oostende, Bredene"),
    ("Hasselt", "Hasselt, Zonhoven"), ("Genk", "Genk"), ("Aalst", "Aalst, Lede"),
    ("Sint-Niklaas", "Sint-Niklaas, Temse"), ("Turnhout", "Turnhout, Oud-Turnhout"),
    ("Roeselare", "Roeselare, Izegem"), ("Vilvoorde", "Vilvoorde, Machelen"), ("Halle", "Halle, Beersel"),
    ("Dendermonde", "Dendermonde, Buggenhout"), ("Lokeren", "Lokeren"), ("Geel", "Geel, Laakdal"),
    ("Mol", "Mol, Balen, Dessel"), ("Lier", "Lier, Nijlen"), ("Ronse", "Ronse"), ("Ieper", "Ieper, Poperinge"),
    ("Tienen", "Tienen, Hoegaarden"), ("Diest", "Diest, Scherpenheuvel-Zichem"),
    ("Beringen", "Beringen, Ham, Tessenderlo"), ("Maasmechelen", "Maasmechelen, Dilsen-Stokkem"),
    ("Heusden-Zolder", "Heusden-Zolder"), ("Houthalen-Helchteren", "Houthalen-Helchteren"),
    ("Lommel", "Lommel, Pelt"), ("Herentals", "Herentals, Olen"), ("Boom", "Boom, Rumst, Niel"),
    ("Zaventem", "Zaventem, Kraainem"), ("Menen", "Menen, Wevelgem"), ("Waregem", "Waregem, Zwevegem"),
    ("Ninove", "Ninove, Denderleeuw"), ("Geraardsbergen", "Geraardsbergen"), ("Oudenaarde", "Oudenaarde"),
    ("Eeklo", "Eeklo, Maldegem"), ("Sint-Truiden", "Sint-Truiden"), ("Tongeren", "Tongeren, Bilzen-Hoeselt"),
]
SECUNDAIR_AREAS = [
    ("Antwerpen", "Antwerpen"), ("Gent", "Gent"), ("Brussel", "Brussels Hoofdstedelijk Gewest"),
    ("Leuven", "Leuven en omgeving"), ("Mechelen", "Mechelen en omgeving"), ("Brugge", "Brugge en omgeving"),
    ("Kortrijk", "Regio Kortrijk"), ("Oostende", "Oostende en omgeving"), ("Hasselt", "Hasselt en omgeving"),
    ("Genk", "Genk, As, Zutendaal"), ("Aalst", "Aalst en omgeving"), ("Sint-Niklaas", "Waasland"),
    ("Turnhout", "Regio Turnhout"), ("Roeselare", "Regio Roeselare"), ("Vilvoorde", "Vilvoorde en Noordrand"),
    ("Halle", "Zuidwest-Brabant"), ("Dendermonde", "Dendermonde en omgeving"), ("Geel", "Geel, Mol, Balen"),
    ("Lier", "Regio Lier"), ("Ronse", "Vlaamse Ardennen"), ("Ieper", "Westhoek"), ("Tienen", "Oost-Brabant"),
    ("Beringen", "Beringen, Heusden-Zolder"), ("Maasmechelen", "Maasland"), ("Lommel", "Noord-Limburg"),
    ("Boom", "Rupelstreek"), ("Menen", "Menen, Wevelgem, Wervik"), ("Sint-Truiden", "Haspengouw"),
    ("Eeklo", "Meetjesland"),
]

SCHOOL_PATTERNS_BASIS = [
    "Basisschool De Regenboog", "Vrije Basisschool Sint-Jozef", "Stedelijke Basisschool De Toekomst",
    "GO! Basisschool De Brug", "Gemeentelijke Basisschool Het Klavertje", "Vrije Basisschool Sint-Lodewijk",
    "Basisschool De Vlinder", "GO! Basisschool De Wegwijzer", "Vrije Basisschool Onze-Lieve-Vrouw",
    "Stedelijke Basisschool Het Kompas", "Basisschool De Kleine Prins", "Freinetschool De Boomgaard",
]
SCHOOL_PATTERNS_SECUNDAIR = [
    "Sint-Jozefscollege", "GO! Atheneum", "Stedelijk Lyceum", "Technisch Instituut Sint-Vincentius",
    "Provinciaal Instituut voor Technisch Onderwijs", "Vrij Technisch Instituut", "GO! Technisch Atheneum",
    "Sint-Ursula-Instituut", "Onze-Lieve-Vrouwecollege",
]
NETS_BASIS = [Onderwijsnet.KATHOLIEK, Onderwijsnet.KATHOLIEK, Onderwijsnet.OVSG, Onderwijsnet.GO,
              Onderwijsnet.OVSG, Onderwijsnet.KATHOLIEK, Onderwijsnet.OKO, Onderwijsnet.GO,
              Onderwijsnet.KATHOLIEK, Onderwijsnet.OVSG, Onderwijsnet.KATHOLIEK, Onderwijsnet.OKO]
NETS_SECUNDAIR = [Onderwijsnet.KATHOLIEK, Onderwijsnet.GO, Onderwijsnet.OVSG, Onderwijsnet.KATHOLIEK,
                  Onderwijsnet.POV, Onderwijsnet.KATHOLIEK, Onderwijsnet.GO, Onderwijsnet.KATHOLIEK,
                  Onderwijsnet.KATHOLIEK]
PARTNERS = [
    (PartnerCategory.INTEGRATION, "Agentschap Integratie en Inburgering"),
    (PartnerCategory.INTEGRATION, "Onthaalbureau nieuwkomers"),
    (PartnerCategory.POVERTY, "Vereniging waar armen het woord nemen"),
    (PartnerCategory.POVERTY, "Huis van het Kind"),
    (PartnerCategory.MUNICIPALITY, "Stadsbestuur / OCMW"),
    (PartnerCategory.WELFARE, "Centrum Algemeen Welzijnswerk"),
    (PartnerCategory.PARENTS, "Ouderkoepel"),
    (PartnerCategory.SOCIO_ECONOMIC, "VDAB"),
    (PartnerCategory.OTHER, "Bibliotheek"),
]
# LOP-deskundigen: each coordinates a few platforms (the demo accounts take some first).
EXPERTS = [
    ("Els", "Wouters"), ("Tom", "Maes"), ("Hilde", "Jacobs"), ("Koen", "Mertens"), ("Nadia", "Benali"),
    ("Pieter", "Willems"), ("Griet", "Goossens"), ("Ahmed", "Bouzid"), ("Lies", "Vermeulen"),
    ("Wim", "De Smet"), ("Katrien", "Dubois"), ("Jan", "Lambrechts"), ("Sarah", "Hermans"),
    ("Dirk", "Aerts"), ("Fatima", "Ouali"), ("Bram", "Michiels"), ("Inge", "Desmet"),
    ("Stijn", "Van den Broeck"), ("Veerle", "Smets"), ("Mehmet", "Yilmaz"), ("Ann", "De Clercq"),
    ("Joris", "Verhoeven"), ("Leen", "Van Damme"), ("Ruben", "Cools"), ("Marieke", "Pauwels"),
    ("Geert", "Martens"), ("Eva", "Lemmens"), ("Kristof", "Segers"),
]


def _slug(area: str) -> str:
    return area.lower().replace(" ", "-")


def platform_rows() -> list[tuple[str, str, str, str]]:
    """(code, name, level, area) for all 70 demo platforms."""
    rows = [(f"{_slug(a)}-bao", f"LOP Basisonderwijs {a}", Level.BASIS, area) for a, area in BASIS_AREAS]
    rows += [(f"{_slug(a)}-so", f"LOP Secundair Onderwijs {a}", Level.SECUNDAIR, area) for a, area in SECUNDAIR_AREAS]
    return rows


def _upsert_organisation(**fields) -> Organisation:
    number = fields.pop("instellingsnummer", "")
    if number:
        organisation, _ = Organisation.objects.update_or_create(instellingsnummer=number, defaults=fields)
    else:
        organisation, _ = Organisation.objects.update_or_create(
            name=fields.pop("name"), kind=fields.pop("kind"), municipality=fields.pop("municipality"),
            defaults=fields,
        )
    # No full_clean(): the data is ours and the database's constraints check every row.
    return organisation


def _member(platform: Platform, organisation: Organisation, start: datetime.date) -> None:
    Membership.objects.get_or_create(
        platform=platform, organisation=organisation, end_date=None, defaults={"start_date": start}
    )


def _demo_user(username: str, role: str, first_name: str, last_name: str, *, can_log_in: bool) -> User:
    user, _ = User.objects.get_or_create(username=username)
    user.role = role
    user.first_name, user.last_name = first_name, last_name
    user.email = f"{username.replace('.', '')}@demo.lop-portaal.be"
    user.is_active = True
    user.is_staff = user.is_superuser = role == Role.ADMIN
    if can_log_in:
        user.set_password(DEMO_PASSWORD)
    elif not user.password:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def load_demo() -> dict[str, int]:
    """Create or update the demo platforms, members and accounts; returns counts for the report."""
    rng = random.Random(2020)  # noqa: S311 - reproducible demo data, not security
    start = datetime.date(2012, 9, 1)
    platforms = {}
    inactive = set(Platform.objects.filter(is_active=False).values_list("code", flat=True))
    joining = []  # new or active again: they join the rounds that have not opened yet, as through the services
    for code, name, level, area in platform_rows():
        platform, created = Platform.objects.update_or_create(
            code=code, defaults={"name": name, "level": level, "area": area, "is_active": True}
        )
        platforms[code] = platform
        if created or code in inactive:
            joining.append(platform)
    rosters_follow(joining)

    # Institution numbers are derived from the position, so a rerun finds the same schools.
    for index, (area, _) in enumerate(SECUNDAIR_AREAS):
        slug = _slug(area)
        clb = _upsert_organisation(
            kind=OrganisationKind.CLB, name=f"CLB {area}", instellingsnummer=f"{900000 + index:06d}",
            municipality=area,
        )
        _member(platforms[f"{slug}-so"], clb, start)
        if f"{slug}-bao" in platforms:
            _member(platforms[f"{slug}-bao"], clb, start)
    for index, (area, _) in enumerate(BASIS_AREAS):
        platform = platforms[f"{_slug(area)}-bao"]
        for n in range(rng.randint(5, 12)):
            school = _upsert_organisation(
                kind=OrganisationKind.SCHOOL, name=f"{SCHOOL_PATTERNS_BASIS[n]} {area}",
                instellingsnummer=f"{100000 + index * 100 + n:06d}", onderwijsnet=NETS_BASIS[n], municipality=area,
            )
            _member(platform, school, start)
        if platform.memberships.filter(organisation__kind=OrganisationKind.CLB).count() == 0:
            clb = _upsert_organisation(
                kind=OrganisationKind.CLB, name=f"CLB {area}", instellingsnummer=f"{950000 + index:06d}",
                municipality=area,
            )
            _member(platform, clb, start)
    for index, (area, _) in enumerate(SECUNDAIR_AREAS):
        slug = _slug(area)
        platform = platforms[f"{slug}-so"]
        for n in range(rng.randint(4, 9)):
            school = _upsert_organisation(
                kind=OrganisationKind.SCHOOL, name=f"{SCHOOL_PATTERNS_SECUNDAIR[n]} {area}",
                instellingsnummer=f"{300000 + index * 100 + n:06d}", onderwijsnet=NETS_SECUNDAIR[n],
                municipality=area,
            )
            _member(platform, school, start)
        # A school with both levels is one organisation, member of the basis and the secundair platform.
        if f"{slug}-bao" in platforms and index % 3 == 0:
            school = Organisation.objects.get(instellingsnummer=f"{300000 + index * 100:06d}")
            _member(platforms[f"{slug}-bao"], school, start)
    for platform in platforms.values():
        for category, name in rng.sample(PARTNERS, rng.randint(3, 6)):
            town = platform.area.split(",")[0]
            partner = _upsert_organisation(
                kind=OrganisationKind.PARTNER, name=f"{name} {town}", partner_category=category, municipality=town,
            )
            _member(platform, partner, start)

    users = {u[0]: _demo_user(*u, can_log_in=True) for u in DEMO_USERS}
    coordinated = {code for codes in DEMO_COORDINATION.values() for code in codes}
    for username, codes in DEMO_COORDINATION.items():
        for code in codes:
            platforms[code].coordinators.set([users[username]])
    remaining = [code for code in platforms if code not in coordinated]
    experts = [
        _demo_user(f"{first.lower()}.{last.lower().replace(' ', '')}", Role.COORDINATOR, first, last,
                   can_log_in=False)
        for first, last in EXPERTS
    ]
    for i, code in enumerate(remaining):
        platforms[code].coordinators.set([experts[i % len(experts)]])

    return {
        "platforms": len(platforms),
        "organisations": Organisation.objects.count(),
        "memberships": Membership.objects.filter(end_date__isnull=True).count(),
        "users": User.objects.count(),
    }
