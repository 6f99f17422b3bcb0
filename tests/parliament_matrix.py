"""The permission matrix's rows for the parliament pages (tests/test_permission_matrix.py adds them).

Coordinators get a 404 on every page, exactly as for a missing question; ministry staff and admins read and
write; approving and sending back need the right to approve answers, which neither matrix user has (403).
The question in the URLs has a publication (version 1) and a correction of it waiting for approval, written
by a third ministry account and published by an approver.
"""

from accounts.models import Role
from parliament import services

from .factories import UserFactory
from .parliament_helpers import approver, draft_of, publish, record, submit

MINISTRY_READ = {"anonymous": (302, None), "coordinator": (404, None), "other_coordinator": (404, None),
                 "ministry_user": (200, None), "admin_user": (200, None)}
# An empty POST gets the form back with its errors; nothing changes.
MINISTRY_FORM = {"anonymous": (302, 302), "coordinator": (404, 404), "other_coordinator": (404, 404),
                 "ministry_user": (200, 200), "admin_user": (200, 200)}
# POST only; a refusal (the draft waits for approval already, a draft is in progress) is a message on the
# question's or the publication's page.
MINISTRY_ACTION = {"anonymous": (302, 302), "coordinator": (405, 404), "other_coordinator": (405, 404),
                   "ministry_user": (405, 302), "admin_user": (405, 302)}
APPROVE = {**MINISTRY_ACTION, "ministry_user": (405, 403), "admin_user": (405, 403)}
RETURN = {**MINISTRY_FORM, "ministry_user": (403, 403), "admin_user": (403, 403)}


def _parliament(c):
    """The question (made once per test): published, and a correction waiting for approval."""
    if not hasattr(c, "question"):
        author = UserFactory(username="schrijver", role=Role.MINISTRY)
        c.question = record(author, [c.round])
        c.publication = publish(author, approver("keurder"), c.question)
        services.correction_start(actor=author, publication=c.publication)
        submit(author, c.question)
        c.draft = draft_of(c.question)
    return c


def _question(c):
    return {"pk": _parliament(c).question.pk}


def _publication(c):
    return {"pk": _parliament(c).publication.pk}


PARLIAMENT_ROWS = {
    "parliament:list": (lambda c: {}, MINISTRY_READ),
    "parliament:create": (lambda c: {}, MINISTRY_FORM),
    "parliament:question": (_question, MINISTRY_READ),
    "parliament:edit": (_question, MINISTRY_FORM),
    "parliament:draft": (_question, MINISTRY_FORM),
    "parliament:submit": (_question, MINISTRY_ACTION),
    "parliament:approve": (_question, APPROVE),
    "parliament:return": (_question, RETURN),
    "parliament:answer": (_publication, MINISTRY_READ),
    "parliament:answer_json": (_publication, MINISTRY_READ),
    "parliament:answer_docx": (_publication, MINISTRY_READ),
    "parliament:answer_print": (_publication, MINISTRY_READ),
    "parliament:correct": (_publication, MINISTRY_ACTION),
}
