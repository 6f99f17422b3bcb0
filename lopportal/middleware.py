"""Project middleware."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import ngettext

# How often an active session's expiry is moved forward. Saving the session on every request
# (SESSION_SAVE_EVERY_REQUEST) would cost a database write per page view; refreshing at most
# every few minutes keeps the idle timeout (SESSION_COOKIE_AGE) within that margin.
REFRESH_SECONDS = 5 * 60
SEEN_KEY = "_lop_seen"
# When the session's user logged in (seconds since the epoch): the start of its absolute lifetime.
LOGIN_KEY = "_lop_login"


def session_idle_timeout(get_response):
    """Keep a logged-in user's session alive while they are active, so it ends after a period idle."""

    def middleware(request):
        response = get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.get("_auth_user_id") is not None:
            now = int(time.time())
            if now - session.get(SEEN_KEY, 0) >= min(REFRESH_SECONDS, settings.SESSION_COOKIE_AGE // 4):
                session[SEEN_KEY] = now  # a modified session is saved with a fresh expiry date
                session.setdefault(LOGIN_KEY, now)  # see session_lifetime
        return response

    return middleware


def session_lifetime(get_response):
    """End a session SESSION_MAX_SECONDS after its login, however active it has been since."""

    def middleware(request):
        session = request.session
        started = timezone.now()
        now = int(started.timestamp())
        logged_in_at = session.get(LOGIN_KEY)
        if (session.get(SESSION_KEY) is not None and logged_in_at is not None
                and now - logged_in_at >= settings.SESSION_MAX_SECONDS):
            logout(request)  # a fresh, empty session: the login page (LoginRequiredMiddleware) comes next
            hours = max(1, round(settings.SESSION_MAX_SECONDS / 3600))
            messages.info(request, ngettext(
                "Your session has ended: a session lasts at most %(hours)s hour after logging in. "
                "Please log in again.",
                "Your session has ended: a session lasts at most %(hours)s hours after logging in. "
                "Please log in again.",
                hours) % {"hours": hours})
        response = get_response(request)
        # The lifetime starts at the login: Django's login() sets the user's last_login (on the very
        # object it puts on the request), also when someone logs in again over their own session,
        # which keeps its key. (An inactive account's session still holds its user id, but request.user
        # is then anonymous, without a last_login.) A session without a stamp (logged in before this
        # existed, or by the test client) gets one when it is saved anyway, not with a write of its own:
        # session_idle_timeout saves an active session within five minutes.
        last_login = getattr(request.user, "last_login", None)
        if session.get(SESSION_KEY) is not None and (
                (last_login is not None and last_login > started) or (LOGIN_KEY not in session and session.modified)):
            session[LOGIN_KEY] = now
        return response

    return middleware


def no_store_when_logged_in(get_response):
    """Tell browsers and proxies to keep no copy of anything a logged-in user receives.

    Pages, exports, summary.json and the answers' .json and .docx are personal or confidential:
    without `no-store` a browser's cache (a shared computer, the back button after logging out)
    keeps them on disk. `private` stays for any cache that ignores no-store. Static files are the
    same for everyone (and WhiteNoise serves them before this runs).
    """

    def middleware(request):
        response = get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            patch_cache_control(response, no_store=True, private=True)
        return response

    return middleware
