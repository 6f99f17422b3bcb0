import time

import pytest

from accounts.models import Role
from lopportal.middleware import SEEN_KEY

from .factories import (
    PASSWORD,
    ClbFactory,
    MembershipFactory,
    PartnerFactory,
    PlatformFactory,
    ReportingRoundFactory,
    UserFactory,
)
from .second_factor_helpers import verify_session


@pytest.fixture
def admin_user(db):
    return UserFactory(username="beheerder", role=Role.ADMIN)


@pytest.fixture
def ministry_user(db):
    return UserFactory(username="analist", role=Role.MINISTRY)


@pytest.fixture
def coordinator(db):
    return UserFactory(username="coord-a", role=Role.COORDINATOR)


@pytest.fixture
def other_coordinator(db):
    return UserFactory(username="coord-b", role=Role.COORDINATOR)


@pytest.fixture
def platform(coordinator):
    """The coordinator's own platform, with a school, a CLB and a partner."""
    p = PlatformFactory(code="gent-bao", name="LOP Basisonderwijs Gent", coordinators=[coordinator])
    MembershipFactory(platform=p)
    MembershipFactory(platform=p, organisation=ClbFactory())
    MembershipFactory(platform=p, organisation=PartnerFactory())
    return p


@pytest.fixture
def other_platform(other_coordinator):
    """A platform the `coordinator` fixture has nothing to do with."""
    p = PlatformFactory(code="brugge-so", name="LOP Secundair Onderwijs Brugge", level="secundair",
                        coordinators=[other_coordinator])
    MembershipFactory(platform=p)
    return p


@pytest.fixture
def login(client):
    """Log the test client in as the given user and return it."""
    def _login(user):
        assert client.login(username=user.username, password=PASSWORD)
        # A login through the login page stamps the session's activity in the same save
        # (lopportal.middleware); client.login() bypasses the middleware, so stamp it here too.
        session = client.session
        session[SEEN_KEY] = int(time.time())
        session.save()
        if user.reads_everything:
            # Admins and ministry staff pass a second factor after the password (accounts/middleware.py).
            verify_session(client, user)
        return client
    return _login


@pytest.fixture
def open_round(db):
    """An open round with the four themes of the 2020 answer (created by a data migration)."""
    return ReportingRoundFactory(slug="corona-2020", title="Coronacrisis 2020")



@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the summary cache is keyed on data that tests recreate."""
    from django.core.cache import cache

    from rounds.questionnaire import forget_definitions

    cache.clear()
    forget_definitions()
