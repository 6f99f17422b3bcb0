"""Reads of platforms and memberships, limited to what the user may see."""

import datetime
from collections import OrderedDict
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User

from .models import (
    PROPOSABLE_FIELDS,
    Level,
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationProposal,
    PartnerCategory,
    Platform,
    ProposalStatus,
)
from .permissions import MembershipPolicy, OrganisationProposalPolicy, PlatformPolicy


def _active_coordinators() -> Prefetch:
    """A platform's coordinators as pages show them: a deactivated person keeps the link (for a
    reactivation) but is no longer shown."""
    return Prefetch("coordinators", queryset=User.objects.filter(is_active=True))


def platform_list(*, user, level: str | None = None, query: str = "") -> QuerySet[Platform]:
    """The platforms the user may see, with their coordinators and member counts."""
    qs = PlatformPolicy.visible(user).filter(is_active=True)
    if level:
        qs = qs.filter(level=level)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(area__icontains=query) | Q(code__icontains=query))
    current = Q(memberships__end_date__isnull=True)
    return (
        qs.annotate(
            school_count=Count("memberships", filter=current & Q(memberships__organisation__kind="school")),
            clb_count=Count("memberships", filter=current & Q(memberships__organisation__kind="clb")),
            partner_count=Count("memberships", filter=current & Q(memberships__organisation__kind="partner")),
        )
        .prefetch_related(_active_coordinators())
        .order_by("level", "name")
    )


def platform_get(*, user, code: str) -> Platform:
    """One visible platform with its coordinators and memberships; 404 when out of reach."""
    memberships = Membership.objects.select_related("organisation").order_by("organisation__name")
    qs = PlatformPolicy.visible(user).prefetch_related(
        _active_coordinators(), Prefetch("memberships", queryset=memberships)
    )
    return get_object_or_404(qs, code=code)


def membership_get(*, user, platform: Platform, pk: int) -> Membership:
    """One membership of a visible platform; 404 when out of reach."""
    qs = MembershipPolicy.visible(user).filter(platform=platform).select_related("organisation", "platform")
    return get_object_or_404(qs, pk=pk)


def members_by_kind(platform: Platform) -> dict:
    """The platform's current and ended memberships, grouped for display.

    Uses the memberships prefetched by `platform_get`, so it adds no queries.
    """
    current = [m for m in platform.memberships.all() if m.is_current]
    ended = [m for m in platform.memberships.all() if not m.is_current]
    partners = OrderedDict((label, []) for value, label in PartnerCategory.choices)
    category_labels = dict(PartnerCategory.choices)
    for m in current:
        if m.organisation.kind == OrganisationKind.PARTNER:
            partners[category_labels[m.organisation.partner_category]].append(m)
    return {
        "schools": [m for m in current if m.organisation.kind == OrganisationKind.SCHOOL],
        "clbs": [m for m in current if m.organisation.kind == OrganisationKind.CLB],
        "partners": {label: ms for label, ms in partners.items() if ms},
        "partner_count": sum(len(ms) for ms in partners.values()),
        "ended": ended,
    }


def platform_level_counts(*, user) -> list[tuple[str, int]]:
    """How many active platforms the user can see per level."""
    counts = dict(
        PlatformPolicy.visible(user).filter(is_active=True).values_list("level").annotate(n=Count("pk"))
    )
    return [(label, counts.get(value, 0)) for value, label in Level.choices]


# How long a decided proposal stays on the platform page of the coordinators who made it.
DECIDED_PROPOSALS_SHOWN = datetime.timedelta(days=90)


@dataclass(frozen=True)
class ProposedChange:
    """One detail of a proposal: as it was when proposed, as proposed, and as it is now."""

    label: str
    old: str
    new: str
    current: str

    @property
    def changed_since(self) -> bool:
        """Someone changed this detail after the proposal was made."""
        return self.current != self.old


def _shown(field: str, value: str) -> str:
    """A detail as pages show it: the label of a choice, the text of anything else."""
    choices = dict(Organisation._meta.get_field(field).flatchoices)
    return str(choices.get(value, value)) if value else ""


def proposal_changes(proposal: OrganisationProposal) -> list[ProposedChange]:
    """Each detail the proposal changes, with its label and values as pages show them."""
    organisation = proposal.organisation
    return [
        ProposedChange(
            label=str(Organisation._meta.get_field(field).verbose_name),
            old=_shown(field, proposal.old_values.get(field, "")),
            new=_shown(field, proposal.new_values[field]),
            current=_shown(field, getattr(organisation, field)),
        )
        # In the form's order: PostgreSQL's jsonb keeps no key order.
        for field in PROPOSABLE_FIELDS if field in proposal.new_values
    ]


def _with_changes(proposals) -> list[OrganisationProposal]:
    """The proposals, each with `changes` (see proposal_changes); their organisations must be loaded."""
    proposals = list(proposals)
    for proposal in proposals:
        proposal.changes = proposal_changes(proposal)
    return proposals


def _proposals_for_admins(user) -> QuerySet[OrganisationProposal]:
    # The organisation's memberships with their platforms: the page says which platforms a change affects.
    memberships = Membership.objects.select_related("platform").order_by("end_date", "platform__name")
    return (OrganisationProposalPolicy.visible(user)
            .select_related("organisation", "platform", "proposed_by", "decided_by")
            .prefetch_related(Prefetch("organisation__memberships", queryset=memberships)))


def proposal_list(*, user) -> list[OrganisationProposal]:
    """The pending proposals the user may decide, oldest first, with their changes and the platforms they affect."""
    return _with_changes(_proposals_for_admins(user).filter(status=ProposalStatus.PENDING)
                         .order_by("proposed_at", "pk"))


def proposals_recently_decided(*, user, limit: int = 20) -> list[OrganisationProposal]:
    """The last decided proposals, newest first, for the admins' page."""
    qs = (OrganisationProposalPolicy.visible(user).exclude(status=ProposalStatus.PENDING)
          .select_related("organisation", "platform", "proposed_by", "decided_by").order_by("-decided_at", "-pk"))
    return _with_changes(qs[:limit])


def proposal_get(*, user, pk: int) -> OrganisationProposal:
    """One proposal the user may see, with its changes; 404 when out of reach."""
    proposal = get_object_or_404(_proposals_for_admins(user), pk=pk)
    return _with_changes([proposal])[0]


def pending_proposal_count(*, user) -> int:
    """How many proposals wait for a decision (none for anyone who cannot decide them)."""
    return OrganisationProposalPolicy.visible(user).filter(status=ProposalStatus.PENDING).count()


def platform_proposals(platform: Platform) -> list[OrganisationProposal]:
    """The proposals made from the platform's member list: pending ones and those decided lately."""
    recent = Q(status=ProposalStatus.PENDING) | Q(decided_at__gte=timezone.now() - DECIDED_PROPOSALS_SHOWN)
    qs = (platform.organisation_proposals.filter(recent)
          .select_related("organisation", "proposed_by", "decided_by").order_by("-proposed_at", "-pk"))
    return _with_changes(qs)



def organisation_pending_proposals(*, platform: Platform, organisation: Organisation) -> list[OrganisationProposal]:
    """The proposals for this organisation made from the platform's member list that still wait for an admin."""
    qs = (platform.organisation_proposals.filter(organisation=organisation, status=ProposalStatus.PENDING)
          .select_related("organisation", "proposed_by").order_by("proposed_at", "pk"))
    return _with_changes(qs)
