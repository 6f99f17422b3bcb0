from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit log ("logboek"): one place that records every change, read by admins at /audit/."""

    name = "audit"
    verbose_name = _("audit log")

    def ready(self):
        # Registering here rather than in every models.py keeps what is tracked in one list
        # (audit/registry.py), next to how each model finds the platform it concerns.
        from audit import registry

        registry.register_tracked_models()
