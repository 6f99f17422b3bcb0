"""Pinned query counts: enough rows that a query per row (N+1) would show."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role

from .factories import (
    ClbFactory,
    InitiativeFactory,
    MembershipFactory,
    PartnerFactory,
    PlatformFactory,
    ReportFactory,
    ReportingRoundFactory,
    UserFactory,
    report_post_data,
)


@pytest.fixture
def many_platforms(coordinator):
    platforms = []
    for i in range(25):
        coordinators = [coordinator] if i < 3 else [UserFactory(role=Role.COORDINATOR), UserFactory()]
        platform = PlatformFactory(coordinators=coordinators, level="basis" if i % 2 else "secundair")
        MembershipFactory.create_batch(4, platform=platform)
        MembershipFactory(platform=platform, organisation=ClbFactory())
        MembershipFactory(platform=platform, organisation=PartnerFactory())
        platforms.append(platform)
    return platforms


# Session + user lookups of a logged-in request, before the view's own queries, and for admins and ministry
# staff the second-factor device their session passed (django-otp checks it is still there).
AUTH = 3


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["ministry_user", "admin_user", "coordinator"])
def test_platform_list(request, login, many_platforms, django_assert_max_num_queries, role):
    client = login(request.getfixturevalue(role))
    with django_assert_max_num_queries(AUTH + 2):  # platforms with counts, their coordinators
        response = client.get(reverse("platforms:list"))
    expected = 3 if role == "coordinator" else 25
    assert response.context["platforms"].count() == expected


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["ministry_user", "coordinator"])
def test_platform_detail(request, login, many_platforms, django_assert_max_num_queries, role):
    platform = many_platforms[0]
    MembershipFactory.create_batch(30, platform=platform)
    MembershipFactory.create_batch(10, platform=platform, organisation__kind="partner",
                                   organisation__instellingsnummer="", organisation__onderwijsnet="",
                                   organisation__partner_category="welfare")
    client = login(request.getfixturevalue(role))
    # platform, coordinators, memberships with organisations (+ the coordinator's own platform ids and the
    # proposed changes to shared members made from the platform)
    with django_assert_max_num_queries(AUTH + 5):
        response = client.get(platform.get_absolute_url())
    assert len(response.context["members"]["schools"]) == 34


@pytest.fixture
def rounds_with_reports(many_platforms):
    rounds = ReportingRoundFactory.create_batch(3)
    for rnd in rounds:
        for platform in many_platforms[::2]:
            ReportFactory(round=rnd, platform=platform, status="submitted", submitted_at=timezone.now())
    return rounds


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "queries"), [
    # level counts, rounds, platforms, reports (+ role counts, proposals waiting and failed mails for admins)
    ("ministry_user", 4), ("admin_user", 7),
    # coordinated platforms and their coordinators, rounds, platforms, reports
    ("coordinator", 5),
])
def test_home(request, login, rounds_with_reports, django_assert_max_num_queries, role, queries):
    client = login(request.getfixturevalue(role))
    with django_assert_max_num_queries(AUTH + queries):
        response = client.get(reverse("home"))
    assert len(response.context["overviews"]) == 3


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["ministry_user", "coordinator"])
def test_round_list_and_detail(request, login, rounds_with_reports, django_assert_max_num_queries, role):
    client = login(request.getfixturevalue(role))
    with django_assert_max_num_queries(AUTH + 3):  # rounds, platforms, reports
        assert client.get(reverse("rounds:list")).status_code == 200
    url = reverse("rounds:detail", kwargs={"round_slug": rounds_with_reports[0].slug})
    with django_assert_max_num_queries(AUTH + 3):  # round, its themes, platforms with reports and last reminders
        response = client.get(url)
    assert response.context["overview"].submitted == (13 if role == "ministry_user" else 2)
    with django_assert_max_num_queries(AUTH + 3):  # sorted and filtered: the same query
        response = client.get(url, {"sort": "-reminder", "status": "submitted", "level": "secundair"})
    assert len(response.context["overview"].shown) == (13 if role == "ministry_user" else 2)
    if role == "ministry_user":
        with django_assert_max_num_queries(AUTH + 3):  # the file: the same rows
            response = client.get(reverse("rounds:status_xlsx", kwargs={"round_slug": rounds_with_reports[0].slug}))
        assert response.status_code == 200


@pytest.mark.django_db
def test_mail_list(login, admin_user, django_assert_max_num_queries):
    from mail.models import Mail, MailStatus

    Mail.objects.bulk_create([
        Mail(kind="invitation", recipients=[f"p{i}@example.be"], subject=f"Mail {i}", body="…",
             status=MailStatus.FAILED if i % 2 else MailStatus.QUEUED, attempts=i % 7)
        for i in range(60)
    ])
    client = login(admin_user)
    with django_assert_max_num_queries(AUTH + 2):  # the count, one page of mails
        response = client.get(reverse("mail:list"))
    assert len(response.context["page"].object_list) == 50


@pytest.mark.django_db
def test_round_reminders_page(login, admin_user, open_round, django_assert_max_num_queries):
    from rounds.models import Reminder

    for i in range(20):
        platform = PlatformFactory(coordinators=UserFactory.create_batch(2, role=Role.COORDINATOR))
        if i % 3 == 0:
            ReportFactory(round=open_round, platform=platform, status="returned", returned_at=timezone.now(),
                          returned_by=admin_user, return_comment="Aanvullen.")
        if i % 5 == 0:
            Reminder.objects.create(round=open_round, platform=platform, sent_on=timezone.localdate(),
                                    sent_at=timezone.now(), recipients="x@example.be")
    client = login(admin_user)
    # round, reports with who returned them, today's reminders, platforms, their coordinators, the reminders sent
    with django_assert_max_num_queries(AUTH + 6):
        response = client.get(reverse("rounds:reminders", kwargs={"round_slug": open_round.slug}))
    assert len(response.context["plan"].mails) == 32


@pytest.mark.django_db
def test_summary_page(login, ministry_user, rounds_with_reports, django_assert_num_queries):
    """Issue #14: the summary page's queries do not depend on the platforms or questions; built once per
    version of the figures, a request then reads only the round, the previous round's version and who is missing."""
    from django.core.cache import cache

    earlier = rounds_with_reports[0]
    earlier.opens_on -= datetime.timedelta(days=365)
    earlier.save()
    url = reverse("rounds:summary", kwargs={"round_slug": rounds_with_reports[1].slug})
    client = login(ministry_user)
    cache.clear()
    # Built: the round, the previous round's version, then its row with its themes; per round its questionnaire's
    # structure (3; the round's own questionnaire and themes +2) and its summary (6: the 2020 questions have no
    # numbers); the platforms that have not submitted and their coordinators.
    with django_assert_num_queries(AUTH + 26):
        response = client.get(url)
    assert response.context["summary"].submitted.total == 13
    with django_assert_num_queries(AUTH + 4):  # cached: the round, the previous round's version, the missing (2)
        client.get(url)


