"""The invitation form's platform picker: platforms by level with their current coordinators, one error box."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext
from lxml import html

from accounts.models import Role, User
from platforms.models import Level

from .factories import PlatformFactory, UserFactory

pytestmark = pytest.mark.django_db

# Session + user lookups of a logged-in admin's request and the second-factor device its session passed.
AUTH = 3
NO_COORDINATOR = {"no coordinator yet", "nog geen coördinator"}  # before and after the lead's translation


def _invite_data(platforms, **overrides):
    data = {"username": "els.peeters", "first_name": "Els", "last_name": "Peeters",
            "email": "els.peeters@example.be", "role": Role.COORDINATOR, "platforms": [p.pk for p in platforms]}
    data.update(overrides)
    return data


def _picker(response):
    """The picker's columns as {legend: {platform code: text of its label}}."""
    tree = html.fromstring(response.content)
    columns = {}
    for group in tree.xpath("//fieldset[@id='id_platforms']//fieldset[contains(@class, 'lop-picker-group')]"):
        legend = " ".join(group.xpath(".//legend")[0].text_content().split())
        columns[legend] = {
            item.xpath(".//input")[0].get("value"): " ".join(item.xpath(".//label")[0].text_content().split())
            for item in group.xpath(".//li[@data-picker-option]")
        }
    return columns


def test_picker_shows_each_platform_under_its_level_with_its_current_coordinators(login, admin_user):
    gent = PlatformFactory(code="gent-bao", name="LOP Basisonderwijs Gent", area="Gent, Merelbeke")
    an = UserFactory(first_name="An", last_name="Claes")
    bram = UserFactory(first_name="Bram", last_name="Aerts")
    gone = UserFactory(first_name="Gert", last_name="Weg", is_active=False)
    gent.coordinators.set([an, bram, gone])
    aalst = PlatformFactory(code="aalst-so", name="LOP Secundair Onderwijs Aalst", level=Level.SECUNDAIR,
                            area="Aalst en omgeving")
    PlatformFactory(code="oud-bao", name="LOP Opgeheven", is_active=False)

    response = login(admin_user).get(reverse("people:invite"))

    assert response.status_code == 200
    columns = _picker(response)
    assert len(columns) == 2
    basis, secundair = columns.values()
    primary_label, secondary_label = (str(label) for label in Level.labels)
    assert list(columns)[0].startswith(primary_label) and list(columns)[1].startswith(secondary_label)
    assert list(basis) == [str(gent.pk)] and list(secundair) == [str(aalst.pk)]  # the inactive one is not offered
    label = basis[str(gent.pk)]
    assert "LOP Basisonderwijs Gent" in label and "gent-bao" in label and "Gent, Merelbeke" in label
    assert "Bram Aerts, An Claes" in label  # by last name
    assert "Gert Weg" not in label  # a deactivated account coordinates nothing now
    assert not any(text in label for text in NO_COORDINATOR)
    assert any(text in secundair[str(aalst.pk)] for text in NO_COORDINATOR)
    # The search box has its label and a live count; the script that runs it is a file of ours, deferred.
    tree = html.fromstring(response.content)
    assert tree.xpath("//label[@for='id_platforms_search']")
    assert tree.xpath("//*[@aria-live='polite' and @data-picker-count]")
    assert tree.xpath("//script[contains(@src, 'js/platform-picker.js') and @defer]")


def test_edit_page_keeps_an_inactive_platform_the_person_coordinates_ticked(login, admin_user, coordinator, platform):
    old = PlatformFactory(code="oud-bao", name="LOP Opgeheven", is_active=False)
    old.coordinators.add(coordinator)

    response = login(admin_user).get(reverse("people:edit", kwargs={"pk": coordinator.pk}))

    tree = html.fromstring(response.content)
    boxes = tree.xpath("//fieldset[@id='id_platforms']//input[@name='platforms' and @checked]")
    ticked = {box.get("value") for box in boxes}
    assert ticked == {str(platform.pk), str(old.pk)}
    labels = {value: label for column in _picker(response).values() for value, label in column.items()}
    assert str(coordinator) in labels[str(old.pk)]


def test_invitation_with_two_chosen_platforms_creates_their_coordinator(login, admin_user, platform, other_platform):
    third = PlatformFactory()

    response = login(admin_user).post(reverse("people:invite"), _invite_data([platform, third]))

    person = User.objects.get(username="els.peeters")
    assert response.status_code == 302
    assert response["Location"] == reverse("people:detail", kwargs={"pk": person.pk})
    assert set(person.coordinated_platforms.all()) == {platform, third}


def test_chosen_platforms_stay_ticked_when_the_form_comes_back(login, admin_user, platform, other_platform):
    response = login(admin_user).post(reverse("people:invite"), _invite_data([other_platform], email="geen-adres"))

    assert response.status_code == 200
    tree = html.fromstring(response.content)
    ticked = [box.get("value") for box in tree.xpath("//input[@name='platforms' and @checked]")]
    assert ticked == [str(other_platform.pk)]
    assert not User.objects.filter(username="els.peeters").exists()


def test_a_bad_invitation_lists_every_error_in_one_box(login, admin_user, platform):
    # A coordinator without a platform, a wrong address and no first name: three errors, one summary.
    response = login(admin_user).post(reverse("people:invite"),
                                      _invite_data([], email="geen-adres", first_name=""))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"platforms", "email", "first_name"}
    tree = html.fromstring(response.content)
    boxes = tree.xpath("//main//*[contains(concat(' ', @class, ' '), ' alert-danger ')]")
    assert len(boxes) == 1
    summary = " ".join(boxes[0].text_content().split())
    for messages in errors.values():
        for message in messages:
            assert " ".join(message.split()) in summary
    # The picker's own error sits in the picker, under an id the summary can link to.
    picker_error = tree.xpath("//fieldset[@id='id_platforms']//*[@id='error_1_id_platforms']")
    assert picker_error and gettext("A coordinator needs at least one platform.") in picker_error[0].text_content()
    assert "id_platforms_error" in tree.xpath("//fieldset[@id='id_platforms']")[0].get("aria-describedby")


@pytest.mark.parametrize("page", ["invite", "edit"])
def test_picker_query_count_does_not_grow_with_platforms(login, admin_user, coordinator,
                                                         django_assert_max_num_queries, page):
    for i in range(30):
        platform = PlatformFactory(level=Level.BASIS if i % 2 else Level.SECUNDAIR)
        platform.coordinators.set(UserFactory.create_batch(2))
    PlatformFactory().coordinators.add(coordinator)
    client = login(admin_user)
    if page == "invite":
        url, queries = reverse("people:invite"), 2  # platforms, their coordinators
    else:
        # the person with their platforms; the platforms offered, their coordinators
        url, queries = reverse("people:edit", kwargs={"pk": coordinator.pk}), 4
    with django_assert_max_num_queries(AUTH + queries):
        response = client.get(url)
    assert sum(len(options) for options in _picker(response).values()) == 31
