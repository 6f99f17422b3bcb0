"""Writes to people's accounts; every change an admin makes leaves an AccountEvent in the audit trail."""

from collections.abc import Iterable
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from mail.models import MailKind
from mail.rendering import mail_render
from mail.services import mail_queue
from platforms.models import Platform

from .models import AccountAction, AccountEvent, Role, User
from .tokens import default_token_generator


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


@transaction.atomic
def person_invite(*, actor: User, username: str, email: str, first_name: str, last_name: str, role: str,
                  platforms: Iterable[Platform] = ()) -> User:
    """Create a person with a role (a coordinator with their platforms) and mail them an invitation."""
    platforms = _platforms_for(role, platforms)
    email = User.objects.normalize_email(email)
    if User.objects.filter(username__iexact=username).exists():
        # Usernames differing only in case are refused, as in Django's UserCreationForm.
        raise ValidationError({"username": User().unique_error_message(User, ["username"])})
    _check_email_free(email)
    person = User(username=username, email=email, first_name=first_name, last_name=last_name, role=role)
    _sync_admin_flags(person)
    # No password until the person chooses one through the invitation link.
    person.set_unusable_password()
    person.full_clean()
    person.save()
    person.coordinated_platforms.set(platforms)
    created = Role(role).label + (f"; {_platform_names(platforms)}" if platforms else "")
    _record(actor=actor, target=person, action=AccountAction.CREATED, details=created)
    _record(actor=actor, target=person, action=AccountAction.INVITED, details=email)
    _send_invitation(person=person, actor=actor)  # queued with the change (mail.services.mail_queue)
    return person


@transaction.atomic
def invitation_resend(*, actor: User, person: User) -> User:
    """Mail a new invitation link to someone who has not chosen a password yet; earlier links stop working."""
    _lock(person)
    if not person.is_active:
        raise ValidationError(_("%(name)s is deactivated; reactivate the account first.") % {"name": person})
    if person.has_usable_password():
        raise ValidationError(_("%(name)s has already chosen a password. A forgotten password can be reset from "
                                "the login page.") % {"name": person})
    if not person.email:
        raise ValidationError(_("%(name)s has no e-mail address; add one first.") % {"name": person})
    # A new unusable password changes what the tokens are computed from: only the newest link works.
    person.set_unusable_password()
    person.full_clean()
    person.save(update_fields=["password"])
    _record(actor=actor, target=person, action=AccountAction.INVITATION_RESENT, details=person.email)
    _send_invitation(person=person, actor=actor)  # queued with the change (mail.services.mail_queue)
    return person


@transaction.atomic
def person_update(*, actor: User, person: User, role: str, platforms: Iterable[Platform], first_name: str,
                  last_name: str, email: str, can_approve_answers: bool | None = None) -> User:
    """Change a person's role, platforms, name, e-mail address and whether they may approve answers to parliament
    (None: as it is); one event per kind of change."""
    _lock(person)
    _refuse_own_role_change(actor=actor, person=person, role=role)
    platforms = _platforms_for(role, platforms)
    can_approve = _approver_flag_for(role, person.can_approve_answers if can_approve_answers is None
                                     else can_approve_answers)
    email = User.objects.normalize_email(email)
    _check_email_free(email, person=person)

    details = []
    for field, value in (("first_name", first_name), ("last_name", last_name), ("email", email)):
        old = getattr(person, field)
        if old != value:
            label = capfirst(User._meta.get_field(field).verbose_name)
            details.append(f"{label}: {old or '–'} → {value or '–'}")
            setattr(person, field, value)
    if person.can_approve_answers != can_approve:
        label = capfirst(User._meta.get_field("can_approve_answers").verbose_name)
        details.append(f"{label}: {_yes_no(person.can_approve_answers)} → {_yes_no(can_approve)}")
        person.can_approve_answers = can_approve
    old_role = Role(person.role)
    person.role = role
    _sync_admin_flags(person)
    person.full_clean()
    person.save()

    # A role away from coordinator leaves no platforms behind (_platforms_for returned none).
    old_platforms = set(person.coordinated_platforms.all())
    if old_platforms != platforms:
        person.coordinated_platforms.set(platforms)

    if old_role != role:
        _record(actor=actor, target=person, action=AccountAction.ROLE_CHANGED,
                details=f"{old_role.label} → {Role(role).label}")
    if old_platforms != platforms:
        _record(actor=actor, target=person, action=AccountAction.PLATFORMS_CHANGED,
                details=_platform_change(old_platforms, platforms))
    if details:
        _record(actor=actor, target=person, action=AccountAction.DETAILS_CHANGED, details="; ".join(details))
    return person


