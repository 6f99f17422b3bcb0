"""The second factor: who needs one, the devices (reads) and setting up, turning off and resetting (writes).

A person's second factor is one confirmed TOTPDevice (an authenticator app) and one StaticDevice
holding their unused recovery codes (django-otp). Admins and ministry staff must have one (they
read every platform); coordinators may turn one on. accounts/middleware.py sends a session that
still has to pass it to the verify or setup page; accounts/views_second_factor.py are those pages.
"""

import re
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth import user_logged_in
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY, verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from .models import AccountAction, User
from .services import _end_sessions, _lock, _record

RECOVERY_CODE_COUNT = 10
# Whether the logged-in person has a second factor, noted in the session at login (see
# `remember_device_at_login`), so that a coordinator's every request does not ask the database.
HAS_DEVICE_KEY = "_lop_second_factor"
# The recovery codes just made, shown once on the next page and then gone from the session.
NEW_CODES_KEY = "_lop_new_recovery_codes"
# The secret of the app being set up, until a code from it confirms it.
SETUP_KEY = "_lop_second_factor_setup"

TOTP_FORMAT = re.compile(r"[0-9]{6}")  # ASCII digits only (\d takes any script's)
RECOVERY_FORMAT = re.compile(r"[a-z2-7]{8}")  # StaticToken.random_token(): 5 random bytes in base32


# Who ---------------------------------------------------------------------------------------------------------


def is_demo_exempt(user) -> bool:
    """A demo account while SECOND_FACTOR_DEMO_EXEMPT is on (development and tests only)."""
    if not settings.SECOND_FACTOR_DEMO_EXEMPT:
        return False
    from platforms.demo import DEMO_USERS  # the demo knows the accounts; imported late, it imports accounts

    return user.get_username() in {username for username, *_rest in DEMO_USERS}


def must_have_second_factor(user) -> bool:
    """Admins and ministry staff see every platform: they cannot log in without a second factor."""
    return user.is_authenticated and user.reads_everything and not is_demo_exempt(user)


def can_turn_off(user) -> bool:
    """Those who chose a second factor may turn it off again; those who must have one may not."""
    return not must_have_second_factor(user)


def can_reset(actor, person: User) -> bool:
    """An admin resets another person's second factor (never their own: that would skip it)."""
    return actor.is_authenticated and actor.is_admin and actor.pk != person.pk


def pending_step(request) -> str | None:
    """The second-factor page this session must pass before anything else: "verify", "setup" or None."""
    user = request.user
    if not user.is_authenticated:
        return None
    # django-otp's middleware installs is_verified(); a user just logged in by the login view has not got it yet.
    is_verified = getattr(user, "is_verified", None)
    if is_verified() if is_verified is not None else DEVICE_ID_SESSION_KEY in request.session:
        return None
    has_device = request.session.get(HAS_DEVICE_KEY)
    if has_device is None:  # a session from before this check existed
        has_device = request.session[HAS_DEVICE_KEY] = has_second_factor(user)
    if has_device:
        return "verify"
    if must_have_second_factor(user):
        return "setup"
    return None


def remember_device_at_login(sender, request, user, **kwargs):
    """Note in the new session whether the person has a second factor (one query per login, not per request).

    A receiver of `user_logged_in`, so that every way into a session (the login page, the Django
    admin's, a test client) notes it. It changes only when the person sets one up or turns it off
    in this session (those pages update the note) or an admin resets it (which ends the sessions).
    """
    if request is not None and hasattr(request, "session"):
        request.session[HAS_DEVICE_KEY] = has_second_factor(user)


def connect_signals() -> None:
    """Called from AccountsConfig.ready()."""
    user_logged_in.connect(remember_device_at_login, dispatch_uid="accounts.second_factor.remember_device")
    # django-otp's pages in the Django admin would add, change or delete a second factor without the
    # person's history knowing (and one could add an app with a key of one's choosing to another's
    # account): the person's page resets it, and people set up their own. The admin's ready() has
    # registered them already (it comes first in INSTALLED_APPS).
    from django.contrib import admin

    for model in (TOTPDevice, StaticDevice):
        if admin.site.is_registered(model):
            admin.site.unregister(model)


# Reads -------------------------------------------------------------------------------------------------------


def totp_device(user) -> TOTPDevice | None:
    """The person's authenticator app, if they have set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def has_second_factor(user) -> bool:
    """Has the person set up a second factor (a confirmed authenticator app)?"""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_device(user) -> StaticDevice | None:
    """The device holding the person's unused recovery codes."""
    return StaticDevice.objects.filter(user=user).first()


def second_factor_status(person: User) -> dict:
    """For the person's page and their own: on since when, and how many recovery codes are left (one query)."""
    codes = (StaticToken.objects.filter(device__user=OuterRef("user_id")).order_by().values("device__user")
             .annotate(n=Count("pk")).values("n"))
    device = (TOTPDevice.objects.filter(user=person, confirmed=True).order_by("-pk")
              .annotate(codes_left=Coalesce(Subquery(codes), 0)).first())
    if device is None:
        return {"enabled": False, "since": None, "codes_left": 0}
    return {"enabled": True, "since": device.created_at, "codes_left": device.codes_left}


