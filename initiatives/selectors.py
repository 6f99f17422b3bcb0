"""Reads of initiatives, limited to what the user may see."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from rounds.models import Report

from .models import Initiative
from .permissions import InitiativePolicy


def _initiatives_qs():
    return Initiative.objects.prefetch_related("target_groups", "themes", "asked_of", "partners_involved")


def report_initiatives(report: Report) -> list[Initiative]:
    return list(report.initiatives.all()) if report.pk else []


def initiative_get(*, user, report: Report, pk: int) -> Initiative:
    """One visible initiative of this report; 404 otherwise."""
    if report.pk is None:
        raise Http404
    qs = InitiativePolicy.visible(user).filter(report=report).select_related("updated_by")
    initiative = get_object_or_404(_initiatives_qs().filter(pk__in=qs.values("pk")), pk=pk)
    initiative.report = report
    return initiative
