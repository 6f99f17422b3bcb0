"""The admin's people pages: invitations, changes, deactivation, the audit trail, who may do it."""

import datetime
import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext

from accounts.models import AccountAction, AccountEvent, Role, User
from accounts.services import email_in_use_message, person_invite
from accounts.tokens import default_token_generator

from .factories import PASSWORD, PlatformFactory, UserFactory

NEW_PASSWORD = "Zomerschool-2020!"  # noqa: S105
ERRORS = "Het formulier bevat fouten; er is niets opgeslagen."


def _invite_data(platform=None, **overrides):
    data = {"username": "els.peeters", "first_name": "Els", "last_name": "Peeters",
            "email": "els.peeters@example.be", "role": Role.COORDINATOR,
            "platforms": [platform.pk] if platform else []}
    data.update(overrides)
    return data


def _link(message) -> str:
    """The path of the invitation link in a mail (the mail holds SITE_URL + path)."""
    match = re.search(re.escape(settings.SITE_URL) + r"(/accounts/reset/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def _actions(person) -> list[str]:
    return list(AccountEvent.objects.filter(target=person).order_by("pk").values_list("action", flat=True))


@pytest.fixture
def invited(admin_user, platform, django_capture_on_commit_callbacks):
    """A coordinator of `platform` invited by the admin (the invitation mail is in the outbox)."""
    with django_capture_on_commit_callbacks(execute=True):
        return person_invite(actor=admin_user, username="jan.janssens", email="jan@example.be", first_name="Jan",
                             last_name="Janssens", role=Role.COORDINATOR, platforms=[platform])


# The invitation --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_invitation_end_to_end(login, admin_user, platform, other_platform, django_capture_on_commit_callbacks):
    admin = login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("people:invite"), _invite_data(platform))
    person = User.objects.get(username="els.peeters")
    assert response.status_code == 302
    assert response["Location"] == reverse("people:detail", kwargs={"pk": person.pk})
    assert not person.has_usable_password()
    assert list(person.coordinated_platforms.all()) == [platform]
    assert not person.is_staff and not person.is_superuser

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["els.peeters@example.be"]
    assert "els.peeters" in message.body
    assert str(Role.COORDINATOR.label) in message.body
    assert platform.name in message.body
    assert other_platform.name not in message.body
    link = _link(message)

    # The person opens the link in their own browser, chooses a password and logs in.
    browser = Client()
    form_page = browser.get(link, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"]
    response = browser.post(form_page.redirect_chain[-1][0],
                            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)

    home = browser.post(reverse("login"), {"username": "els.peeters", "password": NEW_PASSWORD}, follow=True)
    assert home.redirect_chain[-1][0] == reverse("home")
    assert home.status_code == 200
    assert platform.name in home.text
    assert other_platform.name not in home.text

    # The link worked once.
    assert not Client().get(link, follow=True).context["validlink"]
    assert _actions(person) == [AccountAction.CREATED, AccountAction.INVITED]


@pytest.mark.django_db
def test_resend_sends_a_new_link_and_the_old_one_stops_working(login, admin_user, invited,
                                                               django_capture_on_commit_callbacks):
    old_link = _link(mail.outbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        response = login(admin_user).post(reverse("people:resend", kwargs={"pk": invited.pk}))
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == ["jan@example.be"]
    new_link = _link(mail.outbox[1])
    assert new_link != old_link
    assert not Client().get(old_link, follow=True).context["validlink"]
    assert Client().get(new_link, follow=True).context["validlink"]
    event = AccountEvent.objects.filter(target=invited).first()
    assert (event.action, event.actor, event.details) == (AccountAction.INVITATION_RESENT, admin_user,
                                                          "jan@example.be")


@pytest.mark.django_db
def test_no_resend_once_the_password_is_chosen(login, admin_user, coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(admin_user).post(reverse("people:resend", kwargs={"pk": coordinator.pk}), follow=True)
    assert response.status_code == 200
    assert mail.outbox == []
    assert not AccountEvent.objects.filter(target=coordinator).exists()
    coordinator.refresh_from_db()
    assert coordinator.check_password(PASSWORD)


@pytest.mark.django_db
def test_the_invitation_link_expires_after_the_reset_timeout(invited, monkeypatch):
    link = _link(mail.outbox[0])
    real_now = default_token_generator._now

    def later(seconds):
        monkeypatch.setattr(default_token_generator, "_now", lambda: real_now() + datetime.timedelta(seconds=seconds))

    later(settings.PASSWORD_RESET_TIMEOUT - 60)
    assert Client().get(link, follow=True).context["validlink"]
    later(settings.PASSWORD_RESET_TIMEOUT + 1)
    page = Client().get(link, follow=True)
    assert not page.context["validlink"]
    assert "new_password1" not in page.text


@pytest.mark.django_db
def test_invited_admin_gets_the_django_admin_and_ministry_no_platforms(login, admin_user, platform,
                                                                      django_capture_on_commit_callbacks):
    admin = login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("people:invite"), _invite_data(username="nieuwe.beheerder", email="b@example.be",
                                                          role=Role.ADMIN))
        # Platforms ticked for a ministry role are ignored, not kept.
        admin.post(reverse("people:invite"), _invite_data(platform, username="analist2", email="m@example.be",
                                                          role=Role.MINISTRY))
    new_admin, ministry = User.objects.get(username="nieuwe.beheerder"), User.objects.get(username="analist2")
    assert new_admin.is_staff and new_admin.is_superuser
    assert not ministry.is_staff and not ministry.coordinated_platforms.exists()
    assert len(mail.outbox) == 2


# Deactivation ----------------------------------------------------------------------------------------------------


def _sessions_of(user) -> list[str]:
    return [s.session_key for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)]


@pytest.mark.django_db
def test_deactivation_ends_open_sessions_at_once_and_reactivation_lets_them_in_again(login, admin_user,
                                                                                     coordinator, platform):
    person = Client()
    assert person.login(username=coordinator.username, password=PASSWORD)
    assert person.get(reverse("home")).status_code == 200
    other_device = Client()
    assert other_device.login(username=coordinator.username, password=PASSWORD)
    assert len(_sessions_of(coordinator)) == 2

    admin = login(admin_user)
    response = admin.post(reverse("people:deactivate", kwargs={"pk": coordinator.pk}), {"reason": "Vertrokken"})
    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert not coordinator.is_active
    assert _sessions_of(coordinator) == []
    assert _sessions_of(admin_user)  # the admin's own session is untouched
    for client in (person, other_device):
        next_page = client.get(reverse("platforms:list"))
        assert next_page.status_code == 302
        assert next_page["Location"].startswith(reverse("login"))
    assert not Client().login(username=coordinator.username, password=PASSWORD)
    assert list(coordinator.coordinated_platforms.all()) == [platform]  # kept for a reactivation

    response = admin.post(reverse("people:reactivate", kwargs={"pk": coordinator.pk}))
    assert response.status_code == 302
    # The old session stays ended; the person logs in again with their own password.
    assert person.get(reverse("home")).status_code == 302
    assert person.login(username=coordinator.username, password=PASSWORD)
    assert platform.name in person.get(reverse("home")).text

    deactivated, reactivated = AccountEvent.objects.filter(target=coordinator).order_by("pk")
    assert (deactivated.action, deactivated.actor, deactivated.details) == (AccountAction.DEACTIVATED, admin_user,
                                                                            "Vertrokken")
    assert (reactivated.action, reactivated.actor) == (AccountAction.REACTIVATED, admin_user)


@pytest.mark.django_db
def test_deactivating_an_invited_person_voids_their_link(login, admin_user, invited):
    link = _link(mail.outbox[0])
    login(admin_user).post(reverse("people:deactivate", kwargs={"pk": invited.pk}))
    assert not Client().get(link, follow=True).context["validlink"]


@pytest.mark.django_db
def test_an_admin_cannot_deactivate_themselves(login, admin_user):
    admin = login(admin_user)
    url = reverse("people:deactivate", kwargs={"pk": admin_user.pk})
    page = admin.get(url)
    assert page.status_code == 200
    assert not page.context["can_deactivate"]
    response = admin.post(url)
    assert response.status_code == 200
    assert escape(gettext("You cannot deactivate your own account; ask another admin.")) in response.text
    admin_user.refresh_from_db()
    assert admin_user.is_active
    assert admin.get(reverse("people:list")).status_code == 200
    assert not AccountEvent.objects.exists()


@pytest.mark.django_db
def test_an_admin_cannot_take_away_their_own_admin_role(login, admin_user):
    response = login(admin_user).post(reverse("people:edit", kwargs={"pk": admin_user.pk}), {
        "first_name": admin_user.first_name, "last_name": admin_user.last_name, "email": admin_user.email,
        "role": Role.MINISTRY,
    })
    assert response.status_code == 200
    assert ERRORS in response.text
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN and admin_user.is_superuser


# Changes and the audit trail -------------------------------------------------------------------------------------


def _edit_data(person, **overrides):
    data = {"first_name": person.first_name, "last_name": person.last_name, "email": person.email,
            "role": person.role, "platforms": [p.pk for p in person.coordinated_platforms.all()]}
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_role_change_away_from_coordinator_removes_their_platforms(login, admin_user, coordinator, platform):
    # The platform is still ticked, as it would be in the browser: the role decides.
    response = login(admin_user).post(reverse("people:edit", kwargs={"pk": coordinator.pk}),
                                      _edit_data(coordinator, role=Role.MINISTRY))
    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert coordinator.role == Role.MINISTRY
    assert not coordinator.coordinated_platforms.exists()
    assert not platform.coordinators.exists()
    events = {e.action: e for e in AccountEvent.objects.filter(target=coordinator)}
    assert set(events) == {AccountAction.ROLE_CHANGED, AccountAction.PLATFORMS_CHANGED}
    assert events[AccountAction.ROLE_CHANGED].details == f"{Role.COORDINATOR.label} → {Role.MINISTRY.label}"
    assert platform.name in events[AccountAction.PLATFORMS_CHANGED].details
    assert all(e.actor == admin_user for e in events.values())


@pytest.mark.django_db
def test_every_change_leaves_an_event_with_actor_and_target(login, admin_user, platform, other_platform,
                                                            django_capture_on_commit_callbacks):
    admin = login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("people:invite"), _invite_data(platform))
        person = User.objects.get(username="els.peeters")
        admin.post(reverse("people:resend", kwargs={"pk": person.pk}))
        admin.post(reverse("people:edit", kwargs={"pk": person.pk}),
                   _edit_data(person, platforms=[platform.pk, other_platform.pk]))
        admin.post(reverse("people:edit", kwargs={"pk": person.pk}),
                   _edit_data(person, email="els@example.be", last_name="Peeters-Maes",
                              platforms=[other_platform.pk]))
        admin.post(reverse("people:edit", kwargs={"pk": person.pk}),
                   _edit_data(person, role=Role.ADMIN, email="els@example.be", last_name="Peeters-Maes"))
        admin.post(reverse("people:deactivate", kwargs={"pk": person.pk}))
        admin.post(reverse("people:reactivate", kwargs={"pk": person.pk}))

    assert _actions(person) == [
        AccountAction.CREATED, AccountAction.INVITED, AccountAction.INVITATION_RESENT,
        AccountAction.PLATFORMS_CHANGED,
        AccountAction.PLATFORMS_CHANGED, AccountAction.DETAILS_CHANGED,
        AccountAction.ROLE_CHANGED, AccountAction.PLATFORMS_CHANGED,
        AccountAction.DEACTIVATED, AccountAction.REACTIVATED,
    ]
    events = list(AccountEvent.objects.filter(target=person).order_by("pk"))
    assert all(e.actor == admin_user and e.target == person and e.created_at.tzinfo for e in events)
    assert other_platform.name in events[3].details
    assert "els.peeters@example.be → els@example.be" in events[5].details
    assert "Peeters → Peeters-Maes" in events[5].details
    person.refresh_from_db()
    assert person.is_superuser and person.is_staff and not person.coordinated_platforms.exists()

    # The person's page shows the trail, newest first.
    page = admin.get(reverse("people:detail", kwargs={"pk": person.pk}))
    assert [e.action for e in page.context["events"]] == list(reversed(_actions(person)))
    assert str(AccountAction.REACTIVATED.label) in page.text


