from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MINISTRY = "ministry", _("Ministry")
    COORDINATOR = "coordinator", _("Coordinator")


class User(AbstractUser):
    """A person who logs in: an admin, a ministry staff member or an LOP coordinator."""

    role = models.CharField(
        _("role"),
        max_length=20,
        choices=Role.choices,
        default=Role.COORDINATOR,
        help_text=_(
            "Admins manage the system, the ministry reads everything, coordinators work on their own platforms."
        ),
    )
    # The second pair of eyes on an answer to parliament: set by admins, on ministry and admin accounts.
    can_approve_answers = models.BooleanField(_("may approve answers"), default=False, db_default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values),
                name="user_role_valid",
                violation_error_message=_("Unknown role."),
            ),
            # Invitations and password resets go by e-mail address: one account per address.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_unique_ci",
                violation_error_message=_("Another account already uses this e-mail address."),
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    # A Django superuser (createsuperuser) is an admin whatever its role field says.
    @property
    def is_admin(self) -> bool:
        return self.is_active and (self.role == Role.ADMIN or self.is_superuser)

    @property
    def is_ministry(self) -> bool:
        return self.is_active and self.role == Role.MINISTRY and not self.is_superuser

    @property
    def is_coordinator(self) -> bool:
        return self.is_active and self.role == Role.COORDINATOR and not self.is_superuser

    @property
    def effective_role(self) -> Role:
        """The role this person acts in (a superuser is an admin), active or not."""
        return Role.ADMIN if self.is_superuser else Role(self.role)

    @property
    def reads_everything(self) -> bool:
        """Admins and ministry staff see every platform and report."""
        return self.is_admin or self.is_ministry


class AccountAction(models.TextChoices):
    CREATED = "created", _("Account created")
    INVITED = "invited", _("Invitation sent")
    INVITATION_RESENT = "invitation_resent", _("Invitation sent again")
    ROLE_CHANGED = "role_changed", _("Role changed")
    PLATFORMS_CHANGED = "platforms_changed", _("Platforms changed")
    DETAILS_CHANGED = "details_changed", _("Details changed")
    DEACTIVATED = "deactivated", _("Deactivated")
    REACTIVATED = "reactivated", _("Reactivated")
    # Not written yet: the password is chosen in Django's own password-reset view, which has
    # no hook short of a signal; the person's page shows "password chosen" and the last login.
    PASSWORD_SET = "password_set", _("Password chosen")
    # The second factor (accounts/second_factor.py): turned on or off by the person, reset by an admin.
    SECOND_FACTOR_ENABLED = "second_factor_enabled", _("Two-step verification turned on")
    SECOND_FACTOR_DISABLED = "second_factor_disabled", _("Two-step verification turned off")
    SECOND_FACTOR_RESET = "second_factor_reset", _("Two-step verification reset")


class AccountEvent(models.Model):
    """One change to a person's account in the audit trail: who did what to whom, and when."""

    # Accounts are deactivated, not deleted: PROTECT keeps the trail (the Django admin says
    # which events stand in the way). The actor may go; the event then shows no actor.
    actor = models.ForeignKey(
        User, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="account_actions",
    )
    target = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.PROTECT, related_name="account_events")
    action = models.CharField(_("action"), max_length=30, choices=AccountAction.choices)
    details = models.CharField(_("details"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=AccountAction.values),
                name="accountevent_action_valid",
                violation_error_message=_("Unknown action."),
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()}: {self.target}"
