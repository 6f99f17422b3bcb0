"""Mail is a background job: queued with the change, sent by the worker, retried with back-off, never sent twice.

The unit tests drive mail.services directly with the database backend (the test settings send at once, with
Django's immediate backend); the outage test goes through the invitation page, the real worker
(`manage.py db_worker --batch`) and a local SMTP server that is down, then up.
"""

import datetime
import signal
import socket
from contextlib import contextmanager
from unittest import mock

import pytest
from aiosmtpd.controller import Controller
from django.core import mail as django_mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from mail import services
from mail.models import Mail, MailKind, MailStatus
from mail.rendering import mail_render
from mail.selectors import mail_delayed

from .test_people import _invite_data

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
DELAYS = [1, 5, 30, 120, 480]


@pytest.fixture
def queue(settings):
    """The real database queue (tasks are rows, run by the worker), with the project's back-off."""
    settings.TASKS = DATABASE_BACKEND
    settings.MAIL_RETRY_DELAYS = DELAYS
    return settings


def _queue_one(**overrides) -> Mail:
    values = {"kind": MailKind.INVITATION, "recipients": ["els@example.be"], "subject": "Onderwerp",
              "body": "Tekst"} | overrides
    return services.mail_queue(**values)


def _refuse(*args, **kwargs):
    raise ConnectionRefusedError(111, "Connection refused")


def _due_now() -> None:
    """Let time pass until the planned retries (the mails' and their tasks')."""
    now = timezone.now()
    Mail.objects.filter(status=MailStatus.QUEUED).update(next_attempt_at=now)
    DBTaskResult.objects.filter(status="READY").update(run_after=now)


# Rendering -------------------------------------------------------------------------------------------------------


def test_mail_render_is_plain_text_and_the_subject_one_line(platform):
    from rounds.models import Report

    from .factories import ReportingRoundFactory

    round = ReportingRoundFactory(slug="r", title="Rol van de LOP's <&>\nin 2026")
    report = Report(round=round, platform=platform, return_comment="Zie \"vraag 3\" & <b>niet</b> vergeten")
    subject, body = mail_render("rounds/mail/report_returned", {"report": report, "url": "http://x/y?a=1&b=2"})
    assert "Rol van de LOP's <&> in 2026" in subject
    assert "\n" not in subject
    assert "&#x27;" not in subject + body and "&amp;" not in subject + body
    assert "Zie \"vraag 3\" & <b>niet</b> vergeten" in body
    assert "http://x/y?a=1&b=2" in body


# Queue and send --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_queued_mail_waits_for_the_worker_in_the_callers_transaction(queue):
    mail = _queue_one()
    assert mail.status == MailStatus.QUEUED and mail.attempts == 0
    assert django_mail.outbox == []  # nothing sent during the request
    (task,) = DBTaskResult.objects.all()
    assert task.task_path == "mail.tasks.mail_send" and task.args_kwargs["args"] == [mail.pk]


@pytest.mark.django_db
def test_a_mail_and_its_task_are_rolled_back_with_the_change(queue):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            _queue_one()
            raise RuntimeError("the change fails")
    assert not Mail.objects.exists()
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_the_worker_sends_and_records_it(queue):
    mail = _queue_one(recipients=["a@example.be", "b@example.be"])
    assert services.mail_deliver(mail_id=mail.pk) == "sent"
    mail.refresh_from_db()
    assert mail.status == MailStatus.SENT and mail.sent_at is not None and mail.attempts == 1
    assert [m.to for m in django_mail.outbox] == [["a@example.be", "b@example.be"]]
    assert django_mail.outbox[0].subject == "Onderwerp" and django_mail.outbox[0].body == "Tekst"


