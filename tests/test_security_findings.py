"""Findings 1, 5, 6, 7 and 9 of the security review (issue #15), each reproduced as the reviewer did it.

1. the login lockout takes the address our own proxies saw, not one the client wrote;
5. a password-reset link dies when the account is deactivated, and stays dead after reactivation;
6. nothing a logged-in user sees is kept in a cache (`Cache-Control: no-store, private`);
7. password-reset mails are throttled, and a known and an unknown address take the same path;
9. a session ends 12 hours after the login however active it is; `/healthz` answers over plain
   HTTP in production; a full-width `＝` at the start of an exported cell is neutralised.
"""

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import openpyxl
import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from accounts import services as account_services
from accounts.tokens import default_token_generator
from lopportal.client_address import client_ip
from lopportal.middleware import LOGIN_KEY, SEEN_KEY
from rounds.columns import neutralise, unneutralise
from rounds.models import Note

from .factories import PASSWORD, report_post_data
from .parliament_helpers import answered_round, approver, publish, record
from .report_files import give_questionnaire, read_csv

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def english():
    """Pages are checked in English, the msgids: the Dutch translation is the .po's."""
    with translation.override("en"):
        yield


# 1. The login lockout behind 0, 1 and 2 proxies -------------------------------------------------------------

ATTACKER = "203.0.113.9"  # where the attacker really is
VICTIM = "192.0.2.55"  # where the victim really is
# What the attacker writes at the left of X-Forwarded-For, a new address each try: the victim's own address too,
# to try to land the failures in the victim's bucket.
SPOOFED = [VICTIM, "198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4", "198.51.100.5"]
OUTER_PROXY, INNER_PROXY = "10.0.0.1", "10.0.0.2"


def _as_seen_by_django(proxies: int, client_address: str, spoofed: str | None = None) -> dict:
    """The request's REMOTE_ADDR and X-Forwarded-For when `client_address` connects through `proxies` proxies.

    Each proxy appends the address it got the connection from; the nearest one is REMOTE_ADDR.
    """
    hops = [client_address, OUTER_PROXY, INNER_PROXY][: proxies + 1]
    forwarded = ([spoofed] if spoofed else []) + hops[:-1]
    meta = {"REMOTE_ADDR": hops[-1]}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = ", ".join(forwarded)
    elif spoofed:
        meta["HTTP_X_FORWARDED_FOR"] = spoofed
    return meta


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def _login(client, username, password, meta):
    return client.post(reverse("login"), {"username": username, "password": password}, **meta)


@pytest.mark.django_db
@pytest.mark.parametrize("proxies", [0, 1, 2])
def test_an_attacker_rotating_x_forwarded_for_is_locked_and_the_victim_elsewhere_is_not(
        client, settings, axes_on, coordinator, proxies):
    settings.TRUSTED_PROXY_COUNT = proxies
    for spoofed in SPOOFED[:3]:
        _login(client, coordinator.username, "fout", _as_seen_by_django(proxies, ATTACKER, spoofed))
    # The fourth try, with yet another spoofed address and the right password: locked.
    locked = _login(client, coordinator.username, PASSWORD, _as_seen_by_django(proxies, ATTACKER, SPOOFED[3]))
    assert locked.status_code == 429
    assert SESSION_KEY not in client.session
    # The victim, from their own address (which the attacker wrote in the header), still logs in.
    client.cookies.clear()
    victim = _login(client, coordinator.username, PASSWORD, _as_seen_by_django(proxies, VICTIM))
    assert victim.status_code == 302
    assert client.session[SESSION_KEY] == str(coordinator.pk)


@pytest.mark.django_db
def test_failures_of_two_clients_behind_one_proxy_are_not_pooled(client, settings, axes_on, coordinator):
    """The reviewer's second case: with a one-hop header every user had the proxy's address."""
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(3):
        _login(client, coordinator.username, "fout", _as_seen_by_django(1, ATTACKER))
    assert _login(client, coordinator.username, PASSWORD, _as_seen_by_django(1, ATTACKER)).status_code == 429
    assert _login(client, coordinator.username, PASSWORD, _as_seen_by_django(1, VICTIM)).status_code == 302


