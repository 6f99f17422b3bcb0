from django import template

from ..forms import question_html

register = template.Library()


@register.filter
def section_fields(form, instance):
    """The bound fields of one section of the report form (rounds.forms.ReportForm.section_fields)."""
    return form.section_fields(instance)


@register.filter
def question(field):
    """One question or note of the report form as HTML (rounds.forms.question_html)."""
    return question_html(field)
