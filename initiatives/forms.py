from django import forms
from django.utils.translation import gettext_lazy as _

from lopportal.forms import ModelMultipleChoiceField
from platforms.forms import DateInput
from platforms.models import Organisation
from rounds.models import Report

from .models import Initiative


class MemberChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_kind_display()})"


class InitiativeForm(forms.ModelForm):
    """An initiative; the members and themes to choose from are the platform's and the round's."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    class Meta:
        model = Initiative
        fields = ["title", "description", "kind", "target_groups", "asked_of", "partners_involved",
                  "other_partners", "start_date", "end_date", "reached_count", "reached_unit", "themes"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "target_groups": forms.CheckboxSelectMultiple,
            "themes": forms.CheckboxSelectMultiple,
            "start_date": DateInput(),
            "end_date": DateInput(),
        }
        help_texts = {
            "asked_of": _("The member schools and partners the platform asked to make an effort."),
            "partners_involved": _("Members that took part in the initiative."),
            "other_partners": _("Organisations that are not members of the platform."),
            "reached_count": _("Optional: how many pupils or families the initiative reached."),
        }
        field_classes = {"target_groups": ModelMultipleChoiceField, "themes": ModelMultipleChoiceField}

    def __init__(self, *args, report: Report, **kwargs):
        super().__init__(*args, **kwargs)
        members = Organisation.objects.filter(
            memberships__platform=report.platform, memberships__end_date__isnull=True
        ).order_by("kind", "name")
        for name in ("asked_of", "partners_involved"):
            self.fields[name] = MemberChoiceField(
                queryset=members, required=False, widget=forms.CheckboxSelectMultiple,
                label=self.fields[name].label, help_text=self.fields[name].help_text,
            )
        self.fields["themes"].queryset = report.round.themes.all()
        self.fields["target_groups"].help_text = ""
        self.fields["loaded_version"].initial = self.instance.version
