"""Writes to parliamentary questions and their answers: record, draft, send for approval, send back, approve
(= publish, frozen), start a correction. Every step of a draft is a ReviewStep (who, when, comment)."""

import json

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from rounds.models import ReportingRound
from rounds.services.reports import StaleSave, claim_version
from summaries import references
from summaries.summary import cached_round_summary, reading_primary, round_summary

from . import frozen, selectors
from .models import AnswerDraft, DraftStatus, ParliamentaryQuestion, Publication, ReviewAction, ReviewStep
from .permissions import DraftPolicy, PublicationPolicy, can_access
from .presenters import coverage
from .selectors import TEXT_CHANGE, person_name

__all__ = ["StaleSave", "correction_start", "draft_approve", "draft_return", "draft_save", "draft_submit",
           "question_create", "question_update"]

# A history row that only changed the draft's status: its user is not an author of the text.
STATUS_CHANGE = "status"


def _refuse_unless_ministry(actor) -> None:
    if not can_access(actor):
        raise ValidationError(_("Only the ministry and admins work on answers to parliament."))


def _step(*, draft: AnswerDraft, actor, action: str, comment: str = "") -> ReviewStep:
    step = ReviewStep(draft=draft, actor=actor, action=action, comment=comment)
    step.full_clean()
    step.save()
    return step


def _save_draft(draft: AnswerDraft, *, actor, reason: str) -> None:
    draft._history_user = actor
    draft._change_reason = reason
    draft.full_clean()
    draft.save()


@transaction.atomic
def question_create(*, actor, number: str, asked_on, asked_by: str, title: str, text: str, answer_due,
                    rounds) -> ParliamentaryQuestion:
    """Record a question and start its draft answer from the generated text of its latest round."""
    _refuse_unless_ministry(actor)
    rounds = selectors.latest_first(rounds)
    if not rounds:
        raise ValidationError({"rounds": _("Choose the round or rounds whose figures answer the question.")})
    question = ParliamentaryQuestion(number=number.strip(), asked_on=asked_on, asked_by=asked_by.strip(),
                                     title=title.strip(), text=text.strip(), answer_due=answer_due, created_by=actor)
    question.full_clean()
    question.save()
    question.rounds.set(rounds)
    # The generated text reads the summary as it is now; the analyst edits it from there.
    summary = cached_round_summary(ReportingRound.objects.select_related("questionnaire")
                                   .prefetch_related("themes").get(pk=rounds[0].pk))
    draft = AnswerDraft(question=question, text=references.generated_text(summary), updated_by=actor)
    _save_draft(draft, actor=actor, reason=TEXT_CHANGE)
    _step(draft=draft, actor=actor, action=ReviewAction.STARTED)
    return question


@transaction.atomic
def question_update(*, actor, question: ParliamentaryQuestion, number: str, asked_on, asked_by: str, title: str,
                    text: str, answer_due, rounds) -> ParliamentaryQuestion:
    """Change what is on record of a question; its publications keep the question as it was when published."""
    _refuse_unless_ministry(actor)
    if not list(rounds):
        raise ValidationError({"rounds": _("Choose the round or rounds whose figures answer the question.")})
    question = ParliamentaryQuestion.objects.select_for_update().get(pk=question.pk)
    question.number, question.asked_on, question.asked_by = number.strip(), asked_on, asked_by.strip()
    question.title, question.text, question.answer_due = title.strip(), text.strip(), answer_due
    question.full_clean()
    question.save()
    question.rounds.set(rounds)
    return question


def _question_context(question: ParliamentaryQuestion, *, fresh: bool = False):
    """(rounds latest first, summaries by slug, default round) of a question; `fresh` recomputes the summaries
    (publishing), otherwise they come from the cache (saving a draft)."""
    rounds = list(ReportingRound.objects.filter(parliamentary_questions=question)
                  .select_related("questionnaire").prefetch_related("themes").order_by(*selectors.LATEST_FIRST))
    if fresh:
        with reading_primary():  # the rounds (and their data versions) were read from, and locked on, the primary
            summaries = {round.slug: round_summary(round) for round in rounds}
    else:
        summaries = selectors.round_summaries(rounds)
    return rounds, summaries, selectors.default_round(rounds)


def _check_references(text: str, summaries, default_round: str) -> dict:
    """The figures of the text; a ValidationError on the text naming every refused reference."""
    figures, errors = references.figures(text, summaries, default_round)
    if errors:
        raise ValidationError({"text": errors})
    return figures


@transaction.atomic
def draft_save(*, actor, draft: AnswerDraft, text: str, expected_version: int) -> AnswerDraft:
    """Save the text of a draft; refused (and nothing saved) when a reference is refused, when the draft is
    waiting for approval or published, or (StaleSave) when someone else saved it since the form was loaded."""
    _refuse_unless_ministry(actor)
    claimed = claim_version(AnswerDraft, actor=actor, expected_version=expected_version, pk=draft.pk)
    current = AnswerDraft.objects.select_related("question", "updated_by").get(pk=draft.pk)
    refusal = DraftPolicy.edit_refusal(current)
    if refusal:
        raise ValidationError(refusal)
    if not claimed:
        raise StaleSave(current)
    text = text.replace("\r\n", "\n")
    _rounds, summaries, default = _question_context(current.question)
    _check_references(text, summaries, default)
    current.text = text
    _save_draft(current, actor=actor, reason=TEXT_CHANGE)
    return current


