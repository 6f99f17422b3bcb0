import datetime

import factory
from django.utils import timezone

from accounts.models import Role, User
from initiatives.models import Initiative, TargetGroup
from platforms.models import Level, Membership, Onderwijsnet, Organisation, OrganisationKind, PartnerCategory, Platform
from rounds.models import Report, ReportingRound, RoundPlatform, Theme
from rounds.seed.corona_2020 import SECTIONS as CORONA_2020

PASSWORD = "correct-horse-battery"  # noqa: S105


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="nl_BE")
    last_name = factory.Faker("last_name", locale="nl_BE")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.be")
    role = Role.COORDINATOR
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def admin_flags(obj, create, extracted, **kwargs):
        obj.is_staff = obj.is_superuser = obj.role == Role.ADMIN
        if create:
            obj.save()


class PlatformFactory(factory.django.DjangoModelFactory):
    """A platform; an active one joins every round that exists already (`rounds`), so that a test's platforms are
    the round's whatever the order they were made in, as before rounds had their own platforms.

    `rounds=[...]` puts it in those rounds only; `rounds=[]` makes a platform that came "after" (in no round,
    like one imported once the rounds had opened). An inactive platform joins no round unless given.
    """

    class Meta:
        model = Platform
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"lop-{n}")
    name = factory.Sequence(lambda n: f"LOP Basisonderwijs Gemeente {n}")
    level = Level.BASIS
    area = factory.Sequence(lambda n: f"Gemeente {n}")

    @factory.post_generation
    def coordinators(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.coordinators.set(extracted)

    @factory.post_generation
    def rounds(obj, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            extracted = ReportingRound.objects.all() if obj.is_active else []
        RoundPlatform.objects.bulk_create([RoundPlatform(round=r, platform=obj) for r in extracted],
                                          ignore_conflicts=True)


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.SCHOOL
    name = factory.Sequence(lambda n: f"Basisschool {n}")
    instellingsnummer = factory.Sequence(lambda n: f"{100000 + n:06d}")
    onderwijsnet = Onderwijsnet.GO
    municipality = "Gent"


class ClbFactory(SchoolFactory):
    kind = OrganisationKind.CLB
    name = factory.Sequence(lambda n: f"CLB {n}")
    instellingsnummer = factory.Sequence(lambda n: f"{900000 + n:06d}")
    onderwijsnet = ""


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.PARTNER
    name = factory.Sequence(lambda n: f"Partner {n}")
    partner_category = PartnerCategory.POVERTY
    municipality = "Gent"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    platform = factory.SubFactory(PlatformFactory)
    organisation = factory.SubFactory(SchoolFactory)


class ReportingRoundFactory(factory.django.DjangoModelFactory):
    """An open round (opened yesterday, deadline in two weeks) with the four themes of 2020.

    Its platforms (`platforms`) are every active platform at its creation, as `round_save` gives a new round;
    `platforms=[...]` gives it those. A platform made later joins it too (PlatformFactory's `rounds`).
    """

    class Meta:
        model = ReportingRound
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"ronde-{n}")
    title = factory.Sequence(lambda n: f"Bevraging {n}")
    period_start = datetime.date(2020, 3, 16)
    opens_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
    deadline = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=14))
    # Announced already, like every round that had opened when the round-opened mail came (migration 0008);
    # tests of that mail pass opening_mailed_at=None.
    opening_mailed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def themes(obj, create, extracted, **kwargs):
        if create:
            obj.themes.set(extracted if extracted is not None else Theme.objects.all())

    @factory.post_generation
    def platforms(obj, create, extracted, **kwargs):
        if create:
            platforms = Platform.objects.filter(is_active=True) if extracted is None else extracted
            RoundPlatform.objects.bulk_create([RoundPlatform(round=obj, platform=p) for p in platforms])

    @factory.post_generation
    def questionnaire(obj, create, extracted, **kwargs):
        """The 2020 questionnaire, or the sections given (`questionnaire=[...]`, the spec of rounds/spec.py)."""
        if create:
            from rounds.services.questionnaires import questionnaire_replace

            questionnaire_replace(actor=None, round=obj, sections=CORONA_2020 if extracted is None else extracted)


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    round = factory.SubFactory(ReportingRoundFactory)
    platform = factory.SubFactory(PlatformFactory)
    version = 1


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative
        skip_postgeneration_save = True

    report = factory.SubFactory(ReportFactory)
    title = factory.Sequence(lambda n: f"Huiswerkklas {n}")
    description = "Twee keer per week huiswerkbegeleiding in de bibliotheek."
    kind = "homework_support"
    start_date = datetime.date(2020, 4, 20)
    version = 1

    @factory.post_generation
    def target_groups(obj, create, extracted, **kwargs):
        if create:
            obj.target_groups.set(extracted if extracted is not None else TargetGroup.objects.filter(slug="low-ses"))


def report_post_data(level="basis", **overrides):
    """POST data of a complete report: every question answered."""
    data = {
        "loaded_version": "0",
        "registration_procedure_used": "true", "application_period_adjusted": "true",
        "enrolment_period_adjusted": "false", "free_enrolment_period_adjusted": "false",
        "registrations_note": "Aanmeldperiode met een week verlengd.",
        "newcomers": "adjusted", "newcomers_note": "Onthaal per telefoon.", "excluded_pupils": "unchanged",
    }
    if level == "basis":
        data["preschool"] = "unchanged"
    for slug in ("laptops", "reaching-all-pupils", "family-support", "summer-schools-reading"):
        data.update({f"theme-{slug}-discussed": "true", f"theme-{slug}-agreements": "false",
                     f"theme-{slug}-actions": "true", f"theme-{slug}-exchange": "true",
                     f"theme-{slug}-informed": "false", f"theme-{slug}-note": ""})
    data.update(overrides)
    return data
