"""Password reset: Django's views, throttled, with our token, answering alike whether an account uses the address."""

import hashlib
import logging
import time

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.hashers import make_password
from django.core.cache import caches
from django.http import HttpResponseRedirect

from lopportal.client_address import client_ip
from mail.models import MailKind
from mail.rendering import mail_render
from mail.services import mail_queue

from .models import User
from .tokens import default_token_generator

logger = logging.getLogger(__name__)

# (requests, seconds). Beyond either limit the request gets the same "if the address is known, a mail
# was sent" page, and no mail: a mailbox is not flooded (the review sent six mails to one address
# within a second), and the limits say nothing about whether an account uses the address.
MAILS_PER_ADDRESS = (3, 60 * 60)
REQUESTS_PER_CLIENT = (10, 15 * 60)

# The stand-in's password: an unusable one (it is only signed into the token), made once.
STAND_IN_PASSWORD = make_password(None)


class ResetForm(PasswordResetForm):
    """Django's reset form, doing for an address no account uses what it does for one that an account uses,
    except sending the mail."""

    def get_users(self, email):
        # For an unknown address (or an inactive account's, or one without a password: Django sends
        # those nothing either) a stand-in user, never saved, goes through the same steps: the token
        # (with its query), the link, both templates rendered. Only the sending is left out.
        return list(super().get_users(email)) or [User(username="", email=email, password=STAND_IN_PASSWORD)]

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        # Plain text only (our view names no HTML template); queued, so the request never waits for the mail server.
        subject, body = mail_render(subject_template_name.removesuffix("_subject.txt"), context)
        if context["user"].pk is None:
            return  # the stand-in
        try:
            mail_queue(kind=MailKind.PASSWORD_RESET, recipients=[to_email], subject=subject, body=body)
        except Exception:  # as Django's form: the page must not tell that a mail was being sent
            logger.exception("Failed to queue password reset email to %s", context["user"].pk)


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link: at most MAILS_PER_ADDRESS per address and REQUESTS_PER_CLIENT per client address.

    Whether an account uses the address must not show in how long the answer takes (the review
    measured 18-121 ms for a known address, 11-15 ms for an unknown one). Two measures, because
    neither is enough alone: the same work for both (ResetForm: a stand-in user for an unknown
    address) removes the rendering and token time, which varies with the server's load and would
    need a long pause to hide; what remains is queuing the mail (two rows in the database; the
    worker hands it to the mail server later), which cannot be done for an address without
    sending, so every request is also held to a minimum duration (PASSWORD_RESET_MIN_SECONDS, a
    fraction of a second). The limits keep those pauses from tying up workers.
    """

    form_class = ResetForm
    token_generator = default_token_generator
    # mail.rendering.mail_render's names: registration/password_reset_subject.txt and registration/password_reset.txt.
    subject_template_name = "registration/password_reset_subject.txt"
    email_template_name = "registration/password_reset.txt"

    def post(self, request, *args, **kwargs):
        started = time.monotonic()
        response = super().post(request, *args, **kwargs)
        remaining = started + settings.PASSWORD_RESET_MIN_SECONDS - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
        return response

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        address_key = "password-reset:address:" + hashlib.sha256(email.casefold().encode()).hexdigest()
        if not _within_limit(f"password-reset:client:{client_ip(self.request)}", REQUESTS_PER_CLIENT):
            logger.warning("Password reset refused: too many requests from one client address.")
        elif not _within_limit(address_key, MAILS_PER_ADDRESS):
            logger.warning("Password reset refused: too many requests for one e-mail address.")
        else:
            return super().form_valid(form)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choose a new password through a reset or invitation link, checked with our token (accounts/tokens.py)."""

    token_generator = default_token_generator


def _within_limit(key: str, limit: tuple[int, int]) -> bool:
    """Count one more request under `key` in the shared cache (a database table, so the count holds across
    workers and app servers); False once there were more than the limit allows."""
    cache = caches["shared"]
    allowed, seconds = limit
    cache.add(key, 0, seconds)  # the window starts with the first request
    try:
        return cache.incr(key) <= allowed
    except ValueError:  # the key expired between add and incr: a new window
        cache.set(key, 1, seconds)
        return True
