"""Writes to rounds and themes, by admins."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from summaries.summary import round_data_changed

from ..models import Answer, Note, Questionnaire, ReportingRound, Theme


@transaction.atomic
def round_save(*, actor, round: ReportingRound, data: dict) -> ReportingRound:
    """Create or change a round; a theme that already has answers in it cannot be taken out."""
    themes = data.pop("themes")
    for field, value in data.items():
        setattr(round, field, value)
    round.full_clean()
    if round.pk:
        dropped = set(round.themes.values_list("pk", flat=True)) - {t.pk for t in themes}
        answered = Theme.objects.filter(
            Q(pk__in=Answer.objects.filter(report__round=round, theme__in=dropped).values("theme_id"))
            | Q(pk__in=Note.objects.filter(report__round=round, theme__in=dropped).values("theme_id")))
        if answered:
            raise ValidationError({"themes": _("These themes already have answers in this round: %(names)s.")
                                   % {"names": ", ".join(t.name for t in answered)}})
    round.save()
    round.themes.set(themes)
    Questionnaire.objects.get_or_create(round=round)  # empty: the admin builds it, imports it or copies one
    round_data_changed(round)  # its title and themes are part of the summary
    return round


@transaction.atomic
def round_close(*, actor, round: ReportingRound) -> ReportingRound:
    """Close a round: its reports are final, nobody changes or reopens them, no reminders go out."""
    if round.is_closed:
        raise ValidationError(_("This round is closed already."))
    round.closed_at = timezone.now()
    round.save(update_fields=["closed_at"])
    return round


@transaction.atomic
def round_open(*, actor, round: ReportingRound) -> ReportingRound:
    """Undo the closing of a round (the deadline still applies)."""
    if not round.is_closed:
        raise ValidationError(_("This round is not closed."))
    round.closed_at = None
    round.save(update_fields=["closed_at"])
    return round


@transaction.atomic
def theme_save(*, actor, theme: Theme, data: dict) -> Theme:
    """Create or change a theme."""
    for field, value in data.items():
        setattr(theme, field, value)
    theme.full_clean()
    theme.save()
    if rounds := list(theme.rounds.all()):  # its name is part of these rounds' summaries
        round_data_changed(*rounds)
    return theme
