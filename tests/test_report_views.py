"""The report page as a coordinator, the ministry and an admin use it."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from rounds.models import Answer, Note, Report

from .factories import ReportFactory, report_post_data


def _url(round, platform, name="rounds:report"):
    return reverse(name, kwargs={"round_slug": round.slug, "code": platform.code})


def _checked(html, name):
    """The value of the checked radio button of a question, or None."""
    match = re.search(rf'<input type="radio"[^>]*name="{re.escape(name)}" value="(\w+)"[^>]*checked', html)
    return match.group(1) if match else None


@pytest.mark.django_db
def test_coordinator_sees_an_empty_form_with_help_and_progress(login, coordinator, platform, open_round):
    page = login(coordinator).get(_url(open_round, platform)).text
    assert "0 van de 27 vragen beantwoord" in page
    assert "Maakte minstens één school in het LOP gebruik van een aanmeldingsprocedure?" in page
    assert "de plaatsen worden centraal toegewezen" in page  # help text
    assert "Thema: Verstrekken van laptops" in page
    assert "Opslaan als concept" in page and "Indienen" in page
    # Every input has a label: each radio its own, each textarea one pointing at it.
    for input_id in re.findall(r'<(?:input type="radio"|textarea)[^>]*id="(id_[^"]+)"', page):
        assert f'for="{input_id}"' in page, input_id


@pytest.mark.django_db
def test_secundair_platforms_are_not_asked_about_preschool(login, other_coordinator, other_platform, open_round):
    page = login(other_coordinator).get(_url(open_round, other_platform)).text
    assert "0 van de 26 vragen beantwoord" in page
    assert "kleuterparticipatie" not in page.lower()


@pytest.mark.django_db
def test_save_as_draft_then_submit(login, coordinator, platform, open_round):
    client = login(coordinator)
    draft = {"loaded_version": "0", "registration_procedure_used": "true", "save": ""}
    response = client.post(_url(open_round, platform), draft, follow=True)
    assert "Uw antwoorden zijn opgeslagen als concept." in response.text
    assert "1 van de 27 vragen beantwoord" in response.text
    assert _checked(response.text, "registration_procedure_used") == "true"
    # "Indienen" first shows the overview to confirm, with the answers carried along: nothing is saved yet.
    response = client.post(_url(open_round, platform), report_post_data(loaded_version="1", submit=""))
    assert response.status_code == 200
    assert 'name="confirm_submit"' in response.text and 'name="back"' in response.text
    assert '<input type="hidden" name="newcomers" value="adjusted">' in response.text
    assert Report.objects.get().status == "draft"
    response = client.post(_url(open_round, platform), report_post_data(loaded_version="1", confirm_submit=""),
                           follow=True)
    assert "Uw rapport is ingediend. Bedankt!" in response.text
    assert "27 van de 27 vragen beantwoord" in response.text
    assert "<form method=\"post\" novalidate>" not in response.text  # read-only now
    assert "Dit rapport is ingediend en kan niet meer gewijzigd worden." in response.text
    assert Report.objects.get().status == "submitted"


@pytest.mark.django_db
def test_incomplete_submit_shows_what_is_missing_and_keeps_what_was_typed(login, coordinator, platform, open_round):
    data = report_post_data(submit="", newcomers="", registrations_note="Zie verslag van 12 mei.")
    del data["theme-laptops-exchange"]
    response = login(coordinator).post(_url(open_round, platform), data)
    assert response.status_code == 200
    assert "Er is niets opgeslagen." in response.text
    assert response.text.count("Beantwoord deze vraag voor u indient.") >= 2
    assert 'href="#div_id_newcomers"' in response.text  # the summary links to the question
    assert "Zie verslag van 12 mei." in response.text
    assert _checked(response.text, "registration_procedure_used") == "true"
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_broken_rule_is_explained_next_to_the_field(login, coordinator, platform, open_round):
    data = report_post_data(save="", registration_procedure_used="false", application_period_adjusted="true")
    response = login(coordinator).post(_url(open_round, platform), data)
    assert response.status_code == 200
    errors = re.search(r'id="error_id_application_period_adjusted"[^>]*>(.*?)</div>', response.text)
    assert errors and "volgt uit een eerder antwoord" in errors.group(1)
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_a_stale_save_is_refused_and_the_typed_answers_stay_on_the_page(login, coordinator, platform, open_round):
    client = login(coordinator)
    client.post(_url(open_round, platform), {"loaded_version": "0", "registrations_note": "tab 1", "save": ""})
    response = client.post(_url(open_round, platform), {
        "loaded_version": "0", "registrations_note": "tab 2", "newcomers": "adjusted", "save": "",
    })
    assert response.status_code == 409
    assert "Niet opgeslagen:" in response.text or "Not saved:" in response.text  # the merge's message (#13)
    assert "tab 2" in response.text
    assert _checked(response.text, "newcomers") == "adjusted"
    assert Note.objects.get(report=Report.objects.get()).text == "tab 1"


@pytest.mark.django_db
def test_a_save_naming_a_version_of_a_report_that_does_not_exist_is_refused_plainly(login, coordinator, platform,
                                                                                   open_round):
    response = login(coordinator).post(_url(open_round, platform), {
        "loaded_version": "3", "registrations_note": "uit een oud tabblad", "save": ""})
    assert response.status_code == 409
    assert "Niet opgeslagen:" in response.text or "Not saved:" in response.text  # the merge's message (#13)
    assert "()" not in response.text
    assert "uit een oud tabblad" in response.text
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_hostile_values_are_refused_not_crashing(login, coordinator, platform, open_round):
    response = login(coordinator).post(_url(open_round, platform), {
        "loaded_version": "-1", "registration_procedure_used": "maybe", "newcomers": "<script>", "save": "",
        "registrations_note": "x" * 5000,
    })
    assert response.status_code == 200
    assert "Selecteer een geldige keuze" in response.text
    assert "Zorg dat deze waarde niet meer dan 4000 tekens bevat" in response.text
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_ministry_reads_and_returns_a_submitted_report(login, ministry_user, coordinator, platform, open_round,
                                                       django_capture_on_commit_callbacks):
    login(coordinator).post(_url(open_round, platform), report_post_data(confirm_submit=""))
    client = login(ministry_user)
    page = client.get(_url(open_round, platform)).text
    assert "Aanmeldperiode met een week verlengd." in page
    assert "Terugsturen naar de coördinatoren" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(open_round, platform, "rounds:report_return"),
                               {"comment": "Graag de noot over kleuters aanvullen."})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    page = login(coordinator).get(_url(open_round, platform)).text
    assert "Graag de noot over kleuters aanvullen." in page
    assert "Opslaan als concept" in page  # editable again


@pytest.mark.django_db
def test_admin_reopens_after_the_deadline(login, admin_user, coordinator, platform, open_round):
    open_round.opens_on = timezone.localdate().replace(year=2020)
    open_round.deadline = open_round.opens_on
    open_round.save()
    page = login(coordinator).get(_url(open_round, platform)).text
    assert "De uiterste datum van" in page
    assert "Opslaan als concept" not in page
    response = login(admin_user).post(_url(open_round, platform, "rounds:report_reopen"), {"comment": ""})
    assert response.status_code == 302
    page = login(coordinator).get(_url(open_round, platform)).text
    assert "Opslaan als concept" in page


@pytest.mark.django_db
def test_history_page_shows_who_changed_what(login, coordinator, ministry_user, platform, open_round):
    client = login(coordinator)
    client.post(_url(open_round, platform), {"loaded_version": "0", "newcomers": "unchanged", "save": ""})
    client.post(_url(open_round, platform), {"loaded_version": "1", "newcomers": "adjusted", "save": ""})
    page = login(ministry_user).get(_url(open_round, platform, "rounds:report_history")).text
    assert escape(str(coordinator)) in page  # a name like D'Hondt is escaped in HTML
    assert "Afspraken ongewijzigd" in page and "Afspraken bijgestuurd" in page


@pytest.mark.django_db
def test_coordinator_home_lists_reports_with_status_and_deadline(login, coordinator, platform, open_round):
    ReportFactory(round=open_round, platform=platform, status="returned")
    page = login(coordinator).get(reverse("home")).text
    assert open_round.title in page
    assert f"Uiterste datum: {open_round.deadline:%d/%m/%Y}" in page
    assert "Teruggestuurd" in page
    assert _url(open_round, platform) in page


@pytest.mark.django_db
@pytest.mark.django_db
def test_a_refused_save_shows_the_form_again_with_the_initiatives(login, coordinator, platform, open_round):
    """A POST reads the report's row only (issue #13's speed): shown again, the page still lists its initiatives."""
    from .factories import InitiativeFactory

    client = login(coordinator)
    client.post(_url(open_round, platform), report_post_data(save=""))
    InitiativeFactory(report=Report.objects.get(), title="Zomerschool begrijpend lezen")
    response = client.post(_url(open_round, platform), report_post_data(
        save="", loaded_version="1", registration_procedure_used="false", application_period_adjusted="true"))
    assert response.status_code == 200
    assert "volgt uit een eerder antwoord" in response.text
    assert "Zomerschool begrijpend lezen" in response.text
    assert Report.objects.get().version == 1


def test_report_page_query_count(login, coordinator, ministry_user, platform, open_round,
                                 django_assert_max_num_queries):
    login(coordinator).post(_url(open_round, platform), report_post_data(save=""))
    from .factories import InitiativeFactory

    for _ in range(10):
        InitiativeFactory(report=Report.objects.get())
    # session, user, round with its questionnaire + themes, platform (a coordinator's own: that gives the edit
    # rights too), report, its answers, its notes, initiatives + target groups; the questionnaire's structure
    # comes from the cache (three more queries once per questionnaire version); the ministry's session also
    # looks up the second-factor device it passed
    for user, limit in ((coordinator, 10), (ministry_user, 11)):
        client = login(user)
        with django_assert_max_num_queries(limit):
            assert client.get(_url(open_round, platform)).status_code == 200


@pytest.mark.django_db
def test_secundair_platform_submits_without_preschool(login, other_coordinator, other_platform, open_round):
    response = login(other_coordinator).post(_url(open_round, other_platform),
                                             report_post_data(level="secundair", confirm_submit=""))
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.status == "submitted"
    assert not Answer.objects.filter(report=report, question__key="preschool").exists()