@pytest.mark.parametrize(("proxies", "remote", "forwarded", "expected"), [
    (0, "203.0.113.9", "192.0.2.55", "203.0.113.9"),  # no proxy: the header is the client's own text
    (1, "10.0.0.1", "192.0.2.55, 203.0.113.9", "203.0.113.9"),
    (2, "10.0.0.2", "192.0.2.55, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
    (2, "10.0.0.2", "203.0.113.9", "203.0.113.9"),  # only the inner proxy was passed: what it saw
    (1, "10.0.0.1", None, "10.0.0.1"),  # no header at all: the connection's address
    (1, "10.0.0.1", "192.0.2.55,203.0.113.9:4711", "203.0.113.9"),  # a port (Azure writes one)
    (1, "10.0.0.1", "[2001:DB8::1]:443", "2001:db8::1"),
    (1, "10.0.0.1", "::ffff:203.0.113.9", "203.0.113.9"),  # one client, one bucket
    (1, "10.0.0.1", "203.0.113.9, unknown", "10.0.0.1"),  # not an address: never stored as one
    (1, "10.0.0.1", "203.0.113.9, <script>", "10.0.0.1"),
])
def test_the_client_address_is_what_the_nearest_untrusted_hop_was(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(RequestFactory().get("/", **meta)) == expected


# 5. A password-reset link after deactivation -------------------------------------------------------------------


def _reset_link(client, user) -> str:
    mail.outbox.clear()
    client.post(reverse("password_reset"), {"email": user.email}, REMOTE_ADDR=VICTIM)
    assert len(mail.outbox) == 1
    return re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)


NEW_PASSWORD = "Zomerschool-2020!"  # noqa: S105 - a test password


def _choose_password(client, link, password=NEW_PASSWORD):
    page = client.get(link, follow=True)
    if not page.context["validlink"]:
        return page
    return client.post(page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})


@pytest.mark.django_db
def test_a_reset_link_is_refused_once_the_account_is_deactivated_and_after_reactivation(client, admin_user,
                                                                                      coordinator):
    link = _reset_link(client, coordinator)
    account_services.person_deactivate(actor=admin_user, person=coordinator)
    page = _choose_password(client, link)
    assert page.status_code == 200 and page.context["validlink"] is False
    assert "no longer valid" in page.text and "deactivated" in page.text
    account_services.person_reactivate(actor=admin_user, person=coordinator)
    assert _choose_password(client, link).context["validlink"] is False
    coordinator.refresh_from_db()
    assert coordinator.check_password(PASSWORD)  # their own password, untouched
    # A link asked for after the reactivation works.
    assert _choose_password(client, _reset_link(client, coordinator)).status_code == 302
    coordinator.refresh_from_db()
    assert coordinator.check_password("Zomerschool-2020!")


@pytest.mark.django_db
def test_a_reset_form_opened_before_the_deactivation_cannot_be_sent_after_it(client, admin_user, coordinator):
    page = client.get(_reset_link(client, coordinator), follow=True)
    assert page.context["validlink"]
    account_services.person_deactivate(actor=admin_user, person=coordinator)
    response = client.post(page.redirect_chain[-1][0], {"new_password1": "Zomerschool-2020!",
                                                        "new_password2": "Zomerschool-2020!"})
    assert response.status_code == 200 and response.context["validlink"] is False
    coordinator.refresh_from_db()
    assert coordinator.check_password(PASSWORD)


@pytest.mark.django_db
def test_invitation_links_are_made_by_the_same_token_generator(admin_user):
    person = account_services.person_invite(actor=admin_user, username="nieuw", email="nieuw@example.be",
                                            first_name="Nieuw", last_name="Iemand", role="ministry")
    token = account_services.invitation_url(person).rstrip("/").rsplit("/", 1)[1]
    assert default_token_generator.check_token(person, token)
    account_services.person_deactivate(actor=admin_user, person=person)
    account_services.person_reactivate(actor=admin_user, person=person)
    person.refresh_from_db()
    assert not default_token_generator.check_token(person, token)


# 6. Cache-Control: no-store for a logged-in user ----------------------------------------------------------------


def _cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.fixture
def published(open_round, ministry_user):
    give_questionnaire(open_round)
    answered_round(open_round)
    return publish(ministry_user, approver(), record(ministry_user, [open_round]))


