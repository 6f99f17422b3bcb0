import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from initiatives import selectors as initiative_selectors
from lopportal.forms import add_service_errors
from mail.notices import mail_delay_notice
from summaries import exports

from .. import history, merge, selectors, status
from ..forms import ReopenForm, ReportForm, ReturnForm
from ..permissions import ReportPolicy
from ..presenters import (
    condition_rules,
    form_error_links,
    progress,
    report_navigation,
    report_sections,
    shown_values,
    submit_overview,
)
from ..questionnaire import definition_for
from ..services import reports
from . import autosave


def round_list(request):
    overviews = selectors.round_overviews(user=request.user, rounds=selectors.round_list())
    return render(request, "rounds/round_list.html", {"overviews": overviews})


def round_detail(request, round_slug):
    round = selectors.round_get(slug=round_slug)
    overview, filter_form = status.round_status(user=request.user, round=round, query=request.GET)
    return render(request, "rounds/round_detail.html", {
        "round": round, "overview": overview, "filter_form": filter_form,
        "columns": status.columns(overview, request.GET), "download_query": status.download_query(request.GET),
    })


def round_status_download(request, round_slug, fmt):
    """The round page's status table as a file, with the page's filters and sort (ministry and admins)."""
    round = selectors.round_get(slug=round_slug)
    if not request.user.reads_everything:
        raise PermissionDenied
    overview, _form = status.round_status(user=request.user, round=round, query=request.GET)
    rows = status.status_file_rows(overview)
    if fmt == "csv":
        return exports.csv_response(rows, f"{round.slug}-status.csv", dialect=exports.csv_dialect(request))
    return exports.xlsx_response(rows, f"{round.slug}-status.xlsx", title="status")


def report_in_url(request, round_slug, code, *, contents: bool = True):
    """The report of the URL's round and platform, within the user's reach (404 otherwise).

    `report.round` is the round with its questionnaire and themes (`selectors.round_get`); `contents`:
    see `selectors.report_for`.
    """
    return selectors.report_for(user=request.user, round=selectors.round_get(slug=round_slug), code=code,
                                contents=contents)


# Where the page was when it was saved (a section's or a question's id): the save returns there.
ANCHOR = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,200}")
# The answers posted again by the confirmation step (everything but the buttons and the token).
NOT_CARRIED = {"csrfmiddlewaretoken", "submit", "confirm_submit", "back", "save", "add_initiative"}


def _return_to(request, report) -> str:
    """The report's address, at the part of the page the coordinator was at when saving."""
    anchor = request.POST.get("anchor", "")
    return report.get_absolute_url() + (f"#{anchor}" if ANCHOR.fullmatch(anchor) else "")


