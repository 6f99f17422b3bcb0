"""The second factor: admins and ministry staff set it up at their first login and type a code at every login;
coordinators may turn it on; recovery codes work once; wrong codes count towards the lockout; an admin resets
someone else's; the demo accounts' exemption is for development only."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountAction, AccountEvent, Role
from accounts.second_factor import NEW_CODES_KEY, RECOVERY_CODE_COUNT, recovery_codes_renew

from .factories import PASSWORD, UserFactory
from .second_factor_helpers import confirmed_device, key_from_secret, totp_code
from .test_settings_and_demo import PRODUCTION_ENV, _django

VERIFY = reverse("second_factor_verify")
SETUP = reverse("second_factor_setup")
CODES = reverse("second_factor_recovery_codes")


@pytest.fixture(autouse=True)
def _no_demo_exemption(settings):
    settings.SECOND_FACTOR_DEMO_EXEMPT = False


def _password(client, user, next_url="", ip="10.1.1.1"):
    """The login form's first step: the password."""
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=ip)


def _code(client, code, next_url="/", ip="10.1.1.1"):
    return client.post(VERIFY, {"code": code, "next": next_url}, REMOTE_ADDR=ip)


def _secret_key(html: str) -> str:
    """The hex key of the app being set up, from the key the page shows for typing in."""
    return key_from_secret(re.search(r'<code id="totp-secret"[^>]*>([A-Z2-7 ]+)</code>', html).group(1))


def _set_up(client):
    """Scan (read the key), type the code, see the recovery codes: returns them."""
    page = client.get(SETUP)
    response = client.post(SETUP, {"code": totp_code(_secret_key(page.text)), "next": "/"})
    assert response.status_code == 302 and response["Location"] == CODES + "?next=%2F"
    page = client.get(response["Location"])
    return re.findall(r"<li>([a-z2-7]{8})</li>", page.text)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# Setting up -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin_user", "ministry_user"])
def test_first_login_sets_up_the_app_then_shows_the_recovery_codes_once(request, client, role):
    user = request.getfixturevalue(role)
    response = _password(client, user, next_url="/rounds/")
    assert response["Location"] == SETUP + "?next=%2Frounds%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "<svg" in page.text and 'class="lop-qr"' in page.text  # the QR code, inline
    assert "style=" not in page.text and "<script>" not in page.text
    key = _secret_key(page.text)
    assert client.get(SETUP).text.count(re.search(r'id="totp-secret"[^>]*>([^<]+)<', page.text).group(1)) == 1

    response = client.post(SETUP + "?next=%2Frounds%2F", {"code": totp_code(key), "next": "/rounds/"})
    assert response["Location"] == CODES + "?next=%2Frounds%2F"
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and device.key == key
    assert AccountEvent.objects.filter(target=user, actor=user, action=AccountAction.SECOND_FACTOR_ENABLED).exists()

    codes_page = client.get(response["Location"])
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", codes_page.text)
    assert len(set(codes)) == RECOVERY_CODE_COUNT
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == set(codes)
    assert 'href="/rounds/"' in codes_page.text  # then on to the page asked for
    # Shown once: the next visit offers new codes instead.
    again = client.get(CODES)
    assert not set(codes) & set(re.findall(r"[a-z2-7]{8}", again.text))
    assert NEW_CODES_KEY not in client.session
    assert client.get(reverse("rounds:list")).status_code == 200


@pytest.mark.django_db
def test_a_wrong_code_at_setup_changes_nothing(client, admin_user):
    _password(client, admin_user)
    right = totp_code(_secret_key(client.get(SETUP).text))
    for code in ["000000" if right != "000000" else "111111", "12345", "", "abc", "x" * 1000]:
        response = client.post(SETUP, {"code": code})
        assert response.status_code == 200
        assert 'class="invalid-feedback' in response.text
    assert not TOTPDevice.objects.exists()
    assert not AccountEvent.objects.exists()
    assert client.get(reverse("home"))["Location"] == SETUP + "?next=%2F"


@pytest.mark.django_db
def test_the_setup_page_cannot_replace_an_app_before_the_code_of_the_present_one(client, admin_user):
    """Someone who has only the password cannot put their own phone in place of the owner's."""
    device = confirmed_device(admin_user)
    _password(client, admin_user)
    response = client.get(SETUP)
    assert response["Location"] == VERIFY + "?next=%2F"
    assert client.post(SETUP, {"code": "123456"})["Location"].startswith(VERIFY)
    assert list(TOTPDevice.objects.filter(user=admin_user)) == [device]