@pytest.mark.django_db
def test_nothing_a_logged_in_user_receives_may_be_stored(login, ministry_user, coordinator, platform, open_round,
                                                         published):
    kwargs = {"round_slug": open_round.slug}
    client = login(ministry_user)
    urls = [reverse("home"), reverse("rounds:summary", kwargs=kwargs), reverse("rounds:summary_json", kwargs=kwargs),
            reverse("rounds:export_csv", kwargs=kwargs), reverse("rounds:export_xlsx", kwargs=kwargs),
            reverse("parliament:answer_json", kwargs={"pk": published.pk}),
            reverse("parliament:answer_docx", kwargs={"pk": published.pk}), "/does-not-exist/"]
    for url in urls:
        response = client.get(url)
        assert {"no-store", "private"} <= _cache_control(response), url
        assert "public" not in _cache_control(response), url
    client = login(coordinator)
    response = client.get(reverse("rounds:report", kwargs={**kwargs, "code": platform.code}))
    assert response.status_code == 200 and {"no-store", "private"} <= _cache_control(response)
    # Static files are the same for everyone: cacheable.
    assert "no-store" not in _cache_control(client.get("/static/bootstrap/css/bootstrap.min.css"))


@pytest.mark.django_db
def test_public_pages_for_an_anonymous_visitor_stay_cacheable(client):
    response = client.get(reverse("accessibility"))
    assert response.status_code == 200 and "no-store" not in _cache_control(response)


# 7. Password reset: throttled, and the same path for known and unknown addresses --------------------------------


@pytest.mark.django_db
def test_at_most_three_reset_mails_per_address_per_hour(client, coordinator):
    for i in range(4):
        # From four different client addresses: the limit is the address's, not the client's.
        response = client.post(reverse("password_reset"), {"email": coordinator.email}, REMOTE_ADDR=f"192.0.2.{i}")
        assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 3
    # The fourth answered the same page.
    page = client.get(reverse("password_reset_done"))
    assert "If an account uses the address you entered" in page.text


@pytest.mark.django_db
def test_at_most_ten_reset_requests_per_client_address_per_quarter_hour(client, coordinator, other_coordinator):
    for i in range(10):
        client.post(reverse("password_reset"), {"email": f"niemand{i}@example.be"}, REMOTE_ADDR=ATTACKER)
    response = client.post(reverse("password_reset"), {"email": coordinator.email}, REMOTE_ADDR=ATTACKER)
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []
    # Someone else, from another address, gets their mail.
    client.post(reverse("password_reset"), {"email": other_coordinator.email}, REMOTE_ADDR=VICTIM)
    assert [m.to for m in mail.outbox] == [[other_coordinator.email]]


@pytest.mark.django_db
@pytest.mark.parametrize("known", [True, False])
def test_a_known_and_an_unknown_address_take_the_same_path(client, coordinator, known):
    email = coordinator.email if known else "niemand@example.be"
    with mock.patch.object(default_token_generator, "make_token", wraps=default_token_generator.make_token) as made:
        response = client.post(reverse("password_reset"), {"email": email})
    assert response.status_code == 302
    assert made.call_count == 1
    rendered = [t.name for t in response.templates]
    assert "registration/password_reset.txt" in rendered
    assert "registration/password_reset_subject.txt" in rendered
    assert len(mail.outbox) == (1 if known else 0)


@pytest.mark.django_db
@pytest.mark.parametrize("known", [True, False])
def test_every_reset_request_takes_at_least_the_minimum_time(client, settings, coordinator, known):
    settings.PASSWORD_RESET_MIN_SECONDS = 0.4
    with mock.patch("accounts.password_reset.time.sleep") as sleep:
        client.post(reverse("password_reset"), {"email": coordinator.email if known else "niemand@example.be"})
    (seconds,), _ = sleep.call_args
    assert 0 < seconds <= 0.4


# 9a. An absolute session lifetime ------------------------------------------------------------------------------


