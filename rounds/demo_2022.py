"""The demo round `oekraine-2022`: a round whose questionnaire comes from an XLSForm file.

"Onthaal van Oekraïense leerlingen, voorjaar 2022" is open (it opened three days ago, the
deadline is in thirty days) with two of the themes; its questions are read from
`seed/oekraine-2022.xlsx` through the same reader and service as an admin's upload, and three demo
platforms have a draft saved through the coordinators' own service.

It asks the platforms that were active when it was made. Idempotent: the round is found by its
slug; the questionnaire is replaced only while it differs from the file and no report was saved; a
platform that has a report in the round keeps it.
"""

import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from platforms.models import Platform

from .demo import ask_active_platforms, mark_opening_mailed
from .models import Questionnaire, Report, ReportingRound, Theme
from .services.questionnaires import questionnaire_is_locked, questionnaire_replace
from .services.reports import report_save
from .spec import spec_from_questionnaire
from .xlsform import read_xlsform

SLUG = "oekraine-2022"
TITLE = "Onthaal van Oekraïense leerlingen, voorjaar 2022"
XLSFORM = Path(__file__).parent / "seed" / "oekraine-2022.xlsx"
THEME_SLUGS = ["reaching-all-pupils", "family-support"]
REACHING, FAMILY = (f"theme:{slug}:" for slug in THEME_SLUGS)

# Draft answers of three demo platforms (by column), and their notes.
DRAFTS = {
    "antwerpen-bao": ({
        "ukrainian_pupils_enrolled": "yes",
        "ukrainian_pupils_count": 148,
        "reception_arrangements": frozenset({"central_registration", "spread_over_schools", "interpreters"}),
        REACHING + "theme_relevant": "yes",
        REACHING + "theme_support": frozenset({"information", "consultation"}),
        FAMILY + "theme_relevant": "yes",
        FAMILY + "theme_support": frozenset({"partners"}),
        "approach_since": datetime.date(2022, 3, 14),
    }, {
        "reception_note": "Eén aanmeldpunt samen met de stad; de gezinnen kregen er ook uitleg over de "
                          "schoolkeuze.",
    }),
    "antwerpen-so": ({
        "ukrainian_pupils_enrolled": "yes",
        "ukrainian_pupils_count": 96,
        "reception_arrangements": frozenset({"reception_classes", "spread_over_schools"}),
        "okan_places_added": "yes",
        REACHING + "theme_relevant": "yes",
        "main_challenge": "Genoeg plaatsen in de onthaalklassen vinden midden in het schooljaar.",
    }, {}),
    "gent-bao": ({
        "ukrainian_pupils_enrolled": "no",
        REACHING + "theme_relevant": "no",
        FAMILY + "theme_relevant": "no",
    }, {
        FAMILY + "theme_note": "Nog geen Oekraïense gezinnen in het werkingsgebied.",
    }),
}


def _questionnaire(round: ReportingRound) -> None:
    """Give the round the questionnaire of the file, unless it has it already or can no longer change."""
    sections, errors = read_xlsform(XLSFORM.read_bytes(), XLSFORM.name)
    if errors:
        raise RuntimeError(f"The demo's XLSForm {XLSFORM.name} is refused: {errors}")
    questionnaire = Questionnaire.objects.filter(round=round).first()
    if questionnaire is not None and spec_from_questionnaire(questionnaire) == sections:
        return
    if not questionnaire_is_locked(round):
        questionnaire_replace(actor=None, round=round, sections=sections)


def _drafts(round: ReportingRound) -> int:
    platforms = {p.code: p for p in Platform.objects.filter(code__in=DRAFTS)}
    missing = sorted(set(DRAFTS) - set(platforms))
    if missing:
        raise RuntimeError(f"Load the demo platforms first (missing: {', '.join(missing)}).")
    reported = set(Report.objects.filter(round=round).values_list("platform__code", flat=True))
    saved = 0
    for code, (values, notes) in DRAFTS.items():
        if code in reported:
            continue
        platform = platforms[code]
        coordinator = platform.coordinators.order_by("pk").first()
        if coordinator is None:
            raise RuntimeError(f"The demo platform {code} has no coordinator.")
        report_save(actor=coordinator, round=round, platform=platform, expected_version=0, values=values,
                    notes=notes, submit=False)
        saved += 1
    return saved


@transaction.atomic
def load_ukraine_round() -> ReportingRound:
    """Create or update the round `oekraine-2022`, its questionnaire (from the XLSForm) and three drafts."""
    today = timezone.localdate()
    round, created = ReportingRound.objects.update_or_create(slug=SLUG, defaults={
        "title": TITLE,
        "period_start": datetime.date(2022, 2, 24),
        "period_end": datetime.date(2022, 6, 30),
        "opens_on": today - datetime.timedelta(days=3),
        "deadline": today + datetime.timedelta(days=30),
    })
    if created:
        ask_active_platforms(round)
    mark_opening_mailed(round)
    if not Report.objects.filter(round=round).exists():  # the themes of a round with answers stay
        round.themes.set(Theme.objects.filter(slug__in=THEME_SLUGS))
    _questionnaire(round)
    _drafts(ReportingRound.objects.select_related("questionnaire").prefetch_related("themes").get(pk=round.pk))
    return round
