"""Forms of the questionnaire builder: a section, a question (its choices as lines), a copy, an upload, and
the questions' sentences in the answer text.

A section or question form checks its own fields, then puts its values into the questionnaire's
spec (rounds/spec.py) and checks the whole spec with `validate_spec`, the rules the XLSForm
import and the service keep too: an error about the section or question being edited is shown
next to its field, any other (a condition elsewhere that no longer holds) above the form, with
where it is. The view hands `form.sections` to `questionnaire_replace`, which checks once more and
writes all or nothing.
"""

import copy
from pathlib import PurePath

from django import forms
from django.utils.translation import gettext_lazy as _

from lopportal.forms import inline_form_helper
from summaries.references import default_sentence

from .models import Question, QuestionKind, ReportingRound, Section
from .questionnaire import Definition
from .services.questionnaires import spec_error_messages
from .spec import SENTENCE_MAX, validate_spec

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
CONDITION_HELP = _("A condition on earlier answers in XLSForm's notation, for instance "
                   "${registration_procedure_used} = 'no'; also != 'value', selected(${key}, 'name') for several of "
                   "a list, and, or, and parentheses.")


# Finding and changing items of a spec (a list of section dicts) ----------------------------------------------


def find_section(sections: list[dict], key: str) -> int | None:
    """The index of the section with this key; None when there is none."""
    return next((i for i, section in enumerate(sections) if section["key"] == key), None)


def find_question(sections: list[dict], key: str) -> tuple[int, int] | None:
    """(section index, question index) of the question with this key; None when there is none."""
    for s_index, section in enumerate(sections):
        for q_index, question in enumerate(section["questions"]):
            if question["key"] == key:
                return s_index, q_index
    return None


def _moved(items: list, index: int, direction: str) -> list:
    """The list with the item at `index` one place up or down (unchanged at either end)."""
    other = index - 1 if direction == "up" else index + 1
    items = list(items)
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    return items


def spec_section_moved(sections: list[dict], index: int, direction: str) -> list[dict]:
    return _moved(copy.deepcopy(sections), index, direction)


def spec_question_moved(sections: list[dict], position: tuple[int, int], direction: str) -> list[dict]:
    """The spec with a question one place up or down within its section."""
    sections = copy.deepcopy(sections)
    s_index, q_index = position
    sections[s_index]["questions"] = _moved(sections[s_index]["questions"], q_index, direction)
    return sections


def spec_section_removed(sections: list[dict], index: int) -> list[dict]:
    """The spec without a section and its questions."""
    return [section for i, section in enumerate(copy.deepcopy(sections)) if i != index]


def spec_question_removed(sections: list[dict], position: tuple[int, int]) -> list[dict]:
    sections = copy.deepcopy(sections)
    del sections[position[0]]["questions"][position[1]]
    return sections


def choices_text(choices) -> str:
    """Choices as the form's text: one `name|label` per line."""
    return "\n".join(f"{name}|{label}" for name, label in choices)


# Forms ----------------------------------------------------------------------------------------------------------


def _model_field(model, name, **kwargs) -> forms.Field:
    """The model field's form field, with its label, length and help; options override."""
    return model._meta.get_field(name).formfield(**kwargs)


class _SpecForm(forms.Form):
    """A form whose values go into the questionnaire's spec; `sections` is the spec after the change."""

    def __init__(self, data=None, *, sections: list[dict], **kwargs):
        super().__init__(data, **kwargs)
        self.stored = sections
        self.sections: list[dict] | None = None
        self.helper = inline_form_helper()

    def _check_spec(self, sections: list[dict], targets: dict) -> None:
        """Check the changed spec; show each error next to its field in `targets` ((section, question)
        index → form), the others above this form with the section and question they are about."""
        elsewhere = []
        for error in validate_spec(sections):
            form = targets.get((error.section, error.question))
            if form is not None and error.field in form.fields:
                form.add_error(error.field, error.message)
            elif form is not None and error.question is None:
                self.add_error(None, error.message)
            else:
                elsewhere.append(error)
        for message in spec_error_messages(sections, elsewhere):
            self.add_error(None, message)
        if not self.errors and not any(form.errors for form in targets.values()):
            self.sections = sections


