"""Reads of platforms and memberships, limited to what the user may see."""

from collections import OrderedDict

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User

from .models import Level, Membership, OrganisationKind, PartnerCategory, Platform
from .permissions import MembershipPolicy, PlatformPolicy


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
