"""Writes to a round's questionnaire: replacing it with a spec (from the editor or an XLSForm file),
copying an earlier round's, or changing its questions' sentences in the answer text.

A questionnaire is read-only once its round has a saved report (`questionnaire_is_locked`): a later
change would make the answers given mean something else.
"""

from auditlog.context import disable_auditlog
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from audit import services as audit
from summaries import references
from summaries.summary import Summary, round_data_changed, round_summary

from ..models import Choice, Question, Questionnaire, Report, ReportingRound, Section
from ..questionnaire import Definition, QuestionDef, definition_for, questionnaire_of
from ..spec import SENTENCE_MAX, normalise_spec, spec_from_questionnaire, validate_spec


def questionnaire_is_locked(round: ReportingRound) -> bool:
    """Whether the round's questionnaire can no longer change: a report of the round was saved."""
    return Report.objects.filter(round=round).exists()


def locked_message() -> str:
    return _("This round already has a saved report: its questionnaire can no longer change.")


def spec_error_messages(sections: list[dict], errors) -> list[str]:
    """The errors of `validate_spec`, each prefixed with the section and question it is about."""
    messages = []
    for error in errors:
        section = sections[error.section] if error.section < len(sections) else {}
        where = _("section %(number)d (%(key)s)") % {"number": error.section + 1, "key": section.get("key") or "?"}
        if error.question is not None:
            questions = section.get("questions") or []
            question = questions[error.question] if error.question < len(questions) else {}
            where = _("%(section)s, question %(number)d (%(key)s)") % {
                "section": where, "number": error.question + 1, "key": question.get("key") or "?"}
        messages.append(f"{where}: {error.message}")
    return messages


@transaction.atomic
def questionnaire_replace(*, actor, round: ReportingRound, sections: list[dict],
                          copied_from: ReportingRound | None = None) -> Questionnaire:
    """Replace the round's sections, questions and choices with the spec, and raise its version.

    Refused (ValidationError, nothing changed) when the round has a saved report, or with every
    rule the spec breaks. `copied_from` records the round the spec came from (`questionnaire_copy`);
    without it the questionnaire keeps what it recorded.
    """
    questionnaire, _created = Questionnaire.objects.get_or_create(round=round)
    # Serialise concurrent replacements of one questionnaire (the row lock is held until commit).
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if questionnaire_is_locked(round):
        raise ValidationError(locked_message(), code="locked")
    sections = normalise_spec(sections)
    errors = validate_spec(sections)
    if errors:
        raise ValidationError(spec_error_messages(sections, errors), code="invalid")

    before = spec_from_questionnaire(questionnaire)  # for the audit log's old → new (three queries)
    old = {"version": questionnaire.version, "copied_from": questionnaire.copied_from_id}
    # The rows are replaced wholesale: one audit entry on the questionnaire (below) says what changed, rather
    # than a deletion and a creation for every section, question and choice.
    with disable_auditlog():
        _replace_rows(questionnaire, sections)

    changes = {"version": F("version") + 1}
    if copied_from is not None:
        changes["copied_from"] = copied_from
    Questionnaire.objects.filter(pk=questionnaire.pk).update(**changes)
    questionnaire.refresh_from_db()
    audit.record_change(actor=actor, obj=questionnaire, changes=_spec_changes(old, questionnaire, before, sections))
    round.questionnaire = questionnaire  # so that definition_for(round) reads the new version
    round_data_changed(round)  # the summary's questions are the questionnaire's
    return questionnaire


def _spec_changes(old: dict, questionnaire: Questionnaire, before: list[dict], after: list[dict]) -> dict:
    """Old → new of a replaced questionnaire: its version, where it was copied from, and each section and
    question (by key) that was added, removed or changed."""
    changes = {"version": [old["version"], questionnaire.version]}
    if old["copied_from"] != questionnaire.copied_from_id:
        changes["copied_from"] = [old["copied_from"], questionnaire.copied_from_id]

    def parts(spec):
        sections, questions = {}, {}
        for section in spec:
            sections[section["key"]] = {k: v for k, v in section.items() if k != "questions"}
            for question in section["questions"]:
                questions[question["key"]] = {**question, "choices": [list(c) for c in question["choices"]],
                                              "section": section["key"]}
        return sections, questions

    for prefix, old_parts, new_parts in zip(("section", "question"), parts(before), parts(after), strict=True):
        for key in [*old_parts, *(k for k in new_parts if k not in old_parts)]:
            if old_parts.get(key) != new_parts.get(key):
                changes[f"{prefix} {key}"] = [old_parts.get(key), new_parts.get(key)]
    return changes