@require_http_methods(["GET", "POST"])
def report(request, round_slug, code):
    """The coordinators' report form (read-only when it cannot be changed); "submit" asks to confirm first.

    POST buttons: save (a draft), submit (shows the overview to confirm: nothing is saved yet),
    confirm_submit (submits), back (the form again with what was posted), add_initiative (saves a
    draft, then the initiative form).
    """
    # A POST's form shows what was posted: the saved answers are read for a merge's "take theirs" only, and the
    # initiatives when the page is shown again (a save that succeeds redirects without either).
    report = report_in_url(request, round_slug, code, contents=request.method == "GET")
    if request.method == "POST" and not ReportPolicy.can_answer(request.user, report):
        raise PermissionDenied
    definition = definition_for(report.round)
    level = report.platform.level
    if request.method == "GET" or merge.has_choices(request.POST):
        values, notes = selectors.report_values(selectors.report_contents(report), definition)
    else:
        values, notes = {}, {}
    confirmed = "confirm_submit" in request.POST
    asking = "submit" in request.POST and not confirmed
    going_back = "back" in request.POST
    submitting = confirmed or (asking and not going_back)
    # A merge's "take theirs" choices applied; on GET a form posted after the session ended (rounds/kept.py).
    data, restored = autosave.form_data(request, report=report, definition=definition, level=level, values=values,
                                        notes=notes)
    form = ReportForm(data, definition=definition, level=level,
                      values=values, notes=notes, version=report.version, submitting=submitting)
    status, merged = 200, None
    if request.method == "POST" and not going_back and form.is_valid() and asking:
        return render(request, "rounds/report_confirm.html", {
            "round": report.round, "report": report, "platform": report.platform, "form": form,
            "overview": submit_overview(form, shown_values(form, values),
                                        len(initiative_selectors.report_initiatives(report))),
            "carried": [(name, value) for name, posted in form.data.lists() if name not in NOT_CARRIED
                        for value in posted],
        })
    if request.method == "POST" and not going_back and form.is_valid():
        try:
            reports.report_save(
                actor=request.user, round=report.round, platform=report.platform,
                expected_version=form.cleaned_data["loaded_version"], values=form.values(), notes=form.notes(),
                submit=submitting,
            )
        except reports.StaleSave as conflict:
            # Side by side, per question, with a choice; the form then names the saved version (rounds/merge.py).
            merged, form = autosave.stale(request, conflict, form, definition=definition, level=level,
                                          values=values, notes=notes, data=data)
            status = 409
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form.add_column_errors(error.message_dict)
            else:
                add_service_errors(form, error)
        else:
            messages.success(request, _("Your report has been submitted. Thank you!") if submitting
                             else _("Your answers have been saved as a draft."))
            if "add_initiative" in request.POST and not submitting:
                return redirect(reverse("rounds:initiative_create", args=[report.round.slug, report.platform.code]))
            return redirect(report.get_absolute_url() if submitting else _return_to(request, report))
    initiatives = initiative_selectors.report_initiatives(selectors.report_contents(report))
    can_edit = ReportPolicy.can_edit(request.user, report)
    editable = can_edit or request.method == "POST"  # a refused POST shows the form again: nothing typed is lost
    shown = shown_values(form, values)
    counted = progress(definition, level, shown)
    anchor = request.POST.get("anchor", "")
    return render(request, "rounds/report.html", {
        "round": report.round, "report": report, "platform": report.platform, "form": form,
        "merge": merged, "restored": restored, "autosave_state": autosave.form_state(
            request, form, definition=definition, level=level, values=values, notes=notes),
        "editable": editable, "can_edit": can_edit,
        "refusal": ReportPolicy.edit_refusal(request.user, report),
        # The answers read-only (the form shows them otherwise).
        "sections": None if editable else report_sections(definition, level, values, notes),
        "progress": counted, "navigation": report_navigation(form, counted),
        "rules": condition_rules(form), "anchor": anchor if ANCHOR.fullmatch(anchor) else "",
        "overview": submit_overview(form, shown, len(initiatives)),
        "error_links": form_error_links(form) if request.method == "POST" and not going_back else [],
        "initiatives": initiatives,
        "can_return": ReportPolicy.can_return(request.user, report),
        "can_reopen": ReportPolicy.can_reopen(request.user, report),
        "reminders": selectors.report_reminders(report) if request.user.is_admin else None,
    }, status=status)


def report_history(request, round_slug, code):
    report = report_in_url(request, round_slug, code)
    return render(request, "rounds/report_history.html", {
        "round": report.round, "report": report, "platform": report.platform, "entries": history.report_history(report),
    })


def _report_action(request, round_slug, code, *, action, may, form_class, perform, done, allowed,
                   template="rounds/report_action.html", extra=None):
    """The page of an action on a report by the ministry or an admin (return, reopen): a comment, then do it.

    `extra(report)` adds to the page's context (the return form shows the report's answers)."""
    report = report_in_url(request, round_slug, code)
    if not may(request.user):
        raise PermissionDenied
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            perform(report, form.cleaned_data["comment"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            mail_delay_notice(request)
            return redirect(report.get_absolute_url())
    return render(request, template, {
        "round": report.round, "report": report, "platform": report.platform, "form": form, "action": action,
        "allowed": allowed(request.user, report), **(extra(report) if extra else {}),
    })


def _answers_shown(report) -> dict:
    """The report's answers read-only, per section with its notes, and its number of initiatives (prefetched)."""
    definition = definition_for(report.round)
    values, notes = selectors.report_values(report, definition)
    return {"sections": report_sections(definition, report.platform.level, values, notes),
            "initiative_count": len(report.initiatives.all()) if report.pk else 0}


@require_http_methods(["GET", "POST"])
def report_return(request, round_slug, code):
    return _report_action(
        request, round_slug, code, action="return", may=lambda user: user.reads_everything, form_class=ReturnForm,
        perform=lambda report, comment: reports.report_return(actor=request.user, report=report, comment=comment),
        done=_("The report has been returned to the coordinators; a mail to them is on its way."),
        allowed=ReportPolicy.can_return, template="rounds/report_return.html", extra=_answers_shown,
    )


@require_http_methods(["GET", "POST"])
def report_reopen(request, round_slug, code):
    return _report_action(
        request, round_slug, code, action="reopen", may=lambda user: user.is_admin, form_class=ReopenForm,
        perform=lambda report, comment: reports.report_reopen(actor=request.user, round=report.round,
                                                              platform=report.platform, comment=comment),
        done=_("The report has been reopened for its coordinators; a mail to them is on its way."),
        allowed=ReportPolicy.can_reopen,
    )


