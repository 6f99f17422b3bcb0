"""Production settings, the demo loader, and assets served from our own static files."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from platforms.models import Membership, Organisation, Platform
from rounds.models import Report, ReportingRound

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "lopportal.settings.production",
    "DJANGO_SECRET_KEY": "x" * 60,
    "DJANGO_ALLOWED_HOSTS": "lop.example.be",
    "DATABASE_URL": "postgres://lop:geheim@db.example.be/lop",
}


def _django(env, *code):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", "import django; django.setup(); " + "; ".join(code)],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True,
    )


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without_its_variables(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _django(env, "print('started')")
    assert result.returncode != 0
    assert missing in result.stderr
    assert "started" not in result.stdout


def test_production_settings_read_the_environment():
    result = _django(PRODUCTION_ENV, "from django.conf import settings as s",
                     "print(s.DEBUG, s.ALLOWED_HOSTS, s.DATABASES['default']['ENGINE'], s.DEMO_DATA_ALLOWED,"
                     " s.DATABASES['default']['CONN_HEALTH_CHECKS'], s.TIME_ZONE, s.SESSION_COOKIE_SECURE)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False", "['lop.example.be']", "django.db.backends.postgresql", "False", "True", "Europe/Brussels", "True",
    ]


def test_loaddemo_refuses_production_settings(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="productie-instellingen"):
        call_command("loaddemo")


@pytest.mark.django_db
def test_loaddemo_creates_the_70_platforms_and_is_idempotent():
    call_command("loaddemo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    counts = (Platform.objects.count(), Organisation.objects.count(), Membership.objects.count(), User.objects.count())
    call_command("loaddemo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert (Platform.objects.count(), Organisation.objects.count(), Membership.objects.count(),
            User.objects.count()) == counts
    assert Platform.objects.filter(level="basis").count() == 41
    assert Platform.objects.filter(level="secundair").count() == 29
    assert not Platform.objects.filter(memberships__isnull=True).exists()
    assert not Platform.objects.filter(coordinators__isnull=True).exists()
    roles = dict(User.objects.filter(username__in=["admin", "ministerie", "coordinator", "coordinator2"])
                 .values_list("username", "role"))
    assert roles == {"admin": Role.ADMIN, "ministerie": Role.MINISTRY, "coordinator": Role.COORDINATOR,
                     "coordinator2": Role.COORDINATOR}
    first = set(User.objects.get(username="coordinator").coordinated_platforms.all())
    second = set(User.objects.get(username="coordinator2").coordinated_platforms.all())
    assert first and second and not first & second
    demo_round = ReportingRound.objects.get(slug="open-demo")
    assert demo_round.opens_on == timezone.localdate()
    assert demo_round.deadline == timezone.localdate() + datetime.timedelta(days=30)
    assert sorted(demo_round.themes.values_list("slug", flat=True)) == sorted(
        ["laptops", "reaching-all-pupils", "family-support", "summer-schools-reading"])
    assert not Report.objects.filter(round=demo_round).exists()
    # Schools with both levels are one organisation in two platforms.
    assert Organisation.objects.filter(kind="school", memberships__platform__level="basis") \
        .filter(memberships__platform__level="secundair").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["admin", "ministerie", "coordinator", "coordinator2"])
def test_demo_accounts_log_in_with_the_documented_password(client, username):
    call_command("loaddemo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert client.login(username=username, password="demo-lop-2020")
    assert client.get(reverse("home")).status_code == 200


def test_bootstrap_is_served_from_our_own_static_files():
    assert finders.find("bootstrap/css/bootstrap.min.css")
    assert finders.find("bootstrap/js/bootstrap.bundle.min.js")


def test_templates_load_nothing_from_other_hosts():
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert "cdn." not in text and 'src="http' not in text and 'href="http' not in text, template
