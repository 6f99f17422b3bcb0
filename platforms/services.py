"""Writes to platforms, organisations and memberships."""

import copy
import datetime
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Membership, Organisation, OrganisationKind, OrganisationProposal, Platform, ProposalStatus
from .permissions import OrganisationPolicy


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


def _clean_organisation(organisation: Organisation) -> None:
    """`full_clean()`, with a taken institution number told next to its field (the constraint's error has none)."""
    number = organisation.instellingsnummer
    if number and Organisation.objects.filter(instellingsnummer=number).exclude(pk=organisation.pk).exists():
        raise ValidationError({"instellingsnummer": _("An organisation with this institution number already exists.")})
    organisation.full_clean()


class MembershipUpdate(NamedTuple):
    """What `membership_update` did: the saved membership, and the proposal its organisation's changes became."""

    membership: Membership
    proposal: OrganisationProposal | None


@transaction.atomic
def membership_update(*, actor, membership: Membership, name: str, instellingsnummer: str = "",
                      onderwijsnet: str = "", partner_category: str = "", municipality: str = "",
                      start_date: datetime.date | None = None, note: str = "") -> MembershipUpdate:
    """Save the membership's start date and note, and correct the member's details.

    A coordinator's correction of an organisation that other platforms share becomes a proposal
    for the admins (OrganisationPolicy); the membership itself is saved at once either way.
    """
    # Locked, so that a membership another platform adds meanwhile (which also locks it) cannot
    # turn an organisation of this platform alone into a shared one halfway through.
    organisation = Organisation.objects.select_for_update().get(pk=membership.organisation_id)
    membership.organisation = organisation
    values = {"name": name, "instellingsnummer": instellingsnummer, "onderwijsnet": onderwijsnet,
              "partner_category": partner_category, "municipality": municipality}
    changed = {field: value for field, value in values.items() if getattr(organisation, field) != value}
    proposal = None
    if changed and (actor is None or OrganisationPolicy.can_change_directly(actor, organisation)):
        for field, value in changed.items():
            setattr(organisation, field, value)
        _clean_organisation(organisation)
        organisation.save()
    elif changed:
        proposal = organisation_proposal_create(actor=actor, organisation=organisation,
                                                platform=membership.platform, values=changed)
    membership.start_date = start_date
    membership.note = note
    membership.full_clean()
    membership.save()
    return MembershipUpdate(membership, proposal)


@transaction.atomic
def organisation_proposal_create(*, actor, organisation: Organisation, platform: Platform,
                                 values: dict[str, str]) -> OrganisationProposal:
    """Send a change to a shared organisation's details to the admins as a proposal (the same one pending: that one).

    The proposed details are checked as if they were saved now (format, rules per kind, a free
    institution number), so that a mistake is told at once, next to its field.
    """
    old = {field: getattr(organisation, field) for field in values}
    trial = copy.copy(organisation)
    for field, value in values.items():
        setattr(trial, field, value)
    _clean_organisation(trial)
    for pending in organisation.proposals.filter(status=ProposalStatus.PENDING, platform=platform):
        if pending.new_values == values:
            return pending  # the same change sent twice (a second click, a second tab)
    proposal = OrganisationProposal(organisation=organisation, platform=platform, old_values=old,
                                    new_values=values, proposed_by=actor)
    proposal.full_clean()
    proposal.save()
    return proposal


def _pending_proposal(proposal: OrganisationProposal) -> OrganisationProposal:
    """The proposal's row locked and current; refused when someone decided it meanwhile."""
    locked = OrganisationProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.status == ProposalStatus.ACCEPTED:
        raise ValidationError(_("This proposal has already been accepted."))
    if locked.status == ProposalStatus.REJECTED:
        raise ValidationError(_("This proposal has already been rejected."))
    return locked


@transaction.atomic
def organisation_proposal_accept(*, actor, proposal: OrganisationProposal, comment: str = "") -> OrganisationProposal:
    """Apply a proposed change to a shared organisation's details, on every platform it belongs to."""
    proposal = _pending_proposal(proposal)
    organisation = Organisation.objects.select_for_update().get(pk=proposal.organisation_id)
    for field, value in proposal.new_values.items():
        setattr(organisation, field, value)
    # Checked again: another change may have taken the institution number since it was proposed.
    _clean_organisation(organisation)
    organisation.save()
    _decide(proposal, actor=actor, status=ProposalStatus.ACCEPTED, comment=comment)
    summaries_changed()
    return proposal


@transaction.atomic
def organisation_proposal_reject(*, actor, proposal: OrganisationProposal, comment: str) -> OrganisationProposal:
    """Refuse a proposed change, with a comment for the coordinators who made it; the organisation stays as it is."""
    if not comment.strip():
        raise ValidationError({"comment": _("Say why the proposal is rejected: the coordinators read it.")})
    proposal = _pending_proposal(proposal)
    _decide(proposal, actor=actor, status=ProposalStatus.REJECTED, comment=comment)
    return proposal


def _decide(proposal: OrganisationProposal, *, actor, status: str, comment: str) -> None:
    proposal.status = status
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.decision_comment = comment.strip()
    proposal.full_clean()
    proposal.save()


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
