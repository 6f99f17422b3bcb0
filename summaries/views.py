"""The ministry's pages of a round: summary, drill-down, initiatives, answer text, exports."""

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from initiatives.models import InitiativeKind, TargetGroup
from lopportal.forms import query_text
from platforms.models import Level
from rounds import selectors
from rounds.models import ReportingRound
from rounds.questionnaire import definition_for

from . import answer, documents, exports, summary
from .permissions import SummaryPolicy
from .presenters import missing_list, question_label, summary_header, summary_page, value_label


def _round_for_summary(request, round_slug):
    round = selectors.round_get(slug=round_slug)
    if not SummaryPolicy.can_read(request.user):
        raise PermissionDenied
    return round


def _include_drafts(request) -> bool:
    return request.GET.get("include_drafts") == "1"


def round_summary(request, round_slug):
    # The round's own row only (its questionnaire and themes are read when the figures are built): the page's
    # figures and charts come built, once per version of the round's figures (presenters.summary_page).
    round = get_object_or_404(ReportingRound, slug=round_slug)
    if not SummaryPolicy.can_read(request.user):
        raise PermissionDenied
    include_drafts = _include_drafts(request)
    page = summary_page(round, include_drafts=include_drafts)
    missing = None if page.submitted.total == page.platforms.total else missing_list(
        round, summary.platforms_not_submitted(round))
    return render(request, "summaries/summary.html", {
        "round": round, "summary": page, "missing": missing,
        "header_html": summary_header(round, include_drafts=include_drafts),
    })


def round_summary_json(request, round_slug):
    if not SummaryPolicy.can_read(request.user):
        raise PermissionDenied
    body = summary.summary_json(round_slug, include_drafts=_include_drafts(request))
    if body is None:
        raise Http404
    return HttpResponse(body, content_type="application/json")


def _drilldown(request, round_slug) -> dict:
    """The platforms behind one figure of the summary, with what names it: the round, the question, the value,
    the level and the base (the platforms the question applies to, as in the summary); 404 for bad parameters."""
    round = _round_for_summary(request, round_slug)
    include_drafts = _include_drafts(request)
    question, value = query_text(request, "question"), query_text(request, "value")
    level = request.GET.get("level", "")
    level = level if level in Level.values else ""
    rows = summary.drilldown(round, question=question, value=value, level=level, include_drafts=include_drafts)
    if rows is None:
        raise Http404
    definition = definition_for(round)
    lists_answers, has_notes = not value, bool(definition.by_column[question].section.note_key)
    base = summary.cached_round_summary(round, include_drafts=include_drafts).base_of(question).get(level)
    query = {"question": question, **({"value": value} if value else {}), **({"level": level} if level else {}),
             **({"include_drafts": "1"} if include_drafts else {})}
    return {
        "round": round, "rows": rows, "question": question_label(definition, question), "question_key": question,
        "value": value, "value_label": value_label(definition, question, value), "lists_answers": lists_answers,
        "has_notes": has_notes, "columns": 3 + lists_answers + has_notes, "level": dict(Level.choices).get(level, ""),
        "include_drafts": include_drafts, "base": base, "download_query": urlencode(query),
    }


def summary_platforms(request, round_slug):
    return render(request, "summaries/summary_platforms.html", _drilldown(request, round_slug))


def _drilldown_file_rows(rows, *, value_label: str, has_notes: bool):
    """A header in Dutch, then per platform its code, name, level, status, answer (the value counted, or the
    answer given for a question whose answers are listed) and, when the question's section has one, its note."""
    yield [_("Code"), _("Platform"), _("Level"), _("Status"), _("Answer"), *([_("Note")] if has_notes else [])]
    for row in rows:
        platform = row.report.platform
        yield [platform.code, platform.name, platform.get_level_display(), row.report.get_status_display(),
               value_label or row.answer, *([row.note] if has_notes else [])]


def summary_platforms_download(request, round_slug, fmt):
    """The drill-down's platforms as a file: one row per platform, the answer (or the value counted) and note."""
    context = _drilldown(request, round_slug)
    rows = _drilldown_file_rows(context["rows"], value_label=context["value_label"], has_notes=context["has_notes"])
    name = f"{context['round'].slug}-platformen-{slugify(context['question_key'].replace(':', '-'))}"
    if context["value"]:
        name += f"-{slugify(context['value'])}"
    if fmt == "csv":
        return exports.csv_response(rows, f"{name}.csv", dialect=exports.csv_dialect(request))
    return exports.xlsx_response(rows, f"{name}.xlsx", title="platformen")


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
    if fmt == "csv":
        return exports.csv_response(exports.report_rows(round), f"{round.slug}-rapporten.csv",
                                    dialect=exports.csv_dialect(request))
    definition = definition_for(round)
    return exports.xlsx_response(exports.report_rows(round, definition=definition, dates=True),
                                 f"{round.slug}-rapporten.xlsx", title=round.slug,
                                 questions=exports.report_questions(definition))


def export_initiatives(request, round_slug, fmt):
    round = _round_for_summary(request, round_slug)
    rows = exports.initiative_rows(exports.round_initiatives(round))
    if fmt == "csv":
        return exports.csv_response(rows, f"{round.slug}-initiatieven.csv", dialect=exports.csv_dialect(request))
    return exports.xlsx_response(rows, f"{round.slug}-initiatieven.xlsx", title="initiatieven",
                                 questions=exports.initiative_questions(round))