@pytest.mark.django_db
def test_after_a_code_the_app_moves_to_a_new_phone(client, admin_user):
    old = confirmed_device(admin_user)
    _password(client, admin_user)
    assert _code(client, totp_code(old)).status_code == 302
    codes = _set_up(client)
    new = TOTPDevice.objects.get(user=admin_user)
    assert new.pk != old.pk and len(codes) == RECOVERY_CODE_COUNT
    assert client.get(reverse("home")).status_code == 200  # the session now rests on the new app
    # Moving is not turning it on: no second "turned on" event.
    assert not AccountEvent.objects.filter(action=AccountAction.SECOND_FACTOR_ENABLED).exists()


# Logging in ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin_user", "ministry_user"])
def test_login_with_a_code_from_the_app(request, client, role):
    user = request.getfixturevalue(role)
    device = confirmed_device(user)
    response = _password(client, user, next_url="/platforms/")
    assert response["Location"] == VERIFY + "?next=%2Fplatforms%2F"
    password_session = client.session.session_key
    # Nothing else opens yet; the page asked for is kept.
    assert client.get(reverse("rounds:list"))["Location"] == VERIFY + "?next=%2Frounds%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'name="code"' in page.text
    assert 'href="/rounds/"' not in page.text  # the navigation shows only "log out" until then

    wrong = "000000" if totp_code(device) != "000000" else "111111"
    response = _code(client, wrong, next_url="/platforms/")
    assert response.status_code == 200 and 'class="invalid-feedback' in response.text
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # django-otp makes one wait a second
    response = _code(client, totp_code(device), next_url="/platforms/")
    assert response["Location"] == "/platforms/"
    assert client.get(reverse("platforms:list")).status_code == 200
    assert client.session.session_key != password_session  # a new session key with the second factor


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", ["a b", "a\x00b", "home", "https://evil.example/", "//evil.example/"])
def test_after_the_code_a_page_that_is_not_a_path_of_ours_leads_home(client, admin_user, next_url):
    device = confirmed_device(admin_user)
    _password(client, admin_user)
    response = _code(client, totp_code(device), next_url=next_url)
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.django_db
def test_a_code_works_only_once(client, admin_user):
    device = confirmed_device(admin_user)
    _password(client, admin_user)
    code = totp_code(device)
    assert _code(client, code)["Location"] == "/"
    other = Client()
    _password(other, admin_user)
    assert _code(other, code).status_code == 200  # seen: whoever looked over the shoulder is too late
    assert other.get(reverse("home"))["Location"].startswith(VERIFY)


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_the_page_after_the_code_is_one_of_ours(client, admin_user, next_url):
    device = confirmed_device(admin_user)
    _password(client, admin_user)
    assert _code(client, totp_code(device), next_url=next_url)["Location"] == "/"


