"""The second factor's gate: a session that must pass it reaches only the pages that let it do so."""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from . import second_factor

# What a logged-in session that has not passed its second factor may still open: the two pages that
# let it pass, logging in (as someone else) and out, and the pages that are public anyway.
OPEN_BEFORE_SECOND_FACTOR = {
    "second_factor_verify", "second_factor_setup", "login", "logout", "accessibility", "healthz",
}
STEP_URLS = {"verify": "second_factor_verify", "setup": "second_factor_setup"}


def step_url(step: str, next_url: str) -> str:
    """The verify or setup page, coming back to `next_url` afterwards."""
    return reverse(STEP_URLS[step]) + "?" + urlencode({"next": next_url})


def step_redirect(step: str, next_url: str):
    return redirect(step_url(step, next_url))


class SecondFactorMiddleware:
    """Sends an admin's or ministry user's session, and that of anyone with a second factor, to verify (or set up)
    their second factor before any other page; everyone else passes untouched.

    Goes after django-otp's OTPMiddleware (which tells whether the session has passed it). Static
    files never get here (WhiteNoise serves them first). Sets `request.second_factor_step` for the
    navigation bar, which shows only "log out" until the step is done.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        step = second_factor.pending_step(request)
        request.second_factor_step = step
        if step is None or request.resolver_match.view_name in OPEN_BEFORE_SECOND_FACTOR:
            return None
        page = getattr(view_func, "page_after_login", None)
        if page is not None:  # a script's request (the report's autosave): the step's address, not a redirect
            return JsonResponse({"login_url": step_url(step, page(view_kwargs))}, status=401)
        return step_redirect(step, request.get_full_path())
