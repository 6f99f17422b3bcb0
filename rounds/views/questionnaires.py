"""The questionnaire builder: a round's questionnaire, its sections, questions and choices, a preview of
the form per level, a copy from an earlier round, and the XLSForm file in and out.

Admins change it, the ministry reads it, coordinators see their report form only. Every change
is the whole questionnaire written again (`questionnaire_replace`): the spec is read, changed,
checked and replaced, all or nothing. Once the round has a saved report the questionnaire is
read-only: every page that changes it answers 403 with the reason. The questions' sentences in the
answer text change nothing that is asked or stored: admins change them on their own page, also then.
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lopportal.forms import add_service_errors
from lopportal.imports import ImportedFile, errors_shown
from platforms.models import Level
from summaries import references
from summaries.documents import answer_html
from summaries.summary import cached_round_summary

from .. import selectors
from ..forms import ReportForm
from ..forms_questionnaire import (
    CopyForm,
    QuestionForm,
    SectionForm,
    SentencesForm,
    UploadForm,
    find_question,
    find_section,
    spec_question_moved,
    spec_question_removed,
    spec_section_moved,
    spec_section_removed,
)
from ..importing import questionnaire_import
from ..models import LevelScope, QuestionKind, ReportingRound
from ..permissions import RoundPolicy
from ..presenters import progress
from ..questionnaire import Definition, QuestionDef, SectionDef, definition_for, display_value, questionnaire_of
from ..services.questionnaires import (
    question_sentences_update,
    questionnaire_copy,
    questionnaire_is_locked,
    questionnaire_replace,
)
from ..spec import spec_from_questionnaire
from ..xlsform import read_xlsform, write_xlsform

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def locked_message() -> str:
    return _("This round already has a saved report: its questionnaire can no longer change, because answers "
             "would then mean something else.")


# Access ---------------------------------------------------------------------------------------------------------


def _round_to_read(request, round_slug) -> ReportingRound:
    """The round, for the ministry and admins (a coordinator answers the form, and sees it there)."""
    if not RoundPolicy.can_read_questionnaire(request.user):
        raise PermissionDenied
    return selectors.round_get(slug=round_slug)


def _changes(view):
    """A page that changes the questionnaire: admins only, and 403 with the reason once it is read-only.

    The view gets the round instead of its slug.
    """
    @wraps(view)
    def wrapper(request, round_slug, **kwargs):
        if not RoundPolicy.can_manage(request.user):
            raise PermissionDenied
        round = selectors.round_get(slug=round_slug)
        if questionnaire_is_locked(round):
            return render(request, "rounds/questionnaire_locked.html",
                          {"round": round, "locked_message": locked_message()}, status=403)
        return view(request, round, **kwargs)
    return wrapper


def _spec(round: ReportingRound) -> list[dict]:
    return spec_from_questionnaire(questionnaire_of(round))


def _page(round: ReportingRound, anchor: str = "") -> str:
    return reverse("rounds:questionnaire", kwargs={"round_slug": round.slug}) + (f"#{anchor}" if anchor else "")


# The questionnaire ----------------------------------------------------------------------------------------------


@dataclass
class QuestionRow:
    """A question as the questionnaire page lists it, its conditions in words."""

    question: QuestionDef
    kind: str
    level: str
    asked_when: str
    implied: str
    first: bool
    last: bool


@dataclass
class SectionRow:
    section: SectionDef
    level: str
    questions: list[QuestionRow]
    first: bool
    last: bool


def _outline(definition: Definition) -> list[SectionRow]:
    kinds, levels = dict(QuestionKind.choices), dict(LevelScope.choices)
    rows = []
    for s_index, section in enumerate(definition.sections):
        questions = []
        for q_index, question in enumerate(section.questions):
            implied = ""
            if question.implied_when:
                implied = _("The answer is “%(value)s” when %(condition)s.") % {
                    "value": display_value(question, question.implied),
                    "condition": definition.describe(question.implied_when)}
            questions.append(QuestionRow(
                question, kinds.get(question.kind, question.kind), levels.get(question.level, question.level),
                definition.describe(question.relevant), implied,
                first=q_index == 0, last=q_index == len(section.questions) - 1))
        rows.append(SectionRow(section, levels.get(section.level, section.level), questions,
                               first=s_index == 0, last=s_index == len(definition.sections) - 1))
    return rows


@require_GET
def questionnaire_detail(request, round_slug):
    round = _round_to_read(request, round_slug)
    definition = definition_for(round)
    locked = questionnaire_is_locked(round)
    return render(request, "rounds/questionnaire_detail.html", {
        "round": round, "sections": _outline(definition), "themes": definition.themes, "locked": locked,
        "locked_message": locked_message(), "editable": RoundPolicy.can_manage(request.user) and not locked,
        "can_edit_sentences": RoundPolicy.can_manage(request.user),
    })


@require_GET
def questionnaire_preview(request, round_slug):
    """The report form as a coordinator of the level sees it, empty and without a way to send it."""
    round = _round_to_read(request, round_slug)
    level = request.GET.get("level")
    if level not in Level.values:
        level = Level.BASIS
    definition = definition_for(round)
    form = ReportForm(None, definition=definition, level=level, values={}, notes={}, version=0)
    return render(request, "rounds/questionnaire_preview.html", {
        "round": round, "form": form, "level": level, "levels": Level.choices,
        "progress": progress(definition, level, {}),
    })


@require_GET
def questionnaire_download(request, round_slug):
    round = _round_to_read(request, round_slug)
    response = HttpResponse(write_xlsform(round), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{round.slug}-vragenlijst.xlsx"'
    return response


# Sections and questions -----------------------------------------------------------------------------------------


def _references(sections: list[dict]) -> list[dict]:
    """The questions a condition can be on (yes/no and lists), for the form's list of keys and values."""
    return [q for s in sections for q in s["questions"]
            if q["kind"] in (QuestionKind.YESNO, QuestionKind.CHOICE, QuestionKind.MULTIPLE)]


