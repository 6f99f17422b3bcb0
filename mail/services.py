"""Writes to the mail queue: queue a mail with the change that causes it, send it (the worker), retry it."""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Mail, MailKind, MailStatus
from .permissions import MailPolicy
from .tasks import mail_send

logger = logging.getLogger(__name__)

# How long one attempt may take (the SMTP timeout is 30 s) before another task may take the mail over:
# a worker that died while sending leaves the mail to `manage.py mail_requeue`.
SEND_LEASE = datetime.timedelta(minutes=10)
# Mails whose body holds a one-time link to set a password: emptied once sent.
PERSONAL_LINK_KINDS = {MailKind.INVITATION, MailKind.PASSWORD_RESET}


@transaction.atomic
def mail_queue(*, kind: str, recipients: list[str], subject: str, body: str) -> Mail:
    """Queue a mail in the caller's transaction and hand it to the worker; the page answers without waiting for
    the mail server."""
    # The task is enqueued here, in the caller's transaction, not after the commit: with the database backend
    # the change, its Mail and the task row are committed together or not at all, so no crash between a
    # commit and an enqueue can lose a mail; the worker only sees committed rows. (The test settings' immediate
    # backend sends at once, inside the transaction.)
    mail = Mail(kind=MailKind(kind), recipients=list(recipients), subject=subject, body=body,
                next_attempt_at=timezone.now())
    mail.full_clean()
    mail.save()
    _enqueue(mail)
    return mail


def mail_deliver(*, mail_id: int) -> str:
    """Send a queued mail that is due (the task mail_send): record it as sent, or its error and when to try again,
    or failed after the last attempt. A mail is never sent twice: the row is locked and an attempt claimed."""
    with transaction.atomic():
        mail = Mail.objects.select_for_update().filter(pk=mail_id).first()
        if mail is None or mail.status != MailStatus.QUEUED:
            return "skipped"  # sent (or given up) already, e.g. by a second task for the same mail
        now = timezone.now()
        if mail.next_attempt_at is not None and mail.next_attempt_at > now:
            return "not due"  # another attempt runs, or a retry is planned for later
        # Claimed: the lock is not held while the mail server is talked to (on SQLite it would stop every write).
        mail.attempts += 1
        mail.next_attempt_at = now + SEND_LEASE
        mail.save(update_fields=["attempts", "next_attempt_at"])

    try:
        EmailMessage(mail.subject, mail.body, None, mail.recipients).send()
    except Exception as error:  # whatever the mail server or the network says: recorded and retried
        return _record_failure(mail_id=mail.pk, error=f"{type(error).__name__}: {error}")

    sent = {"status": MailStatus.SENT, "sent_at": timezone.now(), "next_attempt_at": None}
    if mail.kind in PERSONAL_LINK_KINDS:
        # Its link logs the recipient in until used or expired: once delivered, the queue need not keep it.
        sent["body"] = ""
    with transaction.atomic():
        Mail.objects.filter(pk=mail.pk).update(**sent)
    return "sent"


def _record_failure(*, mail_id: int, error: str) -> str:
    delays = settings.MAIL_RETRY_DELAYS
    with transaction.atomic():
        mail = Mail.objects.select_for_update().get(pk=mail_id)
        mail.last_error = error[:2000]
        if mail.attempts > len(delays):
            logger.error("Mail %s failed after %s attempts: %s", mail.pk, mail.attempts, error)
            mail.status = MailStatus.FAILED
            mail.next_attempt_at = None
            mail.save(update_fields=["last_error", "status", "next_attempt_at"])
            return "failed"
        logger.warning("Mail %s not sent (attempt %s), retried later: %s", mail.pk, mail.attempts, error)
        mail.next_attempt_at = timezone.now() + datetime.timedelta(minutes=delays[mail.attempts - 1])
        mail.save(update_fields=["last_error", "next_attempt_at"])
        _enqueue(mail)
        return "retry"


@transaction.atomic
def mail_retry(*, actor, mail: Mail) -> Mail:
    """Queue a failed mail again (an admin's "send again"), with all its attempts anew."""
    if not MailPolicy.can_retry(actor, mail):
        raise PermissionDenied
    mail = Mail.objects.select_for_update().get(pk=mail.pk)
    if mail.status != MailStatus.FAILED:
        raise ValidationError(_("Only a failed mail can be sent again; this one is %(status)s.")
                              % {"status": mail.get_status_display().lower()})
    mail.status = MailStatus.QUEUED
    mail.attempts = 0
    mail.next_attempt_at = timezone.now()
    mail.full_clean()
    mail.save(update_fields=["status", "attempts", "next_attempt_at"])
    _enqueue(mail)
    return mail


def mail_requeue(*, overdue: datetime.timedelta = SEND_LEASE) -> int:
    """Hand every queued mail whose attempt is overdue to the worker again (after a worker died mid-attempt, or
    with a backend that cannot defer a retry); harmless otherwise: a mail is sent once whatever the tasks."""
    mails = Mail.objects.filter(status=MailStatus.QUEUED, next_attempt_at__lte=timezone.now() - overdue)
    count = 0
    for mail_id in mails.values_list("pk", flat=True):
        mail_send.enqueue(mail_id)
        count += 1
    return count


def _enqueue(mail: Mail) -> None:
    task = mail_send
    if mail.next_attempt_at is not None and mail.next_attempt_at > timezone.now():
        if not task.get_backend().supports_defer:
            return  # left queued: mail_requeue picks it up when due
        task = task.using(run_after=mail.next_attempt_at)
    task.enqueue(mail.pk)
