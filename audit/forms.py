"""The audit log's filters."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from platforms.models import Platform

from .selectors import tracked_content_types

# Far enough for any real search, near enough that a day before or after is still a date (no overflow).
EARLIEST, LATEST = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class AuditFilterForm(forms.Form):
    """Who, which platform, which kind of object, which days: every filter optional."""

    actor = forms.ModelChoiceField(label=_("Person"), queryset=get_user_model().objects.order_by(
        "last_name", "first_name", "username"), required=False, empty_label=_("Everyone"))
    platform = forms.ModelChoiceField(label=_("Platform"), queryset=Platform.objects.order_by("name"),
                                      to_field_name="code", required=False, empty_label=_("All platforms"))
    kind = forms.TypedChoiceField(label=_("Kind of object"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(label=_("From"), required=False, widget=_DateInput())
    date_to = forms.DateField(label=_("Until"), required=False, widget=_DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.content_types = {ct.pk: ct for ct in tracked_content_types()}
        kinds = sorted(((pk, capfirst(ct.model_class()._meta.verbose_name)) for pk, ct in self.content_types.items()),
                       key=lambda choice: str(choice[1]))
        self.fields["kind"].choices = [("", _("All kinds")), *kinds]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"

    def _clean_day(self, name):
        day = self.cleaned_data.get(name)
        if day is not None and not EARLIEST <= day <= LATEST:
            raise forms.ValidationError(_("Choose a date between %(first)s and %(last)s.")
                                        % {"first": EARLIEST.year, "last": LATEST.year})
        return day

    def clean_date_from(self):
        return self._clean_day("date_from")

    def clean_date_to(self):
        return self._clean_day("date_to")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date cannot be before the start date."))
        return cleaned

    def filters(self) -> dict:
        """The filters that are valid (an invalid one is left out and shown with its error)."""
        data = getattr(self, "cleaned_data", {})
        return {
            "actor": data.get("actor"),
            "platform": data.get("platform"),
            "content_type": self.content_types.get(data.get("kind")),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to") if "date_to" not in self.errors else None,
        }
