"""Who may see and work on parliamentary questions, their draft answers and their publications.

Questions, drafts and publications are the ministry's: ministry staff and admins read them,
record questions and write drafts; everyone else gets a 404, exactly as for a missing question
(a coordinator learns nothing about what parliament asked). Approving or sending back a draft is
the second pair of eyes: an active ministry or admin account that an admin allowed to approve
answers (`User.can_approve_answers`) and that did not write the draft itself.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .models import AnswerDraft, DraftStatus, ParliamentaryQuestion, Publication


def can_access(user) -> bool:
    """Ministry staff and admins; anyone else does not see that questions exist."""
    return user.is_authenticated and user.reads_everything


class QuestionPolicy:
    """Ministry staff and admins see, record and edit every question."""

    @staticmethod
    def visible(user) -> QuerySet[ParliamentaryQuestion]:
        if not can_access(user):
            return ParliamentaryQuestion.objects.none()
        return ParliamentaryQuestion.objects.all()

    @staticmethod
    def can_record(user) -> bool:
        return can_access(user)

    @staticmethod
    def can_edit(user, question: ParliamentaryQuestion) -> bool:
        return can_access(user)


class DraftPolicy:
    """Anyone who sees the question writes its draft; an approver who did not write it approves or returns it."""

    @staticmethod
    def edit_refusal(draft: AnswerDraft) -> str | None:
        """Why the draft's text cannot be changed now (None: it can)."""
        if draft.status == DraftStatus.PENDING:
            return _("This draft is waiting for approval and cannot be changed. An approver can send it back, "
                     "after which it can be edited again.")
        if draft.status == DraftStatus.PUBLISHED:
            return _("This answer has been published and can no longer be changed. Start a correction on its "
                     "publication page to publish a new version.")
        return None

    @staticmethod
    def can_edit(user, draft: AnswerDraft) -> bool:
        return can_access(user) and DraftPolicy.edit_refusal(draft) is None

    @staticmethod
    def can_submit(user, draft: AnswerDraft) -> bool:
        return can_access(user) and draft.status == DraftStatus.DRAFT

    @staticmethod
    def is_approver(user) -> bool:
        """May this account approve answers at all (the flag an admin sets)?"""
        return can_access(user) and user.can_approve_answers

    @staticmethod
    def review_refusal(user, draft: AnswerDraft, authors) -> str | None:
        """Why this user may not approve or send back this draft now (None: they may).

        `authors` are the users who wrote the draft (`selectors.draft_authors`).
        """
        if not DraftPolicy.is_approver(user):
            return _("Your account may not approve answers. An admin can allow this on your account page.")
        if draft.status == DraftStatus.PUBLISHED:
            return _("This answer has already been published.")
        if draft.status != DraftStatus.PENDING:
            return _("This draft has not been sent for approval.")
        if any(author.pk == user.pk for author in authors):
            return _("You wrote or sent this draft yourself: another approver has to approve it or send it back "
                     "(four eyes).")
        return None

    @staticmethod
    def can_review(user, draft: AnswerDraft, authors) -> bool:
        return DraftPolicy.review_refusal(user, draft, authors) is None


class PublicationPolicy:
    """Ministry staff and admins read every publication; the latest one of a question can be corrected."""

    @staticmethod
    def visible(user) -> QuerySet[Publication]:
        if not can_access(user):
            return Publication.objects.none()
        return Publication.objects.all()

    @staticmethod
    def correction_refusal(publication: Publication, *, is_latest: bool, open_draft: AnswerDraft | None) -> str | None:
        """Why no correction can be started from this publication now (None: it can)."""
        if not is_latest:
            return _("Only the latest version of an answer can be corrected.")
        if open_draft is not None:
            return _("This question already has a draft in progress: finish or edit that one.")
        return None

    @staticmethod
    def can_correct(user, publication: Publication, *, is_latest: bool, open_draft: AnswerDraft | None) -> bool:
        return can_access(user) and PublicationPolicy.correction_refusal(
            publication, is_latest=is_latest, open_draft=open_draft) is None
