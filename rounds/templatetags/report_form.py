from django import template

register = template.Library()


@register.filter
def section_fields(form, instance):
    """The bound fields of one section of the report form (rounds.forms.ReportForm.section_fields)."""
    return form.section_fields(instance)


@register.filter
def described_widget(field):
    """The field's widget, described by its help text, hint and error, and marked invalid when it has an error."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    if getattr(field.field, "hint", ""):
        described.append(f"hint_{field.auto_id}")
    attrs = {}
    if field.errors:
        described.append(f"error_{field.auto_id}")
        attrs = {"aria-invalid": "true", "class": "form-control is-invalid"}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)
