"""Initiatives at any moment before submission (also before the report's first save, on either level), read-only
after it: the add, edit and remove addresses show why and refuse a POST."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from initiatives import services
from initiatives.models import Initiative, TargetGroup
from platforms.models import Organisation
from rounds.models import Answer, Note, Report, Theme
from rounds.questionnaire import definition_for
from rounds.selectors import report_values
from rounds.services.reports import report_save, report_start

from .factories import (
    InitiativeFactory,
    MembershipFactory,
    PlatformFactory,
    ReportFactory,
    ReportingRoundFactory,
    report_post_data,
)


def _url(name, round, platform, **kwargs):
    return reverse(f"rounds:{name}", kwargs={"round_slug": round.slug, "code": platform.code, **kwargs})


def _data(**overrides):
    data = {"title": "Huiswerkklas", "description": "Twee avonden per week.", "kind": "homework_support",
            "target_groups": [TargetGroup.objects.get(slug="low-ses").pk], "start_date": "20/04/2020",
            "loaded_version": "1"}
    data.update(overrides)
    return data


@pytest.fixture
def secundair_platform(coordinator):
    platform = PlatformFactory(code="gent-so", name="LOP Secundair Onderwijs Gent", level="secundair",
                               coordinators=[coordinator])
    MembershipFactory(platform=platform)
    return platform


@pytest.fixture(params=["basis", "secundair"])
def any_level_platform(request, platform, secundair_platform):
    """The coordinator's basis platform, then their secundair one."""
    return platform if request.param == "basis" else secundair_platform


@pytest.fixture
def submitted(open_round, platform):
    """The coordinator's report, submitted, with one initiative."""
    report = ReportFactory(round=open_round, platform=platform, status="submitted", submitted_at=timezone.now())
    return InitiativeFactory(report=report, title="Zomerschool")


@pytest.mark.django_db
def test_an_initiative_before_the_first_save_starts_an_empty_draft(login, coordinator, open_round,
                                                                    any_level_platform):
    platform = any_level_platform
    client = login(coordinator)
    assert not Report.objects.exists()
    response = client.post(_url("initiative_create", open_round, platform), _data())
    assert response.status_code == 302
    assert response["Location"].endswith("#initiatives")
    report = Report.objects.get()
    assert (report.platform, report.status, report.version) == (platform, "draft", 0)
    assert not Answer.objects.filter(report=report).exists() and not Note.objects.filter(report=report).exists()
    assert Initiative.objects.get().report == report
    page = client.get(_url("report", open_round, platform)).text
    assert "Huiswerkklas" in page
    assert "kleuterparticipatie" not in page.lower() or platform.level == "basis"


@pytest.mark.django_db
def test_the_version_check_holds_after_an_initiative_started_the_report(login, coordinator, open_round,
                                                                        any_level_platform):
    """A form loaded before the report existed still saves; a form loaded before that save is refused."""
    platform = any_level_platform
    client = login(coordinator)
    client.post(_url("initiative_create", open_round, platform), _data())
    url = _url("report", open_round, platform)
    first = client.post(url, report_post_data(level=platform.level, loaded_version="0", save=""))
    assert first.status_code == 302
    assert Report.objects.get().version == 1
    assert Answer.objects.filter(report__platform=platform).exists()
    stale = client.post(url, report_post_data(level=platform.level, loaded_version="0", save="",
                                              registrations_note="Ouder formulier"))
    assert stale.status_code == 409
    assert Report.objects.get().version == 1
    assert not Note.objects.filter(text="Ouder formulier").exists()
    # And the initiative stays with the report when it is submitted (through the service: the page asks to
    # confirm first, tested with the report page).
    report = report_save(actor=coordinator, round=open_round, platform=platform, expected_version=1,
                         values=report_values(report=Report.objects.get(), definition=definition_for(open_round))[0],
                         notes={}, submit=True)
    assert report.status == "submitted" and report.initiatives.count() == 1


@pytest.mark.django_db
def test_report_start_checks_no_answers_and_keeps_one_report(coordinator, ministry_user, open_round,
                                                             secundair_platform):
    first = report_start(actor=coordinator, round=open_round, platform=secundair_platform)
    again = report_start(actor=coordinator, round=open_round, platform=secundair_platform)
    assert first.pk == again.pk and Report.objects.count() == 1
    assert (again.status, again.version) == ("draft", 0)
    assert first.history.get().history_user == coordinator
    other = PlatformFactory(code="brugge-so", level="secundair")
    with pytest.raises(ValidationError):
        report_start(actor=ministry_user, round=open_round, platform=other)
    assert not Report.objects.filter(platform=other).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["draft", "returned"])
def test_edit_and_remove_before_submission(login, coordinator, open_round, platform, status):
    report = ReportFactory(round=open_round, platform=platform, status=status)
    initiative = InitiativeFactory(report=report, version=1)
    client = login(coordinator)
    detail = client.get(_url("initiative_detail", open_round, platform, pk=initiative.pk)).text
    assert _url("initiative_edit", open_round, platform, pk=initiative.pk) in detail
    edit_page = client.get(_url("initiative_edit", open_round, platform, pk=initiative.pk)).text
    assert 'name="title"' in edit_page and "read-only-reason" not in edit_page
    response = client.post(_url("initiative_edit", open_round, platform, pk=initiative.pk),
                           _data(title="Huiswerkklas en leesclub"))
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.title == "Huiswerkklas en leesclub"
    assert client.post(_url("initiative_create", open_round, platform), _data(title="Tweede")).status_code == 302
    assert client.post(_url("initiative_delete", open_round, platform, pk=initiative.pk)).status_code == 302
    assert list(Initiative.objects.values_list("title", flat=True)) == ["Tweede"]


