"""The round-opened mail: each coordinator of a round is told once, in one mail, when it opens; from the round
form, from a task deferred to the opening day, or from the daily `send_reminders`."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.tasks import task_backends
from django.urls import reverse
from django.utils import timezone

from mail.models import Mail
from rounds.models import ReportingRound, Theme
from rounds.services.opening_mail import round_opening_mail
from rounds.tasks import round_opening_mail_due

from .factories import PlatformFactory, ReportingRoundFactory, UserFactory

TODAY = timezone.localdate


def _round_data(**overrides):
    data = {"slug": "schoolsluiting-2026", "title": "Schoolsluiting 2026", "period_start": "2026-03-02",
            "period_end": "", "opens_on": TODAY().isoformat(),
            "deadline": (TODAY() + datetime.timedelta(days=30)).isoformat(),
            "themes": [Theme.objects.get(slug="laptops").pk]}
    return data | overrides


def _opened_to():
    """The addresses of the round-opened mails queued, sorted."""
    return sorted(address for m in Mail.objects.filter(kind="round_opened") for address in m.recipients)


@pytest.fixture
def coordinators(coordinator, platform, other_platform):
    """`coordinator` also coordinates a second platform; one platform's coordinator has no address, another is
    inactive."""
    PlatformFactory(code="antwerpen-so", name="LOP Secundair Onderwijs Antwerpen", level="secundair",
                    coordinators=[coordinator])
    PlatformFactory(code="ronse-bao", coordinators=[UserFactory(username="zonder-mail", email=""),
                                                    UserFactory(username="weg", is_active=False)])
    return coordinator


@pytest.mark.django_db
def test_a_round_opening_today_mails_each_coordinator_once(login, admin_user, coordinators, other_coordinator):
    client = login(admin_user)
    assert client.post(reverse("rounds:create"), _round_data()).status_code == 302
    round = ReportingRound.objects.get(slug="schoolsluiting-2026")
    assert round.opening_mailed_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == sorted([coordinators.email, other_coordinator.email])
    both = next(m for m in mail.outbox if m.to == [coordinators.email])
    assert "Schoolsluiting 2026" in both.subject and "\n" not in both.subject
    for code in ("gent-bao", "antwerpen-so"):
        url = reverse("rounds:report", kwargs={"round_slug": round.slug, "code": code})
        assert f"http://127.0.0.1:8000{url}" in both.body
    assert round.deadline.strftime("%d/%m/%Y") in both.body
    assert Mail.objects.filter(kind="round_opened").count() == 2
    # Edited twice: no second mail.
    edit = reverse("rounds:edit", kwargs={"round_slug": round.slug})
    assert client.post(edit, _round_data(title="Schoolsluiting voorjaar 2026")).status_code == 302
    assert client.post(edit, _round_data(title="Schoolsluiting 2026 (2)")).status_code == 302
    assert len(mail.outbox) == 2
    # Nor from the daily command.
    call_command("send_reminders", "--round", round.slug, stdout=io.StringIO())
    assert Mail.objects.filter(kind="round_opened").count() == 2


@pytest.mark.django_db
def test_a_round_is_announced_when_an_edit_makes_it_open(login, admin_user, coordinators):
    client = login(admin_user)
    later = (TODAY() + datetime.timedelta(days=7)).isoformat()
    assert client.post(reverse("rounds:create"), _round_data(opens_on=later)).status_code == 302
    assert mail.outbox == []  # the immediate test backend cannot defer: nothing is scheduled, nothing sent
    edit = reverse("rounds:edit", kwargs={"round_slug": "schoolsluiting-2026"})
    assert client.post(edit, _round_data()).status_code == 302
    assert len(_opened_to()) == 2 and len(mail.outbox) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(("opens", "deadline", "closed"), [(-30, -1, False), (-1, 10, True), (3, 10, False)])
def test_no_opening_mail_for_a_round_not_open(coordinators, opens, deadline, closed):
    round = ReportingRoundFactory(opens_on=TODAY() + datetime.timedelta(days=opens),
                                  deadline=TODAY() + datetime.timedelta(days=deadline),
                                  closed_at=timezone.now() if closed else None, opening_mailed_at=None)
    assert round_opening_mail(round=round, today=TODAY()) == 0
    round.refresh_from_db()
    assert round.opening_mailed_at is None and mail.outbox == []


@pytest.fixture
def deferring(settings):
    """A task backend that keeps what is enqueued, with its run_after, instead of running it."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    return task_backends["default"]


