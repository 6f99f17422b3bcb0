"""Security: headers on every response, login lockout, session end, production checks."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from .factories import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/healthz", "/toegankelijkheid/", "/does-not-exist/"])
def test_every_response_carries_the_security_headers(client, url):
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_pages_have_no_inline_script_or_style(login, coordinator, platform, open_round):
    client = login(coordinator)
    for url in (reverse("home"), reverse("rounds:report", kwargs={"round_slug": open_round.slug,
                                                                   "code": platform.code})):
        html = client.get(url).text
        assert "style=" not in html and "<style" not in html
        scripts = re.findall(r"<script[^>]*>", html)
        # Code only from our static files; besides those, only JSON data blocks (json_script), which no browser runs.
        code = [tag for tag in scripts if 'type="application/json"' not in tag]
        assert code and all(re.fullmatch(r'<script src="/static/[^"]+"( defer)?>', tag) for tag in code)
        for block in re.findall(r'<script id="[\w-]+" type="application/json">(.*?)</script>', html, re.S):
            json.loads(block)
        assert len(code) + html.count('type="application/json"') == len(scripts)


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def _login(client, username, password, ip="10.1.1.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_repeated_wrong_passwords_lock_that_username_from_that_address(client, axes_on, coordinator,
                                                                       other_coordinator):
    for _ in range(3):
        _login(client, coordinator.username, "fout")
    response = _login(client, coordinator.username, PASSWORD)
    assert response.status_code == 429
    assert "Tijdelijk geblokkeerd" in response.text
    assert "_auth_user_id" not in client.session
    # Another user from the same address, and the same user from another address, still log in.
    assert _login(client, other_coordinator.username, PASSWORD).status_code == 302
    client.logout()
    assert _login(client, coordinator.username, PASSWORD, ip="10.2.2.2").status_code == 302


@pytest.mark.django_db
def test_a_password_change_ends_the_other_sessions(client, django_user_model, coordinator):
    from django.test import Client

    other_device = Client()
    assert other_device.login(username=coordinator.username, password=PASSWORD)
    assert client.login(username=coordinator.username, password=PASSWORD)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "Nieuw-wachtwoord-2026", "new_password2": "Nieuw-wachtwoord-2026"})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200  # the session that changed it stays
    assert other_device.get(reverse("home")).status_code == 302  # the other one is logged out


@pytest.mark.django_db
def test_activity_keeps_a_session_alive_and_inactivity_ends_it(login, coordinator, settings):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from lopportal.middleware import SEEN_KEY

    assert settings.SESSION_COOKIE_AGE == 2 * 60 * 60
    client = login(coordinator)
    client.get(reverse("home"))
    # Long enough ago that the next request moves the expiry forward.
    session = client.session
    session[SEEN_KEY] -= 10 * 60
    session.save()
    Session.objects.update(expire_date=timezone.now() + timezone.timedelta(minutes=1))
    client.get(reverse("home"))
    assert Session.objects.get().expire_date > timezone.now() + timezone.timedelta(minutes=119)
    # A quick second request does not write the session again.
    expiry = Session.objects.get().expire_date
    client.get(reverse("home"))
    assert Session.objects.get().expire_date == expiry
    # Two idle hours later the session has expired: the next request goes to the login page.
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    assert client.get(reverse("home")).status_code == 302



def test_production_settings_pass_the_deploy_check():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "lopportal.settings.production",
        "DJANGO_SECRET_KEY": "k8Zq-2vN!rT7yW4pL0sX9cB3mD6fG1hJ5aE8uQ2iO7zR4tY0wV3nS6xK9",
        "DJANGO_ALLOWED_HOSTS": "lop.example.be",
        "DATABASE_URL": "postgres://lop:geheim@db.example.be/lop",
    })
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_free_text_never_reaches_another_user_as_markup(login, ministry_user, coordinator, platform, open_round):
    import io

    import docx
    from django.utils import timezone

    from .factories import InitiativeFactory, ReportFactory

    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    from rounds.models import Note, Section

    report = ReportFactory(round=open_round, platform=platform, status="submitted", submitted_at=timezone.now())
    Note.objects.create(report=report, section=Section.objects.get(questionnaire__round=open_round,
                                                                   note_key="registrations_note"), text=hostile)
    initiative = InitiativeFactory(report=report, title=hostile)
    initiative.asked_of.set([platform.memberships.first().organisation])
    client = login(ministry_user)
    kwargs = {"round_slug": open_round.slug}
    pages = [
        reverse("rounds:report", kwargs={**kwargs, "code": platform.code}),
        reverse("rounds:initiative_detail", kwargs={**kwargs, "code": platform.code, "pk": initiative.pk}),
        reverse("rounds:initiative_list", kwargs=kwargs),
        reverse("rounds:answer", kwargs=kwargs),
        reverse("rounds:summary_platforms", kwargs=kwargs) + "?question=registration_procedure_used&value=no",
    ]
    for url in pages:
        html = client.get(url).text
        assert "<script>alert" not in html and "<img src=x" not in html, url
    document = docx.Document(io.BytesIO(client.get(reverse("rounds:answer_docx", kwargs=kwargs)).content))
    assert any(hostile in p.text for p in document.paragraphs)  # kept as plain text, not as markup


@pytest.mark.django_db
def test_logging_in_through_the_page_stamps_the_activity_in_the_same_save(client, coordinator):
    from lopportal.middleware import SEEN_KEY

    client.post(reverse("login"), {"username": coordinator.username, "password": PASSWORD})
    assert SEEN_KEY in client.session
