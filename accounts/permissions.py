"""Who may see and manage people's accounts.

Only admins manage accounts. The people pages as a whole are refused to everyone else with a
403 (`can_access`), before any lookup, so a coordinator learns nothing about which accounts
exist; `visible(user)` is the queryset an admin looks people up in (anything outside it is a
404, like a missing person) and the `can_*` functions say yes or no for an action.
"""

from django.db.models import QuerySet

from .models import User


class PersonPolicy:
    """Admins see and manage every account, including their own; nobody else sees any."""

    @staticmethod
    def can_access(user) -> bool:
        """May this user open the people pages at all?"""
        return user.is_authenticated and user.is_admin

    @staticmethod
    def visible(user) -> QuerySet[User]:
        if not PersonPolicy.can_access(user):
            return User.objects.none()
        return User.objects.all()

    @staticmethod
    def can_manage(user, person: User) -> bool:
        """Change role, platforms and details, resend the invitation, reactivate."""
        return PersonPolicy.can_access(user)

    @staticmethod
    def can_deactivate(user, person: User) -> bool:
        """An admin deactivates anyone active but themselves (so one active admin always remains)."""
        return PersonPolicy.can_manage(user, person) and person.is_active and person.pk != user.pk

    @staticmethod
    def can_resend_invitation(user, person: User) -> bool:
        """Only while the person has not chosen a password yet and the account is active."""
        return PersonPolicy.can_manage(user, person) and person.is_active and not person.has_usable_password()