@pytest.mark.django_db
def test_a_sent_mail_with_a_personal_link_keeps_no_body_but_others_do(queue):
    invitation = _queue_one(kind=MailKind.PASSWORD_RESET, body="Kies een wachtwoord: https://x/reset/abc/")
    reminder = _queue_one(kind=MailKind.REMINDER, body="Nog niet ingediend")
    services.mail_deliver(mail_id=invitation.pk)
    services.mail_deliver(mail_id=reminder.pk)
    invitation.refresh_from_db()
    reminder.refresh_from_db()
    assert django_mail.outbox[0].body == "Kies een wachtwoord: https://x/reset/abc/"  # delivered whole
    assert invitation.status == MailStatus.SENT and invitation.body == ""  # the link is not kept afterwards
    assert reminder.body == "Nog niet ingediend"


@pytest.mark.django_db
def test_a_failure_is_recorded_and_retried_with_back_off(queue):
    mail = _queue_one()
    before = timezone.now()
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", _refuse):
        assert services.mail_deliver(mail_id=mail.pk) == "retry"
    mail.refresh_from_db()
    assert mail.status == MailStatus.QUEUED and mail.attempts == 1
    assert "ConnectionRefusedError" in mail.last_error and "Connection refused" in mail.last_error
    assert before + datetime.timedelta(minutes=1) <= mail.next_attempt_at
    assert mail.next_attempt_at <= timezone.now() + datetime.timedelta(minutes=1)
    retry = DBTaskResult.objects.filter(status="READY").order_by("enqueued_at").last()
    assert retry.run_after == mail.next_attempt_at  # deferred: the worker does not take it before then
    assert mail_delayed()
    # Not due yet: a task that comes early sends nothing.
    assert services.mail_deliver(mail_id=mail.pk) == "not due"
    assert django_mail.outbox == []


@pytest.mark.django_db
def test_each_retry_waits_longer_and_after_the_last_the_mail_has_failed(queue):
    mail = _queue_one()
    waits = []
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", _refuse):
        for _ in DELAYS:
            started = timezone.now()
            assert services.mail_deliver(mail_id=mail.pk) == "retry"
            mail.refresh_from_db()
            waits.append(round((mail.next_attempt_at - started).total_seconds() / 60))
            _due_now()
        assert services.mail_deliver(mail_id=mail.pk) == "failed"
    assert waits == DELAYS
    mail.refresh_from_db()
    assert mail.status == MailStatus.FAILED and mail.attempts == len(DELAYS) + 1
    assert mail.next_attempt_at is None and "Connection refused" in mail.last_error
    assert not mail_delayed()  # given up on: the admins see it on /mails/
    assert services.mail_deliver(mail_id=mail.pk) == "skipped"
    assert django_mail.outbox == []


@pytest.mark.django_db
def test_a_mail_is_never_sent_twice(queue):
    mail = _queue_one()
    assert services.mail_deliver(mail_id=mail.pk) == "sent"
    # A second task for the same mail (mail_requeue after a worker restart, say) finds it sent.
    assert services.mail_deliver(mail_id=mail.pk) == "skipped"
    assert len(django_mail.outbox) == 1


@pytest.mark.django_db
def test_a_mail_being_sent_is_not_taken_by_a_second_task(queue):
    mail = _queue_one()
    # The first attempt has claimed the mail (and is talking to the mail server) when a second task runs.
    Mail.objects.filter(pk=mail.pk).update(attempts=1, next_attempt_at=timezone.now() + services.SEND_LEASE)
    assert services.mail_deliver(mail_id=mail.pk) == "not due"
    assert django_mail.outbox == []


@pytest.mark.django_db
def test_requeue_hands_overdue_mails_to_the_worker_again(queue):
    stuck = _queue_one()
    Mail.objects.filter(pk=stuck.pk).update(attempts=1, next_attempt_at=timezone.now() - services.SEND_LEASE * 2)
    _queue_one(subject="net in de wachtrij")  # has its own task, not overdue
    DBTaskResult.objects.all().delete()
    assert services.mail_requeue() == 1
    assert [t.args_kwargs["args"] for t in DBTaskResult.objects.all()] == [[stuck.pk]]


