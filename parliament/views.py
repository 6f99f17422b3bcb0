"""The ministry's pages of parliamentary questions: the list, a question, its draft answer and its review,
and the publications (page, JSON, Word, print view).

Anyone but ministry staff and admins gets a 404 on every page (the selectors' querysets are empty for
them); approving and sending back also need the right to approve answers (a 403 without it).
"""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lopportal.forms import add_service_errors
from rounds.presenters import stale_save_message
from summaries import documents, references

from . import frozen, selectors, services
from .forms import DraftForm, QuestionForm, ReturnForm
from .models import DraftStatus
from .permissions import DraftPolicy, PublicationPolicy, QuestionPolicy
from .presenters import available_references, coverage, moment

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def question_list(request):
    if not QuestionPolicy.can_record(request.user):
        raise Http404
    return render(request, "parliament/question_list.html", {
        "questions": selectors.question_list(user=request.user), "today": timezone.localdate(),
    })


@require_http_methods(["GET", "POST"])
def question_create(request):
    if not QuestionPolicy.can_record(request.user):
        raise Http404
    form = QuestionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            question = services.question_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The question has been recorded. Its draft answer was generated from the "
                                        "figures of its latest round: edit it here."))
            return redirect("parliament:draft", pk=question.pk)
    return render(request, "parliament/question_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def question_edit(request, pk):
    question = selectors.question_get(user=request.user, pk=pk)
    if not QuestionPolicy.can_edit(request.user, question):
        raise PermissionDenied
    form = QuestionForm(request.POST if request.method == "POST" else None, instance=question)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(actor=request.user, question=question, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The question has been saved."))
            return redirect(question.get_absolute_url())
    return render(request, "parliament/question_form.html", {"form": form, "question": question})


class _Context:
    """A question's rounds, their current summaries and its default round, read once per request."""

    def __init__(self, question):
        self.rounds = selectors.question_rounds(question)
        self.summaries = selectors.round_summaries(self.rounds)
        self.default = selectors.default_round(self.rounds)

    def figures(self, text: str):
        return references.figures(text, self.summaries, self.default)

    def urls(self, figures: dict) -> dict:
        return {ref: references.drilldown_url(ref, self.summaries, self.default) for ref in figures}

    def html(self, text: str):
        figures, errors = self.figures(text)
        return documents.answer_html(text, figures=figures, urls=self.urls(figures)), errors

    def coverage(self) -> str:
        return coverage([self.summaries[r.slug] for r in self.rounds], timezone.now())


def question_detail(request, pk):
    question = selectors.question_get(user=request.user, pk=pk)
    context = _Context(question)
    draft = selectors.open_draft(question)
    authors = selectors.draft_authors(draft) if draft else []
    html = errors = unsourced = None
    if draft:
        html, errors = context.html(draft.text)
        unsourced = references.unsourced_numbers(draft.text)
    publications = selectors.question_publications(question)
    changes = selectors.publications_changes(publications, context.summaries)
    latest = publications[-1] if publications else None
    return render(request, "parliament/question_detail.html", {
        "question": question, "rounds": context.rounds, "draft": draft, "draft_html": html, "errors": errors,
        "unsourced": unsourced, "coverage": context.coverage(), "authors": authors,
        "steps": selectors.draft_steps(question),
        "publications": [(p, changes.get(p.pk, [])) for p in publications],
        "can_edit": draft is not None and DraftPolicy.can_edit(request.user, draft),
        "can_submit": draft is not None and DraftPolicy.can_submit(request.user, draft),
        "can_review": draft is not None and DraftPolicy.can_review(request.user, draft, authors),
        "review_refusal": (DraftPolicy.review_refusal(request.user, draft, authors)
                           if draft is not None and draft.status == DraftStatus.PENDING else None),
        "can_correct": latest is not None and PublicationPolicy.can_correct(
            request.user, latest, is_latest=True, open_draft=draft),
        "latest": latest, "overdue": not publications and question.answer_due < timezone.localdate(),
    })


def _draft_in_url(request, pk):
    question = selectors.question_get(user=request.user, pk=pk)
    return question, selectors.open_draft(question)


@require_http_methods(["GET", "POST"])
def draft_edit(request, pk):
    question, draft = _draft_in_url(request, pk)
    if draft is None:
        messages.info(request, _("This question has no draft in progress. To change a published answer, start a "
                                 "correction on the page of its latest version."))
        return redirect(question.get_absolute_url())
    previewing = "preview" in request.POST
    form = DraftForm(request.POST if request.method == "POST" else None,
                     initial={"text": draft.text, "loaded_version": draft.version})
    status = 200
    text = draft.text
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["text"]
        if not previewing:
            try:
                services.draft_save(actor=request.user, draft=draft, text=text,
                                    expected_version=form.cleaned_data["loaded_version"])
            except services.StaleSave as conflict:
                messages.error(request, stale_save_message(conflict.obj))
                status = 409
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The draft has been saved."))
                return redirect("parliament:draft", pk=question.pk)
    elif request.method == "POST":
        text = request.POST.get("text", "")
    context = _Context(question)
    html, errors = context.html(text)
    return render(request, "parliament/draft_form.html", {
        "question": question, "draft": draft, "form": form, "preview": html, "previewing": previewing,
        "reference_errors": errors, "unsourced": references.unsourced_numbers(text), "coverage": context.coverage(),
        "example_reference": "{{ base.total }}",
        "refusal": DraftPolicy.edit_refusal(draft), "can_edit": DraftPolicy.can_edit(request.user, draft),
        "reference_rounds": [
            (round, available_references(context.summaries[round.slug],
                                         prefix="" if round.slug == context.default else f"{round.slug}/"))
            for round in context.rounds],
    }, status=status)


def _refused(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@require_POST
def draft_submit(request, pk):
    question, draft = _draft_in_url(request, pk)
    if draft is None:
        messages.error(request, _("This question has no draft in progress."))
    else:
        try:
            services.draft_submit(actor=request.user, draft=draft)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("The draft has been sent for approval."))
    return redirect(question.get_absolute_url())


@require_POST
def draft_approve(request, pk):
    question, draft = _draft_in_url(request, pk)
    if not DraftPolicy.is_approver(request.user):
        raise PermissionDenied
    if draft is None:
        messages.error(request, _("There is no draft waiting for approval; nothing was changed."))
        return redirect(question.get_absolute_url())
    try:
        publication = services.draft_approve(actor=request.user, draft=draft)
    except ValidationError as error:
        _refused(request, error)
        return redirect(question.get_absolute_url())
    messages.success(request, _("The answer has been approved and published as version %(number)d.")
                     % {"number": publication.number})
    return redirect(publication.get_absolute_url())


@require_http_methods(["GET", "POST"])
def draft_return(request, pk):
    question, draft = _draft_in_url(request, pk)
    if not DraftPolicy.is_approver(request.user):
        raise PermissionDenied
    refusal = (DraftPolicy.review_refusal(request.user, draft, selectors.draft_authors(draft)) if draft
               else _("There is no draft waiting for approval."))
    form = ReturnForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and draft is not None:
        try:
            services.draft_return(actor=request.user, draft=draft, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The draft has been sent back to its authors."))
            return redirect(question.get_absolute_url())
    return render(request, "parliament/draft_return.html", {
        "question": question, "draft": draft, "form": form, "refusal": refusal,
    })


def _publication(request, pk):
    return selectors.publication_get(user=request.user, pk=pk)


def answer_detail(request, pk):
    publication = _publication(request, pk)
    rounds = selectors.publication_rounds(publication)
    summaries = selectors.round_summaries(rounds)
    changes = selectors.changed_since(publication, summaries)
    latest = selectors.publication_latest_number(publication)
    draft = selectors.open_draft(publication.question)
    default = selectors.default_round_of(publication)
    urls = {ref: references.drilldown_url(ref, summaries, default) for ref in publication.figures}
    return render(request, "parliament/answer_detail.html", {
        "publication": publication, "question": publication.question, "data": publication.question_data,
        "html": documents.answer_html(publication.source_text, figures=publication.figures, urls=urls,
                                      flag_unsourced=False),
        "changes": changes, "corrected_by": selectors.corrected_by(publication),
        "is_latest": publication.number == latest, "open_draft": draft,
        "can_correct": PublicationPolicy.can_correct(request.user, publication,
                                                     is_latest=publication.number == latest, open_draft=draft),
        "correction_refusal": PublicationPolicy.correction_refusal(
            publication, is_latest=publication.number == latest, open_draft=draft),
        "published_at": moment(publication.published_at),
    })


def answer_json(request, pk):
    publication = _publication(request, pk)
    document = frozen.content(publication)
    document["sha256"] = publication.sha256
    document["changed_since"] = [change.as_json() for change in selectors.changed_since(publication)]
    return HttpResponse(json.dumps(document, ensure_ascii=False, indent=2), content_type="application/json")


def answer_docx(request, pk):
    publication = _publication(request, pk)
    data = publication.question_data
    body = documents.answer_docx(
        publication.text, title=f"{data['number']}: {data['title']}",
        lines=[_("Answer of %(date)s (version %(number)d)") % {"date": moment(publication.published_at),
                                                               "number": publication.number},
               *publication.coverage.splitlines()],
    )
    response = HttpResponse(body, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="antwoord-{publication.pk}-v{publication.number}.docx"'
    return response


def answer_print(request, pk):
    publication = _publication(request, pk)
    return render(request, "parliament/answer_print.html", {
        "publication": publication, "data": publication.question_data,
        "html": documents.answer_html(publication.text, figures={}, urls={}, flag_unsourced=False),
        "published_at": moment(publication.published_at),
    })


@require_POST
def answer_correct(request, pk):
    publication = _publication(request, pk)
    try:
        services.correction_start(actor=request.user, publication=publication)
    except ValidationError as error:
        _refused(request, error)
        return redirect(publication.get_absolute_url())
    messages.success(request, _("A correction of version %(number)d has been started: edit it here, then send it "
                                "for approval.") % {"number": publication.number})
    return redirect("parliament:draft", pk=publication.question_id)
