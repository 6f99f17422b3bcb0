"""The coordinators' pages of initiatives, recorded with their platform's report.

Initiatives are added, changed and removed while the report can be changed (also before its first save);
otherwise (submitted, deadline passed, round closed, or not a coordinator of the platform) the add, edit and
remove addresses show a read-only page with the reason, and refuse a POST (403), like the report does.
"""

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


def _read_only(request, report, *, title, initiative=None):
    """The answer of an add, edit or remove address when the report cannot be changed by this user: a read-only
    page saying why (GET), a 403 for a POST; None when the user may change the report's initiatives."""
    refusal = InitiativePolicy.change_refusal(request.user, report)
    if refusal is None:
        return None
    if request.method != "GET":
        raise PermissionDenied(refusal)
    return render(request, "initiatives/initiative_read_only.html", _initiative_context(
        report, initiative=initiative, refusal=refusal, title=title))


def _form_data(form) -> dict:
    return {k: v for k, v in form.cleaned_data.items() if k != "loaded_version"}


@require_http_methods(["GET", "POST"])
def initiative_create(request, round_slug, code):
    report = report_in_url(request, round_slug, code)
    if refused := _read_only(request, report, title=_("Add initiative")):
        return refused
    form = InitiativeForm(request.POST if request.method == "POST" else None, report=report)
    if request.method == "POST" and form.is_valid():
        try:
            services.initiative_create(actor=request.user, round=report.round, platform=report.platform,
                                       data=_form_data(form))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The initiative has been added."))
            return redirect(report.get_absolute_url() + "#initiatives")
    return render(request, "initiatives/initiative_form.html", _initiative_context(report, form=form))


def initiative_detail(request, round_slug, code, pk):
    report, initiative = _initiative_in_url(request, round_slug, code, pk)
    refusal = InitiativePolicy.change_refusal(request.user, initiative.report)
    return render(request, "initiatives/initiative_detail.html", _initiative_context(
        report, initiative=initiative, can_change=refusal is None,
        # A coordinator is told why the buttons are gone; readers (ministry, admins) never change initiatives.
        refusal=refusal if ReportPolicy.can_answer(request.user, report) else None))


@require_http_methods(["GET", "POST"])
def initiative_edit(request, round_slug, code, pk):
    report, initiative = _initiative_in_url(request, round_slug, code, pk)
    if refused := _read_only(request, report, title=initiative.title, initiative=initiative):
        return refused
    form = InitiativeForm(request.POST if request.method == "POST" else None, instance=initiative, report=report)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.initiative_update(actor=request.user, initiative=initiative,
                                       expected_version=form.cleaned_data["loaded_version"] or 0,
                                       data=_form_data(form))
        except StaleSave as conflict:
            messages.error(request, stale_save_message(conflict.obj))
            status = 409
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The initiative has been saved."))
            return redirect(report.get_absolute_url() + "#initiatives")
    return render(request, "initiatives/initiative_form.html", _initiative_context(
        report, form=form, initiative=initiative), status=status)


@require_http_methods(["GET", "POST"])
def initiative_delete(request, round_slug, code, pk):
    report, initiative = _initiative_in_url(request, round_slug, code, pk)
    if refused := _read_only(request, report, title=initiative.title, initiative=initiative):
        return refused
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
        report, initiative=initiative, error=error))
