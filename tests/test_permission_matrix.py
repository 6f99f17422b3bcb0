"""Every view of the project, for every role: login redirect, 404, 403 or 200.

`coordinator` coordinates `platform`; `other_coordinator` coordinates only `other_platform`, so
the "other" column is a coordinator reaching for a platform that is not theirs. The last test
fails when a new URL pattern is added without a row here.
"""

from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from .factories import InitiativeFactory, ReportFactory, UserFactory

ROLES = ["anonymous", "coordinator", "other_coordinator", "ministry_user", "admin_user"]

# url name -> (kwargs builder, {role: (GET status, POST status)}); None = method not tested.
ALL_READ = {"anonymous": (302, None), "coordinator": (200, None), "other_coordinator": (200, None),
            "ministry_user": (200, None), "admin_user": (200, None)}
OWN_PLATFORM_READ = {**ALL_READ, "other_coordinator": (404, None)}
MANAGE_MEMBERS = {"anonymous": (302, 302), "coordinator": (200, 200), "other_coordinator": (404, 404),
                  "ministry_user": (403, 403), "admin_user": (200, 200)}
ADMIN_ONLY = {"anonymous": (302, 302), "coordinator": (403, 403), "other_coordinator": (404, 404),
              "ministry_user": (403, 403), "admin_user": (200, 200)}
PUBLIC = dict.fromkeys(ROLES, (200, None))
# Answers are the coordinators': ministry and admins read them (GET 200) and may not post (403).
ANSWER = {"anonymous": (302, 302), "coordinator": (200, 200), "other_coordinator": (404, 404),
          "ministry_user": (200, 403), "admin_user": (200, 403)}
# An initiative's add, edit and remove addresses: readers (ministry, admins) get the read-only page with the
# reason (GET 200, no form) and may not post (403), like the report's answers.
INITIATIVE_FORM = {**ANSWER}
DELETE = {**INITIATIVE_FORM, "coordinator": (200, 302)}
RETURN = {"anonymous": (302, 302), "coordinator": (403, 403), "other_coordinator": (404, 404),
          "ministry_user": (200, 200), "admin_user": (200, 200)}
# The comment is optional: an admin's empty POST reopens the submitted report.
SUMMARY = {"anonymous": (302, None), "coordinator": (403, None), "other_coordinator": (403, None),
           "ministry_user": (200, None), "admin_user": (200, None)}
ADMIN_PAGE = {"anonymous": (302, 302), "coordinator": (403, 403), "other_coordinator": (403, 403),
              "ministry_user": (403, 403), "admin_user": (200, 200)}
# An admin's POST closes the round at once (the GET is the confirmation page).
CLOSE = {**ADMIN_PAGE, "admin_user": (200, 302)}
# The people pages refuse every non-admin before looking anything up.
PEOPLE = {**ADMIN_PAGE}
PEOPLE_ACTION = {"anonymous": (302, 302), "coordinator": (405, 403), "other_coordinator": (405, 403),
                 "ministry_user": (405, 403), "admin_user": (405, 302)}
DEACTIVATE = {**ADMIN_PAGE, "admin_user": (200, 302)}
REOPEN = {**RETURN, "ministry_user": (403, 403), "admin_user": (200, 302)}
# The report's autosave: POST only, answering JSON (401 instead of the login page); the fixture's report is
# submitted, so its own coordinator is refused too (403; tests/test_report_autosave.py saves with it).
AUTOSAVE = {"anonymous": (405, 401), "coordinator": (405, 403), "other_coordinator": (405, 404),
            "ministry_user": (405, 403), "admin_user": (405, 403)}


def _round(c):
    return {"round_slug": c.round.slug}


def _report(c):
    return {"round_slug": c.round.slug, "code": c.platform.code}


def _initiative(c):
    return {**_report(c), "pk": c.initiative.pk}


def _failed_mail(c):
    from mail.models import Mail, MailStatus

    return {"pk": Mail.objects.create(kind="invitation", recipients=["x@example.be"], subject="s", body="b",
                                      status=MailStatus.FAILED, attempts=6).pk}