@pytest.mark.django_db
def test_saving_without_changes_records_nothing(login, admin_user, coordinator, platform):
    response = login(admin_user).post(reverse("people:edit", kwargs={"pk": coordinator.pk}), _edit_data(coordinator))
    assert response.status_code == 302
    assert not AccountEvent.objects.exists()


@pytest.mark.django_db
def test_changing_the_address_of_an_invited_person_warns_that_the_link_died(login, admin_user, invited):
    old_link = _link(mail.outbox[0])
    response = login(admin_user).post(reverse("people:edit", kwargs={"pk": invited.pk}),
                                      _edit_data(invited, email="jan.janssens@example.be"), follow=True)
    assert len(list(response.context["messages"])) == 2
    assert not Client().get(old_link, follow=True).context["validlink"]


# Bad input -------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"username": "COORD-A"}, "username", "Er bestaat al een gebruiker met deze gebruikersnaam."),
    ({"username": "els peeters!"}, "username", None),
    ({"username": ""}, "username", "Dit veld is verplicht."),
    ({"email": "COORD-A@example.be"}, "email", email_in_use_message),
    ({"email": "geen-adres"}, "email", "Voer een geldig e-mailadres in."),
    ({"email": ""}, "email", "Dit veld is verplicht."),
    ({"platforms": []}, "platforms", lambda _: gettext("A coordinator needs at least one platform.")),
    ({"platforms": ["999999"]}, "platforms", None),
    ({"role": "superhero"}, "role", None),
    ({"first_name": ""}, "first_name", "Dit veld is verplicht."),
])
def test_bad_invitations_come_back_in_dutch_and_save_nothing(login, admin_user, coordinator, platform, overrides,
                                                             field, message, django_capture_on_commit_callbacks):
    users_before = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(admin_user).post(reverse("people:invite"), _invite_data(platform, **overrides))
    assert response.status_code == 200
    assert ERRORS in response.text
    assert field in response.context["form"].errors
    if callable(message):
        message = message(coordinator)  # our own message, in the active (Dutch) language
    if message:
        assert escape(message) in response.text
    assert User.objects.count() == users_before
    assert mail.outbox == []
    assert not AccountEvent.objects.exists()


