"""Project middleware."""

import time

from django.conf import settings

# How often an active session's expiry is moved forward. Saving the session on every request
# (SESSION_SAVE_EVERY_REQUEST) would cost a database write per page view; refreshing at most
# every few minutes keeps the idle timeout (SESSION_COOKIE_AGE) within that margin.
REFRESH_SECONDS = 5 * 60
SEEN_KEY = "_lop_seen"


def session_idle_timeout(get_response):
    """Keep a logged-in user's session alive while they are active, so it ends after a period idle."""

    def middleware(request):
        response = get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.get("_auth_user_id") is not None:
            now = int(time.time())
            if now - session.get(SEEN_KEY, 0) >= min(REFRESH_SECONDS, settings.SESSION_COOKIE_AGE // 4):
                session[SEEN_KEY] = now  # a modified session is saved with a fresh expiry date
        return response

    return middleware
