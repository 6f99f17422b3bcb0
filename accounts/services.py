from django.db import transaction

from .models import Role, User


@transaction.atomic
def user_create(*, username: str, role: str, email: str = "", first_name: str = "", last_name: str = "",
                password: str | None = None) -> User:
    """Create a person with a role; admins also get access to the Django admin."""
    user = User(username=username, role=role, email=email, first_name=first_name, last_name=last_name)
    _sync_admin_flags(user)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean()
    user.save()
    return user


def _sync_admin_flags(user: User) -> None:
    # The Django admin is for the admin role only; it reads is_staff/is_superuser.
    is_admin = user.role == Role.ADMIN
    user.is_staff = is_admin
    user.is_superuser = is_admin
