"""Demo reporting rounds: `open-demo`, open today with the four themes and no answers yet."""

import datetime

from django.db import transaction
from django.utils import timezone

from .models import ReportingRound, Theme

THEME_SLUGS = ["laptops", "reaching-all-pupils", "family-support", "summer-schools-reading"]


@transaction.atomic
def load_rounds() -> dict[str, int]:
    today = timezone.localdate()
    round, _ = ReportingRound.objects.update_or_create(
        slug="open-demo",
        defaults={
            "title": "Coronacrisis: rol van de LOP's (demo)",
            "period_start": datetime.date(2020, 3, 16),
            "period_end": None,
            "opens_on": today,
            "deadline": today + datetime.timedelta(days=30),
        },
    )
    round.themes.set(Theme.objects.filter(slug__in=THEME_SLUGS))
    return {"rounds": ReportingRound.objects.count()}
