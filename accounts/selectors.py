"""Reads of accounts."""

from django.db.models import Count

from .models import Role, User


def role_counts() -> list[tuple[str, int]]:
    """How many active people have each role, for the admin's home page."""
    counts = dict(User.objects.filter(is_active=True).values_list("role").annotate(n=Count("pk")))
    return [(label, counts.get(value, 0)) for value, label in Role.choices]
