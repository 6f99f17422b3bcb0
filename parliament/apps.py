from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParliamentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "parliament"
    verbose_name = _("Parliamentary questions")
