"""Finding 4 of issue #15: the Django admin's user pages follow the same account rules as the portal's.

Through the admin's own change and add forms (with the test client): a role sets or clears
is_staff/is_superuser, a deactivation ends the person's sessions (so a reactivation does not
bring an old one back), the portal's refusals come back next to their field, and each change
leaves an AccountEvent.
"""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts.models import AccountAction, AccountEvent, Role, User

from .factories import PASSWORD, UserFactory


def _change_url(person):
    return reverse("admin:accounts_user_change", args=(person.pk,))


def _form(person, **overrides):
    """The admin's change form as it comes for the person, with some fields changed.

    Also the fields Django's own form had (username, date joined), which are read-only now: so that
    the same POST would have been saved before, and the tests show what the old form did wrong.
    """
    data = {
        "username": person.username, "date_joined_0": person.date_joined.strftime("%d/%m/%Y"),
        "date_joined_1": person.date_joined.strftime("%H:%M:%S"),
        "first_name": person.first_name, "last_name": person.last_name, "email": person.email,
        "role": person.effective_role, "platforms": [p.pk for p in person.coordinated_platforms.all()],
        "is_active": "on" if person.is_active else "",
        "can_approve_answers": "on" if person.can_approve_answers else "",
        "_save": "Save",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v not in ("", None)}


def _events(person, action):
    return list(AccountEvent.objects.filter(target=person, action=action).values_list("details", flat=True))


@pytest.mark.django_db
def test_a_role_changed_in_the_admin_sets_and_clears_the_admin_flags(login, admin_user, coordinator, platform):
    client = login(admin_user)
    response = client.post(_change_url(coordinator), _form(coordinator, role=Role.ADMIN, platforms=[]))
    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert (coordinator.role, coordinator.is_staff, coordinator.is_superuser) == (Role.ADMIN, True, True)
    assert coordinator.coordinated_platforms.count() == 0
    assert len(_events(coordinator, AccountAction.ROLE_CHANGED)) == 1
    assert len(_events(coordinator, AccountAction.PLATFORMS_CHANGED)) == 1

    assert client.post(_change_url(coordinator), _form(coordinator, role=Role.MINISTRY)).status_code == 302
    coordinator.refresh_from_db()
    assert (coordinator.role, coordinator.is_staff, coordinator.is_superuser) == (Role.MINISTRY, False, False)
    assert not coordinator.is_admin
    assert len(_events(coordinator, AccountAction.ROLE_CHANGED)) == 2


@pytest.mark.django_db
def test_the_admin_flags_cannot_be_posted_past_the_role(login, admin_user, coordinator, platform):
    response = login(admin_user).post(_change_url(coordinator), _form(coordinator, is_staff="on", is_superuser="on"))
    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert (coordinator.is_staff, coordinator.is_superuser, coordinator.is_admin) == (False, False, False)


@pytest.mark.django_db
def test_deactivating_in_the_admin_ends_the_sessions_and_reactivating_does_not_bring_them_back(
        login, admin_user, coordinator, platform):
    theirs = Client()
    assert theirs.login(username=coordinator.username, password=PASSWORD)
    assert theirs.get(platform.get_absolute_url()).status_code == 200
    key = theirs.session.session_key
    admin = login(admin_user)

    assert admin.post(_change_url(coordinator), _form(coordinator, is_active="")).status_code == 302
    coordinator.refresh_from_db()
    assert not coordinator.is_active
    assert not Session.objects.filter(session_key=key).exists()
    assert _events(coordinator, AccountAction.DEACTIVATED)

    assert admin.post(_change_url(coordinator), _form(coordinator, is_active="on")).status_code == 302
    coordinator.refresh_from_db()
    assert coordinator.is_active
    assert len(_events(coordinator, AccountAction.REACTIVATED)) == 1
    # The old session stays gone: the person logs in again.
    response = theirs.get(platform.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_details_and_platforms_changed_in_the_admin_leave_events(login, admin_user, coordinator, platform,
                                                                 other_platform):
    response = login(admin_user).post(_change_url(coordinator), _form(
        coordinator, email="nieuw@example.be", last_name="Nieuwe Naam", platforms=[platform.pk, other_platform.pk]))
    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert coordinator.email == "nieuw@example.be"
    assert set(coordinator.coordinated_platforms.all()) == {platform, other_platform}
    [details] = _events(coordinator, AccountAction.DETAILS_CHANGED)
    assert "nieuw@example.be" in details
    assert "Nieuwe Naam" in details
    [platforms] = _events(coordinator, AccountAction.PLATFORMS_CHANGED)
    assert other_platform.name in platforms
    assert all(event.actor == admin_user for event in AccountEvent.objects.filter(target=coordinator))


@pytest.mark.django_db
def test_saving_unchanged_leaves_no_event(login, admin_user, coordinator, platform):
    assert login(admin_user).post(_change_url(coordinator), _form(coordinator)).status_code == 302
    assert not AccountEvent.objects.filter(target=coordinator).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "field"), [
    ({"role": Role.COORDINATOR, "platforms": []}, "platforms"),  # a coordinator needs a platform
    ({"role": Role.COORDINATOR, "can_approve_answers": "on"}, "can_approve_answers"),
    ({"email": "IN-GEBRUIK@example.be"}, "email"),  # another account's address, in other case
])
def test_the_portal_refusals_come_back_next_to_the_field_and_change_nothing(login, admin_user, ministry_user,
                                                                           platform, overrides, field):
    UserFactory(username="in-gebruik", email="in-gebruik@example.be")
    if overrides.get("role") == Role.COORDINATOR and overrides.get("platforms") is None:
        overrides = {**overrides, "platforms": [platform.pk]}
    before = User.objects.values().get(pk=ministry_user.pk)
    response = login(admin_user).post(_change_url(ministry_user), _form(ministry_user, **overrides))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert User.objects.values().get(pk=ministry_user.pk) == before
    assert not AccountEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "field"), [({"role": Role.MINISTRY}, "role"), ({"is_active": ""}, "is_active")])