@pytest.mark.django_db
def test_report_page_save_and_autosave(login, coordinator, platform, open_round, django_assert_num_queries):
    """Issue #13: the report page, a draft save and an autosave take the same queries whatever the number of
    questions, answers, notes and initiatives; a save writes only what changed, in one statement per table."""
    from rounds.models import Report

    kwargs = {"round_slug": open_round.slug, "code": platform.code}
    url, autosave_url = reverse("rounds:report", kwargs=kwargs), reverse("rounds:report_autosave", kwargs=kwargs)
    client = login(coordinator)
    first = report_post_data(save="", **{"theme-laptops-note": "Eerste"})  # every question answered: version 1
    assert client.post(url, first).status_code == 302
    InitiativeFactory.create_batch(3, report=Report.objects.get())
    client.get(url)
    # A coordinator's session and user (no second factor); the round and its themes; the platform (among those
    # the coordinator coordinates: that also says they answer for it); the report, its answers, notes, initiatives
    # and their target groups.
    with django_assert_num_queries(2 + 8):
        response = client.get(url)
    assert response.status_code == 200
    # A save reads the round and its themes, the platform and the report's row (not its answers, notes or
    # initiatives: the form holds what was posted, and a save that succeeds redirects); then, in one transaction
    # (here a savepoint and its release), the version claimed and the report read back, its answers and notes
    # read; two answers and two notes changed: per table one UPDATE, one history INSERT and one audit INSERT; the
    # round's draft version raised.
    changes = {"registrations_note": "Anders", "newcomers": "unchanged", "theme-laptops-note": "Nieuw",
               "excluded_pupils": "adjusted"}
    with django_assert_num_queries(2 + 4 + 13):
        response = client.post(url, report_post_data(loaded_version="1", save="", **changes))
    assert response.status_code == 302
    # The autosave: the same.
    changes = {"registrations_note": "Weer anders", "newcomers": "adjusted", "theme-laptops-note": "Nieuwer",
               "excluded_pupils": "unchanged"}
    with django_assert_num_queries(2 + 4 + 13):
        response = client.post(autosave_url, report_post_data(loaded_version="2", **changes))
    assert response.status_code == 200 and response.json()["version"] == 3