def _save(request, form, round, anchor):
    """Write the form's questionnaire; the response to send, or None when the service refused it."""
    try:
        questionnaire_replace(actor=request.user, round=round, sections=form.sections)
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    messages.success(request, _("The questionnaire has been saved."))
    return redirect(_page(round, anchor))


@require_http_methods(["GET", "POST"])
@_changes
def section_form(request, round, section_key=None):
    sections = _spec(round)
    index = None
    if section_key is not None:
        index = find_section(sections, section_key)
        if index is None:
            raise Http404
    form = SectionForm(request.POST if request.method == "POST" else None, sections=sections, index=index)
    if request.method == "POST" and form.is_valid():
        response = _save(request, form, round, f"section-{form.cleaned_data['key']}")
        if response:
            return response
    return render(request, "rounds/questionnaire_section_form.html", {
        "round": round, "form": form, "question_form": form.first_question,
        "section": sections[index] if index is not None else None,
        "forms": [f for f in (form, form.first_question) if f is not None], "references": _references(sections),
    })


@require_http_methods(["GET", "POST"])
@_changes
def question_form(request, round, section_key=None, question_key=None):
    sections = _spec(round)
    position = section_index = None
    if question_key is not None:
        position = find_question(sections, question_key)
        if position is None:
            raise Http404
    else:
        section_index = find_section(sections, section_key)
        if section_index is None:
            raise Http404
    form = QuestionForm(request.POST if request.method == "POST" else None, sections=sections,
                        section_index=section_index, position=position)
    if request.method == "POST" and form.is_valid():
        response = _save(request, form, round, f"question-{form.cleaned_data['key']}")
        if response:
            return response
    return render(request, "rounds/questionnaire_question_form.html", {
        "round": round, "form": form, "forms": [form],
        "question": sections[position[0]]["questions"][position[1]] if position else None,
        "section": sections[position[0] if position else section_index],
        "references": _references(sections),
    })


def _replace_or_report(request, round, sections) -> bool:
    """Write a moved or shortened questionnaire; say why not when it breaks a rule."""
    try:
        questionnaire_replace(actor=request.user, round=round, sections=sections)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return False
    return True


def _direction(request) -> str:
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        raise BadRequest
    return direction


@require_POST
@_changes
def section_move(request, round, section_key):
    sections = _spec(round)
    index = find_section(sections, section_key)
    if index is None:
        raise Http404
    if _replace_or_report(request, round, spec_section_moved(sections, index, _direction(request))):
        messages.success(request, _("The section has been moved."))
    return redirect(_page(round, f"section-{section_key}"))


@require_POST
@_changes
def question_move(request, round, question_key):
    sections = _spec(round)
    position = find_question(sections, question_key)
    if position is None:
        raise Http404
    if _replace_or_report(request, round, spec_question_moved(sections, position, _direction(request))):
        messages.success(request, _("The question has been moved."))
    return redirect(_page(round, f"question-{question_key}"))


def _remove(request, round, *, what, title, changed, cancel_anchor):
    """The confirmation page of a removal (GET), and the removal (POST)."""
    errors = []
    if request.method == "POST":
        try:
            questionnaire_replace(actor=request.user, round=round, sections=changed)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("The section has been removed.") if what == "section"
                             else _("The question has been removed."))
            return redirect(_page(round))
    return render(request, "rounds/questionnaire_remove.html", {
        "round": round, "what": what, "title": title, "errors": errors, "cancel_url": _page(round, cancel_anchor),
    })