@pytest.mark.django_db
def test_bad_edit_comes_back_and_changes_nothing(login, admin_user, coordinator, platform, ministry_user):
    response = login(admin_user).post(reverse("people:edit", kwargs={"pk": coordinator.pk}),
                                      _edit_data(coordinator, email=ministry_user.email.upper(), first_name="Nieuw"))
    assert response.status_code == 200
    assert escape(email_in_use_message(ministry_user)) in response.text
    coordinator.refresh_from_db()
    assert coordinator.first_name != "Nieuw"
    assert not AccountEvent.objects.exists()


# Who may do it ---------------------------------------------------------------------------------------------------


ROLES = ["anonymous", "coordinator", "ministry_user", "admin_user"]
# url name -> {role: (GET status, POST status)}: the section is the admins' only.
ADMIN_PAGE = {"anonymous": (302, 302), "coordinator": (403, 403), "ministry_user": (403, 403),
              "admin_user": (200, 200)}  # an empty POST comes back with errors
ADMIN_ACTION = {**ADMIN_PAGE, "admin_user": (200, 302)}  # a confirmation page; the POST acts
ADMIN_POST_ONLY = {"anonymous": (302, 302), "coordinator": (405, 403), "ministry_user": (405, 403),
                   "admin_user": (405, 302)}
