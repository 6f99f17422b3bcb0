"""Reminders: one mail per coordinator listing all their platforms that have not submitted, recorded per
platform at most once a day; from `send_reminders` and from the round's reminders page (admins only)."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from rounds.models import Reminder
from rounds.reminders import reminders_plan, reminders_send

from .factories import PlatformFactory, ReportFactory, ReportingRoundFactory, UserFactory


def _run(*args):
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def _page(round):
    return reverse("rounds:reminders", kwargs={"round_slug": round.slug})


def _mail_to(address):
    found = [m for m in mail.outbox if m.to == [address]]
    assert len(found) == 1, [m.to for m in mail.outbox]
    return found[0]


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


@pytest.fixture
def two_platforms(open_round, coordinator, platform, ministry_user):
    """The coordinator also coordinates antwerpen-so, whose report was returned with a comment."""
    second = PlatformFactory(code="antwerpen-so", name="LOP Secundair Onderwijs Antwerpen", level="secundair",
                             coordinators=[coordinator, UserFactory(username="co-coord", email="co@example.be")])
    open_round.platforms.add(second)
    ReportFactory(round=open_round, platform=platform, status="draft")
    ReportFactory(round=open_round, platform=second, status="returned", returned_by=ministry_user,
                  returned_at=timezone.now(), return_comment="Vul de noot over nieuwkomers aan.\nEn de data.")
    return second


@pytest.mark.django_db
def test_dry_run_prints_who_would_be_reminded_and_sends_nothing(situation, coordinator):
    out = _run("--round", situation.slug, "--dry-run")
    assert f"{coordinator.email}\tgent-bao" in out
    assert "c@example.be\taalst-bao" in out
    assert "brugge-so" not in out  # submitted
    assert "tielt-bao" not in out  # not active
    assert "ronse-bao" in out and "geen coördinator met een e-mailadres" in out
    assert mail.outbox == []
    assert not Reminder.objects.exists()


@pytest.mark.django_db
def test_a_coordinator_of_two_platforms_gets_one_mail_listing_both(open_round, coordinator, platform, two_platforms):
    _run("--round", open_round.slug)
    assert sorted(m.to[0] for m in mail.outbox) == ["co@example.be", coordinator.email]
    message = _mail_to(coordinator.email)
    for code in ("gent-bao", "antwerpen-so"):
        url = reverse("rounds:report", kwargs={"round_slug": open_round.slug, "code": code})
        assert f"http://127.0.0.1:8000{url}" in message.body
    assert platform.name in message.body and two_platforms.name in message.body
    assert open_round.title in message.subject and "\n" not in message.subject
    assert open_round.deadline.strftime("%d/%m/%Y") in message.body
    # The returned report: its comment (every line), who returned it and when; not "not submitted yet".
    assert "    Vul de noot over nieuwkomers aan.\n    En de data." in message.body
    returned_part = message.body.split(two_platforms.name)[1].split("http")[0]
    assert two_platforms.reports.get().returned_by.get_full_name() in returned_part
    assert timezone.localdate().strftime("%d/%m/%Y") in returned_part
    assert "nog niet ingediend" not in returned_part and "not submitted" not in returned_part
    # The co-coordinator's mail lists only the platform they coordinate.
    other = _mail_to("co@example.be")
    assert two_platforms.name in other.body and platform.name not in other.body
    # Recorded per platform, with all the addresses its reminder went to.
    reminders = {r.platform.code: r.recipients for r in Reminder.objects.select_related("platform")}
    assert reminders == {"gent-bao": coordinator.email, "antwerpen-so": f"co@example.be, {coordinator.email}"}


@pytest.mark.django_db
def test_reminders_are_recorded_and_not_repeated_the_same_day(situation, coordinator, login, admin_user):
    out = _run("--round", situation.slug)
    assert "2 herinneringen verstuurd" in out
    assert sorted(m.to[0] for m in mail.outbox) == ["c@example.be", coordinator.email]
    assert Reminder.objects.count() == 2
    out = _run("--round", situation.slug)
    assert "0 herinneringen verstuurd" in out and "vandaag al herinnerd" in out
    assert len(mail.outbox) == 2
    url = reverse("rounds:report", kwargs={"round_slug": situation.slug, "code": "gent-bao"})
    page = login(admin_user).get(url).text
    assert "Verstuurde herinneringen:" in page and coordinator.email in page
    page = login(admin_user).get(reverse("rounds:detail", kwargs={"round_slug": situation.slug})).text
    assert timezone.localdate().strftime("%d/%m/%Y") in page


@pytest.mark.django_db
def test_a_platform_reminded_today_is_left_out_of_todays_mail(open_round, coordinator, platform, two_platforms):
    Reminder.objects.create(round=open_round, platform=platform, sent_on=timezone.localdate(),
                            sent_at=timezone.now(), recipients=coordinator.email)
    # Yesterday's reminder does not count.
    Reminder.objects.create(round=open_round, platform=two_platforms,
                            sent_on=timezone.localdate() - datetime.timedelta(days=1),
                            sent_at=timezone.now() - datetime.timedelta(days=1), recipients=coordinator.email)
    _run("--round", open_round.slug)
    message = _mail_to(coordinator.email)
    assert two_platforms.name in message.body and platform.name not in message.body
    assert Reminder.objects.filter(platform=platform).count() == 1


@pytest.mark.django_db
def test_a_platform_reminded_by_another_run_meanwhile_is_dropped_from_the_mail(open_round, coordinator, platform,
                                                                             two_platforms):
    today = timezone.localdate()
    plan = reminders_plan(open_round, today=today)
    assert [len(m.platforms) for m in plan.mails if m.email == coordinator.email] == [2]
    # Another run (the daily cron) records gent-bao between this plan and its sending.
    Reminder.objects.create(round=open_round, platform=platform, sent_on=today, sent_at=timezone.now(),
                            recipients=coordinator.email)
    sent = reminders_send(round=open_round, plan=plan, today=today)
    assert [r.platform for r in sent.reminders] == [two_platforms]
    message = _mail_to(coordinator.email)
    assert two_platforms.name in message.body and platform.name not in message.body
    assert Reminder.objects.filter(platform=platform).count() == 1


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


# The round's reminders page --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_previews_each_mail_and_the_platforms_skipped(situation, login, admin_user, coordinator):
    response = login(admin_user).get(_page(situation))
    assert response.status_code == 200
    plan = response.context["plan"]
    assert [m.email for m in plan.mails] == ["c@example.be", coordinator.email]
    page = response.text
    assert coordinator.email in page and "c@example.be" in page
    assert "LOP Basisonderwijs Gent" in page
    # The mail text as it will be sent, with its link.
    url = reverse("rounds:report", kwargs={"round_slug": situation.slug, "code": "gent-bao"})
    assert f"http://127.0.0.1:8000{url}" in page
    assert escape(plan.mails[1].subject) in page
    # Skipped, and why; submitted and inactive platforms are not listed at all.
    assert "geen coördinator met een e-mailadres" in page
    assert "brugge-so" not in {item.platform.code for item in plan.due}
    assert "Herinneringen versturen" in page or "Send reminders" in page
    assert mail.outbox == [] and not Reminder.objects.exists()


@pytest.mark.django_db
def test_sending_from_the_page_records_mails_and_shows_them_sent(situation, login, admin_user, coordinator):
    client = login(admin_user)
    response = client.post(_page(situation))
    assert response.status_code == 302 and response["Location"] == _page(situation)
    assert sorted(m.to[0] for m in mail.outbox) == ["c@example.be", coordinator.email]
    assert Reminder.objects.count() == 2
    response = client.get(_page(situation))
    success = [str(m) for m in response.context["messages"]]
    assert len(success) == 1 and "2" in success[0]
    sent = list(response.context["sent"])
    assert {r.platform.code for r in sent} == {"gent-bao", "aalst-bao"}
    assert "c@example.be" in response.text and timezone.localdate().strftime("%d/%m/%Y") in response.text
    # Everything reminded today: nothing more to send, and a second POST sends nothing.
    assert response.context["plan"].mails == []
    assert "vandaag al herinnerd" in response.text
    response = client.post(_page(situation))
    assert response.status_code == 200 and response.context["error"]
    assert len(mail.outbox) == 2 and Reminder.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(("opens", "deadline", "closed", "reason"), [
    (-30, -1, False, "De uiterste datum is voorbij."),
    (5, 20, False, "De bevraging is nog niet geopend."),
    (-1, 10, True, "De bevraging is afgesloten."),
])
def test_the_page_refuses_in_dutch_outside_the_open_period(login, admin_user, platform, opens, deadline, closed,
                                                          reason):
    today = timezone.localdate()
    round = ReportingRoundFactory(opens_on=today + datetime.timedelta(days=opens),
                                  deadline=today + datetime.timedelta(days=deadline),
                                  closed_at=timezone.now() if closed else None)
    client = login(admin_user)
    page = client.get(_page(round)).text
    assert reason in page
    response = client.post(_page(round))
    assert response.status_code == 200 and response.context["error"] == reason
    assert mail.outbox == [] and not Reminder.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["coordinator", "ministry_user"])
def test_only_admins_see_or_send_reminders(request, situation, login, role):
    client = login(request.getfixturevalue(role))
    assert client.get(_page(situation)).status_code == 403
    assert client.post(_page(situation)).status_code == 403
    assert mail.outbox == [] and not Reminder.objects.exists()


@pytest.mark.django_db
def test_the_round_page_links_admins_to_the_reminders(situation, login, admin_user, ministry_user):
    detail = reverse("rounds:detail", kwargs={"round_slug": situation.slug})
    assert _page(situation) in login(admin_user).get(detail).text
    assert _page(situation) not in login(ministry_user).get(detail).text