# The matrix's round has a submitted report, so its questionnaire is locked: read-only even for admins.
QUESTIONNAIRE_LOCKED = {**ADMIN_PAGE, "admin_user": (403, 403)}
QUESTIONNAIRE_MOVE = {"anonymous": (302, 302), **dict.fromkeys(ROLES[1:], (405, 403))}


MATRIX = {
    "home": (lambda c: {}, ALL_READ),
    # Django's auth views, as the project mounts them.
    "login": (lambda c: {}, {**PUBLIC, "anonymous": (200, 200)}),
    "logout": (lambda c: {}, {**dict.fromkeys(ROLES, (405, 302)), "anonymous": (302, 302)}),
    "password_change": (lambda c: {}, {**dict.fromkeys(ROLES, (200, 200)), "anonymous": (302, 302)}),
    "password_change_done": (lambda c: {}, {**ALL_READ}),
    "password_reset": (lambda c: {}, dict.fromkeys(ROLES, (200, 200))),
    "password_reset_done": (lambda c: {}, PUBLIC),
    "password_reset_confirm": (lambda c: {"uidb64": "MQ", "token": "ongeldig-token"}, PUBLIC),
    "password_reset_complete": (lambda c: {}, PUBLIC),
    # The Django admin: only its front door here (its own views are Django's and tested there);
    # everyone but an admin is sent to the admin's login page.
    "admin:index": (lambda c: {}, {**dict.fromkeys(ROLES, (302, None)), "admin_user": (200, None)}),
    "healthz": (lambda c: {}, PUBLIC),
    "accessibility": (lambda c: {}, PUBLIC),
    "platforms:list": (lambda c: {}, ALL_READ),
    "platforms:detail": (lambda c: {"code": c.platform.code}, OWN_PLATFORM_READ),
    "platforms:edit": (lambda c: {"code": c.platform.code}, ADMIN_ONLY),
    "platforms:membership_create": (lambda c: {"code": c.platform.code}, MANAGE_MEMBERS),
    "platforms:membership_edit": (lambda c: {"code": c.platform.code, "pk": c.membership.pk}, MANAGE_MEMBERS),
    "platforms:membership_end": (lambda c: {"code": c.platform.code, "pk": c.membership.pk}, MANAGE_MEMBERS),
    # Proposed changes to shared organisations: admins only, refused before anything is looked up (an admin's
    # empty POST gets the decision form back).
    "platforms:proposals": (lambda c: {}, {k: (v[0], None) for k, v in ADMIN_PAGE.items()}),
    "platforms:proposal_decide": (lambda c: {"pk": c.membership.organisation.proposals.get_or_create(
        platform=c.platform, defaults={"new_values": {"name": "Nieuwe naam"}})[0].pk}, ADMIN_PAGE),
    "rounds:list": (lambda c: {}, ALL_READ),
    "rounds:detail": (lambda c: {"round_slug": c.round.slug}, ALL_READ),
    "rounds:report": (_report, ANSWER),
    "rounds:report_history": (_report, OWN_PLATFORM_READ),
    "rounds:report_autosave": (_report, AUTOSAVE),
    "rounds:report_return": (_report, RETURN),
    "rounds:report_reopen": (_report, REOPEN),
    "rounds:initiative_create": (_report, INITIATIVE_FORM),
    "rounds:initiative_detail": (_initiative, OWN_PLATFORM_READ),
    "rounds:initiative_edit": (_initiative, INITIATIVE_FORM),
    "rounds:initiative_delete": (_initiative, DELETE),
    "rounds:create": (lambda c: {}, ADMIN_PAGE),
    "rounds:edit": (_round, ADMIN_PAGE),
    "rounds:close": (_round, CLOSE),
    # An admin's POST sends the reminders at once (other_platform has not submitted); the GET is the preview.
    "rounds:reminders": (_round, {**ADMIN_PAGE, "admin_user": (200, 302)}),
    # A round's platforms: admins only (an empty POST gets the form back: a reason is required).
    "rounds:roster": (_round, ADMIN_PAGE),
    "rounds:roster_remove": (_report, ADMIN_PAGE),
    "rounds:questionnaire": (_round, SUMMARY),
    "rounds:questionnaire_preview": (_round, SUMMARY, "?level=secundair"),
    "rounds:questionnaire_download": (_round, SUMMARY),
    # Sentences change nothing that is asked or stored: editable by admins also once the questionnaire is locked.
    "rounds:questionnaire_sentences": (_round, {**ADMIN_PAGE, "admin_user": (200, 302)}),
    "rounds:questionnaire_copy": (_round, QUESTIONNAIRE_LOCKED),
    "rounds:questionnaire_upload": (_round, QUESTIONNAIRE_LOCKED),
    "rounds:questionnaire_section_create": (_round, QUESTIONNAIRE_LOCKED),
    "rounds:questionnaire_section_edit": (lambda c: {**_round(c), "section_key": "themes"}, QUESTIONNAIRE_LOCKED),
    "rounds:questionnaire_section_move": (lambda c: {**_round(c), "section_key": "themes"}, QUESTIONNAIRE_MOVE),
    "rounds:questionnaire_section_remove": (lambda c: {**_round(c), "section_key": "themes"}, QUESTIONNAIRE_LOCKED),
    "rounds:questionnaire_question_create": (lambda c: {**_round(c), "section_key": "themes"},
                                             QUESTIONNAIRE_LOCKED),
    "rounds:questionnaire_question_edit": (lambda c: {**_round(c), "question_key": "discussed"},
                                           QUESTIONNAIRE_LOCKED),
    "rounds:questionnaire_question_move": (lambda c: {**_round(c), "question_key": "discussed"}, QUESTIONNAIRE_MOVE),
    "rounds:questionnaire_question_remove": (lambda c: {**_round(c), "question_key": "discussed"},
                                             QUESTIONNAIRE_LOCKED),
    "rounds:theme_list": (lambda c: {}, {k: (v[0], None) for k, v in ADMIN_PAGE.items()}),
    "rounds:theme_create": (lambda c: {}, ADMIN_PAGE),
    "rounds:theme_edit": (lambda c: {"theme_slug": "laptops"}, ADMIN_PAGE),
    "platforms:import": (lambda c: {}, PEOPLE),
    # Confirming without an upload waiting sends the admin back to the upload form.
    "platforms:import_confirm": (lambda c: {}, {**PEOPLE, "admin_user": (302, 302)}),
    # The import's templates to fill in: admins only, downloaded (GET) only.
    "platforms:import_template_csv": (lambda c: {}, {k: (v[0], None) for k, v in ADMIN_PAGE.items()}),
    "platforms:import_template_xlsx": (lambda c: {}, {k: (v[0], None) for k, v in ADMIN_PAGE.items()}),
    "people:list": (lambda c: {}, PEOPLE),
    "people:invite": (lambda c: {}, PEOPLE),
    "people:detail": (lambda c: {"pk": c.person.pk}, PEOPLE),
    "people:edit": (lambda c: {"pk": c.person.pk}, PEOPLE),
    "people:resend": (lambda c: {"pk": c.invited.pk}, PEOPLE_ACTION),
    "people:deactivate": (lambda c: {"pk": c.person.pk}, DEACTIVATE),
    "people:reactivate": (lambda c: {"pk": c.inactive.pk}, PEOPLE_ACTION),
    # The person has no second factor: the admin's POST comes back to their page with a message.
    "people:second_factor_reset": (lambda c: {"pk": c.person.pk}, PEOPLE_ACTION),
    # One's own second factor. Coordinators have none (they may turn one on); the admin and ministry
    # sessions have passed theirs, so the verify page sends everyone on to the home page.
    "second_factor_verify": (lambda c: {}, {**dict.fromkeys(ROLES, (302, 302))}),
    "second_factor_setup": (lambda c: {}, {**dict.fromkeys(ROLES, (200, 200)), "anonymous": (302, 302)}),
    "second_factor_recovery_codes": (lambda c: {}, {**dict.fromkeys(ROLES, (302, 302)), "ministry_user": (200, 200),
                                                    "admin_user": (200, 200)}),
    "second_factor_manage": (lambda c: {}, ALL_READ),
    "second_factor_disable": (lambda c: {}, {**dict.fromkeys(ROLES, (302, 302)), "ministry_user": (403, 403),
                                             "admin_user": (403, 403)}),
    # The audit log: admins read it (and download it); nobody posts to it.
    "audit:list": (lambda c: {}, {k: (v[0], None) for k, v in ADMIN_PAGE.items()}),
    "audit:export": (lambda c: {}, {k: (v[0], None) for k, v in ADMIN_PAGE.items()}),
    # The mail queue: admins see it and send a failed mail again (a POST).
    "mail:list": (lambda c: {}, {k: (v[0], None) for k, v in ADMIN_PAGE.items()}),
    "mail:retry": (_failed_mail, PEOPLE_ACTION),
    "rounds:summary": (_round, SUMMARY),
    "rounds:summary_json": (_round, SUMMARY),
    "rounds:summary_platforms": (_round, SUMMARY, "?question=newcomers&value=adjusted"),
    "rounds:summary_platforms_csv": (_round, SUMMARY, "?question=newcomers&value=adjusted"),
    "rounds:summary_platforms_xlsx": (_round, SUMMARY, "?question=newcomers&value=adjusted"),
    # The round page's status table as a file: the ministry and admins (coordinators see their rows on the page).
    "rounds:status_csv": (_round, SUMMARY, "?status=submitted&sort=-submitted"),
    "rounds:status_xlsx": (_round, SUMMARY),
    "rounds:initiative_list": (_round, SUMMARY),
    "rounds:answer": (_round, SUMMARY),
    "rounds:answer_docx": (_round, SUMMARY),
    "rounds:export_csv": (_round, SUMMARY),
    "rounds:export_xlsx": (_round, SUMMARY),
    "rounds:initiatives_csv": (_round, SUMMARY),
    "rounds:initiatives_xlsx": (_round, SUMMARY),
}

