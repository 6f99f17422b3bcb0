"""The second factor in tests: a confirmed authenticator app for a person, the code it shows, a verified session."""

import time
from base64 import b32decode

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.second_factor import HAS_DEVICE_KEY


def confirmed_device(user) -> TOTPDevice:
    """The person's authenticator app, set up and confirmed (created if they have none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def key_from_secret(secret: str) -> str:
    """The hex key of an app being set up, from the key the setup page shows for typing in (base32, grouped)."""
    secret = "".join(secret.split())
    return b32decode(secret + "=" * (-len(secret) % 8)).hex()


def totp_code(device_or_key, *, step: int = 30) -> str:
    """The code the app shows now, or the next one if this one was used already (django-otp takes a code only once).

    Takes a device (its key, drift and last used time step) or a hex key of an app not yet confirmed.
    """
    if isinstance(device_or_key, str):
        return f"{totp(bytes.fromhex(device_or_key), step=step):06d}"
    device = TOTPDevice.objects.get(pk=device_or_key.pk)
    now = int(time.time() - device.t0) // device.step
    wanted = max(now + device.drift, device.last_t + 1)  # within the device's tolerance of one step
    assert wanted <= now + device.drift + device.tolerance, "two codes within one step: wait for the next"
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, wanted - now):0{device.digits}d}"


def verify_session(client, user) -> TOTPDevice:
    """Mark the client's session as having passed the second factor, as django_otp.login does after a code."""
    device = confirmed_device(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[HAS_DEVICE_KEY] = True
    session.save()
    return device