@pytest.mark.django_db
def test_an_admin_sends_a_failed_mail_again(queue, admin_user, coordinator):
    mail = _queue_one()
    Mail.objects.filter(pk=mail.pk).update(status=MailStatus.FAILED, attempts=6, next_attempt_at=None,
                                           last_error="SMTPServerDisconnected")
    mail.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.mail_retry(actor=coordinator, mail=mail)
    DBTaskResult.objects.all().delete()
    services.mail_retry(actor=admin_user, mail=mail)
    mail.refresh_from_db()
    assert mail.status == MailStatus.QUEUED and mail.attempts == 0  # all its attempts anew
    assert DBTaskResult.objects.count() == 1
    with pytest.raises(ValidationError):
        services.mail_retry(actor=admin_user, mail=mail)  # queued already
    assert services.mail_deliver(mail_id=mail.pk) == "sent"
    assert len(django_mail.outbox) == 1


# The outage: a mail server that is down, then up -----------------------------------------------------------------


class _Inbox:
    """An aiosmtpd handler keeping what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _smtp_server(port: int):
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def _run_worker() -> None:
    """The worker as production runs it, until the queue holds nothing that is due."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    finally:
        for sig, handler in saved.items():  # the worker installs its own; pytest keeps its own
            signal.signal(sig, handler)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_the_mail_server_down_the_invitation_is_saved_and_sent_once_it_is_back(queue, login, admin_user,
                                                                                   platform):
    port = _free_port()  # nothing listens there: connections are refused, as with a mail server that is down
    queue.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                 "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}}
    admin = login(admin_user)

    response = admin.post(reverse("people:invite"), _invite_data(platform), follow=True)
    assert response.status_code == 200
    person = User.objects.get(username="els.peeters")
    assert list(person.coordinated_platforms.all()) == [platform]
    assert response.redirect_chain[-1][0] == reverse("people:detail", kwargs={"pk": person.pk})
    assert "els.peeters@example.be" in response.content.decode()  # the message: the invitation is on its way
    mail = Mail.objects.get()
    assert mail.kind == MailKind.INVITATION and mail.recipients == ["els.peeters@example.be"]
    assert mail.status == MailStatus.QUEUED and mail.attempts == 0

    _run_worker()
    mail.refresh_from_db()
    assert mail.status == MailStatus.QUEUED and mail.attempts == 1 and mail.last_error
    assert mail.next_attempt_at > timezone.now()
    assert mail_delayed()

    # While mails are failing, a page that queues one says that the mail will follow later.
    response = admin.post(reverse("people:resend", kwargs={"pk": person.pk}), follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["success", "warning"]
    second = Mail.objects.exclude(pk=mail.pk).get()
    _run_worker()  # still down: the second one fails too; the first is not due again yet
    second.refresh_from_db()
    mail.refresh_from_db()
    assert (second.attempts, mail.attempts) == (1, 1)

    with _smtp_server(port) as inbox:
        _run_worker()  # the retries are not due yet: nothing happens
        assert inbox.messages == []
        _due_now()
        _run_worker()
        assert len(inbox.messages) == 2  # each mail once: nothing lost
        assert [m.rcpt_tos for m in inbox.messages] == [["els.peeters@example.be"]] * 2
        assert all("els.peeters" in m.content.decode() for m in inbox.messages)
        for each in (mail, second):
            each.refresh_from_db()
            assert each.status == MailStatus.SENT and each.sent_at is not None and each.attempts == 2

        # A later run, or tasks for the same mails handed to the worker again, send nothing more.
        _run_worker()
        services.mail_send.enqueue(mail.pk)
        services.mail_send.enqueue(second.pk)
        _run_worker()
        assert len(inbox.messages) == 2
    assert not mail_delayed()


@pytest.mark.django_db
def test_the_requeue_command(queue, capsys):
    stuck = _queue_one()
    Mail.objects.filter(pk=stuck.pk).update(next_attempt_at=timezone.now() - services.SEND_LEASE * 2)
    DBTaskResult.objects.all().delete()
    call_command("mail_requeue")
    assert "1 mail(s)" in capsys.readouterr().out
    assert services.mail_deliver(mail_id=stuck.pk) == "sent"
