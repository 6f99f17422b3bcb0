"""The ministry's pages of a round: summary, drill-down, initiatives, answer text, exports."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from initiatives.models import InitiativeKind, TargetGroup
from lopportal.forms import query_text
from platforms.models import Level
from rounds import selectors
from rounds.questionnaire import definition_for

from . import answer, documents, exports, summary
from .permissions import SummaryPolicy
from .presenters import question_label, summary_blocks, value_label


def _round_for_summary(request, round_slug):
    round = selectors.round_get(slug=round_slug)
    if not SummaryPolicy.can_read(request.user):
        raise PermissionDenied
    return round


def _include_drafts(request) -> bool:
    return request.GET.get("include_drafts") == "1"


def round_summary(request, round_slug):
    round = _round_for_summary(request, round_slug)
    include_drafts = _include_drafts(request)
    result = summary.cached_round_summary(round, include_drafts=include_drafts)
    previous_round = summary.previous_round(round)
    previous = summary.cached_round_summary(previous_round) if previous_round else None
    initiatives_url = reverse("rounds:initiative_list", kwargs={"round_slug": round.slug})
    return render(request, "summaries/summary.html", {
        "round": round, "summary": result, "blocks": summary_blocks(result, previous),
        "previous_round": previous_round, "missing": summary.platforms_not_submitted(round),
        "kind_rows": [(label, result.initiatives_by_kind[value], f"{initiatives_url}?kind={value}")
                      for value, label in InitiativeKind.choices],
        "group_rows": [(group.name, tally, f"{initiatives_url}?target_group={group.slug}")
                       for group, tally in result.initiatives_by_target_group],
    })


def round_summary_json(request, round_slug):
    if not SummaryPolicy.can_read(request.user):
        raise PermissionDenied
    body = summary.summary_json(round_slug, include_drafts=_include_drafts(request))
    if body is None:
        raise Http404
    return HttpResponse(body, content_type="application/json")


def summary_platforms(request, round_slug):
    round = _round_for_summary(request, round_slug)
    question, value = query_text(request, "question"), request.GET.get("value", "")
    level = request.GET.get("level", "")
    rows = summary.drilldown(round, question=question, value=value, level=level,
                             include_drafts=_include_drafts(request))
    if rows is None:
        raise Http404
    definition = definition_for(round)
    lists_answers, has_notes = not value, bool(definition.by_column[question].section.note_key)
    return render(request, "summaries/summary_platforms.html", {
        "round": round, "rows": rows, "question": question_label(definition, question),
        "value_label": value_label(definition, question, value), "lists_answers": lists_answers,
        "has_notes": has_notes, "columns": 3 + lists_answers + has_notes,
        "level": dict(Level.choices).get(level, ""), "include_drafts": _include_drafts(request),
    })


def initiative_list(request, round_slug):
    round = _round_for_summary(request, round_slug)
    initiatives = exports.round_initiatives(round).select_related("report__platform").prefetch_related(
        "target_groups").order_by("report__platform__name", "start_date")
    filters = {
        "level": request.GET.get("level", ""), "kind": request.GET.get("kind", ""),
        "target_group": query_text(request, "target_group"), "platform": query_text(request, "platform", 60),
        "q": query_text(request, "q"),
    }
    if filters["level"] in Level.values:
        initiatives = initiatives.filter(report__platform__level=filters["level"])
    if filters["kind"] in InitiativeKind.values:
        initiatives = initiatives.filter(kind=filters["kind"])
    if filters["target_group"]:
        initiatives = initiatives.filter(target_groups__slug=filters["target_group"])
    if filters["platform"]:
        initiatives = initiatives.filter(Q(report__platform__code=filters["platform"])
                                         | Q(report__platform__name__icontains=filters["platform"]))
    if filters["q"]:
        initiatives = initiatives.filter(Q(title__icontains=filters["q"]) | Q(description__icontains=filters["q"]))
    page = Paginator(initiatives, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "initiatives/initiative_list.html", {
        "round": round, "page": page, "filters": filters, "levels": Level.choices, "kinds": InitiativeKind.choices,
        "target_groups": TargetGroup.objects.all(), "query": query.urlencode(),
    })


def _working_answer(request, round):
    include_drafts = _include_drafts(request)
    return answer.working_answer(summary.cached_round_summary(round, include_drafts=include_drafts),
                                 summary.counted_initiatives(round, include_drafts=include_drafts))


def _questions_url() -> str:
    """The list of parliamentary questions, where a citable answer is written."""
    try:
        return reverse("parliament:list")
    except NoReverseMatch:
        return "/questions/"


def round_answer(request, round_slug):
    round = _round_for_summary(request, round_slug)
    return render(request, "summaries/answer.html", {
        "round": round, "answer": _working_answer(request, round), "include_drafts": _include_drafts(request),
        "questions_url": _questions_url(),
    })


def round_answer_docx(request, round_slug):
    round = _round_for_summary(request, round_slug)
    working = _working_answer(request, round)
    body = documents.answer_docx(working.text, title=round.title, lines=[working.coverage])
    response = HttpResponse(body, content_type=(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
    response["Content-Disposition"] = f'attachment; filename="{round.slug}-antwoord.docx"'
    return response


def export_reports(request, round_slug, fmt):
    round = _round_for_summary(request, round_slug)
    rows = exports.report_rows(round)
    if fmt == "csv":
        return exports.csv_response(rows, f"{round.slug}-rapporten.csv")
    return exports.xlsx_response(rows, f"{round.slug}-rapporten.xlsx", title=round.slug)


def export_initiatives(request, round_slug, fmt):
    round = _round_for_summary(request, round_slug)
    rows = exports.initiative_rows(exports.round_initiatives(round))
    if fmt == "csv":
        return exports.csv_response(rows, f"{round.slug}-initiatieven.csv")
    return exports.xlsx_response(rows, f"{round.slug}-initiatieven.xlsx", title="initiatieven")
