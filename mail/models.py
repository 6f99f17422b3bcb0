from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MailKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    PASSWORD_RESET = "password_reset", _("Password reset")
    REPORT_RETURNED = "report_returned", _("Report returned")
    REPORT_REOPENED = "report_reopened", _("Report reopened")
    REMINDER = "reminder", _("Reminder")
    ROUND_OPENED = "round_opened", _("Round opened")


class MailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Mail(models.Model):
    """One mail the portal sends: queued with the change that causes it, sent by the worker, retried until sent."""

    kind = models.CharField(_("kind"), max_length=20, choices=MailKind.choices)
    recipients = models.JSONField(_("recipients"), default=list)  # the addresses, as a list
    subject = models.TextField(_("subject"))
    body = models.TextField(_("body"))
    status = models.CharField(_("status"), max_length=10, choices=MailStatus.choices, default=MailStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # When the worker may try (again); while an attempt runs, how long it has before another may take over.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mail")
        verbose_name_plural = _("mails")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="mail_status_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MailStatus.values), name="mail_status_known",
                violation_error_message=_("Unknown mail status."),
            ),
            # Sent exactly when it has a sent time.
            models.CheckConstraint(
                condition=Q(status=MailStatus.SENT, sent_at__isnull=False)
                | (~Q(status=MailStatus.SENT) & Q(sent_at__isnull=True)),
                name="mail_sent_has_sent_at",
                violation_error_message=_("A sent mail has a sent time, and only a sent mail has one."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject}"

    @property
    def recipients_display(self) -> str:
        return ", ".join(self.recipients)
