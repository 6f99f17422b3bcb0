"""Writes to platforms, organisations and memberships."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Membership, Organisation, OrganisationKind, Platform


@transaction.atomic
def platform_update(*, actor, platform: Platform, name: str, level: str, area: str,
                    coordinators, is_active: bool = True) -> Platform:
    """Change a platform's name, level, area, coordinators and whether it is active.

    Made inactive, it leaves the rounds that have not opened yet; made active again, it joins them.
    """
    was_active = platform.is_active
    platform.name = name
    platform.level = level
    platform.area = area
    platform.is_active = is_active
    platform.full_clean()
    platform.save()
    platform.coordinators.set(coordinators)
    if platform.is_active != was_active:
        rosters_follow([platform])
    summaries_changed()
    return platform


def rosters_follow(platforms) -> None:
    """Let new, deactivated or reactivated platforms join or leave the rounds that have not opened yet."""
    # Imported here: rounds builds on platforms, not the other way round.
    from rounds.services.rounds import round_platforms_follow

    round_platforms_follow(platforms=platforms)


def summaries_changed() -> None:
    """Mark every round's summary as changed (they count active platforms per level; admin edits)."""
    # Imported here: initiatives builds on platforms, not the other way round.
    from summaries.summary import round_data_changed

    round_data_changed()


def _organisation_for(*, kind: str, name: str, instellingsnummer: str, onderwijsnet: str,
                      partner_category: str, municipality: str) -> Organisation:
    """The registered school or CLB with this institution number, or a new organisation.

    A school that is a member of a basis and a secundair platform is one organisation with
    two memberships, found by its institution number.
    """
    if instellingsnummer:
        existing = Organisation.objects.select_for_update().filter(instellingsnummer=instellingsnummer).first()
        if existing is not None:
            if existing.kind != kind:
                raise ValidationError(
                    {"instellingsnummer": _("This institution number belongs to %(name)s, which is not a %(kind)s.")
                     % {"name": existing.name, "kind": OrganisationKind(kind).label}}
                )
            return existing
    organisation = Organisation(
        kind=kind, name=name, instellingsnummer=instellingsnummer, onderwijsnet=onderwijsnet,
        partner_category=partner_category, municipality=municipality,
    )
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def membership_create(*, actor, platform: Platform, kind: str, name: str, instellingsnummer: str = "",
                      onderwijsnet: str = "", partner_category: str = "", municipality: str = "",
                      start_date: datetime.date | None = None, note: str = "") -> Membership:
    """Make a school, CLB or partner a member of the platform (reusing a registered school)."""
    organisation = _organisation_for(
        kind=kind, name=name, instellingsnummer=instellingsnummer, onderwijsnet=onderwijsnet,
        partner_category=partner_category, municipality=municipality,
    )
    membership = Membership(platform=platform, organisation=organisation, start_date=start_date, note=note)
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def membership_update(*, actor, membership: Membership, name: str, instellingsnummer: str = "",
                      onderwijsnet: str = "", partner_category: str = "", municipality: str = "",
                      start_date: datetime.date | None = None, note: str = "") -> Membership:
    """Correct a member's details and the membership's start date and note."""
    organisation = membership.organisation
    organisation.name = name
    organisation.instellingsnummer = instellingsnummer
    organisation.onderwijsnet = onderwijsnet
    organisation.partner_category = partner_category
    organisation.municipality = municipality
    organisation.full_clean()
    organisation.save()
    membership.start_date = start_date
    membership.note = note
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def membership_end(*, actor, membership: Membership, end_date: datetime.date) -> Membership:
    """End a membership on the given date; it stays listed as a former member."""
    if not membership.is_current:
        raise ValidationError(_("This membership has already ended."))
    if end_date > timezone.localdate():
        raise ValidationError({"end_date": _("The end date cannot be in the future.")})
    membership.end_date = end_date
    membership.full_clean()
    membership.save()
    return membership
