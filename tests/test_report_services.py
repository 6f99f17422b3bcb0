"""The report workflow: draft, submit, return, reopen, deadline, stale saves, rules and history."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from rounds.models import Answer, Note, Report, ReportingRound, ReportStatus
from rounds.services import reports as services

from .factories import ReportingRoundFactory

THEMES = ["laptops", "reaching-all-pupils", "family-support", "summer-schools-reading"]
COMPLETE = {
    "registration_procedure_used": "yes", "application_period_adjusted": "yes", "enrolment_period_adjusted": "no",
    "free_enrolment_period_adjusted": "no", "newcomers": "adjusted", "preschool": "unchanged",
    "excluded_pupils": "unchanged",
}
THEME_COMPLETE = {"discussed": "yes", "agreements": "no", "actions": "yes", "exchange": "yes", "informed": "no"}


def _themes(**per_slug):
    """Every theme answered completely, except the themes given (by slug with _ for -)."""
    values = {}
    for slug in THEMES:
        for key, value in per_slug.get(slug.replace("-", "_"), THEME_COMPLETE).items():
            values[f"theme:{slug}:{key}"] = value
    return values


def _save(user, round, platform, *, version=0, answers=None, themes=None, notes=None, submit=False):
    values = {**(COMPLETE if answers is None else answers), **(_themes() if themes is None else themes)}
    return services.report_save(actor=user, round=round, platform=platform, expected_version=version,
                                values=values, notes=notes or {}, submit=submit)


def _stored(report) -> dict:
    return {(a.theme.slug if a.theme else None, a.question.key): a.value
            for a in Answer.objects.filter(report=report).select_related("question", "theme")}


def _notes(report) -> dict:
    return {n.section.note_key: n.text for n in Note.objects.filter(report=report).select_related("section")}


@pytest.mark.django_db
def test_a_draft_keeps_unanswered_questions_unanswered(coordinator, platform, open_round):
    report = _save(coordinator, open_round, platform, answers={"registration_procedure_used": "yes"}, themes={})
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    assert report.version == 1
    # Not answered is not "no": no row at all.
    assert _stored(report) == {(None, "registration_procedure_used"): "yes"}


@pytest.mark.django_db
def test_implied_answers_are_filled_in(coordinator, platform, open_round):
    report = _save(coordinator, open_round, platform, answers={"registration_procedure_used": "no"},
                   themes={"theme:laptops:discussed": "no"})
    stored = _stored(report)
    assert stored[None, "application_period_adjusted"] == stored[None, "enrolment_period_adjusted"] == "no"
    assert (None, "free_enrolment_period_adjusted") not in stored  # does not depend on the procedure
    assert [stored["laptops", key] for key in ("agreements", "actions", "exchange", "informed")] == ["no"] * 4


@pytest.mark.django_db
def test_a_question_not_asked_of_the_level_is_not_stored(other_coordinator, other_platform, open_round):
    answers = {k: v for k, v in COMPLETE.items() if k != "preschool"}
    # The form has no pre-school question for secundair; a value sent anyway is dropped, not stored.
    report = services.report_save(actor=other_coordinator, round=open_round, platform=other_platform,
                                  expected_version=0, values={**COMPLETE, **_themes()}, notes={})
    assert (None, "preschool") not in _stored(report)
    report = _save(other_coordinator, open_round, other_platform, version=1, answers=answers, submit=True)
    assert report.status == ReportStatus.SUBMITTED


@pytest.mark.django_db
@pytest.mark.parametrize(("answers", "themes", "column", "message"), [
    ({**COMPLETE, "registration_procedure_used": "no"}, None, "application_period_adjusted", "volgt uit"),
    (COMPLETE, {"theme:laptops:discussed": "no", "theme:laptops:actions": "yes"}, "theme:laptops:actions",
     "volgt uit"),
    ({**COMPLETE, "newcomers": "sometimes"}, None, "newcomers", "keuzes"),
])
def test_rules_between_answers_refuse_the_whole_save(coordinator, platform, open_round, answers, themes, column,
                                                     message):
    with pytest.raises(ValidationError) as refusal:
        _save(coordinator, open_round, platform, answers=answers, themes=themes)
    assert column in refusal.value.message_dict
    assert message in " ".join(refusal.value.message_dict[column])
    assert not Report.objects.exists()
    assert not Answer.objects.exists()


@pytest.mark.django_db
def test_submit_needs_every_answer_and_saves_nothing_otherwise(coordinator, platform, open_round):
    with pytest.raises(ValidationError) as refusal:
        _save(coordinator, open_round, platform, answers={**COMPLETE, "newcomers": None}, submit=True)
    assert list(refusal.value.message_dict) == ["newcomers"]
    assert not Report.objects.exists()
    report = _save(coordinator, open_round, platform, submit=True)
    assert report.status == ReportStatus.SUBMITTED
    assert report.submitted_by == coordinator
    assert report.submitted_at is not None


@pytest.mark.django_db
def test_a_save_writes_only_what_changed(coordinator, platform, open_round, django_assert_max_num_queries):
    report = _save(coordinator, open_round, platform, notes={"registrations_note": "Eerst."})
    before = {a.pk: a.value for a in Answer.objects.filter(report=report)}
    report = _save(coordinator, open_round, platform, version=1,
                   answers={**COMPLETE, "newcomers": "none"}, notes={"registrations_note": "Daarna."})
    after = {a.pk: a.value for a in Answer.objects.filter(report=report)}
    assert set(before) == set(after)  # the same rows, one of them changed
    assert [pk for pk in after if after[pk] != before[pk]] == [
        Answer.objects.get(report=report, question__key="newcomers").pk]
    assert _notes(report) == {"registrations_note": "Daarna."}
    assert Answer.history.filter(report_id=report.pk, history_type="~").count() == 1
    # Taking an answer back removes its row.
    report = _save(coordinator, open_round, platform, version=2, answers={**COMPLETE, "newcomers": None})
    assert (None, "newcomers") not in _stored(report)
    assert _notes(report) == {}


@pytest.mark.django_db
def test_every_save_raises_the_rounds_data_version(coordinator, platform, open_round):
    before = ReportingRound.objects.get(pk=open_round.pk).data_version
    _save(coordinator, open_round, platform, answers={}, themes={})
    assert ReportingRound.objects.get(pk=open_round.pk).data_version == before + 1


@pytest.mark.django_db
def test_a_submitted_report_is_read_only_for_the_coordinator(coordinator, platform, open_round):
    _save(coordinator, open_round, platform, submit=True)
    with pytest.raises(ValidationError, match="ingediend"):
        _save(coordinator, open_round, platform, version=1)


@pytest.mark.django_db
def test_return_with_comment_then_submit_again(coordinator, ministry_user, platform, open_round,
                                               django_capture_on_commit_callbacks):
    report = _save(coordinator, open_round, platform, submit=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_return(actor=ministry_user, report=report, comment="Vul de noot over nieuwkomers aan.")
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    assert report.returned_by == ministry_user
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [coordinator.email]
    assert "Vul de noot over nieuwkomers aan." in mail.outbox[0].body
    assert report.get_absolute_url() in mail.outbox[0].body
    report = _save(coordinator, open_round, platform, version=1,
                   notes={"newcomers_note": "Onthaalklas via OKAN."}, submit=True)
    assert report.status == ReportStatus.SUBMITTED


@pytest.mark.django_db
def test_only_submitted_reports_are_returned_and_a_comment_is_needed(coordinator, ministry_user, platform,
                                                                     open_round):
    report = _save(coordinator, open_round, platform)
    with pytest.raises(ValidationError):
        services.report_return(actor=ministry_user, report=report, comment="Graag aanvullen.")
    report = _save(coordinator, open_round, platform, version=1, submit=True)
    with pytest.raises(ValidationError):
        services.report_return(actor=ministry_user, report=report, comment="   ")
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


@pytest.mark.django_db
def test_deadline_locks_the_report_until_an_admin_reopens_it(coordinator, admin_user, platform,
                                                             django_capture_on_commit_callbacks):
    past = ReportingRoundFactory(opens_on=datetime.date(2020, 5, 1), deadline=datetime.date(2020, 6, 30))
    with pytest.raises(ValidationError, match="30/06/2020"):
        _save(coordinator, past, platform)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_reopen(actor=admin_user, round=past, platform=platform, comment="Laat indienen toegestaan.")
    assert len(mail.outbox) == 1
    report = _save(coordinator, past, platform, version=0, submit=True)
    assert report.status == ReportStatus.SUBMITTED
    assert report.reopened is False  # submitting closes the window again
    with pytest.raises(ValidationError):
        _save(coordinator, past, platform, version=report.version)


@pytest.mark.django_db
def test_a_round_that_has_not_opened_cannot_be_answered(coordinator, platform):
    future = ReportingRoundFactory(opens_on=datetime.date(2099, 1, 1), deadline=datetime.date(2099, 2, 1))
    with pytest.raises(ValidationError, match="01/01/2099"):
        _save(coordinator, future, platform)


@pytest.mark.django_db
def test_only_the_platforms_coordinator_saves(other_coordinator, admin_user, platform, open_round):
    for user in (other_coordinator, admin_user):
        with pytest.raises(ValidationError):
            _save(user, open_round, platform)
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_a_stale_save_is_refused_and_the_first_one_kept(coordinator, platform, open_round):
    _save(coordinator, open_round, platform, answers={}, themes={}, notes={"registrations_note": "eerste"})
    _save(coordinator, open_round, platform, version=1, answers={}, themes={}, notes={"registrations_note": "tweede"})
    with pytest.raises(services.StaleSave) as conflict:
        _save(coordinator, open_round, platform, version=1, answers={}, themes={},
              notes={"registrations_note": "verouderd"})
    assert conflict.value.obj.updated_by == coordinator
    report = Report.objects.get()
    assert _notes(report) == {"registrations_note": "tweede"}
    assert report.version == 2


@pytest.mark.django_db
def test_two_first_saves_of_the_same_report_one_wins(coordinator, platform, open_round):
    _save(coordinator, open_round, platform, answers={}, themes={}, notes={"registrations_note": "tab 1"})
    with pytest.raises(services.StaleSave):
        _save(coordinator, open_round, platform, version=0, answers={}, themes={},
              notes={"registrations_note": "tab 2"})
    assert _notes(Report.objects.get()) == {"registrations_note": "tab 1"}


def _import(actor, round, platform):
    import io

    from rounds.columns import report_columns
    from rounds.importing import parse_report_file, reports_import
    from rounds.questionnaire import definition_for

    # Only the columns of the file format are accepted: the whole header, with empty cells.
    columns = report_columns(definition_for(round))
    data = (",".join(columns) + "\n" + ",".join(
        {"platform_code": platform.code, "level": platform.level, "status": "draft",
         "registration_procedure_used": "yes"}.get(c, "") for c in columns) + "\n").encode()
    rows, errors = parse_report_file(io.BytesIO(data), "rapporten.csv", round)
    assert not errors
    return reports_import(actor=actor, round=round, rows=rows)


def _questionnaire(actor, round, platform):
    from rounds.seed.corona_2020 import SECTIONS
    from rounds.services.questionnaires import questionnaire_replace

    questionnaire_replace(actor=actor, round=round, sections=SECTIONS[:1])


WRITERS = {
    "report_save": lambda actor, round, platform: _save(actor, round, platform, answers={}, themes={}),
    "report_submit": lambda actor, round, platform: _save(actor, round, platform, submit=True),
    "import_responses": _import,
    "questionnaire_replace": _questionnaire,
}


@pytest.mark.django_db
@pytest.mark.parametrize("writer", WRITERS)
def test_every_writer_of_answers_or_questions_raises_the_rounds_data_version(writer, admin_user, coordinator,
                                                                             platform, open_round):
    """The summary is cached per data version: a writer that forgot to raise it would serve old figures."""
    before = ReportingRound.objects.get(pk=open_round.pk).data_version
    actor = admin_user if writer in ("import_responses", "questionnaire_replace") else coordinator
    WRITERS[writer](actor, open_round, platform)
    assert ReportingRound.objects.get(pk=open_round.pk).data_version > before


@pytest.mark.django_db
def test_a_first_save_that_loses_the_race_after_looking_is_a_stale_save(coordinator, platform, open_round,
                                                                         monkeypatch):
    """Two tabs save a new report at once; the second looked before the first committed (seen as a 409,
    not as a form error about a duplicate report)."""
    _save(coordinator, open_round, platform, answers={}, themes={}, notes={"registrations_note": "tab 1"})
    looked_too_early = lambda **kwargs: Report(round=open_round, platform=platform, version=1)  # noqa: E731
    monkeypatch.setattr(services, "_report_for_save", looked_too_early)
    with pytest.raises(services.StaleSave):
        _save(coordinator, open_round, platform, answers={}, themes={}, notes={"registrations_note": "tab 2"})
    assert _notes(Report.objects.get()) == {"registrations_note": "tab 1"}
