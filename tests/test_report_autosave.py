"""Nothing typed is lost (#13): the autosave endpoint, the merge of a stale save, the form kept over a login."""

import re
import time

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from lopportal.middleware import SEEN_KEY
from rounds import merge
from rounds.models import Answer, Note, Report, ReportStatus
from rounds.questionnaire import definition_for
from rounds.services import reports

from .factories import PASSWORD, report_post_data
from .second_factor_helpers import confirmed_device


def _url(round, platform, name="rounds:report"):
    return reverse(name, kwargs={"round_slug": round.slug, "code": platform.code})


def _state(client, round, platform) -> str:
    """The signed state the report page's form carries."""
    page = client.get(_url(round, platform)).text
    return re.search(r'name="loaded_state" value="([^"]*)"', page).group(1)


def _note(report=None):
    return Note.objects.get(report=report or Report.objects.get(), section__note_key="registrations_note").text


def _value(key):
    return Answer.objects.get(question__key=key, theme=None).value


# The endpoint --------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_autosave_saves_a_draft_and_answers_the_new_version(login, coordinator, platform, open_round):
    client = login(coordinator)
    response = client.post(_url(open_round, platform, "rounds:report_autosave"), {
        "loaded_version": "0", "registration_procedure_used": "true", "registrations_note": "eerste versie"})
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 1
    assert re.fullmatch(r"\d\d:\d\d", body["saved_at"])
    assert body["progress"]["answered"] == 1 and body["progress"]["total"] == 27
    assert merge.read_state(body["state"])["u"] == coordinator.pk
    report = Report.objects.get()
    assert report.status == ReportStatus.DRAFT and report.version == 1
    assert _note(report) == "eerste versie"
    # The next autosave names the version it was given.
    response = client.post(_url(open_round, platform, "rounds:report_autosave"), {
        "loaded_version": "1", "registration_procedure_used": "false", "registrations_note": "tweede versie"})
    assert response.json()["version"] == 2
    assert _note() == "tweede versie" and _value("registration_procedure_used") == "no"


@pytest.mark.django_db
def test_autosave_never_submits_and_needs_no_complete_report(login, coordinator, platform, open_round):
    data = report_post_data(submit="", confirm_submit="")
    response = login(coordinator).post(_url(open_round, platform, "rounds:report_autosave"), data)
    assert response.status_code == 200
    assert Report.objects.get().status == ReportStatus.DRAFT
    response = login(coordinator).post(_url(open_round, platform, "rounds:report_autosave"),
                                       {"loaded_version": "1", "newcomers": "adjusted"})
    assert response.status_code == 200  # 26 questions unanswered: fine for a draft


@pytest.mark.django_db
def test_a_stale_autosave_answers_the_merge_and_overwrites_nothing(login, coordinator, platform, open_round):
    client = login(coordinator)
    url = _url(open_round, platform, "rounds:report_autosave")
    client.post(url, {"loaded_version": "0", "registrations_note": "a"})
    client.post(url, {"loaded_version": "1", "registrations_note": "b"})
    response = client.post(url, {"loaded_version": "1", "registrations_note": "c"})
    assert response.status_code == 409
    body = response.json()
    assert body["conflict"] is True and body["version"] == 2
    assert 'name="merge-registrations_note"' in body["merge_html"]
    assert ">b<" in body["merge_html"].replace("</span>", "<") and ">c<" in body["merge_html"].replace("</span>", "<")
    assert _note() == "b" and Report.objects.get().version == 2


@pytest.mark.django_db
def test_invalid_answers_are_refused_with_errors_per_field_and_nothing_saved(login, coordinator, platform,
                                                                              open_round):
    response = login(coordinator).post(_url(open_round, platform, "rounds:report_autosave"), {
        "loaded_version": "0", "registration_procedure_used": "maybe", "registrations_note": "x" * 5000})
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {"registration_procedure_used", "registrations_note"}
    assert body["message"]
    # A broken rule between answers (the definition's check) is refused the same way.
    response = login(coordinator).post(_url(open_round, platform, "rounds:report_autosave"), {
        "loaded_version": "0", "registration_procedure_used": "false", "application_period_adjusted": "true"})
    assert response.status_code == 400
    assert "application_period_adjusted" in response.json()["errors"]
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_a_submitted_report_or_someone_elses_is_refused(login, coordinator, ministry_user, other_coordinator,
                                                        platform, open_round):
    reports.report_save(actor=coordinator, round=open_round, platform=platform, expected_version=0,
                        values={}, notes={}, submit=False)
    Report.objects.update(status=ReportStatus.SUBMITTED, submitted_at=timezone.now(), submitted_by=coordinator)
    response = login(coordinator).post(_url(open_round, platform, "rounds:report_autosave"),
                                       {"loaded_version": "1", "registrations_note": "te laat"})
    assert response.status_code == 403
    assert response.json()["error"]
    response = login(ministry_user).post(_url(open_round, platform, "rounds:report_autosave"),
                                         {"loaded_version": "1", "registrations_note": "x"})
    assert response.status_code == 403  # reads every report, answers none
    response = login(other_coordinator).post(_url(open_round, platform, "rounds:report_autosave"),
                                             {"loaded_version": "1", "registrations_note": "x"})
    assert response.status_code == 404  # not their platform: as if it did not exist
    assert not Note.objects.exists()