# Parliamentary questions and their answers: the rows and their objects are in tests/parliament_matrix.py.
from .parliament_matrix import PARLIAMENT_ROWS  # noqa: E402

MATRIX |= PARLIAMENT_ROWS


def _cases():
    for name, (_, expected, *_query) in MATRIX.items():
        for role in ROLES:
            get_status, post_status = expected[role]
            yield pytest.param(name, role, "get", get_status, id=f"{name}-{role}-get")
            if post_status is not None:
                yield pytest.param(name, role, "post", post_status, id=f"{name}-{role}-post")


@pytest.fixture
def objects(platform, other_platform, open_round):
    """The coordinator's platform with a member, and a submitted report with an initiative."""
    report = ReportFactory(round=open_round, platform=platform, status="submitted", submitted_at=timezone.now())
    invited = UserFactory(username="uitgenodigd", password=None)
    invited.set_unusable_password()
    invited.save()
    return SimpleNamespace(platform=platform, membership=platform.memberships.first(), round=open_round,
                           initiative=InitiativeFactory(report=report), person=other_platform.coordinators.first(),
                           invited=invited, inactive=UserFactory(username="gestopt", is_active=False))


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role", "method", "expected"), list(_cases()))
def test_permission_matrix(request, client, login, objects, name, role, method, expected):
    if name in ("rounds:initiative_edit", "rounds:initiative_delete", "rounds:initiative_create") \
            or (name == "rounds:report" and method == "post"):
        # The coordinator's rights on answers hold while the report can be changed.
        objects.initiative.report.status = "returned"
        objects.initiative.report.save()
    builder, _expected, *query = MATRIX[name]
    url = reverse(name, kwargs=builder(objects)) + "".join(query)
    if role != "anonymous":
        login(request.getfixturevalue(role))
    # An empty POST: allowed users get the form back with errors (200), nothing changes.
    response = getattr(client, method)(url)
    assert response.status_code == expected
    if expected == 302 and name.startswith("admin:"):
        assert response["Location"].startswith(reverse("admin:login"))
    elif role == "anonymous" and expected == 302 and name != "logout":
        assert response["Location"].startswith(reverse("login"))


def _url_names(resolver=None, namespace=""):
    """Every named URL pattern the project serves, found by walking the resolver."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                yield "admin:index"  # the Django admin's many model views are Django's own
                continue
            yield from _url_names(entry, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_url_of_the_project_is_in_the_matrix():
    """A new view cannot be forgotten: every named URL needs its row above."""
    assert set(_url_names()) == set(MATRIX)
