"""Coordinators and admins add, correct and end the memberships of a platform."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from platforms.models import Membership, Organisation

from .factories import PlatformFactory, SchoolFactory


def _add(client, platform, **data):
    return client.post(reverse("platforms:membership_create", kwargs={"code": platform.code}), data)


@pytest.mark.django_db
def test_coordinator_adds_a_school(login, coordinator, platform):
    response = _add(login(coordinator), platform, kind="school", name="Basisschool De Linde",
                    instellingsnummer="123456", onderwijsnet="katholiek", municipality="Gent",
                    start_date="2020-09-01")
    assert response.status_code == 302
    membership = platform.memberships.get(organisation__instellingsnummer="123456")
    assert membership.organisation.name == "Basisschool De Linde"
    assert membership.start_date == datetime.date(2020, 9, 1)
    page = login(coordinator).get(platform.get_absolute_url()).text
    assert "Basisschool De Linde" in page
    assert "Katholiek Onderwijs Vlaanderen" in page


@pytest.mark.django_db
def test_belgian_date_input_is_accepted(login, coordinator, platform):
    _add(login(coordinator), platform, kind="partner", name="Huiswerkklas Sint-Amandsberg",
         partner_category="poverty", start_date="16/03/2020")
    assert platform.memberships.get(organisation__name="Huiswerkklas Sint-Amandsberg").start_date == \
        datetime.date(2020, 3, 16)


@pytest.mark.django_db
def test_a_registered_school_is_linked_not_duplicated(login, admin_user):
    school = SchoolFactory(instellingsnummer="222222", name="Sint-Jozefscollege")
    secundair = PlatformFactory(level="secundair")
    response = _add(login(admin_user), secundair, kind="school", name="Sint-Jozefscollege Aalst",
                    instellingsnummer="222222", onderwijsnet="katholiek")
    assert response.status_code == 302
    assert Organisation.objects.filter(instellingsnummer="222222").count() == 1
    assert secundair.memberships.get().organisation == school


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "field", "message"), [
    ({"kind": "school", "name": "School", "onderwijsnet": "go"}, "instellingsnummer",
     "Scholen en CLB&#x27;s hebben een instellingsnummer nodig."),
    ({"kind": "school", "name": "School", "instellingsnummer": "12345", "onderwijsnet": "go"}, "instellingsnummer",
     "precies 6 cijfers"),
    ({"kind": "school", "name": "School", "instellingsnummer": "123456"}, "onderwijsnet",
     "Een school heeft een onderwijsnet nodig."),
    ({"kind": "partner", "name": "OCMW"}, "partner_category", "Een lokale partner heeft een soort nodig."),
    ({"kind": "partner", "name": "OCMW", "partner_category": "municipality", "instellingsnummer": "123456"},
     "instellingsnummer", "Lokale partners hebben geen instellingsnummer."),
    ({"kind": "school", "name": "", "instellingsnummer": "123456", "onderwijsnet": "go"}, "name",
     "Dit veld is verplicht."),
    ({"kind": "partner", "name": "OCMW", "partner_category": "municipality", "start_date": "31/02/2020"},
     "start_date", "Voer een geldige datum in."),
])
def test_bad_input_comes_back_in_dutch_next_to_the_field_and_saves_nothing(login, coordinator, platform, data,
                                                                           field, message):
    before = (Organisation.objects.count(), Membership.objects.count())
    response = _add(login(coordinator), platform, **data)
    assert response.status_code == 200
    errors_next_to_field = re.search(rf'<span id="error_1_id_{field}"[^>]*><strong>(.*?)</strong>', response.text)
    assert errors_next_to_field is not None
    assert message in errors_next_to_field.group(1)
    assert "er is niets opgeslagen" in response.text
    assert (Organisation.objects.count(), Membership.objects.count()) == before


@pytest.mark.django_db
def test_a_member_cannot_be_added_twice(login, coordinator, platform):
    school = platform.memberships.get(organisation__kind="school").organisation
    response = _add(login(coordinator), platform, kind="school", name=school.name,
                    instellingsnummer=school.instellingsnummer, onderwijsnet=school.onderwijsnet)
    assert response.status_code == 200
    assert "Deze organisatie is al lid van dit platform." in response.text
    assert platform.memberships.filter(organisation=school).count() == 1


@pytest.mark.django_db
def test_a_school_number_cannot_be_reused_as_a_clb(login, coordinator, platform):
    SchoolFactory(instellingsnummer="333333", name="Basisschool Het Anker")
    response = _add(login(coordinator), platform, kind="clb", name="CLB", instellingsnummer="333333")
    assert response.status_code == 200
    assert "Dit instellingsnummer hoort bij Basisschool Het Anker" in response.text


@pytest.mark.django_db
def test_coordinator_corrects_a_member(login, coordinator, platform):
    membership = platform.memberships.get(organisation__kind="partner")
    url = reverse("platforms:membership_edit", kwargs={"code": platform.code, "pk": membership.pk})
    client = login(coordinator)
    assert "Lid bewerken" in client.get(url).text
    response = client.post(url, {"kind": "school", "name": "Huis van het Kind Gent", "partner_category": "welfare",
                                 "note": "Contact via Els"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.organisation.name == "Huis van het Kind Gent"
    assert membership.organisation.kind == "partner"  # the kind cannot be changed by editing
    assert membership.organisation.partner_category == "welfare"
    assert membership.note == "Contact via Els"


@pytest.mark.django_db
def test_correcting_to_a_taken_instellingsnummer_is_refused(login, coordinator, platform):
    SchoolFactory(instellingsnummer="444444")
    membership = platform.memberships.get(organisation__kind="school")
    old = membership.organisation.instellingsnummer
    url = reverse("platforms:membership_edit", kwargs={"code": platform.code, "pk": membership.pk})
    response = login(coordinator).post(url, {"name": "X", "instellingsnummer": "444444", "onderwijsnet": "go"})
    assert response.status_code == 200
    assert "Er bestaat al een organisatie met dit instellingsnummer." in response.text
    membership.organisation.refresh_from_db()
    assert membership.organisation.instellingsnummer == old


@pytest.mark.django_db
def test_coordinator_ends_a_membership_which_stays_as_former_member(login, coordinator, platform):
    membership = platform.memberships.get(organisation__kind="clb")
    url = reverse("platforms:membership_end", kwargs={"code": platform.code, "pk": membership.pk})
    client = login(coordinator)
    today = timezone.localdate()
    assert client.post(url, {"end_date": today.isoformat()}).status_code == 302
    membership.refresh_from_db()
    assert membership.end_date == today
    page = client.get(platform.get_absolute_url()).text
    assert "Voormalige leden" in page
    assert f"tot {today:%d/%m/%Y}" in page
    # Ending it again is refused with a message, not a crash.
    response = client.post(url, {"end_date": today.isoformat()})
    assert response.status_code == 200
    assert "Dit lidmaatschap is al beëindigd." in response.text


@pytest.mark.django_db
def test_end_date_in_the_future_is_refused(login, coordinator, platform):
    membership = platform.memberships.get(organisation__kind="clb")
    url = reverse("platforms:membership_end", kwargs={"code": platform.code, "pk": membership.pk})
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = login(coordinator).post(url, {"end_date": tomorrow.isoformat()})
    assert "De einddatum kan niet in de toekomst liggen." in response.text
    membership.refresh_from_db()
    assert membership.end_date is None


@pytest.mark.django_db
def test_ministry_post_changes_nothing(login, ministry_user, platform):
    membership = platform.memberships.get(organisation__kind="clb")
    url = reverse("platforms:membership_end", kwargs={"code": platform.code, "pk": membership.pk})
    assert login(ministry_user).post(url, {"end_date": "2020-06-30"}).status_code == 403
    membership.refresh_from_db()
    assert membership.end_date is None


@pytest.mark.django_db
def test_other_coordinator_post_is_404_and_changes_nothing(login, other_coordinator, platform):
    before = platform.memberships.count()
    response = _add(login(other_coordinator), platform, kind="partner", name="X", partner_category="other")
    assert response.status_code == 404
    assert platform.memberships.count() == before


@pytest.mark.django_db
def test_admin_edits_a_platform_and_its_coordinators(login, admin_user, platform, coordinator, other_coordinator):
    url = reverse("platforms:edit", kwargs={"code": platform.code})
    response = login(admin_user).post(url, {
        "name": "LOP Basisonderwijs Gent", "level": "basis", "area": "Gent, Merelbeke",
        "coordinators": [coordinator.pk, other_coordinator.pk], "is_active": "on",
    })
    assert response.status_code == 302
    platform.refresh_from_db()
    assert platform.area == "Gent, Merelbeke"
    assert set(platform.coordinators.all()) == {coordinator, other_coordinator}


@pytest.mark.django_db
def test_platform_detail_groups_members_by_kind(login, ministry_user, platform):
    page = login(ministry_user).get(platform.get_absolute_url()).text
    assert "Scholen (1)" in page
    assert "CLB's (1)" in page
    assert "Lokale partners (1)" in page
    assert "Armoedebestrijding" in page
    assert "Lid toevoegen" not in page  # the ministry reads only