def _log_in_through_the_page(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert isinstance(client.session[LOGIN_KEY], int)
    return client


def _age_the_login(client, seconds):
    session = client.session
    session[LOGIN_KEY] -= seconds
    session[SEEN_KEY] = int(time.time())  # active all along
    session.save()


@pytest.mark.django_db
def test_a_session_ends_twelve_hours_after_the_login_however_active(client, settings, coordinator):
    assert settings.SESSION_MAX_SECONDS == 12 * 60 * 60
    _log_in_through_the_page(client, coordinator)
    _age_the_login(client, 12 * 60 * 60 - 60)
    assert client.get(reverse("home")).status_code == 200
    _age_the_login(client, 61)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "Your session has ended" in response.text
    assert SESSION_KEY not in client.session
    # Logging in again starts a new lifetime.
    _log_in_through_the_page(client, coordinator)
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_a_new_login_over_an_old_session_starts_a_new_lifetime(client, coordinator):
    _log_in_through_the_page(client, coordinator)
    _age_the_login(client, 11 * 60 * 60)
    _log_in_through_the_page(client, coordinator)
    assert client.session[LOGIN_KEY] >= int(time.time()) - 5


@pytest.mark.django_db
def test_a_session_without_a_login_time_gets_one_when_it_is_next_saved(login, coordinator):
    """A session from before the lifetime existed (here: the test client's login) costs no write of its own."""
    client = login(coordinator)
    client.get(reverse("home"))
    assert LOGIN_KEY not in client.session
    session = client.session
    session[SEEN_KEY] -= 10 * 60  # the idle timeout's next refresh is due
    session.save()
    client.get(reverse("home"))
    assert client.session[LOGIN_KEY] >= int(time.time()) - 5


# 9b. /healthz over plain HTTP in production ------------------------------------------------------------------------

PRODUCTION_REQUESTS = """
from django.test import Client
client = Client()
print("STATUS", client.get("/healthz").status_code, client.get("/accounts/login/").status_code,
      client.get("/healthz", secure=True).status_code)
"""


def test_production_answers_healthz_over_plain_http_and_redirects_the_rest():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "lopportal.settings.production",
        "DJANGO_SECRET_KEY": "k8Zq-2vN!rT7yW4pL0sX9cB3mD6fG1hJ5aE8uQ2iO7zR4tY0wV3nS6xK9",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": "sqlite://:memory:",
    })
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "shell", "-c", PRODUCTION_REQUESTS],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    status = next(line for line in result.stdout.splitlines() if line.startswith("STATUS"))
    assert status.split()[1:] == ["200", "301", "200"]


# 9c. Compatibility forms of formula characters in exports -------------------------------------------------------

DISGUISED = ["＝HYPERLINK(\"http://evil.example\")", "﹦1+1", "⁼1", "＋1", "﹢1", "－1", "﹣1", "＠SUM(A1)", "﹫x",
             "＇＝1", "'＝1", "＇'＋1", "=\u0338 1", "⩵1"]


@pytest.mark.parametrize("text", DISGUISED)
def test_a_compatibility_form_of_a_formula_character_is_neutralised(text):
    assert neutralise(text) == "'" + text
    assert unneutralise(neutralise(text)) == text


@pytest.mark.parametrize("text", ["Gent", "ﬁets", "é", "'quote", "＇quote", "", "½", "①"])
def test_plain_text_is_left_alone(text):
    assert neutralise(text) == text
    assert unneutralise(text) == text


@given(st.text())
def test_unneutralise_gives_back_what_neutralise_wrote(text):
    assert unneutralise(neutralise(text)) == text


def _notes() -> list:
    return [*Note.objects.order_by("pk").values_list("pk", "text"), Note.history.count()]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_full_width_equals_sign_is_neutralised_in_the_export_and_reads_back(tmp_path, login, coordinator,
                                                                            ministry_user, platform, open_round,
                                                                            fmt):
    give_questionnaire(open_round)
    hostile = "＝HYPERLINK(\"http://evil.example\";\"klik\")"
    client = login(coordinator)
    url = reverse("rounds:report", kwargs={"round_slug": open_round.slug, "code": platform.code})
    assert client.post(url, report_post_data(registrations_note=hostile)).status_code == 302
    before = _notes()
    client = login(ministry_user)
    response = client.get(reverse(f"rounds:export_{fmt}", kwargs={"round_slug": open_round.slug}))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        header, *rows = read_csv(body)
    else:
        header, *rows = [list(r) for r in openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True)]
    assert rows[0][header.index("registrations_note")] == "'" + hostile
    path = tmp_path / f"rapporten.{fmt}"
    path.write_bytes(body)
    call_command("import_responses", str(path), "--round", open_round.slug, stdout=io.StringIO())
    assert _notes() == before  # read back as written: the note is unchanged, no history row is written