MATRIX = {
    "list": (False, {**ADMIN_PAGE, "admin_user": (200, 200)}),
    "invite": (False, ADMIN_PAGE),
    "detail": (True, ADMIN_PAGE),
    "edit": (True, ADMIN_PAGE),
    "resend": (True, ADMIN_POST_ONLY),
    "deactivate": (True, ADMIN_ACTION),
    "reactivate": (True, ADMIN_POST_ONLY),
    # The target has no second factor: the admin's POST comes back to the person's page with a message.
    "second_factor_reset": (True, ADMIN_POST_ONLY),
}


def _matrix_cases():
    for name, (_, expected) in MATRIX.items():
        for role in ROLES:
            for method, status in zip(("get", "post"), expected[role], strict=True):
                yield pytest.param(name, role, method, status, id=f"{name}-{role}-{method}")


def test_the_matrix_covers_every_people_url():
    from accounts.urls import urlpatterns

    assert {p.name for p in urlpatterns} == set(MATRIX)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role", "method", "expected"), list(_matrix_cases()))
def test_permission_matrix(request, client, login, platform, other_platform, name, role, method, expected):
    target = other_platform.coordinators.get()
    takes_pk, _ = MATRIX[name]
    url = reverse(f"people:{name}", kwargs={"pk": target.pk} if takes_pk else {})
    if role != "anonymous":
        login(request.getfixturevalue(role))
    response = getattr(client, method)(url)
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    if role in ("coordinator", "ministry_user"):
        target.refresh_from_db()
        assert target.is_active
        assert not AccountEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", [n for n, (takes_pk, _) in MATRIX.items() if takes_pk])
