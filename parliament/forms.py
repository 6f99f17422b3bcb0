"""Forms of the parliament pages; the services check the same rules again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lopportal.forms import ModelMultipleChoiceField, inline_form_helper
from platforms.forms import DateInput
from rounds.models import ReportingRound

from .models import ANSWER_MAX_LENGTH, ParliamentaryQuestion, ReviewStep

QUESTION_FIELDS = ["number", "asked_on", "asked_by", "title", "text", "answer_due", "rounds"]


class QuestionForm(forms.ModelForm):
    """A question on record: its number, date, who asked it, title, text, answer deadline and rounds."""

    class Meta:
        model = ParliamentaryQuestion
        fields = QUESTION_FIELDS
        widgets = {
            "asked_on": DateInput(), "answer_due": DateInput(), "text": forms.Textarea(attrs={"rows": 10}),
            "rounds": forms.CheckboxSelectMultiple,
        }
        field_classes = {"rounds": ModelMultipleChoiceField}
        help_texts = {"rounds": _("The figures of these rounds answer the question; the latest one is cited "
                                  "without its code.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rounds"].queryset = ReportingRound.objects.order_by("-opens_on", "title")
        self.helper = inline_form_helper()

    def clean(self):
        data = super().clean()
        if data.get("asked_on") and data.get("answer_due") and data["answer_due"] < data["asked_on"]:
            self.add_error("answer_due", _("The answer cannot be due before the question was asked."))
        return data


class DraftForm(forms.Form):
    """The text of a draft answer, with the version it was loaded from (optimistic locking)."""

    text = forms.CharField(
        label=_("Answer text"), required=False, max_length=ANSWER_MAX_LENGTH, strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "class": "form-control font-monospace", "spellcheck": "true"}),
    )
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("Why is the draft sent back?"),
        max_length=ReviewStep._meta.get_field("comment").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The authors see this on the question's page; it stays in the record of the draft."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()
