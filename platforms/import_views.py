"""The admins' import of platforms and members: upload, preview what will change, confirm.

Between the preview and the confirmation the uploaded file itself is kept in the session (base64,
at most 2 MB). Sessions live in the database, so this works with several app servers, where a
temporary file on one server would not be found by the next request on another. The confirmation
reads and checks that same file again and imports only when it still does exactly what the
preview showed; otherwise the new preview is shown to confirm again.
"""

import base64
import secrets
from dataclasses import dataclass
from pathlib import PurePath

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from lopportal.forms import inline_form_helper
from lopportal.imports import SUPPORTED_EXTENSIONS, ImportedFile, errors_shown

from . import importing

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
SESSION_KEY = "platforms_import"


@dataclass(frozen=True)
class _Kind:
    parse: object
    preview: object
    service: object
    columns: list[str]


KINDS = {
    "platforms": _Kind(importing.parse_platforms, importing.preview_platforms, importing.platforms_import,
                       importing.PLATFORM_COLUMNS),
    "members": _Kind(importing.parse_members, importing.preview_members, importing.members_import,
                     importing.MEMBER_COLUMNS),
}


class ImportForm(forms.Form):
    what = forms.ChoiceField(
        label=gettext_lazy("What does the file hold?"), widget=forms.RadioSelect, initial="platforms",
        choices=[("platforms", gettext_lazy("Platforms")), ("members", gettext_lazy("Members"))],
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("A .csv file (UTF-8, comma or semicolon) or an .xlsx file, at most 2 MB."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(_("The file is larger than 2 MB: split it into smaller files."))
        if PurePath(upload.name).suffix.lower() not in SUPPORTED_EXTENSIONS:
            raise ValidationError(_("Only .csv and .xlsx files can be imported."))
        return upload


def _require_admin(user) -> None:
    if not (user.is_authenticated and user.is_admin):
        raise PermissionDenied


def _check(what: str, data: bytes, filename: str):
    """The preview of the file, or its errors (and no preview)."""
    kind = KINDS[what]
    rows, errors = kind.parse(data, filename)
    if errors:
        return rows, [], errors
    preview, errors = kind.preview(rows)
    return rows, preview, errors


def _render_form(request, form, errors=(), status=200, *, refused: str = ""):
    # A bad file can have thousands of errors: the page lists the first ones and says how many more there are.
    # The refused file's form is this same form, still bound: the admin chooses the corrected file and sends it again.
    return render(request, "platforms/import_form.html", {
        "form": form, **errors_shown(errors), "refused": refused,
        "platform_columns": importing.PLATFORM_COLUMNS, "member_columns": importing.MEMBER_COLUMNS,
        "platform_columns_nl": importing.template_header("platforms"),
        "member_columns_nl": importing.template_header("members"),
    }, status=status)


def _render_preview(request, pending: dict, preview, *, changed: bool = False):
    counts = importing.count_actions(preview)
    changing = [row for row in preview if row.action != importing.UNCHANGED]
    context = {
        "what": pending["what"], "token": pending["token"],
        "filename": pending["filename"], "counts": counts, "changed": changed,
        "changing": changing, "unchanged": [row for row in preview if row.action == importing.UNCHANGED],
    }
    if pending["what"] == "platforms":  # what follows from the import, beyond the rows themselves
        coordinators = importing.coordinator_counts(row.code for row in changing if row.action == importing.UPDATE)
        for row in changing:
            row.coordinators = coordinators.get(row.code, 0)
        context["new_platforms"] = [row for row in changing if row.action == importing.CREATE]
        if context["new_platforms"]:
            context["rounds"] = importing.rounds_for_new_platforms()
    return render(request, "platforms/import_preview.html", context)


@require_http_methods(["GET", "POST"])
def import_upload(request):
    _require_admin(request.user)
    if request.method == "GET":
        request.session.pop(SESSION_KEY, None)  # coming back to the form cancels a pending import
        return _render_form(request, ImportForm())
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_form(request, form)
    upload = form.cleaned_data["file"]
    data = upload.read()
    what = form.cleaned_data["what"]
    _rows, preview, errors = _check(what, data, upload.name)
    if errors:
        request.session.pop(SESSION_KEY, None)
        return _render_form(request, form, errors, refused=PurePath(upload.name).name)
    pending = {
        "token": secrets.token_urlsafe(16), "what": what, "filename": PurePath(upload.name).name,
        "data": base64.b64encode(data).decode("ascii"), "digest": importing.preview_digest(preview),
    }
    request.session[SESSION_KEY] = pending
    return _render_preview(request, pending, preview)


@require_http_methods(["GET", "POST"])
def import_confirm(request):
    _require_admin(request.user)
    if request.method == "GET":  # a reload or a bookmark: the import starts with the upload form
        return redirect("platforms:import")
    pending = request.session.get(SESSION_KEY)
    token = request.POST.get("token", "")
    # Compared as bytes: compare_digest refuses str with non-ASCII characters (a TypeError, so a 500).
    if not isinstance(pending, dict) or not secrets.compare_digest(str(pending.get("token", "")).encode(),
                                                                   token.encode()) \
            or pending.get("what") not in KINDS:
        messages.error(request, _("This import is no longer waiting for a confirmation (it was imported or "
                                  "cancelled already, or the session ended): upload the file again."))
        return redirect("platforms:import")

    data = base64.b64decode(pending["data"])
    # The same file, checked again: the platforms and members may have changed since the preview.
    rows, preview, errors = _check(pending["what"], data, pending["filename"])
    if not errors:
        try:
            counts = KINDS[pending["what"]].service(actor=request.user, rows=rows, expected_digest=pending["digest"],
                                                    source=ImportedFile.of(data, pending["filename"]))
        except importing.PreviewChanged:
            _rows, preview, errors = _check(pending["what"], data, pending["filename"])
            if not errors:
                pending["digest"] = importing.preview_digest(preview)
                request.session[SESSION_KEY] = pending
                return _render_preview(request, pending, preview, changed=True)
        except ValidationError as error:  # the data changed between the check above and the transaction
            errors = [importing.RowError(None, None, message) for message in error.messages]
    if errors:
        request.session.pop(SESSION_KEY, None)
        messages.error(request, _("The data changed after the preview and the file is no longer valid: "
                                  "nothing has been imported."))
        return _render_form(request, ImportForm(initial={"what": pending["what"]}), errors,
                            refused=pending["filename"])

    request.session.pop(SESSION_KEY, None)
    messages.success(request, _("%(file)s has been imported: %(created)d created, %(updated)d updated, "
                                "%(unchanged)d unchanged.") % {
        "file": pending["filename"], "created": counts.created, "updated": counts.updated,
        "unchanged": counts.unchanged})
    if pending["what"] == "platforms" and counts.created:
        _say_which_rounds_do_not_ask_them(request)
    return redirect("platforms:list")


def _say_which_rounds_do_not_ask_them(request) -> None:
    """Said after an import that made platforms, because it surprises: a round that has opened does not ask them."""
    from rounds.selectors import rounds_running  # rounds builds on platforms, not the other way round

    running = [round.title for round in rounds_running()]
    if running:
        messages.info(request, _("The new platforms are asked in the rounds that have not opened yet, not in the "
                                 "rounds that are running (%(rounds)s): add a platform to those on the round's "
                                 "platforms page.") % {"rounds": ", ".join(running)})


TEMPLATE_TYPES = {
    "csv": ("text/csv; charset=utf-8", importing.template_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", importing.template_xlsx),
}
TEMPLATE_NAMES = {"platforms": "platformen", "members": "leden"}


@require_GET
def import_template(request, fmt: str):
    """A file to fill in: the Dutch column names and example rows of a platforms (or, `?what=members`, members) file."""
    _require_admin(request.user)
    what = request.GET.get("what", "platforms")
    if what not in KINDS:
        raise Http404
    content_type, make = TEMPLATE_TYPES[fmt]
    response = HttpResponse(make(what), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="sjabloon-{TEMPLATE_NAMES[what]}.{fmt}"'
    return response
