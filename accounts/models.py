from django.contrib.auth.models import AbstractUser
from django.db import models
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
    def reads_everything(self) -> bool:
        """Admins and ministry staff see every platform and report."""
        return self.is_admin or self.is_ministry
