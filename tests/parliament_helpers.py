"""Questions, drafts and publications for the parliament tests, made through the services as users make them."""

import datetime

from accounts.models import Role
from parliament import services
from parliament.models import AnswerDraft, ParliamentaryQuestion, Publication

from .factories import PlatformFactory, UserFactory
from .questionnaire_factories import report_with_answers

# Basis platforms answer yes to the registration procedure, the secundair one no.
TEXT = (
    "## Aanmeldingen\n\n"
    "In {{ registration_procedure_used.yes.basis }} LOP's Basisonderwijs en "
    "{{ registration_procedure_used.yes.secundair }} LOP's Secundair Onderwijs maakte minstens één school "
    "gebruik van een aanmeldingsprocedure.\n\n"
    "- {{ application_period_adjusted.yes.total }} LOP's pasten de aanmeldingsperiode aan\n"
)


def approver(username="goedkeurder", role=Role.MINISTRY):
    """A ministry account that may approve answers."""
    user = UserFactory(username=username, role=role)
    user.can_approve_answers = True
    user.save()
    return user


def answered_round(round, *, basis=2, secundair=1):
    """Submitted reports in the round: `basis` basis platforms saying yes to the registration procedure and the
    application period, `secundair` secundair ones saying no; returns the platforms."""
    platforms = []
    for level, count, answer in (("basis", basis, "yes"), ("secundair", secundair, "no")):
        for _ in range(count):
            platform = PlatformFactory(level=level, rounds=[round])
            report_with_answers(round, platform, {"registration_procedure_used": answer,
                                                  "application_period_adjusted": answer})
            platforms.append(platform)
    return platforms


def record(actor, rounds, *, number="schriftelijke vraag nr. 12", **fields) -> ParliamentaryQuestion:
    data = {
        "number": number, "asked_on": datetime.date(2020, 5, 20), "asked_by": "Jan Demo (demo)",
        "title": "Rol van de lokale overlegplatforms", "text": "1. Kan de minister een overzicht geven?",
        "answer_due": datetime.date(2020, 6, 19), "rounds": list(rounds), **fields,
    }
    return services.question_create(actor=actor, **data)


def draft_of(question) -> AnswerDraft:
    return AnswerDraft.objects.exclude(status="published").get(question=question)


def write(actor, question, text=TEXT) -> AnswerDraft:
    draft = draft_of(question)
    return services.draft_save(actor=actor, draft=draft, text=text, expected_version=draft.version)


def submit(actor, question) -> AnswerDraft:
    return services.draft_submit(actor=actor, draft=draft_of(question))


def publish(author, approving, question, text=TEXT) -> Publication:
    """Write the text, send it for approval, and have it approved (published)."""
    write(author, question, text)
    submit(author, question)
    return services.draft_approve(actor=approving, draft=draft_of(question))