@pytest.mark.django_db
def test_autosave_after_the_session_ended_answers_401_with_the_way_back(client, login, coordinator, platform,
                                                                          open_round):
    url = _url(open_round, platform, "rounds:report_autosave")
    response = client.post(url, {"loaded_version": "0", "registrations_note": "x"})
    assert response.status_code == 401
    assert response.json()["login_url"] == "/accounts/login/?next=" + _url(open_round, platform).replace("/", "%2F")
    login(coordinator)
    Session.objects.all().delete()  # the idle timeout: the session is gone from the database
    response = client.post(url, {"loaded_version": "0", "registrations_note": "x"})
    assert response.status_code == 401 and "login_url" in response.json()
    assert not Report.objects.exists()
    assert client.get(url).status_code == 405  # only POST saves; a GET is not sent to the login page either


@pytest.mark.django_db
def test_autosave_waiting_for_the_second_factor_answers_401(client, coordinator, platform, open_round):
    confirmed_device(coordinator)  # has a second factor, so must pass it after the password
    assert client.login(username=coordinator.username, password=PASSWORD)
    session = client.session
    session[SEEN_KEY] = int(time.time())
    session.save()
    response = client.post(_url(open_round, platform, "rounds:report_autosave"), {"loaded_version": "0"})
    assert response.status_code == 401
    assert response.json()["login_url"].startswith("/accounts/second-factor/")
    assert not Report.objects.exists()


# The merge ----------------------------------------------------------------------------------------------------

def _merge(user, platform, round, *, loaded, typed, saved_values, saved_notes, state_user=None):
    """A merge of `typed` (values, notes) over the saved report, the form loaded with `loaded` (values, notes)."""
    definition = definition_for(round)
    path = _url(round, platform)
    state = merge.report_state(user=state_user or user, path=path, definition=definition, level=platform.level,
                               values=loaded[0], notes=loaded[1])
    report = reports.report_save(actor=user, round=round, platform=platform, expected_version=0,
                                 values=saved_values, notes=saved_notes)
    report = Report.objects.select_related("updated_by").get(pk=report.pk)
    from django.http import QueryDict

    posted = QueryDict(mutable=True)
    posted.update({"loaded_version": "0", merge.STATE_FIELD: state})
    return merge.report_merge(user=user, path=path, current=report, definition=definition, level=platform.level,
                              posted=posted, values=typed[0], notes=typed[1])


@pytest.mark.django_db
def test_merge_asks_only_where_both_changed_differently(coordinator, platform, open_round):
    loaded = ({"newcomers": "unchanged", "excluded_pupils": "unchanged"}, {"registrations_note": "oud"})
    typed = ({"newcomers": "adjusted", "excluded_pupils": "unchanged", "preschool": "adjusted"},
             {"registrations_note": "oud"})
    saved = ({"newcomers": "none", "excluded_pupils": "adjusted", "preschool": "adjusted"},
             {"registrations_note": "nieuw van de collega"})
    result = _merge(coordinator, platform, open_round, loaded=loaded, typed=typed, saved_values=saved[0],
                    saved_notes=saved[1])
    # Both changed newcomers, differently: a choice. Only they changed excluded_pupils and the note: taken.
    # preschool: both typed the same. A question only changed here stays as typed (nothing to do).
    assert [d.field_name for d in result.differences] == ["newcomers"]
    difference = result.differences[0]
    assert difference.theirs_values == ["none"] and difference.choice_name == "merge-newcomers"
    assert result.updates == {"excluded_pupils": ["adjusted"], "registrations_note": ["nieuw van de collega"]}
    assert result.data["excluded_pupils"] == "adjusted"
    assert result.data["loaded_version"] == "1"
    assert merge.read_state(result.data[merge.STATE_FIELD])["u"] == coordinator.pk
    assert result.who == coordinator.get_full_name() or coordinator.username