def new_totp_key() -> str:
    """A fresh secret for an authenticator app being set up (hex, as TOTPDevice stores it)."""
    return random_hex(20)


def _unsaved_device(user, key: str) -> TOTPDevice:
    return TOTPDevice(user=user, key=key)


def secret_text(key: str) -> str:
    """The key as an authenticator app takes it when typed in: base32, in groups of four."""
    secret = b32encode(_unsaved_device(None, key).bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(user, key: str) -> SafeString:
    """The key's otpauth:// address as an inline SVG QR code (no image file, nothing inline for the CSP)."""
    svg = segno.make(_unsaved_device(user, key).config_url, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", svgclass="lop-qr",
        title=_("QR code to scan with your authenticator app"),
    )
    return mark_safe(svg)  # noqa: S308 - segno's own markup of our own data; the title is ours


def normalise_code(code: str) -> str:
    """A code as typed (spaces, hyphens, capitals) in the form it is stored and checked in."""
    return re.sub(r"[\s-]", "", code).lower()


def code_kind(code: str) -> str | None:
    """"totp" for six digits, "recovery" for a recovery code, None for anything else."""
    if TOTP_FORMAT.fullmatch(code):
        return "totp"
    if RECOVERY_FORMAT.fullmatch(code):
        return "recovery"
    return None


# Writes ------------------------------------------------------------------------------------------------------


def code_check(*, user: User, code: str) -> tuple[StaticDevice | TOTPDevice | None, bool]:
    """Check a code against the person's app or recovery codes: (the device that took it, whether it was allowed).

    A write: an app code is not taken twice (the device keeps its time step), a recovery code is
    used up, and a wrong code makes the device wait before the next (1, 2, 4… seconds, django-otp);
    the second value is False when it refused to check for that reason.
    """
    code = normalise_code(code)
    kind = code_kind(code)
    device = totp_device(user) if kind == "totp" else recovery_device(user) if kind == "recovery" else None
    if device is None:
        return None, True
    allowed, _details = device.verify_is_allowed()
    return verify_token(user, device.persistent_id, code), allowed


@transaction.atomic
def second_factor_enable(*, user: User, key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Turn on the app set up with `key`, proven by a code from it; replaces an earlier app.

    Returns the device and new recovery codes (the earlier ones stop working). The key lives in
    the session until now, so a setup that is not finished leaves nothing behind.
    """
    if not re.fullmatch(r"[0-9a-f]{40}", key or ""):
        raise ValidationError(_("The setup has expired: scan the new QR code and type the code it gives."))
    code = normalise_code(code)
    device = TOTPDevice(user=user, key=key, name=_("Authenticator app"), confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if code_kind(code) != "totp" or not totp.verify(int(code), tolerance=device.tolerance):
        raise ValidationError({"code": _("This is not the code your app shows now. Check that the time on your "
                                         "phone is right, and type the code shown at this moment.")})
    device.last_t, device.drift = totp.t(), totp.drift  # this code cannot be used again to log in
    device.full_clean()
    _lock(user)  # two confirmations at once make one app, not two
    was_enabled = has_second_factor(user)
    TOTPDevice.objects.filter(user=user).delete()
    device.save()
    codes = _recovery_codes_replace(user)
    if not was_enabled:
        _record(actor=user, target=user, action=AccountAction.SECOND_FACTOR_ENABLED)
    return device, codes


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """New recovery codes for a person with a second factor; the earlier ones stop working."""
    if not has_second_factor(user):
        raise ValidationError(_("Set up two-step verification first."))
    return _recovery_codes_replace(user)


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("Recovery codes"), confirmed=True)
    codes = set()
    while len(codes) < RECOVERY_CODE_COUNT:  # random: a repeat is unlikely, but would be one code fewer
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return sorted(codes)


@transaction.atomic
def second_factor_disable(*, user: User) -> None:
    """Turn off the person's own second factor (the view has checked a code from it first)."""
    _lock(user)
    if not can_turn_off(user):
        raise ValidationError(_("Admins and ministry staff cannot turn off two-step verification."))
    if not has_second_factor(user):
        raise ValidationError(_("Two-step verification is not on."))
    _devices_delete(user)
    _record(actor=user, target=user, action=AccountAction.SECOND_FACTOR_DISABLED)


@transaction.atomic
def second_factor_reset(*, actor: User, person: User) -> None:
    """Remove a person's second factor (a lost phone) and end their sessions; they set up a new one at login."""
    if not can_reset(actor, person):
        raise ValidationError(_("You cannot reset your own two-step verification; ask another admin."))
    _lock(person)
    if not has_second_factor(person) and not StaticDevice.objects.filter(user=person).exists():
        raise ValidationError(_("%(name)s has no two-step verification to reset.") % {"name": person})
    _devices_delete(person)
    _end_sessions(person)
    _record(actor=actor, target=person, action=AccountAction.SECOND_FACTOR_RESET,
            details=_("Logged out everywhere.") if person.is_active else "")


def _devices_delete(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()  # its tokens go with it (CASCADE)
