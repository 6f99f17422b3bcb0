"""Reads of parliamentary questions, their drafts and publications, already limited to what the user may see."""

from dataclasses import dataclass

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from rounds.models import ReportingRound
from summaries import references
from summaries.summary import Summary, cached_round_summary

from .models import AnswerDraft, DraftStatus, ParliamentaryQuestion, Publication, ReviewAction, ReviewStep
from .permissions import PublicationPolicy, QuestionPolicy

# A publication's list entry needs none of its frozen text, figures or summaries.
PUBLICATION_LISTED = ("pk", "question_id", "number", "published_at", "corrects_id", "approver_name")


def _listed_publications() -> QuerySet[Publication]:
    return Publication.objects.only(*PUBLICATION_LISTED).order_by("number")


# A question's rounds, latest first: the first is its default round (the one of its unprefixed references).
LATEST_FIRST = ("-opens_on", "-pk")


def latest_first(rounds) -> list[ReportingRound]:
    """Rounds given in any order (a form's choice), in the order of LATEST_FIRST."""
    return sorted(rounds, key=lambda r: (r.opens_on, r.pk), reverse=True)


def _rounds_prefetch() -> Prefetch:
    return Prefetch("rounds", queryset=ReportingRound.objects.order_by(*LATEST_FIRST))


def question_list(*, user) -> QuerySet[ParliamentaryQuestion]:
    """The questions the user may see, each with `state` (its latest draft's status, "" without one), its rounds
    and its publications; three queries whatever their number."""
    latest = AnswerDraft.objects.filter(question=OuterRef("pk")).order_by("-created_at", "-pk")
    return (QuestionPolicy.visible(user)
            .annotate(state=Subquery(latest.values("status")[:1]))
            .prefetch_related(_rounds_prefetch(), Prefetch("publications", queryset=_listed_publications())))


def question_get(*, user, pk: int) -> ParliamentaryQuestion:
    """The question with its rounds (latest first); a 404 when the user may not see it, like a missing one."""
    return get_object_or_404(QuestionPolicy.visible(user).prefetch_related(_rounds_prefetch()), pk=pk)


def question_rounds(question: ParliamentaryQuestion) -> list[ReportingRound]:
    """The question's rounds, latest (by opening date) first: the first is its default round."""
    return list(question.rounds.all())


def default_round(rounds: list[ReportingRound]) -> str:
    return rounds[0].slug if rounds else ""


def round_summaries(rounds: list[ReportingRound]) -> dict[str, Summary]:
    """The current (cached) summary of each round, by slug."""
    return {round.slug: cached_round_summary(round) for round in rounds}


def open_draft(question: ParliamentaryQuestion) -> AnswerDraft | None:
    """The question's draft that is not published yet (at most one: a database constraint)."""
    return (AnswerDraft.objects.filter(question=question).exclude(status=DraftStatus.PUBLISHED)
            .select_related("updated_by", "corrects").first())


def draft_steps(question: ParliamentaryQuestion) -> list[ReviewStep]:
    """Every step of every draft of the question, oldest first, with who took it."""
    return list(ReviewStep.objects.filter(draft__question=question).select_related("actor", "draft")
                .order_by("at", "pk"))


def question_publications(question: ParliamentaryQuestion) -> list[Publication]:
    """The question's publications, oldest first, with what `changed_since` needs (not their summaries)."""
    return list(Publication.objects.filter(question=question).defer("summaries", "text", "coverage")
                .order_by("number"))


# The history rows of a draft that changed its text (a save, or its creation), as opposed to a status change
# (sent for approval, sent back, published), which the approver's hand also records.
TEXT_CHANGE = "text"


def draft_authors(draft: AnswerDraft) -> list:
    """Whoever wrote the draft: saved (or started) a version of its text, or sent it for approval; in order."""
    authors = {}
    history = (draft.history.filter(history_change_reason=TEXT_CHANGE).select_related("history_user")
               .order_by("history_date", "history_id"))
    for row in history:
        if row.history_user is not None:
            authors.setdefault(row.history_user.pk, row.history_user)
    for step in draft.steps.filter(action=ReviewAction.SUBMITTED).select_related("actor").order_by("at", "pk"):
        authors.setdefault(step.actor.pk, step.actor)
    return list(authors.values())


def person_name(user) -> str:
    return user.get_full_name() or user.username


def publication_get(*, user, pk: int) -> Publication:
    """The publication with its question, approver and what it corrects; a 404 when out of the user's reach."""
    return get_object_or_404(
        PublicationPolicy.visible(user).select_related("question", "approved_by", "corrects", "draft"), pk=pk)


def publication_latest_number(publication: Publication) -> int:
    return (Publication.objects.filter(question_id=publication.question_id).order_by("-number")
            .values_list("number", flat=True).first()) or 0


def corrected_by(publication: Publication) -> Publication | None:
    return _listed_publications().filter(corrects=publication).first()


@dataclass(frozen=True)
class Change:
    reference: str
    published: object
    now: object  # None: the figure cannot be computed any more (its question left the questionnaire)

    @property
    def difference(self):
        if isinstance(self.published, int | float) and isinstance(self.now, int | float):
            return self.now - self.published
        return None

    def as_json(self) -> dict:
        return {"reference": self.reference, "published": self.published, "now": self.now}


def default_round_of(publication: Publication) -> str:
    """The round the publication's unprefixed references are of (its question's latest round then)."""
    rounds = publication.question_data.get("rounds") or [""]
    return rounds[0]


def publication_rounds(publication: Publication) -> list[ReportingRound]:
    """The rounds the publication was computed from, as they are now (latest first)."""
    return list(ReportingRound.objects.filter(slug__in=list(publication.data_versions))
                .select_related("questionnaire").prefetch_related("themes").order_by(*LATEST_FIRST))


def changed_since(publication: Publication, summaries: dict[str, Summary] | None = None) -> list[Change]:
    """The figures the publication cites whose current value (from the cached summaries) differs from the
    published one, in the order of the text. `summaries` by slug, when the caller has them already."""
    if summaries is None:
        summaries = round_summaries(publication_rounds(publication))
    summaries = {slug: summaries[slug] for slug in publication.data_versions if slug in summaries}
    now, _errors = references.figures(publication.source_text, summaries, default_round_of(publication))
    cited = dict.fromkeys(reference for _start, _end, reference in references.find(publication.source_text))
    return [Change(reference, publication.figures[reference], now.get(reference)) for reference in cited
            if reference in publication.figures and now.get(reference) != publication.figures[reference]]


def publications_changes(publications: list[Publication], summaries: dict[str, Summary]) -> dict[int, list[Change]]:
    """`changed_since` of each publication, by pk; the rounds not among `summaries` are read in one query."""
    missing = {slug for p in publications for slug in p.data_versions} - set(summaries)
    if missing:
        rounds = (ReportingRound.objects.filter(slug__in=missing).select_related("questionnaire")
                  .prefetch_related("themes"))
        summaries = {**summaries, **round_summaries(list(rounds))}
    return {p.pk: changed_since(p, summaries) for p in publications}