@transaction.atomic
def person_deactivate(*, actor: User, person: User, reason: str = "") -> User:
    """Deactivate an account: the person cannot log in any more and their open sessions end at once."""
    _lock(person)
    _refuse_own_deactivation(actor=actor, person=person)
    if not person.is_active:
        raise ValidationError(_("%(name)s is already deactivated.") % {"name": person})
    person.is_active = False
    if not person.has_usable_password():
        # A pending invitation link stops working too.
        person.set_unusable_password()
    person.full_clean()
    person.save()
    _end_sessions(person)
    _record(actor=actor, target=person, action=AccountAction.DEACTIVATED, details=reason.strip())
    return person


@transaction.atomic
def person_reactivate(*, actor: User, person: User) -> User:
    """Let a deactivated person log in again, with their own password (or a new invitation if they had none)."""
    _lock(person)
    if person.is_active:
        raise ValidationError(_("%(name)s is already active.") % {"name": person})
    person.is_active = True
    person.full_clean()
    person.save(update_fields=["is_active"])
    _record(actor=actor, target=person, action=AccountAction.REACTIVATED)
    return person


def _refuse_own_role_change(*, actor: User, person: User, role: str) -> None:
    if person.pk == actor.pk and role != Role.ADMIN:
        raise ValidationError({"role": _("You cannot take away your own admin role; ask another admin.")})


def _refuse_own_deactivation(*, actor: User, person: User) -> None:
    if person.pk == actor.pk:
        raise ValidationError({"is_active": _("You cannot deactivate your own account; ask another admin.")})


# The Django admin's user pages (accounts/admin.py) go through these and the services above.


def person_check(*, actor: User, person: User | None, role: str, platforms: Iterable[Platform], email: str,
                 can_approve_answers: bool = False, is_active: bool = True, username: str = "") -> None:
    """Raise the error that saving these values would raise (person None: a new account with this username),
    writing nothing: the Django admin's form shows it next to the field instead of failing as it saves."""
    if person is None:
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": User().unique_error_message(User, ["username"])})
    else:
        _refuse_own_role_change(actor=actor, person=person, role=role)
        if not is_active:
            _refuse_own_deactivation(actor=actor, person=person)
    _platforms_for(role, platforms)
    _approver_flag_for(role, can_approve_answers)
    _check_email_free(User.objects.normalize_email(email), person=person)


@transaction.atomic
def person_create(*, actor: User, username: str, role: str, platforms: Iterable[Platform] = (), email: str = "",
                  first_name: str = "", last_name: str = "", password: str | None = None) -> User:
    """Create a person with a role (a coordinator with their platforms) and a password, or none, without mailing
    an invitation (the Django admin's add form)."""
    person_check(actor=actor, person=None, username=username, role=role, platforms=platforms, email=email)
    platforms = _platforms_for(role, platforms)
    person = user_create(username=username, role=role, email=User.objects.normalize_email(email),
                         first_name=first_name, last_name=last_name, password=password)
    person.coordinated_platforms.set(platforms)
    created = Role(role).label + (f"; {_platform_names(platforms)}" if platforms else "")
    _record(actor=actor, target=person, action=AccountAction.CREATED, details=created)
    return person


@transaction.atomic
def password_set_by_admin(*, actor: User, person: User) -> None:
    """Record that an admin set (or removed) a person's password in the Django admin; their other sessions
    already end, as Django ties a session to the password it was opened with."""
    details = _("set by an admin") if person.has_usable_password() else _("removed by an admin")
    _record(actor=actor, target=person, action=AccountAction.PASSWORD_SET, details=details)


def invitation_url(person: User) -> str:
    """The one-time link where the person chooses a password.

    It is Django's password-reset link: the token is signed over the person's password hash,
    last login and e-mail address, so it stops working once a password is chosen (or the
    address changes, or a newer invitation replaces the unusable password), and it expires
    after PASSWORD_RESET_TIMEOUT.
    """
    uidb64 = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    return settings.SITE_URL + reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})


