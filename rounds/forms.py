from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from initiatives.models import ThemeAnswer
from initiatives.questions import (
    ARRANGEMENT_QUESTIONS,
    REGISTRATION_QUESTIONS,
    THEME_QUESTIONS,
    fill_implied_report_answers,
    fill_implied_theme_answers,
    report_questions,
    unanswered,
)
from lopportal.forms import ModelMultipleChoiceField, inline_form_helper
from platforms.forms import DateInput

from .models import TEXT_MAX_LENGTH, Arrangement, Report, ReportingRound, Theme

ANSWER_REQUIRED = _("Answer this question before you submit.")


class YesNoRadio(forms.RadioSelect):
    """Yes / No as two radio buttons; neither checked means "not answered"."""

    def format_value(self, value):
        if value in (True, "true", "True"):
            return ["true"]
        if value in (False, "false", "False"):
            return ["false"]
        return []


def yes_no_field(question) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=question.label, help_text=question.help_text, required=False,
        choices=[("true", _("Yes")), ("false", _("No"))], coerce=lambda value: value == "true", empty_value=None,
        widget=YesNoRadio,
    )


def arrangement_field(question) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=question.label, help_text=question.help_text, required=False,
        choices=[(a.value, a.label) for a in (Arrangement.NONE, Arrangement.UNCHANGED, Arrangement.ADJUSTED)],
        empty_value="", widget=forms.RadioSelect,
    )


def note_field(label) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=TEXT_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 2}))


def _section_helper(layout) -> FormHelper:
    helper = inline_form_helper()
    helper.layout = Layout(*layout)
    return helper


class ReportForm(forms.ModelForm):
    """The report's own questions; the rules between answers come from `Report.clean()`."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    class Meta:
        model = Report
        fields = [q.field for q in REGISTRATION_QUESTIONS] + ["registrations_note"] + [
            f for q in ARRANGEMENT_QUESTIONS for f in (q.field, f"{q.field}_note")
        ]

    def __init__(self, *args, submitting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.submitting = submitting
        self.level = self.instance.platform.level
        self.questions = report_questions(self.level)
        for q in REGISTRATION_QUESTIONS:
            self.fields[q.field] = yes_no_field(q)
        self.fields["registrations_note"] = note_field(_("Note on registrations"))
        for q in ARRANGEMENT_QUESTIONS:
            self.fields[q.field] = arrangement_field(q)
            self.fields[f"{q.field}_note"] = note_field(_("Note"))
        if "preschool" not in [q.field for q in self.questions]:
            # Not asked of secundair platforms, and stored as not applicable.
            del self.fields["preschool"], self.fields["preschool_note"]
        self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        data.update(fill_implied_report_answers(
            {f: v for f, v in data.items() if f in self.fields and f != "loaded_version"}, self.level))
        if self.submitting:
            for field in unanswered(data, self.questions):
                if field not in self.errors:
                    self.add_error(field, ANSWER_REQUIRED)
        return data

    @property
    def registration_helper(self) -> FormHelper:
        """Renders the registration questions (the page wraps each section in its own fieldset)."""
        return _section_helper([InlineRadios(q.field) for q in REGISTRATION_QUESTIONS] + ["registrations_note"])

    @property
    def arrangement_helper(self) -> FormHelper:
        return _section_helper([item for q in ARRANGEMENT_QUESTIONS if q.field in self.fields
                                for item in (InlineRadios(q.field), f"{q.field}_note")])

    def answers(self) -> dict:
        """The answers and notes, as the service takes them."""
        return {f: self.cleaned_data[f] for f in self.Meta.fields if f in self.cleaned_data}


class ThemeAnswerForm(forms.ModelForm):
    """What the platform did about one theme; one form per theme of the round."""

    class Meta:
        model = ThemeAnswer
        fields = [q.field for q in THEME_QUESTIONS] + ["note"]

    def __init__(self, *args, submitting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.submitting = submitting
        self.theme = self.instance.theme
        for q in THEME_QUESTIONS:
            self.fields[q.field] = yes_no_field(q)
        self.fields["note"] = note_field(_("Note"))
        self.helper = _section_helper([InlineRadios(q.field) for q in THEME_QUESTIONS] + ["note"])

    def clean(self):
        data = super().clean()
        data.update(fill_implied_theme_answers({f: data.get(f) for f in self.Meta.fields}))
        if self.submitting:
            for field in unanswered(data, THEME_QUESTIONS):
                if field not in self.errors:
                    self.add_error(field, ANSWER_REQUIRED)
        return data

    def answers(self) -> dict:
        return {f: self.cleaned_data[f] for f in self.Meta.fields if f in self.cleaned_data}


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment for the coordinators"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What should be completed or corrected? The coordinators see this on the report and get it by "
                    "mail."),
    )


class ReopenForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment for the coordinators (optional)"), max_length=TEXT_MAX_LENGTH, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# Paths under /rounds/ that a round's code must not take.
RESERVED_ROUND_SLUGS = {"new", "themes"}


class RoundForm(forms.ModelForm):
    """An admin's round: its code is fixed once made (reminder mails link to it)."""

    class Meta:
        model = ReportingRound
        fields = ["slug", "title", "period_start", "period_end", "opens_on", "deadline", "themes"]
        widgets = {
            "period_start": DateInput(), "period_end": DateInput(), "opens_on": DateInput(), "deadline": DateInput(),
            "themes": forms.CheckboxSelectMultiple,
        }
        help_texts = {"slug": _("Short code used in addresses and mails, e.g. corona-2020; it cannot change later.")}
        field_classes = {"themes": ModelMultipleChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        chosen = self.instance.themes.all() if self.instance.pk else Theme.objects.none()
        self.fields["themes"].queryset = Theme.objects.filter(Q(is_active=True) | Q(pk__in=chosen))
        if self.instance.pk:
            self.fields["slug"].disabled = True
        self.helper = inline_form_helper()

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_ROUND_SLUGS:
            raise forms.ValidationError(_("This code is reserved; choose another."))
        return slug


class ThemeForm(forms.ModelForm):
    class Meta:
        model = Theme
        fields = ["slug", "name", "description", "position", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["slug"].disabled = True  # exports name their columns after it
        self.helper = inline_form_helper()
