"""Form helpers shared by the apps."""

from crispy_forms.helper import FormHelper
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's validation error on the form: next to a field the form has, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields and field != NON_FIELD_ERRORS else None, errors)


def inline_form_helper() -> FormHelper:
    """A crispy helper for a form inside a page's own <form> tag, which carries the CSRF token."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper
