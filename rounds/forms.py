import re

from django import forms
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.html import conditional_escape as esc
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from lopportal.forms import ModelMultipleChoiceField, inline_form_helper
from platforms.forms import DateInput

from .models import TEXT_MAX_LENGTH, QuestionKind, ReportingRound, Theme
from .questionnaire import NO, TEXT_ANSWER_MAX_LENGTH, YES, Definition, QuestionDef, SectionInstance


class YesNoRadio(forms.RadioSelect):
    """Yes / No as two radio buttons ("true"/"false", the first version's values); neither checked is unanswered."""

    def format_value(self, value):
        if value in (True, "true", "True", YES):
            return ["true"]
        if value in (False, "false", "False", NO):
            return ["false"]
        return []


def _yes_no(value) -> str | None:
    return {"true": YES, "false": NO, YES: YES, NO: NO}.get(value)


def _question_field(question: QuestionDef) -> forms.Field:
    """The form field of a question, giving the canonical value of rounds/questionnaire.py."""
    common = {"label": question.label, "help_text": question.help_text, "required": False}
    if question.kind == QuestionKind.YESNO:
        return forms.TypedChoiceField(choices=[("true", _("Yes")), ("false", _("No"))], coerce=_yes_no,
                                      empty_value=None, widget=YesNoRadio, **common)
    if question.kind == QuestionKind.CHOICE:
        return forms.ChoiceField(choices=list(question.choices), widget=forms.RadioSelect, **common)
    if question.kind == QuestionKind.MULTIPLE:
        return forms.TypedMultipleChoiceField(choices=list(question.choices), widget=forms.CheckboxSelectMultiple,
                                              **common)
    if question.kind == QuestionKind.NUMBER:
        return forms.IntegerField(min_value=question.min_value, max_value=question.max_value, **common)
    if question.kind == QuestionKind.DATE:
        return forms.DateField(widget=DateInput(), **common)
    return forms.CharField(max_length=TEXT_ANSWER_MAX_LENGTH, **common)


def note_field(label) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=TEXT_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ReportForm(forms.Form):
    """A report's questions for its platform's level, built from the round's questionnaire.

    The form only turns what was posted into values; which questions are asked, the answers that
    follow from others and what is required are the definition's (`Definition.check`), the same
    for the form, the service and the file import.
    """

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, data=None, *, definition: Definition, level: str, values: dict, notes: dict, version: int,
                 submitting: bool = False):
        super().__init__(data)
        self.definition, self.level, self.submitting = definition, level, submitting
        self.instances = definition.instances_for(level)
        self.slots = [slot for instance in self.instances for slot in instance.slots if slot.question.applies_to(level)]
        self.by_field = {slot.field_name: slot for slot in self.slots}
        self.note_fields = {instance.note.field_name: instance.note for instance in self.instances if instance.note}
        for slot in self.slots:
            field = self.fields[slot.field_name] = _question_field(slot.question)
            field.initial = _initial(slot.question, values.get(slot.column))
            field.slot, field.hint = slot, _hint(definition, slot)
            field.widget.attrs["data-column"] = slot.column
            if not isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                field.widget.attrs["class"] = "form-control"
        for name, note in self.note_fields.items():
            self.fields[name] = note_field(note.section.note_label or _("Note"))
            self.fields[name].initial = notes.get(note.column, "")
            self.fields[name].widget.attrs["class"] = "form-control"
        self.fields["loaded_version"].initial = version

    def values(self) -> dict:
        """The answers, by column, as the service takes them."""
        result = {}
        for name, slot in self.by_field.items():
            value = self.cleaned_data.get(name)
            if slot.question.kind == QuestionKind.MULTIPLE:
                value = frozenset(value or ())
            result[slot.column] = None if value in ("", None) else value
        return result

    def notes(self) -> dict:
        return {note.column: self.cleaned_data.get(name, "") for name, note in self.note_fields.items()}

    def clean(self):
        data = super().clean()
        if not self.errors:
            _clean, _notes, errors = self.definition.check(self.level, self.values(), self.notes(),
                                                           submitting=self.submitting)
            self.add_column_errors(errors)
        return data

    def add_column_errors(self, errors: dict) -> None:
        """Show errors keyed by column (the definition's and the service's) next to their questions."""
        fields = {slot.column: name for name, slot in self.by_field.items()}
        fields |= {note.column: name for name, note in self.note_fields.items()}
        for column, messages in errors.items():
            name = fields.get(column)
            for message in messages:
                if name and name not in self.errors:
                    self.add_error(name, message)
                elif not name:
                    self.add_error(None, message)

    def section_fields(self, instance: SectionInstance) -> list:
        """The bound fields of one section instance, in order, then its note."""
        names = [slot.field_name for slot in instance.slots if slot.field_name in self.fields]
        if instance.note:
            names.append(instance.note.field_name)
        return [self[name] for name in names]


def question_html(field: forms.BoundField) -> SafeString:
    """One question or note of the report form as HTML: label, widget, help text, hint and error.

    Built in Python rather than with a template per field and Django's widget templates per option:
    those were most of the report page's CPU time (docs/performance.md, issue #13). The markup is what
    the template per field rendered before (rounds/report_form_sections.html uses it): the wrapper `div_<id>`
    takes the focus from the error summary's links (tabindex -1); the help text has Django's id
    (`<id>_helptext`), the hint `hint_<id>` and the error `error_<id>`, and the widget (or the fieldset of a
    list) is described by them.
    Every value is escaped here (`esc`); the result is marked safe once.
    """
    widget, auto_id, errors = field.field.widget, field.auto_id, field.errors
    help_text, hint = field.help_text, getattr(field.field, "hint", "")
    described = [f"{auto_id}_helptext"] if help_text else []
    if hint:
        described.append(f"hint_{auto_id}")
    if errors:
        described.append(f"error_{auto_id}")
    after = []
    if help_text:
        after.append(f'<div class="form-text" id="{esc(auto_id)}_helptext">{esc(help_text)}</div>')
    if hint:
        after.append(f'<div class="form-text fst-italic" id="hint_{esc(auto_id)}">{esc(hint)}</div>')
    if errors:
        after.append(f'<div class="invalid-feedback d-block" id="error_{esc(auto_id)}">'
                     f'{" ".join(esc(error) for error in errors)}</div>')
    slot = getattr(field.field, "slot", None)
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return _choices_html(field, widget, slot, described, after)
    attrs = {"aria-invalid": "true", "class": "form-control is-invalid"} if errors else {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    attrs = field.build_widget_attrs(attrs, widget)
    if "id" not in widget.attrs:
        attrs.setdefault("id", auto_id)
    attrs = widget.build_attrs(widget.attrs, attrs)
    value = widget.format_value(field.value())
    if isinstance(widget, forms.Textarea):
        control = f'<textarea name="{esc(field.html_name)}"{_attrs_html(attrs)}>\n{esc(value or "")}</textarea>'
    else:
        shown = f' value="{esc(value)}"' if value is not None else ""
        control = f'<input type="{esc(widget.input_type)}" name="{esc(field.html_name)}"{shown}{_attrs_html(attrs)}>'
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<div id="div_{esc(auto_id)}" tabindex="-1" class="mb-3">\n'
        f'  <label class="form-label{" fw-semibold" if slot else ""}" for="{esc(auto_id)}">{esc(field.label)}</label>\n'
        f'  {control}\n  {"\n  ".join(after)}\n</div>')


def _attrs_html(attrs: dict) -> str:
    """Attributes in their order, escaped, as Django's widget template (attrs.html) writes them: True bare,
    False left out."""
    return "".join(f" {esc(name)}" if value is True else f' {esc(name)}="{esc(value)}"'
                   for name, value in attrs.items() if value is not False and value is not None)


def _choices_html(field, widget, slot, described: list, after: list) -> SafeString:
    """A yes/no, one-of or several-of-a-list question: a fieldset of radio buttons or checkboxes."""
    auto_id, name = esc(field.auto_id), esc(field.html_name)
    selected = set(widget.format_value(field.value()))
    input_type = esc(widget.input_type)
    check_class = "form-check form-check-inline" if slot and slot.question.kind == QuestionKind.YESNO else "form-check"
    input_class = "form-check-input is-invalid" if field.errors else "form-check-input"
    column = esc(slot.column) if slot else ""
    options, chosen_one = [], False
    for index, (value, label) in enumerate(field.field.choices):
        value = str(value)
        # As Django's RadioSelect: only the first matching option of a single choice is checked.
        checked = value in selected and (widget.allow_multiple_selected or not chosen_one)
        chosen_one |= checked
        options.append(
            f'<div class="{check_class}">\n    <input type="{input_type}" name="{name}" value="{esc(value)}" '
            f'id="{auto_id}_{index}" class="{input_class}"{" checked" if checked else ""} data-column="{column}">\n'
            f'    <label class="form-check-label" for="{auto_id}_{index}">{esc(label)}</label>\n  </div>')
    describedby = f' aria-describedby="{esc(" ".join(described))}"' if described else ""
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<fieldset id="div_{auto_id}" tabindex="-1" class="mb-3"{describedby}>\n'
        f'  <legend class="form-label fs-6 fw-semibold mb-1">{esc(field.label)}</legend>\n'
        f'  {"\n  ".join(options)}\n  {"\n  ".join(after)}\n</fieldset>')


