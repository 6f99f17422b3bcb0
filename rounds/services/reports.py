"""Writes to reports: saving, submitting, returning, reopening."""


from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from audit import services as audit
from platforms.models import Platform
from summaries.summary import round_data_changed

from .. import notifications
from ..models import Answer, Note, QuestionKind, Report, ReportingRound, ReportStatus
from ..permissions import ReportPolicy
from ..questionnaire import Definition, definition_for, storage_rows


class StaleSave(Exception):
    """Someone else saved the object since this form was loaded; nothing of this save was kept."""

    def __init__(self, obj):
        super().__init__(f"stale save of {obj!r}")
        self.obj = obj


def claim_version(model, *, actor, expected_version: int, **lookup) -> int:
    """Raise the version of the row if it is still `expected_version`; return how many rows matched.

    A single conditional UPDATE, run first in the transaction: on PostgreSQL a concurrent save
    waits for the row lock and then finds the new version; on SQLite the transaction already
    holds the write lock (IMMEDIATE). Either way exactly one of two concurrent saves wins.
    """
    return model.objects.filter(version=expected_version, **lookup).update(
        version=F("version") + 1, updated_at=timezone.now(), updated_by=actor,
    )


def refuse_unless_editable(actor, report: Report) -> None:
    refusal = ReportPolicy.edit_refusal(actor, report)
    if refusal:
        raise ValidationError(refusal)


@transaction.atomic
def report_start(*, actor, round: ReportingRound, platform: Platform) -> Report:
    """The platform's report for the round, locked, started as an empty draft when it does not exist yet.

    For what is recorded with a report besides its answers (initiatives): no answers are given here, so none
    are checked, and the version stays 0, so a report form loaded before the report existed still saves
    (the version counts saves of answers). Refused unless `actor` may change the report.
    """
    report = Report.objects.select_for_update().filter(round=round, platform=platform).first()
    if report is None:
        report = Report(round=round, platform=platform, status=ReportStatus.DRAFT)
        refuse_unless_editable(actor, report)
        report._history_user = actor
        try:
            with transaction.atomic():
                report.full_clean()
                report.save()
        except (ValidationError, IntegrityError):
            # Another first save of the same report committed since this one looked: that one is the report.
            report = Report.objects.select_for_update().filter(round=round, platform=platform).first()
            if report is None:
                raise
    report.round, report.platform = round, platform  # the caller's instances, with what they prefetched
    refuse_unless_editable(actor, report)
    return report


def _report_for_save(*, actor, round: ReportingRound, platform: Platform, expected_version: int) -> Report:
    """The report to save, its version claimed; refused (StaleSave) when the form was loaded from another version."""
    if claim_version(Report, actor=actor, expected_version=expected_version, round=round, platform=platform):
        report = Report.objects.get(round=round, platform=platform)
        report.round, report.platform = round, platform  # the caller's instances, with what they prefetched
        return report
    if expected_version == 0 and not Report.objects.filter(round=round, platform=platform).exists():
        return Report(round=round, platform=platform, version=1, updated_at=timezone.now(), updated_by=actor)
    # A form loaded from an older version; or one naming a version of a report that does not exist (removed
    # since, or a forged form), refused the same way rather than crashing on the missing row.
    current = Report.objects.select_related("updated_by").filter(round=round, platform=platform).first()
    raise StaleSave(current or Report(round=round, platform=platform))


def _insert(report: Report, *, round: ReportingRound, platform: Platform) -> None:
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:  # another first save of the same report won the race
        raise StaleSave(Report.objects.get(round=round, platform=platform)) from None


@transaction.atomic
def report_save(*, actor, round: ReportingRound, platform: Platform, expected_version: int, values: dict,
                notes: dict, submit: bool = False) -> Report:
    """Save a coordinator's answers as a draft, or submit them when every required question is answered.

    `values` and `notes` are keyed by column (`key`, or `theme:<slug>:<key>`), as the report file
    names them (rounds/questionnaire.py). All or nothing: a refused save (stale, incomplete, a
    broken rule, past the deadline) changes nothing; its ValidationError names the columns.
    """
    report = _report_for_save(actor=actor, round=round, platform=platform, expected_version=expected_version)
    refuse_unless_editable(actor, report)
    definition = definition_for(round)
    clean, clean_notes, errors = definition.check(platform.level, values, notes, submitting=submit)
    if errors:
        raise ValidationError(errors)
    if submit:
        report.status = ReportStatus.SUBMITTED
        report.submitted_at = timezone.now()
        report.submitted_by = actor
        report.reopened = False
    report._history_user = actor
    # A draft's save of an existing report changes only its version (claimed above, in one UPDATE) and its
    # answers: its row has nothing to check (full_clean would cost six queries for every autosave).
    if report.pk is None or submit:
        try:
            report.full_clean()
        except ValidationError:
            if report.pk is None and Report.objects.filter(round=round, platform=platform).exists():
                # Another first save of the same report committed since this one looked: it won the race.
                raise StaleSave(Report.objects.get(round=round, platform=platform)) from None
            raise
    if report.pk is None:
        _insert(report, round=round, platform=platform)
    elif submit:
        report.save()
    answers_write(actor=actor, report=report, definition=definition, values=clean, notes=clean_notes)
    # A draft's save changes only the figures with drafts: the ministry's default summary (submitted reports)
    # stays cached through the coordinators' autosaves. A submitted report's answers are submitted figures.
    round_data_changed(round, drafts_only=report.status != ReportStatus.SUBMITTED)
    return report


