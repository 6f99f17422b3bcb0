from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from platforms.models import Organisation
from rounds.models import TEXT_MAX_LENGTH, Report, Theme


class InitiativeKind(models.TextChoices):
    HOMEWORK_SUPPORT = "homework_support", _("Homework support")
    BRIDGE_FIGURES = "bridge_figures", _("Bridge figures (school-family liaison)")
    LAPTOPS_ICT = "laptops_ict", _("Laptops and ICT")
    SUMMER_SCHOOL = "summer_school", _("Summer school")
    READING_PROMOTION = "reading_promotion", _("Reading promotion")
    FAMILY_OUTREACH = "family_outreach", _("Outreach to families")
    TUTORING = "tutoring", _("Tutoring")
    OTHER = "other", _("Other")


class TargetGroup(models.Model):
    """A group of pupils or people an initiative is meant for (low SES, newcomers, ...)."""

    slug = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class ReachedUnit(models.TextChoices):
    PUPILS = "pupils", _("pupils")
    FAMILIES = "families", _("families")


class Initiative(models.Model):
    """A concrete initiative of a platform for vulnerable pupils, recorded with its round's report."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="initiatives",
                               verbose_name=_("report"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=TEXT_MAX_LENGTH)
    kind = models.CharField(_("kind"), max_length=30, choices=InitiativeKind.choices)
    target_groups = models.ManyToManyField(TargetGroup, verbose_name=_("target groups"), related_name="initiatives")
    asked_of = models.ManyToManyField(Organisation, verbose_name=_("asked of"), related_name="initiatives_asked",
                                      blank=True)
    partners_involved = models.ManyToManyField(Organisation, verbose_name=_("partners involved"),
                                               related_name="initiatives_involved", blank=True)
    other_partners = models.CharField(_("other partners involved"), max_length=500, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    reached_count = models.PositiveIntegerField(_("number reached"), null=True, blank=True,
                                                validators=[MaxValueValidator(1_000_000)])
    reached_unit = models.CharField(_("reached"), max_length=20, choices=ReachedUnit.choices, blank=True)
    themes = models.ManyToManyField(Theme, verbose_name=_("related themes"), related_name="initiatives", blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    updated_at = models.DateTimeField(_("last changed"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("last changed by"))

    history = HistoricalRecords(m2m_fields=[target_groups, asked_of, partners_involved, themes],
                                excluded_fields=["version", "updated_at", "updated_by"])

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="initiative_end_not_before_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=InitiativeKind.values), name="initiative_kind_valid",
                violation_error_message=_("Unknown kind of initiative."),
            ),
            models.CheckConstraint(
                condition=(Q(reached_count__isnull=True) & Q(reached_unit=""))
                | (Q(reached_count__gte=0) & Q(reached_unit__in=ReachedUnit.values)),
                name="initiative_reached_has_unit",
                violation_error_message=_("Say whether the number reached counts pupils or families."),
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
        if self.reached_count is not None and not self.reached_unit:
            raise ValidationError({"reached_unit": _("Say whether the number reached counts pupils or families.")})
        if self.reached_count is None and self.reached_unit:
            raise ValidationError({"reached_count": _("Give the number reached, or leave both fields empty.")})


