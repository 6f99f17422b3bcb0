"""The second-factor pages: verify at login, set up, recovery codes, one's own settings, turning it off, and an
admin's reset of someone else's.

A wrong code counts as a failed login for django-axes (the username from this address): at the
limit the person is logged out and sees the lockout page, like after wrong passwords.
"""

from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from lopportal.forms import add_service_errors

from . import second_factor, selectors
from .forms_second_factor import CodeForm
from .middleware import step_redirect
from .permissions import PersonPolicy


def _next_url(request) -> str:
    """Where to go once the second factor is done: the page asked for, if it is a path of ours (never a view
    name: `redirect` would try to reverse anything without a slash)."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _credentials(request) -> dict:
    return {"username": request.user.get_username()}


def _locked_out(request) -> bool:
    """Locked by earlier wrong passwords or codes: log out; django-axes' middleware shows the lockout page."""
    if not settings.AXES_ENABLED:
        return False
    credentials = _credentials(request)
    if not AxesProxyHandler.is_locked(request, credentials):
        return False
    request.axes_locked_out, request.axes_credentials = True, credentials
    logout(request)
    return True


def _code_refused(request, form) -> None:
    """Count a wrong code as a failed login; at the limit django-axes locks the person out, and they are logged out."""
    user_login_failed.send(sender=__name__, credentials=_credentials(request), request=request)
    if getattr(request, "axes_locked_out", False):
        logout(request)
        return
    form.add_error("code", _("This code is not right, or it has been used already. Check that the time on your "
                             "phone is right and type the code shown at this moment."))


def _code_accepted(request, device) -> None:
    """The session has passed its second factor with `device`: earlier failures are cleared and, if this is the
    step of the login, the session gets a new key (a session that gained rights; no session fixation)."""
    was_verified = request.user.is_verified()
    otp_login(request, device)
    if not was_verified:
        request.session.cycle_key()
    request.session[second_factor.HAS_DEVICE_KEY] = True
    if settings.AXES_ENABLED and settings.AXES_RESET_ON_SUCCESS:
        AxesProxyHandler.update_request(request)
        axes_reset(ip=request.axes_ip_address, username=request.user.get_username())


def _check(request, form):
    """Check the form's code against the person's devices: the device that took it, or None (the form says why).

    None with `request.axes_locked_out` set means the person was locked out and logged out.
    """
    if _locked_out(request) or not form.is_valid():
        return None
    device, allowed = second_factor.code_check(user=request.user, code=form.cleaned_data["code"])
    if device is not None:
        _code_accepted(request, device)
        return device
    if not allowed:  # not checked at all, so not counted either: django-otp asks to wait after wrong codes
        form.add_error("code", _("Too many wrong codes in a row: wait a few seconds and try again."))
    else:
        _code_refused(request, form)
    return None


def _lockout_or(request, response):
    """The lockout page (django-axes' middleware puts it in place) when the person was just locked out."""
    return redirect("login") if getattr(request, "axes_locked_out", False) else response


def _codes_left_message(request) -> None:
    left = second_factor.second_factor_status(request.user)["codes_left"]
    text = ngettext("You used a recovery code: %(count)d is left.", "You used a recovery code: %(count)d are left.",
                    left) % {"count": left}
    if left <= 3:
        text += " " + _("Make new recovery codes on the page “Two-step verification”.")
    messages.warning(request, text)


@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_verify(request):
    """After the password: a code from the app or a recovery code."""
    next_url = _next_url(request)
    if request.session.get(second_factor.HAS_DEVICE_KEY) and not second_factor.has_second_factor(request.user):
        request.session[second_factor.HAS_DEVICE_KEY] = False  # turned off since, in another session
    step = second_factor.pending_step(request)
    if step != "verify":
        return step_redirect(step, next_url) if step else redirect(next_url)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        device = _check(request, form)
        if device is not None:
            if isinstance(device, StaticDevice):
                _codes_left_message(request)
            return redirect(next_url)
    return _lockout_or(request, render(request, "accounts/second_factor_verify.html", {
        "form": form, "next": next_url,
    }))


