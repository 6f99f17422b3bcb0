"""Constraints the database itself enforces, whatever code writes to it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from platforms.models import Membership, Organisation, OrganisationKind

from .factories import ClbFactory, MembershipFactory, PartnerFactory, PlatformFactory, SchoolFactory


def _integrity_error(**fields):
    # PostgreSQL refuses a value longer than the column as a DataError before any constraint.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Organisation.objects.create(**fields)


@pytest.mark.django_db
def test_platform_code_is_unique():
    PlatformFactory(code="gent-bao")
    with pytest.raises(IntegrityError), transaction.atomic():
        PlatformFactory(code="gent-bao")


@pytest.mark.django_db
def test_platform_level_must_be_known():
    with pytest.raises(IntegrityError), transaction.atomic():
        PlatformFactory(level="kleuter")


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["12345", "1234567", "12a456", " 12345"])
def test_instellingsnummer_has_six_digits(number):
    _integrity_error(kind=OrganisationKind.SCHOOL, name="School", instellingsnummer=number, onderwijsnet="go")


@pytest.mark.django_db
def test_instellingsnummer_format_message_is_dutch():
    school = SchoolFactory.build(instellingsnummer="12345")
    with pytest.raises(ValidationError) as error:
        school.full_clean()
    assert "precies 6 cijfers" in str(error.value)


@pytest.mark.django_db
def test_instellingsnummer_is_unique_but_partners_have_none():
    SchoolFactory(instellingsnummer="012345")
    _integrity_error(kind=OrganisationKind.CLB, name="CLB", instellingsnummer="012345")
    PartnerFactory(instellingsnummer="")
    PartnerFactory(instellingsnummer="")  # many partners without a number


@pytest.mark.django_db
def test_rules_per_kind_of_organisation():
    _integrity_error(kind=OrganisationKind.SCHOOL, name="School zonder nummer", onderwijsnet="go")
    _integrity_error(kind=OrganisationKind.SCHOOL, name="School zonder net", instellingsnummer="111111")
    _integrity_error(kind=OrganisationKind.CLB, name="CLB met net", instellingsnummer="111112", onderwijsnet="go")
    _integrity_error(kind=OrganisationKind.PARTNER, name="Partner zonder soort")
    _integrity_error(kind=OrganisationKind.SCHOOL, name="School met soort", instellingsnummer="111113",
                     onderwijsnet="go", partner_category="poverty")
    _integrity_error(kind="vereniging", name="Onbekend", partner_category="poverty")
    ClbFactory(instellingsnummer="111114")


@pytest.mark.django_db
def test_one_current_membership_per_organisation_and_platform_but_history_is_kept():
    membership = MembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(platform=membership.platform, organisation=membership.organisation)
    membership.end_date = datetime.date(2020, 6, 30)
    membership.save()
    Membership.objects.create(platform=membership.platform, organisation=membership.organisation)
    assert membership.platform.memberships.count() == 2


@pytest.mark.django_db
def test_membership_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(start_date=datetime.date(2020, 9, 1), end_date=datetime.date(2020, 3, 16))


@pytest.mark.django_db
def test_a_school_can_be_member_of_a_basis_and_a_secundair_platform():
    school = SchoolFactory()
    MembershipFactory(organisation=school, platform=PlatformFactory(level="basis"))
    MembershipFactory(organisation=school, platform=PlatformFactory(level="secundair"))
    assert school.memberships.count() == 2
