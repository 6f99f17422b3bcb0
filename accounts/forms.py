"""The admin's forms for people's accounts; the services check the same rules again."""

from crispy_forms.layout import Field, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from lopportal.forms import ModelMultipleChoiceField, inline_form_helper
from platforms.models import Level, Platform

from .models import Role, User
from .selectors import platforms_with_coordinators
from .services import email_in_use_message


def _label(field: str):
    # The model's own verbose names, which Django's Dutch translation already covers.
    return capfirst(User._meta.get_field(field).verbose_name)


class PlatformPicker(forms.CheckboxSelectMultiple):
    """The platforms as checkboxes in a column per level, each naming its current coordinators.

    It works as plain checkboxes; platform-picker.js adds a search box, a count and a "chosen only" switch.
    The choices must come from `platforms_with_coordinators` (they carry `current_coordinators`).
    """

    template_name = "accounts/widgets/platform_picker.html"

    class Media:
        css = {"all": ["css/picker.css"]}
        js = [forms.Script("js/platform-picker.js", defer=True)]

    def render(self, name, value, attrs=None, renderer=None):
        # Django's default form renderer only looks in apps' templates; this template is the project's.
        return super().render(name, value, attrs, renderer=TemplatesSetting())

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        options = [option for _group, group_options, _index in context["widget"]["optgroups"]
                   for option in group_options]
        levels = {level: [] for level in Level.values}
        for option in options:
            option["platform"] = option["value"].instance
            levels.setdefault(option["platform"].level, []).append(option)
        labels = dict(Level.choices)
        context["widget"]["levels"] = [(labels.get(level, level), level_options)
                                       for level, level_options in levels.items() if level_options]
        context["widget"]["chosen"] = sum(1 for option in options if option["selected"])
        return context


class PersonForm(forms.Form):
    """A person's name, e-mail address, role and (for a coordinator) platforms."""

    first_name = forms.CharField(label=_label("first_name"), max_length=150)
    last_name = forms.CharField(label=_label("last_name"), max_length=150)
    email = forms.EmailField(
        label=_label("email"), max_length=254,
        help_text=_("The invitation and later mails go to this address; each person has their own."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, widget=forms.RadioSelect)
    platforms = ModelMultipleChoiceField(
        label=_("Platforms"), queryset=Platform.objects.none(), required=False,
        widget=PlatformPicker,
        help_text=_("The platforms a coordinator works on. Admins and ministry staff have none: "
                    "choosing another role removes them."),
    )

    def __init__(self, *args, person: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        # An inactive platform the person still coordinates stays ticked instead of being dropped.
        self.fields["platforms"].queryset = platforms_with_coordinators(keep_for=person)
        self.helper = inline_form_helper()
        # Crispy draws every checkbox list itself; the picker needs its own wrapper (legend, errors, columns).
        self.helper.layout = Layout(*(
            Field(name, template="accounts/platform_picker_field.html") if name == "platforms" else name
            for name in self.fields
        ))

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        others = User.objects.filter(email__iexact=email)
        if self.person is not None:
            others = others.exclude(pk=self.person.pk)
        other = others.first()
        if other is not None:
            raise ValidationError(email_in_use_message(other), code="unique")
        return email

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.COORDINATOR:
            if not data.get("platforms") and "platforms" not in self.errors:
                self.add_error("platforms", _("A coordinator needs at least one platform."))
        elif "role" in data:
            data["platforms"] = []
        return data


class PersonInviteForm(PersonForm):
    """A new person: the fields above and a username; the password is theirs to choose."""

    username = forms.CharField(
        label=_label("username"), max_length=150, validators=[User.username_validator],
        help_text=User._meta.get_field("username").help_text,
    )

    field_order = ["username", "first_name", "last_name", "email", "role", "platforms"]

    def clean_username(self):
        username = self.cleaned_data["username"]
        # Usernames differing only in case are refused, with Django's own (Dutch) message, as in
        # Django's UserCreationForm.
        if User.objects.filter(username__iexact=username).exists():
            raise User().unique_error_message(User, ["username"])
        return username


class PersonEditForm(PersonForm):
    """An existing person; the username stays as it is (it is what they log in with)."""

    can_approve_answers = forms.BooleanField(
        label=_("May approve answers"), required=False,
        help_text=_("Ministry and admin accounts only: this person may approve answers to parliament that someone "
                    "else wrote (four eyes), which publishes them."),
    )

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.COORDINATOR and data.get("can_approve_answers"):
            self.add_error("can_approve_answers", _("Only ministry and admin accounts can approve answers."))
        return data


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"), max_length=200, required=False,
        help_text=_('Kept in the account history, for example "left the agency".'),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()
