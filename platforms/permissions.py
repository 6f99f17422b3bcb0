"""Who may see and change platforms and their memberships.

Each policy answers both questions from the same rules: `visible(user)` is the queryset a user
may see (anything outside it is a 404, exactly like a missing object) and the `can_*`
functions say yes or no for an action on an object that is visible (a "no" is a 403).
"""

from django.db.models import QuerySet

from .models import Membership, Organisation, OrganisationProposal, Platform


def coordinated_platform_ids(user) -> frozenset[int]:
    """The ids of the platforms this user coordinates, cached on the user for the request."""
    if not getattr(user, "is_coordinator", False):
        return frozenset()
    cached = getattr(user, "_coordinated_platform_ids", None)
    if cached is None:
        cached = frozenset(user.coordinated_platforms.values_list("pk", flat=True))
        user._coordinated_platform_ids = cached
    return cached


def coordinates(user, platform_id: int) -> bool:
    """Whether this user coordinates the platform: known without a query for one just found in `visible(user)`."""
    if platform_id in getattr(user, "_platforms_seen_as_coordinator", ()):
        return True
    return platform_id in coordinated_platform_ids(user)


class PlatformPolicy:
    """Admins and ministry see every platform; a coordinator only the ones they coordinate."""

    @staticmethod
    def visible(user) -> QuerySet[Platform]:
        if not user.is_authenticated:
            return Platform.objects.none()
        if user.reads_everything:
            return Platform.objects.all()
        if user.is_coordinator:
            return Platform.objects.filter(coordinators=user)
        return Platform.objects.none()

    @staticmethod
    def found_visible(user, platform: Platform) -> Platform:
        """Note a platform read through `visible(user)`: for a coordinator that query holds only the platforms they
        coordinate, so `coordinates` then answers for it without reading them all (a report page's every request)."""
        if user.is_authenticated and not user.reads_everything and user.is_coordinator:
            seen = getattr(user, "_platforms_seen_as_coordinator", None)
            if seen is None:
                seen = user._platforms_seen_as_coordinator = set()
            seen.add(platform.pk)
        return platform

    @staticmethod
    def can_view(user, platform: Platform) -> bool:
        if not user.is_authenticated:
            return False
        return user.reads_everything or platform.pk in coordinated_platform_ids(user)

    @staticmethod
    def can_change(user, platform: Platform) -> bool:
        """Changing a platform's own data (name, level, area, coordinators) is for admins."""
        return user.is_authenticated and user.is_admin

    @staticmethod
    def can_manage_members(user, platform: Platform) -> bool:
        """Admins, and the platform's own coordinators, add, edit and end memberships."""
        if not user.is_authenticated:
            return False
        return user.is_admin or platform.pk in coordinated_platform_ids(user)


class MembershipPolicy:
    """A membership is visible with its platform and changed by whoever manages its members."""

    @staticmethod
    def visible(user) -> QuerySet[Membership]:
        return Membership.objects.filter(platform__in=PlatformPolicy.visible(user))

    @staticmethod
    def can_view(user, membership: Membership) -> bool:
        return PlatformPolicy.can_view(user, membership.platform)

    @staticmethod
    def can_change(user, membership: Membership) -> bool:
        return PlatformPolicy.can_manage_members(user, membership.platform)


class OrganisationPolicy:
    """Whose change to an organisation's details (name, number, network, ...) is saved at once.

    One organisation can be a member of several platforms, each with its own coordinators: its
    details are shown on every one of them. Admins change them directly; a coordinator only when
    every platform it is or was a member of is one they coordinate. Any other coordinator's change
    is a proposal that an admin accepts or rejects (OrganisationProposalPolicy).
    """

    @staticmethod
    def platform_ids(organisation: Organisation) -> frozenset[int]:
        """The platforms the organisation is or was a member of (an ended membership still lists its name)."""
        return frozenset(Membership.objects.filter(organisation=organisation).values_list("platform_id", flat=True))

    @classmethod
    def can_change_directly(cls, user, organisation: Organisation) -> bool:
        if not user.is_authenticated:
            return False
        if user.is_admin:
            return True
        own = coordinated_platform_ids(user)
        return bool(own) and cls.platform_ids(organisation) <= own


class OrganisationProposalPolicy:
    """Proposed changes to shared organisations are read and decided by admins only.

    The proposer and their fellow coordinators see the outcome on their platform's page, through
    the platform's own visibility, not through these pages.
    """

    @staticmethod
    def visible(user) -> QuerySet[OrganisationProposal]:
        if user.is_authenticated and user.is_admin:
            return OrganisationProposal.objects.all()
        return OrganisationProposal.objects.none()

    @staticmethod
    def can_decide(user) -> bool:
        return user.is_authenticated and user.is_admin