def _send_invitation(*, person: User, actor: User) -> None:
    timeout = settings.PASSWORD_RESET_TIMEOUT
    context = {
        "person": person,
        "role": person.effective_role.label,
        "platforms": list(person.coordinated_platforms.order_by("level", "name")),
        "url": invitation_url(person),
        "login_url": settings.SITE_URL + reverse("login"),
        "actor": actor,
        # "valid for one day" when the timeout is whole days, else in hours.
        "valid_days": timeout // 86400 if timeout >= 86400 and timeout % 86400 == 0 else None,
        "valid_hours": max(1, round(timeout / 3600)),
    }
    subject, body = mail_render("accounts/invitation", context)
    mail_queue(kind=MailKind.INVITATION, recipients=[person.email], subject=subject, body=body)


def _end_sessions(person: User) -> None:
    """Delete the person's sessions, so that not even a later reactivation brings them back."""
    # Django's ModelBackend already refuses an inactive user on their very next request, but
    # it leaves the session behind: a reactivation would revive an old (forgotten, or stolen)
    # session. Database sessions have no user column, so we decode the unexpired ones and
    # delete the person's. That scan is linear in the number of live sessions, and sound at this
    # scale: about a hundred accounts with two-week sessions are a few hundred rows, and
    # deactivating is a rare admin action. A user-id column (a session engine subclassing the
    # db SessionStore, as Django's docs describe) would make it one indexed DELETE, but it means
    # a new SESSION_ENGINE for every request: worth it only with many thousands of sessions.
    # Deleting through the SessionStore also clears the cache of the cached_db engine. Engines
    # without a table (cache, signed cookies) cannot be listed; there the backend's refusal is it.
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store_class, "get_model_class"):
        return
    uid = str(person.pk)
    live = store_class.get_model_class().objects.filter(expire_date__gt=timezone.now())
    keys = [s.session_key for s in live.iterator(chunk_size=500) if s.get_decoded().get(SESSION_KEY) == uid]
    for key in keys:
        store_class(session_key=key).delete()


def _lock(person: User) -> None:
    """Lock the person's row and reload it, so that what is compared and recorded is current."""
    list(User.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True))
    person.refresh_from_db()


def _platforms_for(role: str, platforms: Iterable[Platform]) -> set[Platform]:
    """Coordinators need at least one platform; other roles have none (whatever was ticked)."""
    if role != Role.COORDINATOR:
        return set()
    platforms = set(platforms)
    if not platforms:
        raise ValidationError({"platforms": _("A coordinator needs at least one platform.")})
    return platforms


def _approver_flag_for(role: str, wanted: bool) -> bool:
    """Approving answers to parliament is for ministry and admin accounts; a coordinator's flag goes."""
    if role != Role.COORDINATOR:
        return wanted
    if wanted:
        raise ValidationError({"can_approve_answers": _("Only ministry and admin accounts can approve answers.")})
    return False


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _check_email_free(email: str, *, person: User | None = None) -> None:
    if not email:
        return  # no address is nobody's address (the Django admin allows none; the database's constraint too)
    others = User.objects.filter(email__iexact=email)
    if person is not None:
        others = others.exclude(pk=person.pk)
    other = others.first()
    if other is not None:
        raise ValidationError({"email": email_in_use_message(other)})


def email_in_use_message(other: User) -> str:
    """Names who has the address, so that the admin can reactivate or edit them instead."""
    return _("This e-mail address is already used by %(name)s (%(username)s).") % {
        "name": other, "username": other.username,
    }


def _platform_names(platforms: Iterable[Platform]) -> str:
    return ", ".join(p.name for p in sorted(platforms, key=lambda p: (p.level, p.name)))


def _platform_change(old: set[Platform], new: set[Platform]) -> str:
    parts = []
    if added := new - old:
        parts.append(_("added: %(names)s") % {"names": _platform_names(added)})
    if removed := old - new:
        parts.append(_("removed: %(names)s") % {"names": _platform_names(removed)})
    return "; ".join(parts)


def _record(*, actor: User, target: User, action: str, details: str = "") -> AccountEvent:
    # Cut by code points, as max_length counts them: Truncator.chars normalises the text (NFC, so a reason is not
    # kept as typed) and does not count combining characters (so its result could still be too long).
    limit = AccountEvent._meta.get_field("details").max_length
    if len(details) > limit:
        details = details[:limit - 1] + "…"
    event = AccountEvent(actor=actor, target=target, action=action, details=details)
    event.full_clean()
    event.save()
    return event
