from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from platforms.models import Platform

# Free text is limited in the forms (TextField max_length is not a database limit).
TEXT_MAX_LENGTH = 4000


class Theme(models.Model):
    """A theme a round asks about (laptops, reaching all pupils, ...); themes are data, not code."""

    slug = models.SlugField(_("code"), max_length=60, unique=True,
                            error_messages={"unique": _("A theme with this code already exists.")})
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        db_table = "initiatives_theme"  # moved from the initiatives app; the table stays
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class ReportingRound(models.Model):
    """A round in which every platform reports on one period (e.g. the corona school closure of 2020)."""

    slug = models.SlugField(_("code"), max_length=60, unique=True,
                            error_messages={"unique": _("A round with this code already exists.")})
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"), null=True, blank=True)
    opens_on = models.DateField(_("opens on"))
    deadline = models.DateField(_("deadline"), help_text=_("Coordinators can change their report until the end "
                                                           "of this day."))
    themes = models.ManyToManyField(Theme, verbose_name=_("themes"), related_name="rounds", blank=True,
                                    db_table="initiatives_reportinground_themes")
    # A closed round is read-only for everyone: no changes, no reopening, no reminders.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Raised by every service that changes a figure of the round; the cached summary is keyed on it.
    data_version = models.PositiveBigIntegerField(_("data version"), default=0, editable=False)

    class Meta:
        db_table = "initiatives_reportinground"
        verbose_name = _("reporting round")
        verbose_name_plural = _("reporting rounds")
        ordering = ["-opens_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("opens_on")),
                name="round_deadline_not_before_opening",
                violation_error_message=_("The deadline cannot be before the opening date."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__isnull=True) | Q(period_end__gte=models.F("period_start")),
                name="round_period_end_not_before_start",
                violation_error_message=_("The end of the period cannot be before its start."),
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, **kwargs):
        # The data version is only ever raised in the database (summary.round_data_changed): saving
        # a round that was loaded earlier (a form, the Django admin) must not write back its copy,
        # which a report saved meanwhile may have raised.
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [f.name for f in self._meta.concrete_fields
                                       if not f.primary_key and f.name != "data_version"]
        super().save(**kwargs)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")


class Arrangement(models.TextChoices):
    NONE = "none", _("No arrangements")
    UNCHANGED = "unchanged", _("Arrangements unchanged")
    ADJUSTED = "adjusted", _("Arrangements adjusted")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


ARRANGEMENT_VALUES = [Arrangement.NONE, Arrangement.UNCHANGED, Arrangement.ADJUSTED]