def test_unknown_person_is_404_for_admins_and_403_for_others(login, admin_user, coordinator, name):
    url = reverse(f"people:{name}", kwargs={"pk": 999999})
    method = "get" if name in ("detail", "edit", "deactivate") else "post"
    assert getattr(login(coordinator), method)(url).status_code == 403
    assert getattr(login(admin_user), method)(url).status_code == 404


# The list --------------------------------------------------------------------------------------------------------


@pytest.fixture
def many_people(platform, other_platform):
    platforms = [platform, other_platform, *PlatformFactory.create_batch(8)]
    people = []
    for i in range(30):
        person = UserFactory(role=[Role.COORDINATOR, Role.COORDINATOR, Role.MINISTRY][i % 3], is_active=i % 7 != 0)
        if person.role == Role.COORDINATOR:
            person.coordinated_platforms.set(platforms[i % 10:i % 10 + 2])
        people.append(person)
    return people


# Session, user and second-factor device lookups of an admin's request, before the view's own queries.
AUTH = 3


@pytest.mark.django_db
def test_list_query_count(login, admin_user, many_people, django_assert_max_num_queries):
    client = login(admin_user)
    with django_assert_max_num_queries(AUTH + 3):  # people, their platforms, the platform filter
        response = client.get(reverse("people:list"))
    assert len(response.context["people"]) == User.objects.count()


@pytest.mark.django_db
def test_detail_query_count(login, admin_user, platform, other_platform, django_assert_max_num_queries):
    person = platform.coordinators.get()
    for _ in range(10):
        login(admin_user).post(reverse("people:edit", kwargs={"pk": person.pk}),
                               _edit_data(person, platforms=[platform.pk, other_platform.pk]))
        login(admin_user).post(reverse("people:edit", kwargs={"pk": person.pk}),
                               _edit_data(person, platforms=[platform.pk]))
    client = login(admin_user)
    # The person, their platforms, the events with their actors, their second factor.
    with django_assert_max_num_queries(AUTH + 4):
        response = client.get(reverse("people:detail", kwargs={"pk": person.pk}))
    assert len(response.context["events"]) == 20


@pytest.mark.django_db
def test_list_filters(login, admin_user, ministry_user, coordinator, platform, other_platform):
    other = other_platform.coordinators.get()
    other.is_active = False
    other.save()
    client = login(admin_user)

    def names(**params):
        return {p.username for p in client.get(reverse("people:list"), params).context["people"]}

    assert names() == {"beheerder", "analist", "coord-a", "coord-b"}
    assert names(role="coordinator") == {"coord-a", "coord-b"}
    assert names(role="admin") == {"beheerder"}
    assert names(platform=platform.code) == {"coord-a"}
    assert names(active="0") == {"coord-b"}
    assert names(active="1", role="coordinator") == {"coord-a"}
    assert names(q=f"{coordinator.first_name} {coordinator.last_name}") >= {"coord-a"}
    assert names(q="analist@example") == {"analist"}
    assert names(role="nonsense", active="maybe") == names()
