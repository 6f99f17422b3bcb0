from django import template
from django.utils import timezone

from ..deadlines import deadline_phrase as _deadline_phrase

register = template.Library()


@register.filter
def deadline_phrase(deadline):
    """The deadline in words, counted from today in Brussels ("nog 12 dagen (tot vrijdag 18 december)")."""
    return _deadline_phrase(deadline, timezone.localdate())
