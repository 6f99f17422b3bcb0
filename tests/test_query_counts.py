"""Pinned query counts: enough rows that a query per row (N+1) would show."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role

from .factories import (
    ClbFactory,
    MembershipFactory,
    PartnerFactory,
    PlatformFactory,
    ReportFactory,
    ReportingRoundFactory,
    UserFactory,
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
    # level counts, rounds, platforms, reports (+ role counts and proposals waiting for admins)
    ("ministry_user", 4), ("admin_user", 6),
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
    with django_assert_max_num_queries(AUTH + 4):  # round, its themes, platforms, reports
        response = client.get(reverse("rounds:detail", kwargs={"round_slug": rounds_with_reports[0].slug}))
    assert response.context["overview"].submitted == (13 if role == "ministry_user" else 2)