def test_an_admin_cannot_demote_or_deactivate_themselves_in_the_admin(login, admin_user, overrides, field):
    response = login(admin_user).post(_change_url(admin_user), _form(admin_user, **overrides))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    admin_user.refresh_from_db()
    assert (admin_user.role, admin_user.is_active, admin_user.is_superuser) == (Role.ADMIN, True, True)


@pytest.mark.django_db
def test_a_createsuperuser_account_stays_an_admin_when_saved(login, admin_user):
    root = User.objects.create_superuser("root", "root@example.be", PASSWORD)
    assert root.role == Role.COORDINATOR  # the field's default; is_superuser makes it an admin
    assert login(admin_user).post(_change_url(root), _form(root)).status_code == 302
    root.refresh_from_db()
    assert (root.role, root.is_superuser, root.is_admin) == (Role.ADMIN, True, True)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_a_person_added_in_the_admin_gets_the_flags_of_their_role_and_an_event(login, admin_user, platform, role):
    response = login(admin_user).post(reverse("admin:accounts_user_add"), {
        "username": "nieuwkomer", "usable_password": "true", "password1": "Zeer-Geheim-2026", "password2":
        "Zeer-Geheim-2026", "role": role, "platforms": [platform.pk] if role == Role.COORDINATOR else [],
        "email": "nieuwkomer@example.be", "first_name": "Nina", "last_name": "Nieuw", "_save": "Save",
    })
    assert response.status_code == 302
    person = User.objects.get(username="nieuwkomer")
    assert response["Location"] == _change_url(person)
    assert (person.is_staff, person.is_superuser) == ((role == Role.ADMIN),) * 2
    assert person.check_password("Zeer-Geheim-2026")
    assert list(person.coordinated_platforms.all()) == ([platform] if role == Role.COORDINATOR else [])
    [event] = AccountEvent.objects.filter(target=person)
    assert (event.action, event.actor) == (AccountAction.CREATED, admin_user)


@pytest.mark.django_db
def test_adding_a_coordinator_without_platforms_or_a_taken_username_is_refused(login, admin_user, coordinator):
    client = login(admin_user)
    data = {"usable_password": "false", "role": Role.COORDINATOR, "email": "x@example.be", "_save": "Save"}
    response = client.post(reverse("admin:accounts_user_add"), {**data, "username": "zonderplatform"})
    assert "platforms" in response.context["adminform"].form.errors
    response = client.post(reverse("admin:accounts_user_add"), {**data, "username": coordinator.username.upper()})
    assert "username" in response.context["adminform"].form.errors
    assert not User.objects.filter(email="x@example.be").exists()


@pytest.mark.django_db
def test_a_password_set_in_the_admin_is_recorded(login, admin_user, coordinator):
    url = reverse("admin:auth_user_password_change", args=(coordinator.pk,))
    response = login(admin_user).post(url, {"usable_password": "true", "password1": "Nieuw-Wachtwoord-9",
                                            "password2": "Nieuw-Wachtwoord-9", "set-password": "1"})
    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert coordinator.check_password("Nieuw-Wachtwoord-9")
    [event] = AccountEvent.objects.filter(target=coordinator)
    assert (event.action, event.actor) == (AccountAction.PASSWORD_SET, admin_user)
