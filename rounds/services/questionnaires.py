"""Writes to a round's questionnaire: replacing it with a spec (from the editor or an XLSForm file), or
copying an earlier round's.

A questionnaire is read-only once its round has a saved report (`questionnaire_is_locked`): a later
change would make the answers given mean something else.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from summaries.summary import round_data_changed

from ..models import Choice, Question, Questionnaire, Report, ReportingRound, Section
from ..spec import normalise_spec, spec_from_questionnaire, validate_spec


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
                                                                 "implied_value", "min_value", "max_value")})
            question.full_clean(exclude=["questionnaire", "section"], validate_constraints=False)
            question.save()
            choices = [Choice(question=question, name=name, label=label, position=c_position)
                       for c_position, (name, label) in enumerate(q["choices"])]
            for choice in choices:
                choice.full_clean(exclude=["question"], validate_constraints=False)
            Choice.objects.bulk_create(choices)

    changes = {"version": F("version") + 1}
    if copied_from is not None:
        changes["copied_from"] = copied_from
    Questionnaire.objects.filter(pk=questionnaire.pk).update(**changes)
    questionnaire.refresh_from_db()
    round.questionnaire = questionnaire  # so that definition_for(round) reads the new version
    round_data_changed(round)  # the summary's questions are the questionnaire's
    return questionnaire


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
