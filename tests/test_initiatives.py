"""Coordinators add, edit and remove the initiatives of their platform's report."""

import pytest
from django.urls import reverse

from initiatives.models import Initiative, TargetGroup
from rounds.models import Report, Theme

from .factories import InitiativeFactory, MembershipFactory, PlatformFactory, ReportFactory


def _url(name, round, platform, **kwargs):
    return reverse(f"rounds:{name}", kwargs={"round_slug": round.slug, "code": platform.code, **kwargs})


def _data(platform, **overrides):
    school = platform.memberships.get(organisation__kind="school").organisation
    partner = platform.memberships.get(organisation__kind="partner").organisation
    data = {
        "title": "Huiswerkklas in de bibliotheek", "description": "Twee avonden per week, met vrijwilligers.",
        "kind": "homework_support", "target_groups": [TargetGroup.objects.get(slug="low-ses").pk],
        "asked_of": [school.pk], "partners_involved": [partner.pk], "other_partners": "Davidsfonds",
        "start_date": "20/04/2020", "end_date": "30/06/2020", "reached_count": "45", "reached_unit": "pupils",
        "themes": [Theme.objects.get(slug="reaching-all-pupils").pk],
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_coordinator_adds_an_initiative_which_starts_the_report(login, coordinator, platform, open_round):
    client = login(coordinator)
    response = client.post(_url("initiative_create", open_round, platform), _data(platform))
    assert response.status_code == 302
    initiative = Initiative.objects.get()
    assert initiative.report.platform == platform and initiative.report.status == "draft"
    assert initiative.reached_count == 45
    assert [o.kind for o in initiative.asked_of.all()] == ["school"]
    page = client.get(_url("report", open_round, platform)).text
    assert "Huiswerkklas in de bibliotheek" in page
    detail = client.get(_url("initiative_detail", open_round, platform, pk=initiative.pk)).text
    assert "Davidsfonds" in detail and "45 leerlingen" in detail


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"end_date": "01/04/2020"}, "end_date", "De einddatum kan niet vóór de begindatum liggen."),
    ({"reached_count": "-3"}, "reached_count", "Zorg ervoor dat deze waarde minstens 0 is."),
    ({"reached_count": "99999999999"}, "reached_count", "Zorg ervoor dat deze waarde hoogstens 1000000 is."),
    ({"reached_unit": ""}, "reached_unit", "leerlingen of gezinnen"),
    ({"title": ""}, "title", "Dit veld is verplicht."),
    ({"kind": "picknick"}, "kind", "Selecteer een geldige keuze"),
    ({"start_date": "32/13/2020"}, "start_date", "Voer een geldige datum in."),
    ({"target_groups": []}, "target_groups", "Dit veld is verplicht."),
])
def test_bad_initiative_input_is_refused_in_dutch(login, coordinator, platform, open_round, overrides, field,
                                                  message):
    response = login(coordinator).post(_url("initiative_create", open_round, platform), _data(platform, **overrides))
    assert response.status_code == 200
    assert message in response.text
    assert not Initiative.objects.exists()
    assert not Report.objects.exists()  # nothing half-saved: no empty report either


@pytest.mark.django_db
def test_members_of_another_platform_cannot_be_chosen(login, coordinator, platform, open_round):
    stranger = MembershipFactory(platform=PlatformFactory()).organisation
    response = login(coordinator).post(_url("initiative_create", open_round, platform),
                                       _data(platform, asked_of=[stranger.pk]))
    assert response.status_code == 200
    assert "Selecteer een geldige keuze" in response.text
    assert not Initiative.objects.exists()


@pytest.mark.django_db
def test_edit_and_remove_keep_the_history(login, coordinator, ministry_user, platform, open_round):
    client = login(coordinator)
    client.post(_url("initiative_create", open_round, platform), _data(platform))
    initiative = Initiative.objects.get()
    response = client.post(_url("initiative_edit", open_round, platform, pk=initiative.pk),
                           _data(platform, title="Huiswerkklas en leesclub", loaded_version="1",
                                 target_groups=[TargetGroup.objects.get(slug="newcomers").pk]))
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.title == "Huiswerkklas en leesclub"
    assert initiative.version == 2
    assert client.post(_url("initiative_delete", open_round, platform, pk=initiative.pk)).status_code == 302
    assert not Initiative.objects.exists()
    page = login(ministry_user).get(_url("report_history", open_round, platform)).text
    assert "Huiswerkklas in de bibliotheek" in page and "Huiswerkklas en leesclub" in page
    assert "Leerlingen met een lage SES" in page and "Anderstalige nieuwkomers" in page  # target groups, old → new
    assert "verwijderd" in page


@pytest.mark.django_db
def test_a_stale_initiative_edit_is_refused(login, coordinator, platform, open_round):
    initiative = InitiativeFactory(report=ReportFactory(round=open_round, platform=platform), version=3)
    response = login(coordinator).post(_url("initiative_edit", open_round, platform, pk=initiative.pk),
                                       _data(platform, title="Verouderd", loaded_version="2"))
    assert response.status_code == 409
    assert "Niet opgeslagen:" in response.text
    assert "Verouderd" in response.text
    initiative.refresh_from_db()
    assert initiative.title != "Verouderd"


@pytest.mark.django_db
def test_initiatives_of_a_submitted_report_cannot_change(login, coordinator, platform, open_round):
    from django.utils import timezone

    report = ReportFactory(round=open_round, platform=platform, status="submitted", submitted_at=timezone.now())
    initiative = InitiativeFactory(report=report)
    client = login(coordinator)
    assert client.post(_url("initiative_create", open_round, platform), _data(platform)).status_code == 403
    assert client.post(_url("initiative_delete", open_round, platform, pk=initiative.pk)).status_code == 403
    assert "Dit rapport is ingediend" in client.get(_url("initiative_create", open_round, platform)).text
    assert Initiative.objects.count() == 1


@pytest.mark.django_db
def test_initiative_of_another_platform_is_404(login, coordinator, other_platform, open_round):
    initiative = InitiativeFactory(report=ReportFactory(round=open_round, platform=other_platform))
    response = login(coordinator).get(_url("initiative_detail", open_round, other_platform, pk=initiative.pk))
    assert response.status_code == 404