@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_setup(request):
    """Set up an authenticator app: scan the QR code (or type the key), confirm with a code; then the recovery codes.

    Also how someone with a second factor moves to a new phone, once this session has passed the old one.
    """
    next_url = _next_url(request)
    if second_factor.has_second_factor(request.user) and not request.user.is_verified():
        return step_redirect("verify", next_url)  # only the present phone may add another
    key = request.session.get(second_factor.SETUP_KEY)
    if not key:
        key = request.session[second_factor.SETUP_KEY] = second_factor.new_totp_key()
    form = CodeForm(request.POST if request.method == "POST" else None, recovery=False)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = second_factor.second_factor_enable(user=request.user, key=key,
                                                               code=form.cleaned_data["code"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            del request.session[second_factor.SETUP_KEY]
            _code_accepted(request, device)
            request.session[second_factor.NEW_CODES_KEY] = codes
            messages.success(request, _("Two-step verification is on: from now on you log in with your password and "
                                        "a code from your app."))
            return redirect(resolve_url("second_factor_recovery_codes") + "?" + urlencode({"next": next_url}))
    return render(request, "accounts/second_factor_setup.html", {
        "form": form, "next": next_url, "qr_code": second_factor.qr_code_svg(request.user, key),
        "secret": second_factor.secret_text(key), "required": second_factor.must_have_second_factor(request.user),
        "replacing": second_factor.has_second_factor(request.user),
    })


@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_recovery_codes(request):
    """The recovery codes just made (once), or new ones after a code from the app."""
    next_url = _next_url(request)
    if not second_factor.has_second_factor(request.user):
        return redirect("second_factor_setup")
    codes = request.session.pop(second_factor.NEW_CODES_KEY, None) if request.method == "GET" else None
    form = CodeForm(request.POST if request.method == "POST" else None, recovery=False)
    if request.method == "POST" and _check(request, form) is not None:
        request.session[second_factor.NEW_CODES_KEY] = second_factor.recovery_codes_renew(user=request.user)
        return redirect(resolve_url("second_factor_recovery_codes") + "?" + urlencode({"next": next_url}))
    return _lockout_or(request, render(request, "accounts/second_factor_recovery_codes.html", {
        "codes": codes, "form": form, "next": next_url,
        "status": second_factor.second_factor_status(request.user),
    }))


@never_cache
@require_GET
def second_factor_manage(request):
    """One's own two-step verification: on or off, recovery codes left, and what one can do."""
    return render(request, "accounts/second_factor_manage.html", {
        "status": second_factor.second_factor_status(request.user),
        "required": second_factor.must_have_second_factor(request.user),
    })


@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_disable(request):
    """Turn off one's own second factor (coordinators), after a code from it."""
    if not second_factor.can_turn_off(request.user):
        raise PermissionDenied
    if not second_factor.has_second_factor(request.user):
        return redirect("second_factor_manage")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _check(request, form) is not None:
        try:
            second_factor.second_factor_disable(user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            request.session[second_factor.HAS_DEVICE_KEY] = False
            request.session.pop(DEVICE_ID_SESSION_KEY, None)
            messages.success(request, _("Two-step verification is off: you log in with your password alone."))
            return redirect("second_factor_manage")
    return _lockout_or(request, render(request, "accounts/second_factor_disable.html", {"form": form}))


@require_POST
def second_factor_reset(request, pk):
    """An admin removes another person's second factor (a lost phone): recorded, and the person is logged out."""
    if not PersonPolicy.can_access(request.user):
        raise PermissionDenied
    person = selectors.person_get(user=request.user, pk=pk)
    if not second_factor.can_reset(request.user, person):
        messages.error(request, _("You cannot reset your own two-step verification; ask another admin."))
        raise PermissionDenied
    try:
        second_factor.second_factor_reset(actor=request.user, person=person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if second_factor.must_have_second_factor(person):
            text = _("The two-step verification of %(name)s has been reset and they are logged out: they set up a "
                     "new one at their next login.")
        else:
            text = _("The two-step verification of %(name)s has been reset and they are logged out: they log in with "
                     "their password alone until they turn it on again.")
        messages.success(request, text % {"name": person})
    return redirect("people:detail", pk=person.pk)
