"""Template tags for the proposed changes to shared organisations."""

from django import template

from platforms.selectors import pending_proposal_count as _pending_proposal_count

register = template.Library()


@register.simple_tag
def pending_proposal_count(user) -> int:
    """How many proposed changes wait for the user's decision (0 for anyone who cannot decide them)."""
    return _pending_proposal_count(user=user)
