"""Form helpers shared by the apps."""

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, refusing an id outside the database's integer range like any other id that is not a choice.

    Django keeps such numbers out of `pk=` lookups (ticket #27397) but not out of the `pk__in`
    lookup this field runs, on which SQLite raises OverflowError: a forged POST was a 500.
    """

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        field = self.queryset.model._meta.pk if key == "pk" else self.queryset.model._meta.get_field(key)
        for pk in value:
            try:
                number = field.to_python(pk)
            except ValidationError:
                continue  # not an id at all: Django's own check refuses it with its own message
            try:
                field.run_validators(number)
            except ValidationError:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                      params={"value": pk}) from None
        return super()._check_values(value)


def query_text(request, name: str, max_length: int = 100) -> str:
    """A free-text parameter of the query string (a search, a code): trimmed, cut to a length, and without NUL
    characters, which PostgreSQL refuses even in a lookup (a hand-made address was a 500)."""
    return request.GET.get(name, "").replace("\x00", "").strip()[:max_length]


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's validation error on the form: next to a field the form has, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields and field != NON_FIELD_ERRORS else None, errors)


def inline_form_helper() -> FormHelper:
    """A crispy helper for a form inside a page's own <form> tag, which carries the CSRF token.

    Crispy shows each field's errors next to it, but not the form's own: those are in the page's one error
    summary (templates/components/form_errors.html), so templates/bootstrap5/errors.html renders nothing.
    """
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper
