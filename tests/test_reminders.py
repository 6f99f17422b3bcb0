"""`send_reminders`: who gets one, who does not, and never twice a day."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from rounds.models import Reminder

from .factories import PlatformFactory, ReportFactory, ReportingRoundFactory, UserFactory


def _run(*args):
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def situation(open_round, platform, other_platform, coordinator):
    """gent-bao has a draft, brugge-so submitted, a third platform has no report, a fourth no coordinator."""
    ReportFactory(round=open_round, platform=platform, status="draft")
    ReportFactory(round=open_round, platform=other_platform, status="submitted", submitted_at=timezone.now())
    third_coordinator = UserFactory(username="coord-c", email="c@example.be")
    PlatformFactory(code="aalst-bao", coordinators=[third_coordinator, UserFactory(username="zonder-mail", email="")])
    PlatformFactory(code="ronse-bao")
    PlatformFactory(code="tielt-bao", is_active=False, coordinators=[UserFactory()])
    return open_round


@pytest.mark.django_db
def test_dry_run_prints_who_would_be_reminded_and_sends_nothing(situation, coordinator):
    out = _run("--round", situation.slug, "--dry-run")
    assert f"gent-bao\t{coordinator.email}" in out
    assert "aalst-bao\tc@example.be" in out
    assert "brugge-so" not in out  # submitted
    assert "tielt-bao" not in out  # not active
    assert "ronse-bao" in out and "geen coördinator met een e-mailadres" in out
    assert mail.outbox == []
    assert not Reminder.objects.exists()


@pytest.mark.django_db
def test_reminders_are_mailed_recorded_and_not_repeated_the_same_day(situation, coordinator, login, admin_user):
    out = _run("--round", situation.slug)
    assert "2 herinneringen verstuurd" in out
    assert sorted(m.to[0] for m in mail.outbox) == ["c@example.be", coordinator.email]
    message = next(m for m in mail.outbox if m.to == [coordinator.email])
    url = reverse("rounds:report", kwargs={"round_slug": situation.slug, "code": "gent-bao"})
    assert f"http://127.0.0.1:8000{url}" in message.body
    assert situation.deadline.strftime("%d/%m/%Y") in message.body
    assert Reminder.objects.count() == 2
    out = _run("--round", situation.slug)
    assert "0 herinneringen verstuurd" in out and "vandaag al herinnerd" in out
    assert len(mail.outbox) == 2
    page = login(admin_user).get(url).text
    assert "Verstuurde herinneringen:" in page and coordinator.email in page
    page = login(admin_user).get(reverse("rounds:detail", kwargs={"round_slug": situation.slug})).text
    assert timezone.localdate().strftime("%d/%m/%Y") in page


@pytest.mark.django_db
def test_coordinators_do_not_see_the_reminder_log(situation, coordinator, login):
    _run("--round", situation.slug)
    url = reverse("rounds:report", kwargs={"round_slug": situation.slug, "code": "gent-bao"})
    assert "Verstuurde herinneringen:" not in login(coordinator).get(url).text


@pytest.mark.django_db
def test_days_before_waits_until_the_deadline_is_near(situation):
    out = _run("--round", situation.slug, "--days-before", "3")  # the deadline is 14 days away
    assert "meer dan 3 dagen" in out
    assert mail.outbox == []
    out = _run("--round", situation.slug, "--days-before", "14")
    assert "2 herinneringen verstuurd" in out


@pytest.mark.django_db
@pytest.mark.parametrize(("opens", "deadline", "closed", "reason"), [
    (-30, -1, False, "De uiterste datum is voorbij."),
    (5, 20, False, "De bevraging is nog niet geopend."),
    (-1, 10, True, "De bevraging is afgesloten."),
])
def test_no_reminders_outside_the_open_period(platform, opens, deadline, closed, reason):
    today = timezone.localdate()
    round = ReportingRoundFactory(opens_on=today + datetime.timedelta(days=opens),
                                  deadline=today + datetime.timedelta(days=deadline),
                                  closed_at=timezone.now() if closed else None)
    assert reason in _run("--round", round.slug)
    assert mail.outbox == []


@pytest.mark.django_db
def test_unknown_round_and_bad_arguments_are_refused(open_round):
    with pytest.raises(CommandError, match="Er bestaat geen bevraging met de code nope"):
        _run("--round", "nope")
    with pytest.raises(CommandError):
        _run("--round", open_round.slug, "--days-before", "-2")
