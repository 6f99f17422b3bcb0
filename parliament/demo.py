"""The demo's parliamentary question: the written question of 2020 on the role of the LOP's, with its answer
over `corona-2020` published through the services, as the ministry would: written by the demo ministry account
`ministerie`, sent for approval, and approved by `ministerie2`, who may approve answers.

The question's text is the question part of the minister's answer of 2020 (`seed/question-2020.txt`); its
number, date and member of parliament are made up (the member is marked as demo). The answer's text
(`seed/answer-2020.md`) reads like the minister's answer, every figure a reference to `corona-2020`.
Idempotent: once the question is on record, nothing is done again.
"""

import datetime
from pathlib import Path

from django.db import transaction

from accounts.models import User
from rounds.models import ReportingRound

from . import services
from .models import AnswerDraft, ParliamentaryQuestion

SEED = Path(__file__).resolve().parent / "seed"
NUMBER = "schriftelijke vraag nr. 356"  # made up
TITLE = "Coronacrisis – Rol van de lokale overlegplatforms (LOP's)"
ASKED_BY = "Els Voorbeeld (demo)"  # a made-up member of parliament
ASKED_ON = datetime.date(2020, 5, 20)  # made up
ANSWER_DUE = datetime.date(2020, 6, 19)  # made up
AUTHOR, APPROVER = "ministerie", "ministerie2"


def question_text() -> str:
    return (SEED / "question-2020.txt").read_text(encoding="utf-8").strip()


def answer_text() -> str:
    return (SEED / "answer-2020.md").read_text(encoding="utf-8").strip() + "\n"


@transaction.atomic
def load_parliament() -> dict[str, int]:
    """Record the 2020 question and publish its answer (once); returns counts for the report."""
    if not ParliamentaryQuestion.objects.filter(number=NUMBER).exists():
        author = User.objects.get(username=AUTHOR)
        approver = User.objects.get(username=APPROVER)
        if not approver.can_approve_answers:  # the demo's second pair of eyes, as an admin would allow it
            approver.can_approve_answers = True
            approver.save(update_fields=["can_approve_answers"])
        question = services.question_create(
            actor=author, number=NUMBER, asked_on=ASKED_ON, asked_by=ASKED_BY, title=TITLE, text=question_text(),
            answer_due=ANSWER_DUE, rounds=[ReportingRound.objects.get(slug="corona-2020")])
        draft = AnswerDraft.objects.get(question=question)
        draft = services.draft_save(actor=author, draft=draft, text=answer_text(), expected_version=draft.version)
        draft = services.draft_submit(actor=author, draft=draft)
        services.draft_approve(actor=approver, draft=draft)
    return {"questions": ParliamentaryQuestion.objects.count()}
