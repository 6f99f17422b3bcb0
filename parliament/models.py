from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from rounds.models import ReportingRound

ANSWER_MAX_LENGTH = 50_000


class ParliamentaryQuestion(models.Model):
    """A written question of a member of parliament that the ministry answers with the figures of rounds."""

    number = models.CharField(_("question number"), max_length=100, unique=True,
                              help_text=_("For instance: schriftelijke vraag nr. 356"),
                              error_messages={"unique": _("A question with this number is already on record.")})
    asked_on = models.DateField(_("date of the question"))
    asked_by = models.CharField(_("asked by"), max_length=200, help_text=_("The member of parliament."))
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("question text"), max_length=20_000,
                            help_text=_("The question as asked, with its numbered sub-questions."))
    answer_due = models.DateField(_("answer due"))
    rounds = models.ManyToManyField(ReportingRound, related_name="parliamentary_questions",
                                    verbose_name=_("rounds whose figures answer it"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("parliamentary question")
        verbose_name_plural = _("parliamentary questions")
        ordering = ["-asked_on", "-pk"]

    def __str__(self):
        return f"{self.number}: {self.title}"

    def get_absolute_url(self):
        return reverse("parliament:question", kwargs={"pk": self.pk})


class DraftStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Waiting for approval")
    PUBLISHED = "published", _("Published")


class AnswerDraft(models.Model):
    """One version of the answer to a question: written, sent for approval, approved and then published."""

    question = models.ForeignKey(ParliamentaryQuestion, on_delete=models.CASCADE, related_name="drafts",
                                 verbose_name=_("question"))
    # Markdown whose figures are references: `{{ registration_procedure_used.yes.basis }}`.
    text = models.TextField(_("text"), max_length=ANSWER_MAX_LENGTH, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=DraftStatus.choices, default=DraftStatus.DRAFT)
    # Optimistic locking, as for reports: a save that started from an older version is refused.
    version = models.PositiveIntegerField(_("version"), default=1)
    corrects = models.ForeignKey("Publication", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="corrections", verbose_name=_("corrects"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("last changed by"))

    # Every saved text, with who saved it: the authors, whom the four-eyes rule keeps from approving.
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    class Meta:
        verbose_name = _("draft answer")
        verbose_name_plural = _("draft answers")
        ordering = ["question", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DraftStatus.values), name="answer_draft_status_valid",
                                   violation_error_message=_("Unknown status.")),
            models.UniqueConstraint(fields=["question"], condition=~Q(status="published"),
                                    name="answer_draft_one_open_per_question",
                                    violation_error_message=_("This question already has a draft in progress.")),
        ]

    def __str__(self):
        return f"{self.question.number} ({self.get_status_display()})"


class ReviewAction(models.TextChoices):
    STARTED = "started", _("Draft started")
    CORRECTION_STARTED = "correction_started", _("Correction started")
    SUBMITTED = "submitted", _("Sent for approval")
    RETURNED = "returned", _("Sent back")
    APPROVED = "approved", _("Approved and published")


class ReviewStep(models.Model):
    """A step in the life of a draft answer (started, sent for approval, sent back, approved): who, when, why."""

    draft = models.ForeignKey(AnswerDraft, on_delete=models.CASCADE, related_name="steps", verbose_name=_("draft"))
    action = models.CharField(_("step"), max_length=20, choices=ReviewAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), max_length=4000, blank=True)

    class Meta:
        verbose_name = _("review step")
        verbose_name_plural = _("review steps")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=ReviewAction.values), name="review_step_action_valid",
                                   violation_error_message=_("Unknown step.")),
            models.CheckConstraint(condition=~Q(action="returned") | ~Q(comment=""),
                                   name="review_step_return_has_comment",
                                   violation_error_message=_("Say why the draft is sent back.")),
        ]

    def __str__(self):
        return f"{self.get_action_display()} – {self.at:%Y-%m-%d %H:%M}"


class Publication(models.Model):
    """An approved answer frozen with its figures and the summary of its rounds: never changed afterwards."""

    question = models.ForeignKey(ParliamentaryQuestion, on_delete=models.PROTECT, related_name="publications",
                                 verbose_name=_("question"))
    # One publication per draft: publishing a draft twice is refused by the database as well.
    draft = models.OneToOneField(AnswerDraft, on_delete=models.PROTECT, related_name="publication",
                                 verbose_name=_("draft"))
    number = models.PositiveIntegerField(_("version"))
    # The earlier publication this one corrects (the draft's `corrects`, frozen with the rest).
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="corrected_by", verbose_name=_("corrects"))
    # The question as it stood when this was published: a later edit of the question changes no publication.
    question_data = models.JSONField(_("the question at publication"))
    source_text = models.TextField(_("text with references"))
    text = models.TextField(_("text"))  # the figures written in
    coverage = models.TextField(_("coverage"))
    figures = models.JSONField(_("figures"))  # {reference: value}
    summaries = models.JSONField(_("summaries"))  # {round slug: summary.json format 2}
    data_versions = models.JSONField(_("data versions"))  # {round slug: data_version}
    authors = models.JSONField(_("authors"))  # [name, ...] of those who wrote the text
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("approved by"))
    approver_name = models.CharField(_("approved by"), max_length=300)
    published_at = models.DateTimeField(_("published at"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("published answer")
        verbose_name_plural = _("published answers")
        ordering = ["question", "number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="publication_number_unique",
                                    violation_error_message=_("This version of the answer is already published.")),
        ]

    def __str__(self):
        return f"{self.question.number} v{self.number}"

    def get_absolute_url(self):
        return reverse("parliament:answer", kwargs={"pk": self.pk})
