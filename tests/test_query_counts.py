"""Pinned query counts: enough rows that a query per row (N+1) would show."""

import pytest
from django.urls import reverse

from accounts.models import Role

from .factories import ClbFactory, MembershipFactory, PartnerFactory, PlatformFactory, UserFactory


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


# Session + user lookups of a logged-in request, before the view's own queries.
AUTH = 2


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
    # platform, coordinators, memberships with organisations (+ the coordinator's own platform ids)
    with django_assert_max_num_queries(AUTH + 4):
        response = client.get(platform.get_absolute_url())
    assert len(response.context["members"]["schools"]) == 34


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["ministry_user", "admin_user", "coordinator"])
def test_home(request, login, many_platforms, django_assert_max_num_queries, role):
    client = login(request.getfixturevalue(role))
    with django_assert_max_num_queries(AUTH + 2):
        assert client.get(reverse("home")).status_code == 200