def answers_write(*, actor, report: Report, definition: Definition, values: dict, notes: dict) -> None:
    """Make the report's answer and note rows hold exactly these checked values and notes.

    The one writer of answers: the coordinators' form and the file import both come here (the
    Django admin shows answers read-only). Only what changed is written, each change with a
    history row by `actor`. Values must have passed `Definition.check` for the report's level.
    """
    wanted: dict[tuple, tuple] = {}
    for slot in definition.slots:
        theme_pk = slot.theme.pk if slot.theme else None
        for value, number in storage_rows(slot.question, values.get(slot.column)):
            key = (slot.question.pk, theme_pk, value if slot.question.kind == QuestionKind.MULTIPLE else None)
            wanted[key] = (slot.question, value, number)
    existing = {}
    # The question names an answer in the audit log; the report gives its platform (both without a query each).
    answers = Answer.objects.filter(report=report).select_related("question").only(
        "report_id", "question_id", "theme_id", "kind", "value", "number", "question__key")
    for answer in answers:
        answer.report = report
        key = (answer.question_id, answer.theme_id, answer.value if answer.kind == QuestionKind.MULTIPLE else None)
        existing[key] = answer
    create, update = [], []
    for key, (question, value, number) in wanted.items():
        answer = existing.pop(key, None)
        if answer is None:
            create.append(Answer(report=report, question_id=question.pk, theme_id=key[1], kind=question.kind,
                                 value=value, number=number))
        elif (answer.value, answer.number) != (value, number):
            update.append((answer, {"value": answer.value, "number": answer.number}))
            answer.value, answer.number = value, number
    for answer in existing.values():  # answers taken back (or no longer asked)
        answer._history_user = actor
        answer.delete()
    if update:
        bulk_update_with_history([answer for answer, _old in update], Answer, ["value", "number"],
                                 default_user=actor)
        audit.record_bulk_update(actor=actor, changes=update)  # bulk_update sends no signal for the audit log
    if create:
        bulk_create_with_history(create, Answer, default_user=actor)
        prefetch_related_objects(create, "question")  # an answer's name in the audit log: one query for all
        audit.record_bulk_create(actor=actor, objects=create)
    _notes_write(actor=actor, report=report, definition=definition, notes=notes)


def _notes_write(*, actor, report: Report, definition: Definition, notes: dict) -> None:
    existing = {(n.section_id, n.theme_id): n for n in Note.objects.filter(report=report)}
    for note in existing.values():
        note.report = report  # the audit log finds the platform without a query per note
    create, update = [], []
    for slot in definition.note_slots:
        key = (slot.section.pk, slot.theme.pk if slot.theme else None)
        text = notes.get(slot.column, "")
        note = existing.pop(key, None)
        if note is None and text:
            create.append(Note(report=report, section_id=key[0], theme_id=key[1], text=text))
        elif note is not None and not text:
            note._history_user = actor
            note.delete()
        elif note is not None and note.text != text:
            update.append((note, {"text": note.text}))
            note.text = text
    for note in existing.values():  # a note of a section or theme no longer in the questionnaire
        note._history_user = actor
        note.delete()
    if update:  # one UPDATE, one history INSERT and one audit INSERT for all, as for the answers
        bulk_update_with_history([note for note, _old in update], Note, ["text"], default_user=actor)
        audit.record_bulk_update(actor=actor, changes=update)
    if create:
        bulk_create_with_history(create, Note, default_user=actor)
        audit.record_bulk_create(actor=actor, objects=create)


@transaction.atomic
def report_return(*, actor, report: Report, comment: str) -> Report:
    """Send a submitted report back to its coordinators with a comment they see (and get by mail)."""
    if not ReportPolicy.can_return(actor, report):
        raise ValidationError(_("Only a submitted report can be returned."))
    if not comment.strip():
        raise ValidationError({"comment": _("Say what should be changed.")})
    report.status = ReportStatus.RETURNED
    report.return_comment = comment.strip()
    report.returned_at = timezone.now()
    report.returned_by = actor
    report._history_user = actor
    report.full_clean()
    report.save()
    round_data_changed(report.round)
    notifications.report_returned(report)  # the mail is queued in this transaction, committed with the change
    return report


@transaction.atomic
def report_reopen(*, actor, round: ReportingRound, platform: Platform, comment: str = "") -> Report:
    """Let the coordinators change a submitted report, or one past the deadline, until they submit it."""
    report = Report.objects.filter(round=round, platform=platform).first() or Report(round=round, platform=platform)
    if round.is_closed:
        raise ValidationError(_("This round has been closed: its reports can no longer be changed."))
    if not ReportPolicy.can_reopen(actor, report):
        raise ValidationError(_("This report is open for changes already."))
    report.reopened = True
    if report.status == ReportStatus.SUBMITTED:
        report.status = ReportStatus.RETURNED
        report.returned_at = timezone.now()
        report.returned_by = actor
    if comment.strip():
        report.return_comment = comment.strip()
    report._history_user = actor
    report.full_clean()
    report.save()
    round_data_changed(round)
    notifications.report_reopened(report)  # the mail is queued in this transaction, committed with the change
    return report