@pytest.mark.django_db
def test_a_round_opening_later_is_announced_by_a_task_on_its_opening_day(admin_user, coordinators, deferring):
    from rounds.services.rounds import round_save

    opens = TODAY() + datetime.timedelta(days=5)
    data = {"slug": "later", "title": "Later", "period_start": datetime.date(2026, 3, 2), "period_end": None,
            "opens_on": opens, "deadline": opens + datetime.timedelta(days=20), "themes": []}
    round = round_save(actor=admin_user, round=ReportingRound(), data=dict(data))
    [first] = deferring.results
    assert first.task.name == round_opening_mail_due.name and first.args == [round.pk]
    assert timezone.localtime(first.task.run_after) == timezone.make_aware(
        datetime.datetime.combine(opens, datetime.time.min))
    # The admin moves the opening two days later: a second task for the new day.
    moved = opens + datetime.timedelta(days=2)
    round_save(actor=admin_user, round=ReportingRound.objects.get(pk=round.pk), data=data | {"opens_on": moved})
    assert [r.task.run_after.date() for r in deferring.results] == [opens, moved]
    # The first task runs on the old day, which is today here: the round has not opened, nothing is sent.
    ReportingRound.objects.filter(pk=round.pk).update(opens_on=TODAY() + datetime.timedelta(days=1))
    assert round_opening_mail_due.call(round.pk) == 0
    assert not Mail.objects.filter(kind="round_opened").exists()
    # The opening day comes (today): the task tells both coordinators, once.
    ReportingRound.objects.filter(pk=round.pk).update(opens_on=TODAY())
    assert round_opening_mail_due.call(round.pk) == 2
    assert round_opening_mail_due.call(round.pk) == 0
    assert Mail.objects.filter(kind="round_opened").count() == 2
    assert round_opening_mail_due.call(round.pk + 1000) == 0  # a round deleted since


@pytest.mark.django_db
def test_send_reminders_catches_up_rounds_that_opened_unannounced(coordinators, other_coordinator, open_round):
    missed = ReportingRoundFactory(slug="gemist", opens_on=TODAY(), opening_mailed_at=None)
    out = io.StringIO()
    call_command("send_reminders", "--round", open_round.slug, "--dry-run", stdout=out)
    assert "gemist" in out.getvalue() and not Mail.objects.filter(kind="round_opened").exists()
    call_command("send_reminders", "--round", open_round.slug, stdout=out)
    assert Mail.objects.filter(kind="round_opened").count() == 2
    assert _opened_to() == sorted([coordinators.email, other_coordinator.email])
    missed.refresh_from_db()
    assert missed.opening_mailed_at is not None
    call_command("send_reminders", "--round", open_round.slug, stdout=out)
    assert Mail.objects.filter(kind="round_opened").count() == 2


@pytest.mark.django_db
def test_the_demo_does_not_announce_its_rounds():
    call_command("loaddemo", stdout=io.StringIO())
    assert not ReportingRound.objects.filter(opening_mailed_at__isnull=True).exists()
    call_command("send_reminders", "--round", "corona-2020", stdout=io.StringIO())
    assert not Mail.objects.filter(kind="round_opened").exists()


# The migration ----------------------------------------------------------------------------------------------

BEFORE = [("rounds", "0007_sentences_2020")]
AFTER = [("rounds", "0008_round_opening_mailed_at")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_marks_rounds_that_opened_already_as_announced():
    apps = _migrate(BEFORE)
    Round = apps.get_model("rounds", "ReportingRound")
    for slug, opens in (("oud", -100), ("vandaag", 0), ("volgende-week", 7)):
        day = TODAY() + datetime.timedelta(days=opens)
        Round.objects.create(slug=slug, title=slug, period_start=datetime.date(2020, 3, 16), opens_on=day,
                             deadline=day + datetime.timedelta(days=30))
    try:
        apps = _migrate(AFTER)
        marked = dict(apps.get_model("rounds", "ReportingRound").objects.filter(slug__in=["oud", "vandaag",
                                                                                         "volgende-week"])
                      .values_list("slug", "opening_mailed_at"))
        assert marked["oud"] is not None and marked["vandaag"] is not None
        assert marked["volgende-week"] is None
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
