"""Writes to initiatives: recording, changing and removing them with their report."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platforms.models import Platform
from rounds.models import Report, ReportingRound, ReportStatus
from rounds.services.reports import StaleSave, claim_version, refuse_unless_editable, report_start
from summaries.summary import round_data_changed

from .models import Initiative


def _figures_changed(report: Report) -> None:
    # Initiatives change only while their report can (never a submitted one): the ministry's default summary,
    # of submitted reports, stays cached, as with a draft's answers (reports.report_save).
    round_data_changed(report.round, drafts_only=report.status != ReportStatus.SUBMITTED)


def _editable_report(*, actor, pk: int) -> Report:
    """The initiative's report, locked so that it cannot be submitted halfway through a change; refused unless
    `actor` may change it now."""
    report = Report.objects.select_for_update(of=("self",)).select_related("round", "platform").get(pk=pk)
    refuse_unless_editable(actor, report)
    return report


def _apply_initiative(initiative: Initiative, *, actor, data: dict) -> Initiative:
    m2m = {name: data.pop(name) for name in ("target_groups", "asked_of", "partners_involved", "themes")
           if name in data}
    for field, value in data.items():
        setattr(initiative, field, value)
    # Every problem at once, each on its field: the form lists them all in one summary.
    errors: dict = {}
    try:
        initiative.full_clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    members = set(initiative.report.platform.memberships.filter(end_date__isnull=True)
                  .values_list("organisation_id", flat=True))
    for name in ("asked_of", "partners_involved"):
        if any(org.pk not in members for org in m2m.get(name, [])):
            errors.setdefault(name, []).append(_("Choose members of this platform."))
    round_themes = set(initiative.report.round.themes.values_list("pk", flat=True))
    if any(theme.pk not in round_themes for theme in m2m.get("themes", [])):
        errors.setdefault("themes", []).append(_("Choose themes of this round."))
    if errors:
        raise ValidationError(errors)
    # One history row per change, holding the fields and the related objects together: the
    # many-to-many updates are made quietly, then the instance is saved once with history.
    initiative.skip_history_when_saving = True
    try:
        initiative.save()
        for name, values in m2m.items():
            getattr(initiative, name).set(values)
    finally:
        del initiative.skip_history_when_saving
    initiative._history_user = actor
    initiative.save()
    _figures_changed(initiative.report)
    return initiative


@transaction.atomic
def initiative_create(*, actor, round: ReportingRound, platform: Platform, data: dict) -> Initiative:
    """Record a new initiative with the platform's report for the round, started as an empty draft if need be."""
    report = report_start(actor=actor, round=round, platform=platform)
    initiative = Initiative(report=report, version=1, updated_at=timezone.now(), updated_by=actor)
    return _apply_initiative(initiative, actor=actor, data=dict(data))


@transaction.atomic
def initiative_update(*, actor, initiative: Initiative, expected_version: int, data: dict) -> Initiative:
    """Change an initiative; refused when someone else saved it since the form was loaded."""
    if not claim_version(Initiative, actor=actor, expected_version=expected_version, pk=initiative.pk):
        raise StaleSave(Initiative.objects.select_related("updated_by").get(pk=initiative.pk))
    initiative = Initiative.objects.get(pk=initiative.pk)
    initiative.report = _editable_report(actor=actor, pk=initiative.report_id)
    return _apply_initiative(initiative, actor=actor, data=dict(data))


@transaction.atomic
def initiative_delete(*, actor, initiative: Initiative) -> None:
    """Remove an initiative from the report; its history stays."""
    initiative.report = _editable_report(actor=actor, pk=initiative.report_id)
    initiative._history_user = actor
    initiative.delete()
    _figures_changed(initiative.report)
