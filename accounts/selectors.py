"""Reads of accounts."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from platforms.models import Platform

from .models import AccountEvent, Role, User
from .permissions import PersonPolicy


def role_counts() -> list[tuple[str, int]]:
    """How many active people have each role, for the admin's home page."""
    counts = dict(User.objects.filter(is_active=True).values_list("role").annotate(n=Count("pk")))
    return [(label, counts.get(value, 0)) for value, label in Role.choices]


def _with_platforms(qs: QuerySet[User]) -> QuerySet[User]:
    return qs.prefetch_related(
        Prefetch("coordinated_platforms", queryset=Platform.objects.order_by("level", "name"))
    )


def people_list(*, role: str | None = None, platform_code: str | None = None, query: str = "",
                active: bool | None = None) -> QuerySet[User]:
    """Everyone, or those with a role, coordinating a platform, matching a text, (in)active; with their platforms.

    For admins only: the views check `PersonPolicy.can_access` first. A superuser counts as an
    admin whatever its role field says, as everywhere else.
    """
    qs = User.objects.all()
    if role == Role.ADMIN:
        qs = qs.filter(Q(role=Role.ADMIN) | Q(is_superuser=True))
    elif role:
        qs = qs.filter(role=role, is_superuser=False)
    if platform_code:
        qs = qs.filter(coordinated_platforms__code=platform_code)
    # Every word must match a name, the username or the e-mail address ("jan peeters" finds Jan Peeters).
    for word in query.split():
        qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word)
                       | Q(username__icontains=word) | Q(email__icontains=word))
    if active is not None:
        qs = qs.filter(is_active=active)
    return _with_platforms(qs).order_by("last_name", "first_name", "username")


def person_get(*, user, pk: int) -> User:
    """One person with their platforms, as the user may see them; 404 when out of reach."""
    return get_object_or_404(_with_platforms(PersonPolicy.visible(user)), pk=pk)


def person_events(person: User) -> QuerySet[AccountEvent]:
    """The audit trail of one person's account, newest first, with who made each change."""
    return AccountEvent.objects.filter(target=person).select_related("actor").order_by("-created_at", "-pk")


def platform_choices() -> QuerySet[Platform]:
    """Every platform (inactive ones too: they may still have coordinators), for the list's filter."""
    return Platform.objects.order_by("level", "name").only("code", "name", "level", "is_active")


def platforms_with_coordinators(*, keep_for: User | None = None) -> QuerySet[Platform]:
    """The platforms a person may be given, by level and name, each with its current coordinators.

    Active platforms, and the inactive ones `keep_for` still coordinates (so that saving their form keeps them).
    The coordinators come in one prefetch, as `current_coordinators` (active accounts only), for the picker.
    """
    reachable = Q(is_active=True)
    if keep_for is not None:
        reachable |= Q(coordinators=keep_for)
    coordinators = User.objects.filter(is_active=True).order_by("last_name", "first_name", "username")
    return (Platform.objects.filter(reachable).distinct().order_by("level", "name")
            .prefetch_related(Prefetch("coordinators", queryset=coordinators, to_attr="current_coordinators")))
