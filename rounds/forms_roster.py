"""The admins' forms for the platforms of a round: add one, take one out, always with a reason."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lopportal.forms import inline_form_helper
from platforms.models import Platform

from .models import TEXT_MAX_LENGTH


def _reason_field(help_text) -> forms.CharField:
    return forms.CharField(label=_("Reason"), max_length=TEXT_MAX_LENGTH, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": _("Give a reason: it is kept with the change.")})


class RosterAddForm(forms.Form):
    """Add one of the platforms that are not in the round; the choices are given (no query of their own)."""

    platform = forms.ChoiceField(label=_("Platform"))
    reason = _reason_field(_("Why this platform is asked after all, e.g. “new platform since 1 September”."))

    def __init__(self, *args, platforms: list[Platform], **kwargs):
        super().__init__(*args, **kwargs)
        self.platforms = {platform.code: platform for platform in platforms}
        self.fields["platform"].choices = [("", _("Choose a platform")), *(
            (p.code, f"{p.name} ({p.code})") for p in platforms)]
        self.helper = inline_form_helper()

    def clean_platform(self) -> Platform:
        return self.platforms[self.cleaned_data["platform"]]


class RosterRemoveForm(forms.Form):
    """Take a platform out of the round."""

    reason = _reason_field(_("Why this platform is no longer asked, e.g. “merged with LOP Gent”."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()
