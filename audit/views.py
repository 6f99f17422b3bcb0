"""The audit log's pages: the list of entries with its filters, and their download."""

import csv

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from rounds.columns import neutralise

from . import presenters, selectors
from .forms import AuditFilterForm
from .permissions import AuditPolicy

PAGE_SIZE = 50
EXPORT_CHUNK = 500


def _require_access(request) -> None:
    if not AuditPolicy.can_access(request.user):
        raise PermissionDenied


def _filtered(request):
    # Without NUL characters, which PostgreSQL refuses even in a lookup (lopportal.forms.query_text says so too).
    data = {name: value.replace("\x00", "") for name, value in request.GET.items()} or None
    form = AuditFilterForm(data)
    if form.is_bound:
        form.is_valid()  # an invalid filter is shown with its message and left out; the others still apply
    return form, selectors.entries_list(**form.filters())


@require_safe
def entry_list(request):
    _require_access(request)
    form, entries = _filtered(request)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/entry_list.html", {
        "form": form, "page": page, "rows": presenters.entry_rows(list(page.object_list)),
        "query": query.urlencode(), "filtered": any(form.filters().values()),
    })


class _Echo:
    def write(self, value):
        return value


def _safe(row: list) -> list:
    return [neutralise(value) if isinstance(value, str) else value for value in row]


@require_safe
def entry_export(request):
    _require_access(request)
    _form, entries = _filtered(request)
    # Semicolons and a byte-order mark: what Excel in a Dutch-speaking region opens as columns, in UTF-8.
    writer = csv.writer(_Echo(), delimiter=";")

    def lines():
        yield "\ufeff"
        yield writer.writerow([str(title) for title in presenters.CSV_HEADER])
        chunk = []
        for entry in entries.iterator(chunk_size=EXPORT_CHUNK):
            chunk.append(entry)
            if len(chunk) == EXPORT_CHUNK:
                yield from (writer.writerow(_safe(presenters.csv_row(row))) for row in presenters.entry_rows(chunk))
                chunk = []
        yield from (writer.writerow(_safe(presenters.csv_row(row))) for row in presenters.entry_rows(chunk))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="logboek-{timezone.localdate():%Y-%m-%d}.csv"'
    return response