@require_http_methods(["GET", "POST"])
@_changes
def section_remove(request, round, section_key):
    sections = _spec(round)
    index = find_section(sections, section_key)
    if index is None:
        raise Http404
    return _remove(request, round, what="section", title=sections[index]["title"],
                   changed=spec_section_removed(sections, index), cancel_anchor=f"section-{section_key}")


@require_http_methods(["GET", "POST"])
@_changes
def question_remove(request, round, question_key):
    sections = _spec(round)
    position = find_question(sections, question_key)
    if position is None:
        raise Http404
    return _remove(request, round, what="question", title=sections[position[0]]["questions"][position[1]]["label"],
                   changed=spec_question_removed(sections, position), cancel_anchor=f"question-{question_key}")


# A copy, and the XLSForm file -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@_changes
def questionnaire_copy_form(request, round):
    form = CopyForm(request.POST if request.method == "POST" else None, round=round)
    if request.method == "POST" and form.is_valid():
        try:
            questionnaire_copy(actor=request.user, round=round, source=form.cleaned_data["source"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The questionnaire of %(round)s has been copied.")
                             % {"round": form.cleaned_data["source"].title})
            return redirect(_page(round))
    return render(request, "rounds/questionnaire_copy.html", {
        "round": round, "form": form, "has_questions": definition_for(round).sections != (),
    })


@require_http_methods(["GET", "POST"])
@_changes
def questionnaire_upload(request, round):
    posted = request.method == "POST"
    form = UploadForm(request.POST if posted else None, request.FILES if posted else None)
    errors = []
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        sections, errors = read_xlsform(data, upload.name)
        if not errors:
            try:
                questionnaire_import(actor=request.user, round=round, sections=sections,
                                     source=ImportedFile.of(data, upload.name))
            except ValidationError as error:
                errors = error.messages
            else:
                messages.success(request, _("The questionnaire has been read from %(file)s.") % {"file": upload.name})
                return redirect(_page(round))
    # A bad file can have thousands of errors: the page lists the first ones and says how many more there are.
    return render(request, "rounds/questionnaire_upload.html", {"round": round, "form": form, **errors_shown(errors)})


# The sentences in the answer text -------------------------------------------------------------------------------


@dataclass
class SentenceRow:
    """A question on the sentences page: its field, and its sentence with the round's current figures."""

    question: QuestionDef
    field: object
    preview: str
    theme: str  # the theme the preview shows, for a question asked per theme


def _sentence_preview(text: str, question: QuestionDef, definition: Definition, summary) -> tuple[str, str]:
    """The sentence as the answer shows it now (HTML), and the theme it is shown for."""
    text = text.strip()
    if text == references.OMIT:
        return "", ""
    text = text or references.default_sentence(question)
    theme = definition.themes[0] if question.key in definition.per_theme_keys and definition.themes else None
    text = references.for_theme(text, definition, theme)
    summaries = {summary.round.slug: summary}
    figures, _refused = references.figures(text, summaries, summary.round.slug)
    urls = {reference: references.drilldown_url(reference, summaries, summary.round.slug) for reference in figures}
    return answer_html(text, figures=figures, urls=urls), theme.name if theme else ""


@require_http_methods(["GET", "POST"])
def questionnaire_sentences(request, round_slug):
    """Admins write each question's sentence in the answer text, also once the questionnaire is locked."""
    if not RoundPolicy.can_manage(request.user):
        raise PermissionDenied
    round = selectors.round_get(slug=round_slug)
    definition = definition_for(round)
    form = SentencesForm(request.POST if request.method == "POST" else None, definition=definition)
    if request.method == "POST" and form.is_valid():
        try:
            changed = question_sentences_update(actor=request.user, round=round, sentences=form.sentences())
        except ValidationError as error:
            for key, problems in error.message_dict.items():
                form.add_error(key if key in form.fields else None, problems)
        else:
            messages.success(request, ngettext("%(n)d sentence has been saved.", "%(n)d sentences have been saved.",
                                               changed) % {"n": changed})
            return redirect(reverse("rounds:questionnaire_sentences", kwargs={"round_slug": round.slug}))
    summary = cached_round_summary(round)
    sections = []
    for section in definition.sections:
        rows = []
        for question in section.questions:
            field = form[question.key]
            text = field.value() or ""
            preview, theme = _sentence_preview(text, question, definition, summary)
            rows.append(SentenceRow(question, field, preview, theme))
        sections.append((section, rows))
    return render(request, "rounds/questionnaire_sentences.html", {
        "round": round, "form": form, "sections": sections, "locked": questionnaire_is_locked(round),
        "omit": references.OMIT,
    })
