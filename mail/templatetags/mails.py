"""Template tags for the mail queue."""

from django import template

from mail.permissions import MailPolicy
from mail.selectors import mail_failed_count

register = template.Library()


@register.simple_tag
def failed_mail_count(user) -> int:
    """How many mails were given up on (0 for anyone who may not see the mails)."""
    return mail_failed_count() if MailPolicy.can_view(user) else 0
