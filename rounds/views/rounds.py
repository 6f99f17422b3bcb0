"""Admins' pages for rounds, their platforms, and themes."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lopportal.forms import add_service_errors

from .. import selectors
from ..forms import RoundForm, ThemeForm
from ..forms_roster import RosterAddForm, RosterRemoveForm
from ..models import ReportingRound, Theme
from ..permissions import RoundPolicy
from ..services import rounds as round_services


def _require_admin(request):
    if not RoundPolicy.can_manage(request.user):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def round_form(request, round_slug=None):
    _require_admin(request)
    round = selectors.round_get(slug=round_slug) if round_slug else ReportingRound()
    form = RoundForm(request.POST if request.method == "POST" else None, instance=round)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in RoundForm.Meta.fields}
        try:
            # The bound form already put the new values on its instance; the service starts from the stored ones.
            stored = ReportingRound.objects.get(pk=round.pk) if round.pk else ReportingRound()
            saved = round_services.round_save(actor=request.user, round=stored, data=data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The round has been saved."))
            return redirect("rounds:detail", round_slug=saved.slug)
    return render(request, "rounds/round_form.html", {"form": form, "round": round if round.pk else None})


@require_http_methods(["GET", "POST"])
def round_close(request, round_slug):
    _require_admin(request)
    round = selectors.round_get(slug=round_slug)
    error = None
    if request.method == "POST":
        service = round_services.round_open if round.is_closed else round_services.round_close
        try:
            service(actor=request.user, round=round)
        except ValidationError as refusal:
            error = refusal.messages[0]
        else:
            messages.success(request, _("The round has been closed.") if round.is_closed
                             else _("The round is open again."))
            return redirect("rounds:detail", round_slug=round.slug)
    return render(request, "rounds/round_close.html", {"round": round, "error": error})


def theme_list(request):
    _require_admin(request)
    return render(request, "rounds/theme_list.html", {"themes": Theme.objects.all()})


@require_http_methods(["GET", "POST"])
def theme_form(request, theme_slug=None):
    _require_admin(request)
    theme = get_object_or_404(Theme, slug=theme_slug) if theme_slug else Theme()
    form = ThemeForm(request.POST if request.method == "POST" else None, instance=theme)
    if request.method == "POST" and form.is_valid():
        try:
            stored = Theme.objects.get(pk=theme.pk) if theme.pk else Theme()
            round_services.theme_save(actor=request.user, theme=stored,
                                      data={f: form.cleaned_data[f] for f in ThemeForm.Meta.fields})
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The theme has been saved."))
            return redirect("rounds:theme_list")
    return render(request, "rounds/theme_form.html", {"form": form, "theme": theme if theme.pk else None})


# The platforms of a round --------------------------------------------------------------------------------------


def _round_for_roster(request, round_slug) -> ReportingRound:
    _require_admin(request)
    return get_object_or_404(ReportingRound, slug=round_slug)


@require_http_methods(["GET", "POST"])
def round_roster(request, round_slug):
    """The round's platforms, the platforms that could be added, the changes; and the form to add one."""
    round = _round_for_roster(request, round_slug)
    roster = selectors.roster(round)
    form = RosterAddForm(request.POST if request.method == "POST" else None, platforms=roster.addable)
    if request.method == "POST" and form.is_valid():
        platform = form.cleaned_data["platform"]
        try:
            round_services.round_platform_add(actor=request.user, round=round, platform=platform,
                                              reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(platform)s has been added to the round.") % {"platform": platform.name})
            return redirect("rounds:roster", round_slug=round.slug)
    return render(request, "rounds/roster.html", {
        "round": round, "roster": roster, "form": form,
        "can_change": RoundPolicy.can_change_platforms(request.user, round),
    })


@require_http_methods(["GET", "POST"])
def round_roster_remove(request, round_slug, code):
    """The confirmation, with the reason, of taking a platform out of the round."""
    round = _round_for_roster(request, round_slug)
    platform = selectors.round_platform_get(round=round, code=code)
    form = RosterRemoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            round_services.round_platform_remove(actor=request.user, round=round, platform=platform,
                                                 reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(platform)s has been taken out of the round.") % {"platform": platform.name})
            return redirect("rounds:roster", round_slug=round.slug)
    return render(request, "rounds/roster_remove.html", {
        "round": round, "platform": platform, "form": form,
        "report": selectors.report_of(round=round, platform=platform),
        "can_change": RoundPolicy.can_change_platforms(request.user, round),
    })