@transaction.atomic
def draft_submit(*, actor, draft: AnswerDraft) -> AnswerDraft:
    """Send a draft for approval; refused when its text is empty, cites a refused reference or has a number
    without a source."""
    _refuse_unless_ministry(actor)
    draft = AnswerDraft.objects.select_for_update().select_related("question").get(pk=draft.pk)
    if draft.status != DraftStatus.DRAFT:
        raise ValidationError(DraftPolicy.edit_refusal(draft))
    if not draft.text.strip():
        raise ValidationError(_("The draft is empty: write the answer before sending it for approval."))
    _rounds, summaries, default = _question_context(draft.question)
    _check_references(draft.text, summaries, default)
    unsourced = references.unsourced_numbers(draft.text)
    if unsourced:
        raise ValidationError(_(
            "Not sent: these numbers are typed as plain text instead of cited from the data (number without a "
            "source): %(numbers)s. Replace them with a reference, or write them out in words when they are not "
            "figures from the data."
        ) % {"numbers": ", ".join(f"“{n}”" for n in unsourced)})
    draft.status = DraftStatus.PENDING
    _save_draft(draft, actor=actor, reason=STATUS_CHANGE)
    _step(draft=draft, actor=actor, action=ReviewAction.SUBMITTED)
    return draft


def _locked_pending(draft: AnswerDraft, actor) -> AnswerDraft:
    """The draft, locked, if this actor may review it now; a ValidationError saying why not otherwise."""
    draft = AnswerDraft.objects.select_for_update().select_related("question").get(pk=draft.pk)
    if draft.status == DraftStatus.PUBLISHED or Publication.objects.filter(draft=draft).exists():
        raise ValidationError(_("This answer has already been published; nothing was changed."))
    refusal = DraftPolicy.review_refusal(actor, draft, selectors.draft_authors(draft))
    if refusal:
        raise ValidationError(refusal)
    return draft


@transaction.atomic
def draft_return(*, actor, draft: AnswerDraft, comment: str) -> AnswerDraft:
    """Send a draft that waits for approval back to its authors, saying why."""
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": _("Say why the draft is sent back.")})
    draft = _locked_pending(draft, actor)
    draft.status = DraftStatus.DRAFT
    _save_draft(draft, actor=actor, reason=STATUS_CHANGE)
    _step(draft=draft, actor=actor, action=ReviewAction.RETURNED, comment=comment)
    return draft


def _plain(value):
    """The value as the database's JSON gives it back: what is hashed must be what is read later."""
    return json.loads(json.dumps(value, ensure_ascii=False))


@transaction.atomic
def draft_approve(*, actor, draft: AnswerDraft) -> Publication:
    """Approve a draft that waits for approval, and so publish it: its text with the figures written in, the
    figures it cites and the whole summary of each of its rounds are frozen with the data versions, authors,
    approver and time, and a SHA-256 of all that. Refused for an author, without the right, or twice."""
    draft = _locked_pending(draft, actor)
    question = draft.question
    # Lock the rounds: a report saved meanwhile raises their data version in its own transaction, so it is
    # either wholly in these figures (and their version) or wholly after them.
    list(ReportingRound.objects.select_for_update().filter(parliamentary_questions=question).values_list("pk"))
    rounds, summaries, default = _question_context(question, fresh=True)
    figures = _check_references(draft.text, summaries, default)
    published_at = frozen.now_to_the_second()
    slugs = [round.slug for round in rounds]
    corrects = draft.corrects
    last = Publication.objects.filter(question=question).aggregate(n=Max("number"))["n"] or 0
    publication = Publication(
        question=question, draft=draft, number=last + 1, corrects=corrects,
        question_data=_plain(frozen.question_data(question, slugs)),
        source_text=draft.text, text=references.write_in(draft.text, figures),
        coverage=coverage([summaries[slug] for slug in slugs], published_at),
        figures=_plain(figures), summaries=_plain({slug: summaries[slug].as_json() for slug in slugs}),
        data_versions={round.slug: round.data_version for round in rounds},
        authors=[person_name(user) for user in selectors.draft_authors(draft)],
        approved_by=actor, approver_name=person_name(actor), published_at=published_at,
    )
    publication.sha256 = frozen.sha256(frozen.content(publication))
    # The database refuses a second publication of the draft (or of the version number): checked on insert.
    publication.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            publication.save()
    except IntegrityError:  # another approval of the same draft (or version) won the race
        raise ValidationError(_("This answer has already been published; nothing was changed.")) from None
    draft.status = DraftStatus.PUBLISHED
    _save_draft(draft, actor=actor, reason=STATUS_CHANGE)
    _step(draft=draft, actor=actor, action=ReviewAction.APPROVED)
    return publication


@transaction.atomic
def correction_start(*, actor, publication: Publication) -> AnswerDraft:
    """Start a new version of a published answer, from its text with references, that links to it."""
    _refuse_unless_ministry(actor)
    question = ParliamentaryQuestion.objects.select_for_update().get(pk=publication.question_id)
    latest = Publication.objects.filter(question=question).aggregate(n=Max("number"))["n"]
    refusal = PublicationPolicy.correction_refusal(publication, is_latest=publication.number == latest,
                                                   open_draft=selectors.open_draft(question))
    if refusal:
        raise ValidationError(refusal)
    draft = AnswerDraft(question=question, text=publication.source_text, corrects=publication, updated_by=actor)
    _save_draft(draft, actor=actor, reason=TEXT_CHANGE)
    _step(draft=draft, actor=actor, action=ReviewAction.CORRECTION_STARTED)
    return draft
