"""The report form's autosave (a draft saved while the coordinator types) and the form's never-lose-work parts.

The endpoint answers JSON only, never a redirect: a script cannot follow one to the login page, and
the typed answers would be lost on the way. See docs in rounds/merge.py (stale saves) and
rounds/kept.py (a form posted after the session ended).
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import resolve_url
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import kept, merge, selectors
from ..forms import ReportForm
from ..permissions import ReportPolicy
from ..presenters import progress
from ..questionnaire import definition_for
from ..services import reports


def report_page(view_kwargs) -> str:
    """The report page an autosave belongs to: where logging in (again) returns to."""
    return reverse("rounds:report", kwargs={"round_slug": view_kwargs["round_slug"], "code": view_kwargs["code"]})


def form_data(request, *, report, definition, level, values, notes):
    """(the report form's data, whether it is a form kept over a login) for the report page.

    A POST with the "take theirs" choices of a merge applied; on GET the form posted after the
    session ended, kept for this user and page (rounds/kept.py), or None.
    """
    if request.method == "POST":
        return merge.apply_choices(request.POST, report=report, definition=definition, level=level, values=values,
                                   notes=notes), False
    data = kept.take(request) if ReportPolicy.can_edit(request.user, report) else None
    return data, data is not None


def form_state(request, form, *, definition, level, values, notes) -> str:
    """The signed state the form carries: as posted (a form shown again), or of the answers as loaded."""
    if form.is_bound:
        return form.data.get(merge.STATE_FIELD, "")
    return merge.report_state(user=request.user, path=request.path, definition=definition, level=level,
                              values=values, notes=notes)


def stale(request, conflict, form, *, definition, level, values, notes, data):
    """(the merge, the form again: the merged answers with the saved version) after a refused stale save.

    For the report page's own POST (request.path is the report's page)."""
    merged = merge.report_merge(user=request.user, path=request.path,
                                current=conflict.obj, definition=definition, level=level, posted=data,
                                values=form.values(), notes=form.notes())
    form = ReportForm(merged.data, definition=definition, level=level, values=values, notes=notes,
                      version=merged.version)
    return merged, form


def _login_url(next_url: str) -> str:
    return f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': next_url})}"


@login_not_required  # checked below: a 401 with the login page's address instead of a redirect to it
@require_POST
def report_autosave(request, round_slug, code):
    """Save the report form as a draft (the same service and version check as the manual save); JSON."""
    page = report_page({"round_slug": round_slug, "code": code})
    if not request.user.is_authenticated:
        return JsonResponse({"login_url": _login_url(page)}, status=401)
    # The report's row only: the service reads its answers once, locked, to write what changed.
    report = selectors.report_for(user=request.user, round=selectors.round_get(slug=round_slug), code=code,
                                  contents=False)
    refusal = ReportPolicy.edit_refusal(request.user, report)
    if refusal:
        return JsonResponse({"error": refusal}, status=403)
    definition = definition_for(report.round)
    level = report.platform.level
    data = request.POST
    if merge.has_choices(data):  # "take theirs" after a merge: the saved answers are needed
        values, notes = selectors.report_values(report, definition)
        data = merge.apply_choices(data, report=report, definition=definition, level=level, values=values,
                                   notes=notes)
    # Bound to what was posted: the answers as loaded would only be the fields' initial values, never shown here.
    form = ReportForm(data, definition=definition, level=level, values={}, notes={}, version=report.version)
    if not form.is_valid():
        return _invalid(form, form.errors)
    try:
        saved = reports.report_save(
            actor=request.user, round=report.round, platform=report.platform,
            expected_version=form.cleaned_data["loaded_version"], values=form.values(), notes=form.notes(),
            submit=False,
        )
    except reports.StaleSave as conflict:
        merged = merge.report_merge(user=request.user, path=page, current=conflict.obj, definition=definition,
                                    level=level, posted=data, values=form.values(), notes=form.notes())
        return JsonResponse({
            "conflict": True, "version": merged.version, "state": merged.state, "updates": merged.updates,
            "merge_html": render_to_string("rounds/report_merge.html", {"merge": merged}, request=request),
        }, status=409)
    except ValidationError as error:
        refusal = ReportPolicy.edit_refusal(request.user, report)  # e.g. submitted in another tab meanwhile
        if refusal:
            return JsonResponse({"error": refusal}, status=403)
        if hasattr(error, "error_dict"):
            form.add_column_errors(error.message_dict)
            return _invalid(form, form.errors)
        return _invalid(form, {"__all__": error.messages})
    typed_values, typed_notes = form.values(), form.notes()
    return JsonResponse({
        "version": saved.version,
        "saved_at": date_format(localtime(saved.updated_at), "H:i"),
        "state": merge.report_state(user=request.user, path=page, definition=definition, level=level,
                                    values=typed_values, notes=typed_notes),
        "progress": progress(definition, level, typed_values).as_json(),
    })


def _invalid(form, errors) -> JsonResponse:
    """400: nothing saved; the errors per field (the form's names), and in one sentence for the status line."""
    errors = {name: [str(message) for message in messages] for name, messages in errors.items()
              if name != "loaded_version"} or {"__all__": [str(m) for m in errors.get("loaded_version", [])]}
    labels = []
    for name in errors:
        field = form.fields.get(name)
        slot = getattr(field, "slot", None)
        labels.append(slot.label if slot else str(field.label) if field else "")
    return JsonResponse({"errors": errors, "message": _(
        "Not saved: please look at these answers: %(questions)s.") % {
        "questions": "; ".join(label for label in labels if label) or _("the form")}}, status=400)


# The second factor's gate (accounts/middleware.py) answers this view's requests with a 401 too, and this page.
report_autosave.page_after_login = report_page
