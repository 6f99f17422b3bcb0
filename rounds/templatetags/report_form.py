from django import template

register = template.Library()


@register.filter
def section_fields(form, instance):
    """The bound fields of one section of the report form (rounds.forms.ReportForm.section_fields)."""
    return form.section_fields(instance)