@pytest.mark.django_db
def test_a_recovery_code_works_once(client, admin_user):
    confirmed_device(admin_user)
    codes = recovery_codes_renew(user=admin_user)
    _password(client, admin_user)
    typed = codes[0].upper()[:4] + " " + codes[0].upper()[4:]  # with capitals and a space, as read off paper
    response = client.post(VERIFY, {"code": typed, "next": "/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert any(str(RECOVERY_CODE_COUNT - 1) in str(m) for m in response.context["messages"])  # "… 9 left"
    client.post(reverse("logout"))

    _password(client, admin_user)
    response = _code(client, codes[0])
    assert response.status_code == 200 and 'class="invalid-feedback' in response.text
    assert client.get(reverse("home"))["Location"].startswith(VERIFY)
    assert StaticToken.objects.filter(device__user=admin_user).count() == RECOVERY_CODE_COUNT - 1


@pytest.mark.django_db
def test_new_recovery_codes_need_a_code_and_replace_the_old_ones(login, admin_user):
    client = login(admin_user)
    device = TOTPDevice.objects.get(user=admin_user)
    old = set(recovery_codes_renew(user=admin_user))
    assert client.post(CODES, {"code": "12"}).status_code == 200
    assert set(StaticToken.objects.values_list("token", flat=True)) == old
    response = client.post(CODES, {"code": totp_code(device)})
    assert response["Location"].startswith(CODES)
    new = set(re.findall(r"<li>([a-z2-7]{8})</li>", client.get(response["Location"]).text))
    assert len(new) == RECOVERY_CODE_COUNT and not new & old
    assert set(StaticToken.objects.values_list("token", flat=True)) == new


# The lockout ------------------------------------------------------------------------------------------------


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


@pytest.mark.django_db
def test_wrong_codes_count_towards_the_lockout_and_log_out(client, axes_on, admin_user, other_coordinator):
    device = confirmed_device(admin_user)
    earlier_session = Client()  # a second session that passed the password before the lockout
    _password(earlier_session, admin_user)
    _password(client, admin_user)
    wrong = "000000" if totp_code(device) != "000000" else "111111"
    for _ in range(2):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # no wait between tries
        assert _code(client, wrong).status_code == 200
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    response = _code(client, wrong)
    assert response.status_code == 429
    assert "Tijdelijk geblokkeerd" in response.text
    assert not _logged_in(client)
    # Locked: the password no longer opens a session from this address, and the earlier session cannot try more.
    assert _password(client, admin_user).status_code == 429
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    assert _code(earlier_session, totp_code(device)).status_code == 429
    assert not _logged_in(earlier_session)
    # Another person from the same address, and the same person from elsewhere, are not locked.
    assert _password(Client(), other_coordinator).status_code == 302
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    elsewhere = Client()
    assert _password(elsewhere, admin_user, ip="10.2.2.2")["Location"].startswith(VERIFY)
    assert _code(elsewhere, totp_code(device), ip="10.2.2.2")["Location"] == "/"


@pytest.mark.django_db
def test_a_right_code_clears_the_earlier_wrong_ones(client, axes_on, admin_user):
    from axes.models import AccessAttempt

    device = confirmed_device(admin_user)
    _password(client, admin_user)
    wrong = "000000" if totp_code(device) != "000000" else "111111"
    assert _code(client, wrong).status_code == 200
    assert AccessAttempt.objects.get(username=admin_user.username).failures_since_start == 1
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    assert _code(client, totp_code(device))["Location"] == "/"
    assert not AccessAttempt.objects.exists()


# Who must, who may ------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin_user", "ministry_user"])
def test_admins_and_ministry_reach_nothing_else_before_the_second_factor(request, client, role, open_round):
    user = request.getfixturevalue(role)
    client.force_login(user)  # however the session came to be (the Django admin's login, say)
    for url in ["/", "/platforms/", "/rounds/", f"/rounds/{open_round.slug}/summary.json", "/admin/",
                "/people/", "/accounts/password_change/", reverse("second_factor_manage"), CODES]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(SETUP + "?next="), url
    assert client.post("/platforms/")["Location"].startswith(SETUP)
    for url in [SETUP, reverse("accessibility"), reverse("healthz"), reverse("login")]:
        assert client.get(url).status_code == 200, url
    assert client.post(reverse("logout")).status_code == 302
    assert not _logged_in(client)


@pytest.mark.django_db
def test_coordinators_without_a_second_factor_log_in_with_the_password(client, coordinator, platform):
    assert _password(client, coordinator)["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get(reverse("second_factor_manage")).status_code == 200
    assert client.get(VERIFY)["Location"] == "/"


@pytest.mark.django_db
def test_a_coordinator_turns_it_on_then_needs_it_then_turns_it_off(client, coordinator, platform):
    _password(client, coordinator)
    assert reverse("second_factor_manage") in client.get("/").text  # the link next to "change password"
    codes = _set_up(client)
    assert len(codes) == RECOVERY_CODE_COUNT
    assert client.get("/").status_code == 200
    client.post(reverse("logout"))

    assert _password(client, coordinator)["Location"] == VERIFY + "?next=%2F"
    assert client.get("/")["Location"].startswith(VERIFY)
    device = TOTPDevice.objects.get(user=coordinator)
    assert _code(client, totp_code(device))["Location"] == "/"

    disable = reverse("second_factor_disable")
    assert client.get(disable).status_code == 200
    assert client.post(disable, {"code": "12"}).status_code == 200  # a code first
    assert TOTPDevice.objects.filter(user=coordinator).exists()
    response = client.post(disable, {"code": codes[0]})
    assert response["Location"] == reverse("second_factor_manage")
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert not StaticToken.objects.filter(device__user=coordinator).exists()
    assert [e.action for e in AccountEvent.objects.filter(target=coordinator).order_by("pk")] == [
        AccountAction.SECOND_FACTOR_ENABLED, AccountAction.SECOND_FACTOR_DISABLED]
    assert client.get("/").status_code == 200
    client.post(reverse("logout"))
    assert _password(client, coordinator)["Location"] == "/"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin_user", "ministry_user"])
def test_admins_and_ministry_cannot_turn_it_off(request, login, role):
    user = request.getfixturevalue(role)
    client = login(user)
    device = TOTPDevice.objects.get(user=user)
    assert client.get(reverse("second_factor_disable")).status_code == 403
    assert client.post(reverse("second_factor_disable"), {"code": totp_code(device)}).status_code == 403
    assert TOTPDevice.objects.filter(user=user).exists()
    assert reverse("second_factor_disable") not in client.get(reverse("second_factor_manage")).text


# The admin's reset ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_admin_resets_someone_elses_second_factor(login, admin_user, ministry_user):
    device = confirmed_device(ministry_user)
    ministry = Client()
    _password(ministry, ministry_user)
    _code(ministry, totp_code(device))
    assert ministry.get("/").status_code == 200
    admin = login(admin_user)
    detail = admin.get(reverse("people:detail", kwargs={"pk": ministry_user.pk}))
    reset_url = reverse("people:second_factor_reset", kwargs={"pk": ministry_user.pk})
    assert reset_url in detail.text

    response = admin.post(reset_url)
    assert response["Location"] == reverse("people:detail", kwargs={"pk": ministry_user.pk})
    assert not TOTPDevice.objects.filter(user=ministry_user).exists()
    event = AccountEvent.objects.get(target=ministry_user)
    assert (event.action, event.actor) == (AccountAction.SECOND_FACTOR_RESET, admin_user)
    assert ministry.get("/")["Location"].startswith(reverse("login"))  # logged out everywhere
    assert _password(ministry, ministry_user)["Location"] == SETUP + "?next=%2F"  # a new app at the next login
    assert admin.get("/").status_code == 200  # the admin's own session is untouched


@pytest.mark.django_db
def test_an_admin_cannot_reset_their_own(login, admin_user):
    client = login(admin_user)
    device = TOTPDevice.objects.get(user=admin_user)
    detail = client.get(reverse("people:detail", kwargs={"pk": admin_user.pk}))
    reset_url = reverse("people:second_factor_reset", kwargs={"pk": admin_user.pk})
    assert reset_url not in detail.text
    response = client.post(reset_url)
    assert response.status_code == 403
    assert "ask another admin" in response.text or "andere beheerder" in response.text
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not AccountEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["ministry_user", "coordinator"])
def test_only_admins_reset(request, login, role, admin_user):
    confirmed_device(admin_user)
    client = login(request.getfixturevalue(role))
    response = client.post(reverse("people:second_factor_reset", kwargs={"pk": admin_user.pk}))
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=admin_user).exists()


@pytest.mark.django_db
def test_resetting_someone_without_a_second_factor_says_so(login, admin_user, coordinator):
    response = login(admin_user).post(reverse("people:second_factor_reset", kwargs={"pk": coordinator.pk}),
                                      follow=True)
    assert response.status_code == 200
    assert not AccountEvent.objects.exists()
    assert len(response.context["messages"]) == 1


# Development and production ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_accounts_are_exempt_only_while_the_setting_is_on(client, settings):
    demo_admin = UserFactory(username="admin", role=Role.ADMIN)
    other_admin = UserFactory(username="beheerder", role=Role.ADMIN)
    settings.SECOND_FACTOR_DEMO_EXEMPT = True
    assert _password(client, demo_admin)["Location"] == "/"
    assert client.get("/").status_code == 200
    assert _password(Client(), other_admin)["Location"] == SETUP + "?next=%2F"  # only the demo's names
    settings.SECOND_FACTOR_DEMO_EXEMPT = False
    assert client.get("/")["Location"].startswith(SETUP)


def test_production_refuses_to_start_with_the_demo_exemption():
    result = _django({**PRODUCTION_ENV, "DJANGO_SECOND_FACTOR_DEMO_EXEMPT": "true"}, "print('started')")
    assert result.returncode != 0
    assert "DJANGO_SECOND_FACTOR_DEMO_EXEMPT" in result.stderr
    assert "started" not in result.stdout
    result = _django(PRODUCTION_ENV, "from django.conf import settings", "print(settings.SECOND_FACTOR_DEMO_EXEMPT)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_development_has_the_exemption_on():
    result = _django({"DJANGO_SETTINGS_MODULE": "lopportal.settings.local"},
                     "from django.conf import settings", "print(settings.SECOND_FACTOR_DEMO_EXEMPT)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


# Pages ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_second_factor_pages_query_counts(login, admin_user, django_assert_max_num_queries):
    client = login(admin_user)
    client.get(reverse("home"))  # a session's first request may note things in it
    with django_assert_max_num_queries(4):  # session, user, the session's device; the status
        assert client.get(reverse("second_factor_manage")).status_code == 200
    with django_assert_max_num_queries(5):  # … has a second factor, the status
        assert client.get(CODES).status_code == 200


@pytest.mark.django_db
def test_the_django_admin_does_not_change_second_factors(login, admin_user):
    """Only the portal's pages change them, each leaving an event in the person's history."""
    page = login(admin_user).get(reverse("admin:index")).text
    assert "otp_totp" not in page and "otp_static" not in page