class Report(models.Model):
    """One platform's answers for one reporting round, from draft to submitted.

    A question left unanswered is NULL (or "" for the arrangements): "not answered" is not "no".
    """

    round = models.ForeignKey(ReportingRound, on_delete=models.PROTECT, related_name="reports",
                              verbose_name=_("reporting round"))
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="reports",
                                 verbose_name=_("platform"))
    status = models.CharField(_("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    # Optimistic locking: every save raises it; a save that started from an older version is refused.
    version = models.PositiveIntegerField(_("version"), default=0)

    registration_procedure_used = models.BooleanField(_("registration procedure used"), null=True, blank=True)
    application_period_adjusted = models.BooleanField(_("application period adjusted"), null=True, blank=True)
    enrolment_period_adjusted = models.BooleanField(_("enrolment period adjusted"), null=True, blank=True)
    free_enrolment_period_adjusted = models.BooleanField(_("free enrolment period adjusted"), null=True, blank=True)
    registrations_note = models.TextField(_("note on registrations"), max_length=TEXT_MAX_LENGTH, blank=True)

    newcomers = models.CharField(_("newcomers"), max_length=20, choices=Arrangement.choices, blank=True)
    newcomers_note = models.TextField(_("note on newcomers"), max_length=TEXT_MAX_LENGTH, blank=True)
    preschool = models.CharField(_("pre-school participation"), max_length=20, choices=Arrangement.choices,
                                 blank=True)
    preschool_note = models.TextField(_("note on pre-school participation"), max_length=TEXT_MAX_LENGTH, blank=True)
    excluded_pupils = models.CharField(_("excluded pupils"), max_length=20, choices=Arrangement.choices, blank=True)
    excluded_pupils_note = models.TextField(_("note on excluded pupils"), max_length=TEXT_MAX_LENGTH, blank=True)

    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("submitted by"))
    return_comment = models.TextField(_("comment when returned"), max_length=TEXT_MAX_LENGTH, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("returned by"))
    reopened = models.BooleanField(_("reopened after the deadline"), default=False)
    # Set by the same UPDATE that raises the version, so a refused stale save can say who was first.
    updated_at = models.DateTimeField(_("last changed"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("last changed by"))

    history = HistoricalRecords(excluded_fields=["version", "updated_at", "updated_by"],
                                table_name="initiatives_historicalreport")

    class Meta:
        db_table = "initiatives_report"
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["round", "platform__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "platform"], name="report_one_per_platform_per_round",
                                    violation_error_message=_("This platform already has a report for this round.")),
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="report_status_valid",
                                   violation_error_message=_("Unknown status.")),
            models.CheckConstraint(
                condition=Q(registration_procedure_used=True)
                | (~Q(application_period_adjusted=True) & ~Q(enrolment_period_adjusted=True)),
                name="report_adjusted_period_implies_procedure",
                violation_error_message=_("An adjusted application or enrolment period implies that a "
                                          "registration procedure was used."),
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{field}__in": [*Arrangement.values, ""]}),
                    name=f"report_{field}_valid",
                    violation_error_message=_("Unknown answer."),
                )
                for field in ("newcomers", "preschool", "excluded_pupils")
            ],
            models.CheckConstraint(
                condition=~Q(newcomers=Arrangement.NOT_APPLICABLE) & ~Q(excluded_pupils=Arrangement.NOT_APPLICABLE),
                name="report_only_preschool_can_be_not_applicable",
                violation_error_message=_("Only pre-school participation can be not applicable."),
            ),
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.SUBMITTED) | Q(submitted_at__isnull=False),
                name="report_submitted_has_date",
                violation_error_message=_("A submitted report has a submission date."),
            ),
        ]

    def __str__(self):
        return f"{self.platform} – {self.round}"

    def get_absolute_url(self):
        return reverse("rounds:report", kwargs={"round_slug": self.round.slug, "code": self.platform.code})

    def clean(self):
        errors = {}
        if self.registration_procedure_used is not True:
            for field in ("application_period_adjusted", "enrolment_period_adjusted"):
                if getattr(self, field) is True:
                    errors[field] = _("An adjusted period implies that a registration procedure was used: "
                                      "answer the first question with yes, or this one with no.")
        is_basis = self.platform.level == "basis"
        if is_basis and self.preschool == Arrangement.NOT_APPLICABLE:
            errors["preschool"] = _("Pre-school participation applies to basisonderwijs platforms.")
        if not is_basis and self.preschool != Arrangement.NOT_APPLICABLE:
            errors["preschool"] = _("Pre-school participation is not asked of secundair onderwijs platforms.")
        if errors:
            raise ValidationError(errors)


class Reminder(models.Model):
    """A reminder mailed to a platform's coordinators that its report for a round is not submitted yet."""

    round = models.ForeignKey(ReportingRound, on_delete=models.CASCADE, related_name="reminders",
                              verbose_name=_("reporting round"))
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="reminders",
                                 verbose_name=_("platform"))
    sent_on = models.DateField(_("sent on"))
    sent_at = models.DateTimeField(_("sent at"))
    recipients = models.TextField(_("recipients"))

    class Meta:
        db_table = "initiatives_reminder"
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["round", "platform", "sent_on"], name="reminder_once_a_day",
                                    violation_error_message=_("This platform was already reminded today.")),
        ]

    def __str__(self):
        return f"{self.platform} – {self.sent_on}"
