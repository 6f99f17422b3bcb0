"""The questions of a report: their wording, the answers they imply, and which are unanswered.

Forms, the read-only view, the service and (later) the summary all take the questions from
here, so a question is worded and counted the same everywhere.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from platforms.models import Level
from rounds.models import Arrangement


@dataclass(frozen=True)
class Question:
    field: str
    label: str | Promise
    help_text: str | Promise = ""
    kind: str = "yesno"  # or "arrangement"


REGISTRATION_QUESTIONS = [
    Question("registration_procedure_used",
             _("Did at least one school in the platform use a registration procedure (aanmeldingsprocedure)?"),
             _("In an aanmeldingsprocedure parents apply online, rank schools, and places are allocated "
               "centrally before the actual registration.")),
    Question("application_period_adjusted", _("Was the application period (aanmeldingsperiode) adjusted?"),
             _("Only possible when a registration procedure was used.")),
    Question("enrolment_period_adjusted",
             _("Was the enrolment period for pupils who applied (inschrijvingsperiode voor aangemelde leerlingen) "
               "adjusted?"),
             _("Only possible when a registration procedure was used.")),
    Question("free_enrolment_period_adjusted",
             _("Was the free enrolment period (vrije inschrijvingsperiode) adjusted?"),
             _("The period in which remaining places are filled in order of registration.")),
]
ARRANGEMENT_QUESTIONS = [
    Question("newcomers", _("Arrangements on guiding non-Dutch-speaking newcomers to school"),
             _("Agreements on the toeleiding of anderstalige nieuwkomers; were they adjusted because of the "
               "crisis?"), "arrangement"),
    Question("preschool", _("Arrangements on pre-school participation"),
             _("Kleuterparticipatie: enrolment and attendance of pre-schoolers (basisonderwijs only)."),
             "arrangement"),
    Question("excluded_pupils", _("Arrangements on following up permanently excluded pupils"),
             _("Opvolging van definitief uitgesloten leerlingen."), "arrangement"),
]
THEME_QUESTIONS = [
    Question("discussed", _("Was this theme discussed in the platform?")),
    Question("agreements", _("Did the platform make agreements about it?")),
    Question("actions", _("Did the platform set up actions itself, or take part in actions?")),
    Question("exchange", _("Did the platform let its members exchange experiences and good practices?")),
    Question("informed", _("Did the platform inform its members about it?")),
]
# Questions that only make sense when the first one is answered "yes".
PROCEDURE_DEPENDENT = ("application_period_adjusted", "enrolment_period_adjusted")
THEME_ACTIVITIES = ("agreements", "actions", "exchange", "informed")


def report_questions(level: str) -> list[Question]:
    """The report's own questions for a platform of this level (pre-school is basisonderwijs only)."""
    arrangements = [q for q in ARRANGEMENT_QUESTIONS if level == Level.BASIS or q.field != "preschool"]
    return [*REGISTRATION_QUESTIONS, *arrangements]


def fill_implied_report_answers(data: dict, level: str) -> dict:
    """Answers that follow from others: no procedure means no adjusted procedure periods."""
    data = dict(data)
    if data.get("registration_procedure_used") is False:
        for field in PROCEDURE_DEPENDENT:
            if data.get(field) is None:
                data[field] = False
    if level != Level.BASIS:
        data["preschool"] = Arrangement.NOT_APPLICABLE
    elif data.get("preschool") == Arrangement.NOT_APPLICABLE:
        data["preschool"] = ""
    return data


def fill_implied_theme_answers(data: dict) -> dict:
    """A theme that was not discussed had no agreements, actions, exchange or informing."""
    data = dict(data)
    if data.get("discussed") is False:
        for field in THEME_ACTIVITIES:
            if data.get(field) is None:
                data[field] = False
    return data


def unanswered(data: dict, questions: list[Question]) -> list[str]:
    """The fields of these questions that have no answer yet (None or empty)."""
    return [q.field for q in questions if data.get(q.field) in (None, "")]