def _replace_rows(questionnaire: Questionnaire, sections: list[dict]) -> None:
    Section.objects.filter(questionnaire=questionnaire).delete()  # its questions and choices go with it
    for s_position, spec in enumerate(sections):
        section = Section(questionnaire=questionnaire, position=s_position,
                          **{field: spec[field] for field in ("key", "title", "help_text", "level", "per_theme",
                                                              "note_key", "note_label")})
        section.full_clean(exclude=["questionnaire"], validate_constraints=False)  # validate_spec covers them
        section.save()
        for q_position, q in enumerate(spec["questions"]):
            question = Question(questionnaire=questionnaire, section=section, position=q_position,
                                **{field: q[field] for field in ("key", "label", "help_text", "kind", "required",
                                                                 "level", "relevant", "implied_when",
                                                                 "implied_value", "min_value", "max_value",
                                                                 "sentence")})
            question.full_clean(exclude=["questionnaire", "section"], validate_constraints=False)
            question.save()
            choices = [Choice(question=question, name=name, label=label, position=c_position)
                       for c_position, (name, label) in enumerate(q["choices"])]
            for choice in choices:
                choice.full_clean(exclude=["question"], validate_constraints=False)
            Choice.objects.bulk_create(choices)


@transaction.atomic
def questionnaire_copy(*, actor, round: ReportingRound, source: ReportingRound) -> Questionnaire:
    """Give the round a copy of the questionnaire of an earlier round (the start of a new one)."""
    if source.pk == round.pk:
        raise ValidationError(_("Choose another round to copy the questionnaire from."), code="same_round")
    source_questionnaire = Questionnaire.objects.filter(round=source).first()
    sections = spec_from_questionnaire(source_questionnaire) if source_questionnaire else []
    if not sections:
        raise ValidationError(_("The round %(round)s has no questions to copy.") % {"round": source.title},
                              code="empty")
    return questionnaire_replace(actor=actor, round=round, sections=sections, copied_from=source)


def sentence_problems(sentence: str, question: QuestionDef, definition: Definition, summary: Summary) -> list[str]:
    """Why a question's sentence cannot be saved: references to figures that do not exist (checked against the
    round's summary, for every theme when the question is asked per theme), numbers typed as text, and `{theme}`
    in a question that is not asked per theme."""
    problems = []
    if len(sentence) > SENTENCE_MAX:
        problems.append(_("Use at most %(n)d characters.") % {"n": SENTENCE_MAX})
    per_theme = question.key in definition.per_theme_keys
    if "{theme}" in sentence and not per_theme:
        problems.append(_("{theme} stands for the theme's name: only a question asked per theme has one."))
    summaries = {summary.round.slug: summary}
    for theme in (definition.themes if per_theme else ()) or (None,):
        for _start, _end, reference in references.find(references.for_theme(sentence, definition, theme)):
            try:
                references.figure(reference, summaries, summary.round.slug)
            except references.ReferenceRefused as refusal:
                if theme is None and reference.partition(".")[0] in definition.per_theme_keys:
                    continue  # a round without themes: its per-theme figures cannot be checked
                if str(refusal) not in problems:
                    problems.append(str(refusal))
    numbers = references.unsourced_numbers(sentence)
    if numbers:
        problems.append(_("A number typed as text (figure without a source): %(numbers)s. Write every figure as a "
                          "reference, e.g. {{ key.yes.total }}.") % {"numbers": ", ".join(numbers)})
    return problems


@transaction.atomic
def question_sentences_update(*, actor, round: ReportingRound, sentences: dict[str, str]) -> int:
    """Change the sentences of the round's questions in the answer text (by question key; "" for the default).

    Allowed when the questionnaire is locked: a sentence changes nothing that is asked or stored. Every
    sentence is checked first (`sentence_problems`); with any problem a ValidationError by question key and
    nothing changes. Raises the questionnaire's version (its cached definition holds the sentences) and the
    round's data version (its cached summary holds the definition). Returns how many sentences changed.
    """
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire_of(round).pk)
    questions = {q.key: q for q in Question.objects.filter(questionnaire=questionnaire, key__in=list(sentences))}
    definition = definition_for(round)
    summary = round_summary(round)
    errors: dict[str, list[str]] = {}
    changed = []
    for key, text in sentences.items():
        text = (text or "").strip().replace("\r\n", "\n")
        question = questions.get(key)
        if question is None or key not in definition.questions:
            errors[key] = [_("There is no question %(key)s in this questionnaire.") % {"key": key}]
            continue
        problems = sentence_problems(text, definition.questions[key], definition, summary)
        if problems:
            errors[key] = problems
        elif text != question.sentence:
            question.sentence = text
            changed.append(question)
    if errors:
        raise ValidationError(errors)
    for question in changed:
        question.full_clean(exclude=["questionnaire", "section"], validate_constraints=False)
        question.save(update_fields=["sentence"])
    if changed:
        Questionnaire.objects.filter(pk=questionnaire.pk).update(version=F("version") + 1)
        questionnaire.refresh_from_db()
        round.questionnaire = questionnaire
        round_data_changed(round)
    return len(changed)
