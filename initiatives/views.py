"""The coordinators' pages of initiatives, recorded with their platform's report."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lopportal.forms import add_service_errors
from rounds.permissions import ReportPolicy
from rounds.presenters import stale_save_message
from rounds.services.reports import StaleSave
from rounds.views.reports import report_in_url

from . import selectors, services
from .forms import InitiativeForm
from .permissions import InitiativePolicy


def _initiative_in_url(request, round_slug, code, pk):
    report = report_in_url(request, round_slug, code)
    return report, selectors.initiative_get(user=request.user, report=report, pk=pk)


def _initiative_context(report, **extra):
    return {"round": report.round, "report": report, "platform": report.platform, **extra}


@require_http_methods(["GET", "POST"])
def initiative_create(request, round_slug, code):
    report = report_in_url(request, round_slug, code)
    if not ReportPolicy.can_answer(request.user, report):
        raise PermissionDenied
    form = InitiativeForm(request.POST if request.method == "POST" else None, report=report)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "loaded_version"}
        try:
            services.initiative_create(actor=request.user, round=report.round, platform=report.platform, data=data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The initiative has been added."))
            return redirect(report.get_absolute_url() + "#initiatives")
    return render(request, "initiatives/initiative_form.html", _initiative_context(
        report, form=form, refusal=ReportPolicy.edit_refusal(request.user, report)))


def initiative_detail(request, round_slug, code, pk):
    report, initiative = _initiative_in_url(request, round_slug, code, pk)
    return render(request, "initiatives/initiative_detail.html", _initiative_context(
        report, initiative=initiative, can_change=InitiativePolicy.can_change(request.user, initiative)))


@require_http_methods(["GET", "POST"])
def initiative_edit(request, round_slug, code, pk):
    report, initiative = _initiative_in_url(request, round_slug, code, pk)
    if not ReportPolicy.can_answer(request.user, report):
        raise PermissionDenied
    form = InitiativeForm(request.POST if request.method == "POST" else None, instance=initiative, report=report)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "loaded_version"}
        try:
            services.initiative_update(actor=request.user, initiative=initiative,
                                       expected_version=form.cleaned_data["loaded_version"] or 0, data=data)
        except StaleSave as conflict:
            messages.error(request, stale_save_message(conflict.obj))
            status = 409
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The initiative has been saved."))
            return redirect(report.get_absolute_url() + "#initiatives")
    return render(request, "initiatives/initiative_form.html", _initiative_context(
        report, form=form, initiative=initiative, refusal=ReportPolicy.edit_refusal(request.user, report)),
        status=status)


@require_http_methods(["GET", "POST"])
def initiative_delete(request, round_slug, code, pk):
    report, initiative = _initiative_in_url(request, round_slug, code, pk)
    if not ReportPolicy.can_answer(request.user, report):
        raise PermissionDenied
    error = None
    if request.method == "POST":
        try:
            services.initiative_delete(actor=request.user, initiative=initiative)
        except ValidationError as refusal:
            error = refusal.messages[0]
        else:
            messages.success(request, _("The initiative has been removed."))
            return redirect(report.get_absolute_url() + "#initiatives")
    return render(request, "initiatives/initiative_delete.html", _initiative_context(
        report, initiative=initiative, error=error or ReportPolicy.edit_refusal(request.user, report)))
