import factory

from accounts.models import Role, User
from platforms.models import Level, Membership, Onderwijsnet, Organisation, OrganisationKind, PartnerCategory, Platform

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
