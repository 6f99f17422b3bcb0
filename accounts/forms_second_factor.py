"""The forms of the second-factor pages: a code from the app, or a recovery code."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import second_factor


class CodeForm(forms.Form):
    """A code from the authenticator app or, where `recovery` allows it, a recovery code."""

    code = forms.CharField(label=_("Code"), max_length=40, strip=True)

    def __init__(self, *args, recovery: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.recovery = recovery
        field = self.fields["code"]
        # The browser and password managers offer the code from the app; a recovery code has letters.
        field.widget.attrs.update({"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false",
                                   "autocapitalize": "none"})
        if recovery:
            field.help_text = _("The 6 digits your authenticator app shows now, or one of your recovery codes.")
        else:
            field.label = _("Code from the app")
            field.help_text = _("The 6 digits your authenticator app shows now.")
            field.widget.attrs["inputmode"] = "numeric"

    def clean_code(self):
        code = second_factor.normalise_code(self.cleaned_data["code"])
        kind = second_factor.code_kind(code)
        if kind == "totp" or (kind == "recovery" and self.recovery):
            return code
        if self.recovery:
            raise forms.ValidationError(_("Type the 6 digits from your app, or a recovery code of 8 letters and "
                                          "digits."))
        raise forms.ValidationError(_("Type the 6 digits your app shows."))