class QuestionForm(_SpecForm):
    """A question of the questionnaire: new in a section, or one to change (`position`).

    `in_new_section`: the first question of a section being made (SectionForm); it has no section
    field and may be left empty for a section with only a note.
    """

    section = forms.ChoiceField(label=_("Section"))
    key = _model_field(Question, "key")
    label = _model_field(Question, "label", widget=forms.Textarea(attrs={"rows": 2}))
    help_text = _model_field(Question, "help_text", widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Shown under the question: what it means, what counts."))
    kind = _model_field(Question, "kind")
    choices = forms.CharField(
        label=_("Choices"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For one of a list or several of a list: one choice per line, its name, a | and its label, "
                    "e.g. adjusted|Afspraken bijgestuurd. The order of the lines is the order in the form; remove "
                    "a line to remove the choice. The name is what the report file and conditions use."))
    required = _model_field(Question, "required", help_text=_("A report cannot be submitted without an answer."))
    level = _model_field(Question, "level", help_text=_("A section asked of one level asks all its questions of "
                                                        "that level only."))
    relevant = _model_field(Question, "relevant", help_text=CONDITION_HELP)
    implied_when = _model_field(Question, "implied_when", help_text=_(
        "When this condition holds, the answer below is filled in and the question is not asked."))
    implied_value = _model_field(Question, "implied_value", help_text=_(
        "yes or no for a yes/no question; a choice's name for one of a list; names separated by spaces for "
        "several of a list; digits for a number; YYYY-MM-DD for a date."))
    min_value = _model_field(Question, "min_value", help_text=_("Whole numbers only; empty: no limit."))
    max_value = _model_field(Question, "max_value", help_text=_("Whole numbers only; empty: no limit."))

    def __init__(self, data=None, *, sections: list[dict], section_index: int | None = None,
                 position: tuple[int, int] | None = None, in_new_section: bool = False, **kwargs):
        self.position, self.in_new_section = position, in_new_section
        initial = {"kind": QuestionKind.YESNO, "required": True}
        self.sentence = ""  # kept as it is: the sentences page changes it
        if position is not None:
            question = sections[position[0]]["questions"][position[1]]
            self.sentence = question.get("sentence", "")
            initial = {**question, "choices": choices_text(question["choices"]),
                       "section": sections[position[0]]["key"]}
        elif section_index is not None:
            initial["section"] = sections[section_index]["key"]
        super().__init__(data, sections=sections, initial=initial, **kwargs)
        if in_new_section:
            del self.fields["section"]
            for name in ("key", "label", "kind"):
                self.fields[name].required = False
            self.fields["kind"].help_text = _("Leave the question's key and wording empty for a section with only a "
                                              "note.")
        else:
            self.fields["section"].choices = [(s["key"], s["title"]) for s in sections]
        self.blank = False

    def clean_choices(self):
        """The lines as (name, label) pairs; `validate_spec` checks the names and labels."""
        choices, problems = [], []
        for number, line in enumerate(self.cleaned_data["choices"].splitlines(), start=1):
            if not line.strip():
                continue
            name, bar, label = line.partition("|")
            if not bar:
                problems.append(_("Line %(n)d: write the name, a | and the label, e.g. "
                                  "adjusted|Afspraken bijgestuurd.") % {"n": number})
            choices.append((name.strip(), label.strip()))
        if problems:
            raise forms.ValidationError(problems)
        return choices

    def question(self) -> dict:
        """The question as a spec dict."""
        data = self.cleaned_data
        return {
            "key": data["key"], "label": data["label"], "help_text": data["help_text"], "kind": data["kind"],
            "required": data["required"], "level": data["level"], "relevant": data["relevant"],
            "implied_when": data["implied_when"], "implied_value": data["implied_value"],
            "min_value": data["min_value"], "max_value": data["max_value"], "choices": data["choices"],
            "sentence": self.sentence,
        }

    def clean(self):
        data = super().clean()
        if self.in_new_section:
            self.blank = not any(data.get(name) for name in ("key", "label", "choices", "relevant", "implied_when",
                                                            "implied_value", "help_text"))
            if not self.blank:
                for name in ("key", "label", "kind"):
                    if not data.get(name) and name not in self.errors:
                        self.add_error(name, self.fields[name].error_messages["required"])
            return data  # the section form checks the spec with this question in it
        if self.errors:
            return data
        sections = copy.deepcopy(self.stored)
        target = find_section(sections, data["section"])
        if self.position is not None and self.position[0] == target:
            sections[target]["questions"][self.position[1]] = self.question()
            where = self.position
        else:
            if self.position is not None:
                del sections[self.position[0]]["questions"][self.position[1]]
            sections[target]["questions"].append(self.question())
            where = (target, len(sections[target]["questions"]) - 1)
        self._check_spec(sections, {where: self})
        return data


class SectionForm(_SpecForm):
    """A section of the questionnaire: a new one (with its first question) or one to change (`index`)."""

    key = _model_field(Section, "key")
    title = _model_field(Section, "title")
    help_text = _model_field(Section, "help_text", widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Shown under the section's title."))
    level = _model_field(Section, "level")
    per_theme = _model_field(Section, "per_theme", help_text=_(
        "The section is asked once for every theme of the round (e.g. “Thema: Laptops”)."))
    note_key = _model_field(Section, "note_key", help_text=_(
        "A free-text field at the end of the section, e.g. registrations_note; its column in the report file. "
        "Empty: no note."))
    note_label = _model_field(Section, "note_label", help_text=_("e.g. Opmerking"))

    def __init__(self, data=None, *, sections: list[dict], index: int | None = None, **kwargs):
        self.index = index
        initial = {key: value for key, value in sections[index].items() if key != "questions"} \
            if index is not None else {}
        super().__init__(data, sections=sections, initial=initial, **kwargs)
        self.first_question = None
        if index is None:
            self.first_question = QuestionForm(data, sections=sections, in_new_section=True, prefix="question")

    def is_valid(self):
        valid = super().is_valid()  # checks the first question too (clean)
        return valid and (self.first_question is None or self.first_question.is_valid())

    def section(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in ("key", "title", "help_text", "level", "per_theme", "note_key",
                                              "note_label")}

    def clean(self):
        data = super().clean()
        first = self.first_question
        if self.errors or (first is not None and not first.is_valid()):
            return data
        sections = copy.deepcopy(self.stored)
        if self.index is None:
            sections.append({**self.section(), "questions": [] if first.blank else [first.question()]})
            index = len(sections) - 1
            targets = {(index, None): self, (index, 0): first}
        else:
            sections[self.index] = {**self.section(), "questions": sections[self.index]["questions"]}
            index = self.index
            targets = {(index, None): self}
        self._check_spec(sections, targets)
        return data


class CopyForm(forms.Form):
    """The earlier round whose questionnaire this round starts from."""

    source = forms.ModelChoiceField(label=_("Round to copy from"), queryset=ReportingRound.objects.none(),
                                    empty_label=None)

    def __init__(self, data=None, *, round: ReportingRound, **kwargs):
        super().__init__(data, **kwargs)
        # Rounds are not secret; only those with questions can be copied.
        self.fields["source"].queryset = (ReportingRound.objects.exclude(pk=round.pk)
                                          .filter(questionnaire__sections__isnull=False).distinct()
                                          .order_by("-opens_on", "title"))
        self.fields["source"].label_from_instance = lambda r: f"{r.title} ({r.slug})"
        self.helper = inline_form_helper()


class UploadForm(forms.Form):
    file = forms.FileField(label=_("XLSForm file"), help_text=_("An .xlsx file with the sheets survey and choices, "
                                                                 "at most 2 MB."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        if PurePath(upload.name).suffix.lower() != ".xlsx":
            raise forms.ValidationError(_("Only an .xlsx file (Excel) can be read as an XLSForm."))
        return upload



class SentencesForm(forms.Form):
    """The sentences of a questionnaire's questions in the answer text: a text per question, by key.

    Only the questions whose field was sent are changed (`sentences`): a form sent without them
    changes nothing rather than putting every sentence back to its default.
    """

    def __init__(self, data=None, *, definition: Definition, **kwargs):
        super().__init__(data, prefix="sentence", **kwargs)
        for section in definition.sections:
            for question in section.questions:
                default = default_sentence(question)
                self.fields[question.key] = forms.CharField(
                    label=question.label, required=False, max_length=SENTENCE_MAX, initial=question.sentence,
                    widget=forms.Textarea(attrs={"rows": 3, "placeholder": default}),
                    help_text=(_("Empty: the default sentence, shown in the field.") if default
                               else _("Empty: this question is left out of the answer.")))

    def sentences(self) -> dict[str, str]:
        return {key: self.cleaned_data[key] for key in self.fields if self.add_prefix(key) in self.data}