def _assert_read_only(response, round, platform):
    assert response.status_code == 200
    page = response.text
    main = page[page.index("<main"):page.index("</main>")]
    assert "<form" not in main and "<input" not in main and "<textarea" not in main and "<button" not in main
    assert 'id="read-only-reason"' in main
    assert f'href="{_url("report", round, platform)}#initiatives"' in main
    return main


@pytest.mark.django_db
def test_after_submission_the_initiative_pages_are_read_only(login, coordinator, open_round, platform, submitted):
    initiative = submitted
    client = login(coordinator)
    history_rows = Initiative.history.count()
    for name, kwargs in [("initiative_create", {}), ("initiative_edit", {"pk": initiative.pk}),
                         ("initiative_delete", {"pk": initiative.pk})]:
        main = _assert_read_only(client.get(_url(name, open_round, platform, **kwargs)), open_round, platform)
        assert "Dit rapport is ingediend en kan niet meer gewijzigd worden." in main
        if kwargs:
            assert "Zomerschool" in main  # the initiative itself, read-only
    assert client.post(_url("initiative_create", open_round, platform), _data()).status_code == 403
    assert client.post(_url("initiative_edit", open_round, platform, pk=initiative.pk),
                       _data(title="Gewijzigd")).status_code == 403
    assert client.post(_url("initiative_delete", open_round, platform, pk=initiative.pk)).status_code == 403
    assert list(Initiative.objects.values_list("title", "version")) == [("Zomerschool", initiative.version)]
    assert Initiative.history.count() == history_rows
    detail = client.get(_url("initiative_detail", open_round, platform, pk=initiative.pk)).text
    assert _url("initiative_edit", open_round, platform, pk=initiative.pk) not in detail
    assert _url("initiative_delete", open_round, platform, pk=initiative.pk) not in detail
    assert "Dit rapport is ingediend en kan niet meer gewijzigd worden." in detail


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["deadline", "closed", "ministry"])
def test_other_reasons_a_report_cannot_change_make_the_pages_read_only(login, coordinator, ministry_user, platform,
                                                                       reason):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    round = ReportingRoundFactory(
        opens_on=yesterday - datetime.timedelta(days=30),
        deadline=yesterday if reason == "deadline" else timezone.localdate() + datetime.timedelta(days=10),
        closed_at=timezone.now() if reason == "closed" else None)
    initiative = InitiativeFactory(report=ReportFactory(round=round, platform=platform), title="Leesclub")
    client = login(ministry_user if reason == "ministry" else coordinator)
    expected = {"deadline": "Vraag een beheerder", "closed": "afgesloten",
                "ministry": "coördinatoren"}[reason]
    for name, kwargs in [("initiative_create", {}), ("initiative_edit", {"pk": initiative.pk}),
                         ("initiative_delete", {"pk": initiative.pk})]:
        main = _assert_read_only(client.get(_url(name, round, platform, **kwargs)), round, platform)
        assert expected in main
        assert client.post(_url(name, round, platform, **kwargs), _data()).status_code == 403
    assert list(Initiative.objects.values_list("title", flat=True)) == ["Leesclub"]
    assert Initiative.objects.count() == 1


@pytest.mark.django_db
def test_every_error_of_the_initiative_form_is_listed_in_one_box(login, coordinator, open_round,
                                                                  secundair_platform):
    response = login(coordinator).post(
        _url("initiative_create", open_round, secundair_platform),
        _data(title="", kind="picknick", target_groups=[], start_date="01/05/2020", end_date="01/04/2020"))
    assert response.status_code == 200
    page = response.text
    assert page.count('class="alert alert-danger') == 1 and page.count('id="error-summary"') == 1
    summary = page[page.index('id="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    links = re.findall(r'<li><a href="#([^"]+)">', summary)
    assert links == ["id_title", "id_kind", "id_target_groups_0", "id_end_date"]
    # Each error also next to its field.
    for field in ("title", "kind", "target_groups", "end_date"):
        assert f'id="id_{field}_error"' in page
    assert not Report.objects.exists() and not Initiative.objects.exists()  # nothing half-saved


@pytest.mark.django_db
def test_the_service_reports_every_problem_at_once(coordinator, open_round, platform):
    stranger = MembershipFactory(platform=PlatformFactory(code="elders")).organisation
    foreign_theme = Theme.objects.create(slug="elders", name="Ander thema")
    with pytest.raises(ValidationError) as refused:
        services.initiative_create(actor=coordinator, round=open_round, platform=platform, data={
            "title": "Huiswerkklas", "description": "x", "kind": "tutoring",
            "start_date": datetime.date(2020, 5, 1), "end_date": datetime.date(2020, 4, 1),
            "target_groups": list(TargetGroup.objects.all()[:1]),
            "asked_of": [stranger], "partners_involved": list(Organisation.objects.filter(pk=stranger.pk)),
            "themes": [foreign_theme],
        })
    assert set(refused.value.message_dict) == {"end_date", "asked_of", "partners_involved", "themes"}
    assert not Initiative.objects.exists()
    assert not Report.objects.exists()  # the draft started for it is rolled back with it
