from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from lopportal.forms import ModelMultipleChoiceField, inline_form_helper

from .models import Level, Onderwijsnet, OrganisationKind, PartnerCategory, instellingsnummer_validator


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MembershipForm(forms.Form):
    """A member's details and membership dates; the rules per kind mirror the database's."""

    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    instellingsnummer = forms.CharField(
        label=_("Institution number"), max_length=6, required=False, validators=[instellingsnummer_validator],
        help_text=_("Six digits; required for schools and CLB's. A school already registered with another "
                    "platform is linked by this number."),
    )
    onderwijsnet = forms.ChoiceField(
        label=_("Educational network"), choices=[("", "---------"), *Onderwijsnet.choices], required=False,
        help_text=_("Schools only."),
    )
    partner_category = forms.ChoiceField(
        label=_("Partner category"), choices=[("", "---------"), *PartnerCategory.choices], required=False,
        help_text=_("Local partners only."),
    )
    municipality = forms.CharField(label=_("Municipality"), max_length=100, required=False)
    start_date = forms.DateField(label=_("Member since"), required=False, widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # The kind of an organisation does not change; end the membership and add a new one.
            self.fields["kind"].disabled = True
        self.helper = inline_form_helper()

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in (OrganisationKind.SCHOOL, OrganisationKind.CLB) and not data.get("instellingsnummer"):
            if "instellingsnummer" not in self.errors:
                self.add_error("instellingsnummer", _("Schools and CLB's need an institution number."))
        if kind == OrganisationKind.SCHOOL and not data.get("onderwijsnet"):
            self.add_error("onderwijsnet", _("A school needs an educational network."))
        if kind != OrganisationKind.SCHOOL:
            data["onderwijsnet"] = ""
        if kind == OrganisationKind.PARTNER:
            if not data.get("partner_category"):
                self.add_error("partner_category", _("A local partner needs a category."))
            if data.get("instellingsnummer"):
                self.add_error("instellingsnummer", _("Local partners have no institution number."))
        else:
            data["partner_category"] = ""
        return data


class MembershipEndForm(forms.Form):
    end_date = forms.DateField(label=_("Member until"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end_date"].initial = timezone.localdate()
        self.helper = inline_form_helper()


class PlatformForm(forms.Form):
    """An admin's edit of a platform's own data."""

    name = forms.CharField(label=_("Name"), max_length=200)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    area = forms.CharField(label=_("Area"), max_length=200)
    coordinators = ModelMultipleChoiceField(
        label=_("Coordinators"), required=False,
        queryset=User.objects.filter(role=Role.COORDINATOR, is_active=True),
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()


class ProposalDecisionForm(forms.Form):
    """An admin's decision on a proposed change to a shared organisation: the button pressed, and a comment."""

    ACCEPT = "accept"
    REJECT = "reject"

    # Set by the button pressed (two submit buttons with name="decision"), not shown as a field.
    decision = forms.ChoiceField(
        choices=[(ACCEPT, _("Accept")), (REJECT, _("Reject"))], widget=forms.HiddenInput,
        error_messages={"required": _("Choose to accept or to reject the proposal."),
                        "invalid_choice": _("Choose to accept or to reject the proposal.")},
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The coordinators who made the proposal read it on their platform's page; required to reject."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()
