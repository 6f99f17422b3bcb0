from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    BASIS = "basis", _("Primary education")
    SECUNDAIR = "secundair", _("Secondary education")


class OrganisationKind(models.TextChoices):
    SCHOOL = "school", _("School")
    CLB = "clb", _("CLB")
    PARTNER = "partner", _("Local partner")


class Onderwijsnet(models.TextChoices):
    GO = "go", _("GO! (community education)")
    OVSG = "ovsg", _("Publicly funded, municipal (OVSG)")
    POV = "pov", _("Publicly funded, provincial (POV)")
    KATHOLIEK = "katholiek", _("Privately funded, Catholic Education Flanders")
    OKO = "oko", _("Privately funded, small education providers (OKO)")


class PartnerCategory(models.TextChoices):
    INTEGRATION = "integration", _("Integration and newcomers")
    POVERTY = "poverty", _("Poverty")
    MUNICIPALITY = "municipality", _("Municipality / OCMW")
    WELFARE = "welfare", _("Welfare")
    PARENTS = "parents", _("Parents")
    SOCIO_ECONOMIC = "socio_economic", _("Socio-economic")
    OTHER = "other", _("Other")


INSTELLINGSNUMMER_REGEX = r"^[0-9]{6}$"
instellingsnummer_validator = RegexValidator(
    INSTELLINGSNUMMER_REGEX, _("An institution number consists of exactly 6 digits.")
)


# /platforms/import/ and /platforms/proposals/ are pages of their own, so no platform may take those codes.
RESERVED_PLATFORM_CODES = {"import", "proposals"}


def validate_platform_code(value: str) -> None:
    if value in RESERVED_PLATFORM_CODES:
        raise ValidationError(_("This code is reserved; choose another."))


class Platform(models.Model):
    """A local consultation platform (LOP) for one area and one level of education."""

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        validators=[validate_platform_code],
        help_text=_("Short, stable identifier used in addresses, e.g. antwerpen-bao."),
        error_messages={"unique": _("A platform with this code already exists.")},
    )
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    area = models.CharField(_("area"), max_length=200, help_text=_("The municipalities the platform covers."))
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinators"),
        related_name="coordinated_platforms",
        blank=True,
        limit_choices_to={"role": "coordinator"},
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=Level.values),
                name="platform_level_valid",
                violation_error_message=_("Unknown level."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("platforms:detail", kwargs={"code": self.code})


class Organisation(models.Model):
    """A school, CLB or local partner that can be a member of one or more platforms."""

    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    name = models.CharField(_("name"), max_length=200)
    instellingsnummer = models.CharField(
        _("institution number"),
        max_length=6,
        blank=True,
        validators=[instellingsnummer_validator],
        help_text=_("Six digits, for schools and CLB's (e.g. 012345)."),
    )
    onderwijsnet = models.CharField(
        _("educational network"), max_length=20, choices=Onderwijsnet.choices, blank=True
    )
    partner_category = models.CharField(
        _("partner category"), max_length=20, choices=PartnerCategory.choices, blank=True
    )
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["instellingsnummer"],
                condition=~Q(instellingsnummer=""),
                name="organisation_instellingsnummer_unique",
                violation_error_message=_("An organisation with this institution number already exists."),
            ),
            models.CheckConstraint(
                condition=Q(instellingsnummer="") | Q(instellingsnummer__regex=INSTELLINGSNUMMER_REGEX),
                name="organisation_instellingsnummer_format",
                violation_error_message=_("An institution number consists of exactly 6 digits."),
            ),
            models.CheckConstraint(
                condition=Q(kind="partner") | ~Q(instellingsnummer=""),
                name="organisation_school_clb_has_instellingsnummer",
                violation_error_message=_("Schools and CLB's need an institution number."),
            ),
            models.CheckConstraint(
                condition=Q(kind="school") | Q(onderwijsnet=""),
                name="organisation_onderwijsnet_only_for_schools",
                violation_error_message=_("Only schools have an educational network."),
            ),
            models.CheckConstraint(
                condition=Q(kind="school", onderwijsnet__in=Onderwijsnet.values) | ~Q(kind="school"),
                name="organisation_school_has_onderwijsnet",
                violation_error_message=_("A school needs an educational network."),
            ),
            models.CheckConstraint(
                condition=(Q(kind="partner", partner_category__in=PartnerCategory.values)
                           | (~Q(kind="partner") & Q(partner_category=""))),
                name="organisation_partner_category",
                violation_error_message=_("Local partners, and only they, need a partner category."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=OrganisationKind.values),
                name="organisation_kind_valid",
                violation_error_message=_("Unknown kind of organisation."),
            ),
        ]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """An organisation's membership of a platform, from a start date until it is ended."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="memberships",
                                 verbose_name=_("platform"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships",
                                     verbose_name=_("organisation"))
    start_date = models.DateField(_("member since"), null=True, blank=True)
    end_date = models.DateField(_("member until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "organisation"],
                condition=Q(end_date__isnull=True),
                name="membership_one_current_per_platform",
                violation_error_message=_("This organisation is already a member of this platform."),
            ),
            models.CheckConstraint(
                condition=(Q(end_date__isnull=True) | Q(start_date__isnull=True)
                           | Q(end_date__gte=models.F("start_date"))),
                name="membership_end_not_before_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self):
        return f"{self.organisation} – {self.platform}"

    @property
    def is_current(self) -> bool:
        return self.end_date is None


# The details of an organisation a coordinator can propose to change (the kind never changes).
PROPOSABLE_FIELDS = ("name", "instellingsnummer", "onderwijsnet", "partner_category", "municipality")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class OrganisationProposal(models.Model):
    """A coordinator's change to an organisation that other platforms share, waiting for an admin's decision."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="proposals",
                                     verbose_name=_("organisation"))
    # The platform whose member list the change was made from: its page shows the outcome.
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="organisation_proposals",
                                 verbose_name=_("platform"))
    # {field: value} of the fields the proposal changes, as they were when proposed and as proposed.
    old_values = models.JSONField(_("old values"), default=dict)
    new_values = models.JSONField(_("proposed values"), default=dict)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="organisation_proposals", verbose_name=_("proposed by"))
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=20, choices=ProposalStatus.choices,
                              default=ProposalStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="organisation_decisions", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.CharField(_("comment"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("proposed change to an organisation")
        verbose_name_plural = _("proposed changes to organisations")
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ProposalStatus.values),
                name="organisationproposal_status_valid",
                violation_error_message=_("Unknown status."),
            ),
            models.CheckConstraint(
                condition=(Q(status=ProposalStatus.PENDING, decided_at__isnull=True)
                           | (~Q(status=ProposalStatus.PENDING) & Q(decided_at__isnull=False))),
                name="organisationproposal_decided_when_not_pending",
                violation_error_message=_("A decided proposal has a decision date, a pending one has none."),
            ),
        ]
        indexes = [models.Index(fields=["status", "proposed_at"], name="orgproposal_status_idx")]

    def __str__(self):
        return f"{self.organisation} ({self.get_status_display()})"

    def clean(self):
        if not self.new_values or not isinstance(self.new_values, dict):
            raise ValidationError(_("A proposal changes at least one detail."))
        if set(self.new_values) - set(PROPOSABLE_FIELDS) or set(self.old_values) - set(PROPOSABLE_FIELDS):
            raise ValidationError(_("A proposal can only change the name, institution number, educational "
                                    "network, partner category and municipality."))

    @property
    def is_pending(self) -> bool:
        return self.status == ProposalStatus.PENDING
