"""Project-wide views: each role's home page, login, health check, error pages."""

import sys

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache

from accounts import second_factor
from accounts.middleware import step_url
from accounts.selectors import role_counts
from platforms.selectors import platform_level_counts, platform_list
from rounds.selectors import round_list, round_overviews


class LoginView(auth_views.LoginView):
    """Django's login, listing the demo accounts when DEBUG is on; then the second factor for those who need it."""

    def get_success_url(self):
        # The page asked for waits until the second factor is done (accounts/middleware.py would send
        # the session there on its next request anyway; this saves the detour).
        url = super().get_success_url()
        step = second_factor.pending_step(self.request)
        return step_url(step, url) if step else url

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if settings.DEBUG:
            from platforms.demo import DEMO_PASSWORD, DEMO_USERS

            context["demo_accounts"] = DEMO_USERS
            context["demo_password"] = DEMO_PASSWORD
        return context


def home(request):
    """Each role lands on its own page."""
    user = request.user
    if user.is_admin or user.is_ministry:
        return render(request, "home/admin.html" if user.is_admin else "home/ministry.html", {
            "role_counts": role_counts() if user.is_admin else None,
            "level_counts": platform_level_counts(user=user),
            "overviews": round_overviews(user=user, rounds=round_list()[:5]),
        })
    if user.is_coordinator:
        return render(request, "home/coordinator.html", {
            "platforms": platform_list(user=user),
            "overviews": round_overviews(user=user, rounds=round_list()[:5]),
        })
    return render(request, "home/no_role.html", status=403)


def server_error(request):
    """The 500 handler: a database that cannot be reached is a friendly 503, anything else a 500.

    Django calls this while handling the exception, also one raised in a middleware (the session
    and login checks need the database too), so `sys.exception()` tells which it was. Neither
    page touches the database or the session.
    """
    error = sys.exception()
    if isinstance(error, (OperationalError, InterfaceError)):
        # Every write is one transaction: a save that met the outage kept nothing.
        content = render_to_string("503.html", {"was_save": request.method == "POST"})
        return HttpResponse(content, status=503, headers={"Retry-After": "30"})
    return HttpResponseServerError(render_to_string("500.html"))


@login_not_required
def accessibility(request):
    """The accessibility statement that EU directive 2016/2102 requires, for everyone."""
    return render(request, "accessibility.html")


@login_not_required
@never_cache
def healthz(request):
    """200 when the database answers, 503 when it does not; no login, no session."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
