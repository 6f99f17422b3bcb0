"""Logging in, landing on the role's home page, logging out, changing and resetting a password."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from .factories import PASSWORD
from .second_factor_helpers import confirmed_device, totp_code


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "heading"), [
    ("admin_user", "Beheer"),
    ("ministry_user", "Overzicht voor het ministerie"),
    ("coordinator", "Welkom"),
])
def test_each_role_lands_on_its_own_home_page(request, client, platform, role, heading):
    user = request.getfixturevalue(role)
    device = confirmed_device(user) if user.reads_everything else None
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True)
    if device:  # admins and ministry staff type a code from their app after the password
        assert response.redirect_chain[-1][0] == reverse("second_factor_verify") + "?next=%2F"
        response = client.post(response.redirect_chain[-1][0], {"code": totp_code(device)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert heading in response.text


@pytest.mark.django_db
def test_coordinator_home_lists_only_their_platforms(login, coordinator, platform, other_platform):
    response = login(coordinator).get(reverse("home"))
    assert platform.name in response.text
    assert other_platform.name not in response.text


@pytest.mark.django_db
def test_wrong_password_is_refused_in_dutch(client, coordinator):
    response = client.post(reverse("login"), {"username": coordinator.username, "password": "fout"})
    assert response.status_code == 200
    assert "Voer een juiste gebruikersnaam en wachtwoord in" in response.text
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_logout_ends_the_session(login, coordinator):
    client = login(coordinator)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_pages_need_a_login_but_login_and_reset_do_not(client):
    assert client.get(reverse("platforms:list"))["Location"].startswith("/accounts/login/?next=")
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("password_reset")).status_code == 200


@pytest.mark.django_db
def test_password_change(login, coordinator):
    client = login(coordinator)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "nieuw-Wachtwoord-2026", "new_password2": "nieuw-Wachtwoord-2026",
    })
    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert coordinator.check_password("nieuw-Wachtwoord-2026")


@pytest.mark.django_db
def test_password_reset_by_mail(client, coordinator):
    client.post(reverse("password_reset"), {"email": coordinator.email})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [coordinator.email]
    assert "nieuw wachtwoord" in message.subject.lower()
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(form_page.redirect_chain[-1][0], {
        "new_password1": "Zomerschool-2020!", "new_password2": "Zomerschool-2020!",
    })
    assert response.status_code == 302
    assert client.login(username=coordinator.username, password="Zomerschool-2020!")


@pytest.mark.django_db
def test_password_reset_for_unknown_address_sends_nothing_and_reveals_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "niemand@example.be"}, follow=True)
    assert response.status_code == 200
    assert mail.outbox == []


@pytest.mark.django_db
def test_demo_accounts_only_shown_with_debug(client, settings):
    settings.DEBUG = False
    assert "demo-lop-2020" not in client.get(reverse("login")).text
    settings.DEBUG = True
    page = client.get(reverse("login")).text
    assert "demo-lop-2020" in page
    assert "coordinator2" in page


@pytest.mark.django_db
def test_login_page_is_dutch(client):
    page = client.get(reverse("login")).text
    assert '<html lang="nl">' in page
    assert "Gebruikersnaam" in page
    assert "Wachtwoord" in page
