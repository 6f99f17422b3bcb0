"""A report form posted after the session ended, kept over the login so that nothing typed is lost.

Without JavaScript a save after the idle timeout lands on the login page. The posted form is then
kept in the (new, anonymous) session, which the login carries over; the report page shows it again
once the same user is back. Only a form whose signed state (rounds/merge.py) was rendered for this
page is kept, only for the user it was rendered for, size-bounded and for an hour.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.http import QueryDict
from django.utils.translation import gettext as _

from .merge import read_state

SESSION_KEY = "_lop_kept_report"
MAX_CHARACTERS = 64 * 1024
KEEP_SECONDS = 60 * 60
NOT_KEPT = {"csrfmiddlewaretoken", "save", "submit"}


def keep(request) -> bool:
    """Keep the report form posted by a visitor whose session ended; True when kept."""
    state = read_state(request.POST.get("loaded_state"), max_age=settings.SESSION_MAX_SECONDS)
    if not state or state.get("p") != request.path:
        return False
    fields = [(name, values) for name, values in request.POST.lists() if name not in NOT_KEPT]
    if sum(len(name) + sum(len(value) for value in values) for name, values in fields) > MAX_CHARACTERS:
        return False
    request.session[SESSION_KEY] = {"u": state["u"], "p": request.path, "t": int(time.time()), "data": fields}
    messages.info(request, _("Your session had ended, so your answers were not saved yet. They have been kept: "
                             "log in again to see them on the report."))
    return True


def take(request) -> QueryDict | None:
    """The report form kept for this user and this page (once), or None."""
    kept = request.session.get(SESSION_KEY)
    if not kept or kept.get("p") != request.path:
        return None
    del request.session[SESSION_KEY]
    if kept.get("u") != request.user.pk or time.time() - kept.get("t", 0) > KEEP_SECONDS:
        return None
    data = QueryDict(mutable=True)
    for name, values in kept["data"]:
        data.setlist(name, values)
    return data


class KeepReportFormMiddleware:
    """Keeps a report form posted without a session (rounds.kept.keep) before the login page takes over.

    Between CsrfViewMiddleware (only a form with a valid CSRF token is kept) and LoginRequiredMiddleware
    (which then sends the visitor to the login page, coming back to the report).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (request.method == "POST" and not request.user.is_authenticated
                and request.resolver_match.view_name == "rounds:report"):
            keep(request)
        return None