@pytest.mark.django_db
def test_merge_without_a_state_of_this_user_asks_about_every_difference(coordinator, other_coordinator, platform,
                                                                        open_round):
    loaded = ({"excluded_pupils": "unchanged"}, {})
    typed = ({"excluded_pupils": "unchanged"}, {})
    saved = ({"excluded_pupils": "adjusted"}, {})
    result = _merge(coordinator, platform, open_round, loaded=loaded, typed=typed, saved_values=saved[0],
                    saved_notes=saved[1], state_user=other_coordinator)
    assert [d.field_name for d in result.differences] == ["excluded_pupils"]  # not silently taken
    assert result.updates == {}


# The page without JavaScript ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_stale_manual_save_shows_both_answers_and_saves_again_with_the_choices(client, login, coordinator,
                                                                                 other_coordinator, platform,
                                                                                 open_round):
    platform.coordinators.add(other_coordinator)
    client = login(coordinator)
    state = _state(client, open_round, platform)
    # Meanwhile the other coordinator saves, from a page loaded at the same time.
    reports.report_save(actor=other_coordinator, round=open_round, platform=platform, expected_version=0,
                        values={"newcomers": "adjusted", "excluded_pupils": "adjusted"},
                        notes={"registrations_note": "van de collega"})
    response = client.post(_url(open_round, platform), {
        "loaded_version": "0", "loaded_state": state, "newcomers": "unchanged", "registrations_note": "van mij",
        "save": ""})
    assert response.status_code == 409
    page = response.text
    assert "van de collega" in page and "van mij" in page
    assert 'name="merge-newcomers"' in page and 'name="merge-registrations_note"' in page
    assert 'name="merge-excluded_pupils"' not in page  # untouched here: simply the saved answer
    assert re.search(r'name="excluded_pupils" value="adjusted"[^>]*checked', page)
    assert re.search(r'name="loaded_version" value="1"', page)  # the form now names the saved version
    new_state = re.search(r'name="loaded_state" value="([^"]*)"', page).group(1)
    # Saving again with the choices goes through: theirs for the note, mine for newcomers.
    response = client.post(_url(open_round, platform), {
        "loaded_version": "1", "loaded_state": new_state, "newcomers": "unchanged", "excluded_pupils": "adjusted",
        "registrations_note": "van mij", "merge-registrations_note": "theirs", "merge-newcomers": "mine",
        "save": ""})
    assert response.status_code == 302
    assert _note() == "van de collega"
    assert _value("newcomers") == "unchanged" and _value("excluded_pupils") == "adjusted"


@pytest.mark.django_db
def test_a_form_posted_after_the_session_ended_is_back_after_logging_in(client, login, coordinator,
                                                                          other_coordinator, platform, open_round):
    platform.coordinators.add(other_coordinator)
    client = login(coordinator)
    state = _state(client, open_round, platform)
    Session.objects.all().delete()  # the session ends while the coordinator types
    response = client.post(_url(open_round, platform), {
        "loaded_version": "0", "loaded_state": state, "registrations_note": "Niet verloren!",
        "newcomers": "adjusted", "save": ""})
    assert response.status_code == 302 and response.url.startswith("/accounts/login/?next=")
    assert not Report.objects.exists()
    # The login page (a real login: the session that holds the form goes on) brings them back to the report.
    response = client.post(response.url, {"username": coordinator.username, "password": PASSWORD,
                                          "next": _url(open_round, platform)})
    assert response.status_code == 302
    page = client.get(_url(open_round, platform)).text
    assert 'id="autosave-restored"' in page
    assert "Niet verloren!" in page
    assert re.search(r'name="newcomers" value="adjusted"[^>]*checked', page)
    assert not Report.objects.exists()  # shown, not saved: the coordinator checks and saves
    assert "Niet verloren!" not in client.get(_url(open_round, platform)).text  # once


@pytest.mark.django_db
def test_a_kept_form_is_shown_to_no_one_else(client, coordinator, other_coordinator, platform, open_round, login):
    platform.coordinators.add(other_coordinator)
    client = login(coordinator)
    state = _state(client, open_round, platform)
    Session.objects.all().delete()
    client.post(_url(open_round, platform), {"loaded_version": "0", "loaded_state": state,
                                             "registrations_note": "geheim", "save": ""})
    client.post("/accounts/login/", {"username": other_coordinator.username, "password": PASSWORD})
    assert "geheim" not in client.get(_url(open_round, platform)).text
    # A forged state (not signed by the server) is not kept at all.
    client.logout()
    client.post(_url(open_round, platform), {"loaded_version": "0", "loaded_state": state[:-2] + "xx",
                                             "registrations_note": "vervalst", "save": ""})
    client.post("/accounts/login/", {"username": coordinator.username, "password": PASSWORD})
    assert "vervalst" not in client.get(_url(open_round, platform)).text
