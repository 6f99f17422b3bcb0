"""The report workflow: draft, submit, return, reopen, deadline, stale saves, rules and history."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from rounds.history import report_history
from rounds.models import Report, ReportStatus, Theme
from rounds.services import reports as services

from .factories import ReportingRoundFactory

THEMES = ["laptops", "reaching-all-pupils", "family-support", "summer-schools-reading"]
COMPLETE = {
    "registration_procedure_used": True, "application_period_adjusted": True, "enrolment_period_adjusted": False,
    "free_enrolment_period_adjusted": False, "registrations_note": "", "newcomers": "adjusted",
    "newcomers_note": "", "preschool": "unchanged", "preschool_note": "", "excluded_pupils": "unchanged",
    "excluded_pupils_note": "",
}
THEME_COMPLETE = {"discussed": True, "agreements": False, "actions": True, "exchange": True, "informed": False,
                  "note": ""}


def _themes(**per_slug):
    return {t.pk: per_slug.get(t.slug.replace("-", "_"), dict(THEME_COMPLETE)) for t in Theme.objects.all()}


def _save(user, round, platform, *, version=0, answers=None, themes=None, submit=False):
    return services.report_save(
        actor=user, round=round, platform=platform, expected_version=version,
        answers=COMPLETE if answers is None else answers, theme_answers=_themes() if themes is None else themes,
        submit=submit,
    )


@pytest.mark.django_db
def test_a_draft_keeps_unanswered_questions_unanswered(coordinator, platform, open_round):
    report = _save(coordinator, open_round, platform, answers={"registration_procedure_used": True}, themes={})
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    assert report.version == 1
    assert report.registration_procedure_used is True
    assert report.application_period_adjusted is None  # not answered is not "no"
    assert report.newcomers == ""
    assert report.theme_answers.count() == 4
    assert all(a.discussed is None for a in report.theme_answers.all())


@pytest.mark.django_db
def test_implied_answers_are_filled_in(coordinator, platform, open_round):
    laptops = Theme.objects.get(slug="laptops")
    report = _save(coordinator, open_round, platform, answers={"registration_procedure_used": False},
                   themes={laptops.pk: {"discussed": False}})
    report.refresh_from_db()
    assert (report.application_period_adjusted, report.enrolment_period_adjusted) == (False, False)
    assert report.free_enrolment_period_adjusted is None  # does not depend on the procedure
    answer = report.theme_answers.get(theme=laptops)
    assert (answer.agreements, answer.actions, answer.exchange, answer.informed) == (False, False, False, False)


@pytest.mark.django_db
def test_secundair_platforms_store_preschool_as_not_applicable(other_coordinator, other_platform, open_round):
    answers = {k: v for k, v in COMPLETE.items() if not k.startswith("preschool")}
    report = _save(other_coordinator, open_round, other_platform, answers=answers, submit=True)
    report.refresh_from_db()
    assert report.preschool == "not_applicable"
    assert report.status == ReportStatus.SUBMITTED


@pytest.mark.django_db
@pytest.mark.parametrize(("answers", "theme", "message"), [
    ({**COMPLETE, "registration_procedure_used": False}, None, "aanmeldingsprocedure"),
    (COMPLETE, {**THEME_COMPLETE, "discussed": False}, "ter sprake"),
])
def test_rules_between_answers_refuse_the_whole_save(coordinator, platform, open_round, answers, theme, message):
    themes = _themes(laptops=theme) if theme else None
    with pytest.raises(ValidationError, match=message):
        _save(coordinator, open_round, platform, answers=answers, themes=themes)
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_submit_needs_every_answer_and_saves_nothing_otherwise(coordinator, platform, open_round):
    with pytest.raises(ValidationError, match="nog 1 vraag open"):
        _save(coordinator, open_round, platform, answers={**COMPLETE, "newcomers": ""}, submit=True)
    assert not Report.objects.exists()
    report = _save(coordinator, open_round, platform, submit=True)
    assert report.status == ReportStatus.SUBMITTED
    assert report.submitted_by == coordinator
    assert report.submitted_at is not None


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
                   answers={**COMPLETE, "newcomers_note": "Onthaalklas via OKAN."}, submit=True)
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
    _save(coordinator, open_round, platform, answers={"registrations_note": "eerste"}, themes={})
    _save(coordinator, open_round, platform, version=1, answers={"registrations_note": "tweede"}, themes={})
    with pytest.raises(services.StaleSave) as conflict:
        _save(coordinator, open_round, platform, version=1, answers={"registrations_note": "verouderd"}, themes={})
    assert conflict.value.obj.updated_by == coordinator
    report = Report.objects.get()
    assert report.registrations_note == "tweede"
    assert report.version == 2


@pytest.mark.django_db
def test_two_first_saves_of_the_same_report_one_wins(coordinator, platform, open_round):
    _save(coordinator, open_round, platform, answers={"registrations_note": "tab 1"}, themes={})
    with pytest.raises(services.StaleSave):
        _save(coordinator, open_round, platform, version=0, answers={"registrations_note": "tab 2"}, themes={})
    assert Report.objects.get().registrations_note == "tab 1"


@pytest.mark.django_db
def test_history_records_who_changed_what(coordinator, ministry_user, platform, open_round):
    _save(coordinator, open_round, platform, answers={"registration_procedure_used": True}, themes={})
    report = _save(coordinator, open_round, platform, version=1,
                   answers={"registration_procedure_used": False}, themes={})
    report = _save(coordinator, open_round, platform, version=2, submit=True)
    services.report_return(actor=ministry_user, report=report, comment="Klopt de aanmeldingsprocedure?")
    entries = report_history(report)
    assert entries[0].who == ministry_user
    assert ("status", "Ingediend", "Teruggestuurd") in [(c.label, c.old, c.new) for c in entries[0].changes]
    changes = [(e.who, c.label, c.old, c.new) for e in entries for c in e.changes]
    assert (coordinator, "aanmeldingsprocedure gebruikt", "ja", "nee") in changes
    assert (coordinator, "aanmeldingsprocedure gebruikt", "nee", "ja") in changes
    assert any(e.subject == "Thema: Verstrekken van laptops" for e in entries)