def condition_sentences(definition: Definition, slot) -> list[str]:
    """When the question is asked, and when its answer follows from others, in words (the form's hint, the
    report file's "Vragen" sheet)."""
    question = slot.question
    parts = []
    if question.relevant:
        parts.append(_("Only answered when %(condition)s.") % {
            "condition": definition.describe(question.relevant, slot.theme)})
    if question.implied_when:
        parts.append(_("The answer is “%(value)s” when %(condition)s.") % {
            "value": question.choice_label(question.implied_value) if question.has_choices else question.implied_value,
            "condition": definition.describe(question.implied_when, slot.theme)})
    return parts


def _hint(definition: Definition, slot) -> str:
    return definition.remembered(("hint", get_language(), slot.column),
                                 lambda: " ".join(condition_sentences(definition, slot)))


def _initial(question: QuestionDef, value):
    if value is None:
        return None
    if question.kind == QuestionKind.YESNO:
        return "true" if value == YES else "false"
    if question.kind == QuestionKind.MULTIPLE:
        return sorted(value)
    return value


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
# Stricter than a slug (no capitals, no underscores): the code is typed into addresses and read in mails.
ROUND_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MESSAGE = _("Use only lower-case letters, digits and hyphens, e.g. corona-2020.")
DATE_MESSAGE = _("Enter a date as day/month/year, e.g. 31/05/2021.")


class RoundForm(forms.ModelForm):
    """An admin's round: its code is fixed once made (reminder mails link to it)."""

    class Meta:
        model = ReportingRound
        fields = ["slug", "title", "period_start", "period_end", "opens_on", "deadline", "themes"]
        widgets = {
            "period_start": DateInput(), "period_end": DateInput(), "opens_on": DateInput(), "deadline": DateInput(),
            "themes": forms.CheckboxSelectMultiple,
        }
        labels = {
            "period_start": _("Start of the period reported on"),
            "period_end": _("End of the period reported on"),
            "opens_on": _("Opens for the coordinators on"),
        }
        help_texts = {
            "slug": _("Short code used in addresses and mails, e.g. corona-2020; it cannot change later."),
            "title": _("The name everyone sees, e.g. Coronacrisis 2020."),
            "period_end": _("Leave empty while the period is not over."),
            "opens_on": _("From this day coordinators can fill in their report."),
            "themes": _("The questionnaire's sections asked per theme are asked once for each theme chosen."),
        }
        error_messages = {
            "slug": {"invalid": SLUG_MESSAGE},
            **{name: {"invalid": DATE_MESSAGE} for name in ("period_start", "period_end", "opens_on", "deadline")},
        }
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
        if self.fields["slug"].disabled:
            return slug  # fixed, whatever rules held when it was made
        if not ROUND_SLUG.fullmatch(slug):
            raise forms.ValidationError(SLUG_MESSAGE, code="invalid")
        if slug in RESERVED_ROUND_SLUGS:
            raise forms.ValidationError(_("This code is reserved; choose another."))
        return slug

    def clean(self):
        # Next to the field to change, in words, rather than the database constraint's message on top.
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period cannot end before it starts (%(date)s): choose that day or "
                                           "a later one, or leave it empty.") % {"date": _short(start)})
        opens, deadline = data.get("opens_on"), data.get("deadline")
        if opens and deadline and deadline < opens:
            self.add_error("deadline", _("The deadline cannot be before the round opens (%(date)s): choose that "
                                         "day or a later one.") % {"date": _short(opens)})
        return data


def _short(day) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


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
