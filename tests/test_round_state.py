"""A round shows where it stands (not open yet, open, deadline passed, closed) everywhere it is listed."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import html

from rounds.models import ReportingRound, RoundState

from .factories import ReportingRoundFactory

DAY = datetime.timedelta(days=1)


def _round(**fields) -> ReportingRound:
    return ReportingRound(opens_on=datetime.date(2021, 5, 1), deadline=datetime.date(2021, 5, 31), **fields)


@pytest.mark.parametrize(("today", "state"), [
    (datetime.date(2021, 4, 30), RoundState.NOT_YET_OPEN),
    (datetime.date(2021, 5, 1), RoundState.OPEN),  # from the opening day
    (datetime.date(2021, 5, 31), RoundState.OPEN),  # until the end of the deadline's day
    (datetime.date(2021, 6, 1), RoundState.DEADLINE_PASSED),
])
def test_the_state_follows_the_dates(today, state):
    assert _round().state_on(today) == state


@pytest.mark.parametrize("today", [datetime.date(2021, 4, 1), datetime.date(2021, 5, 10), datetime.date(2021, 7, 1)])
def test_a_closed_round_is_closed_whatever_the_date(today):
    assert _round(closed_at=timezone.now()).state_on(today) == RoundState.CLOSED


def test_state_is_today_s(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: datetime.date(2021, 6, 1))
    assert _round().state == RoundState.DEADLINE_PASSED


@pytest.fixture
def rounds(platform):
    """One round in each state, all asking the coordinator's platform."""
    today = timezone.localdate()
    return {
        RoundState.NOT_YET_OPEN: ReportingRoundFactory(slug="later", opens_on=today + DAY, deadline=today + 30 * DAY),
        RoundState.OPEN: ReportingRoundFactory(slug="nu", opens_on=today, deadline=today),
        RoundState.DEADLINE_PASSED: ReportingRoundFactory(slug="voorbij", opens_on=today - 30 * DAY,
                                                          deadline=today - DAY),
        RoundState.CLOSED: ReportingRoundFactory(slug="dicht", closed_at=timezone.now()),
    }


def _badge(tree, container: str) -> str:
    [badge] = tree.xpath(f"{container}//*[contains(@class, 'lop-round-state')]")
    return badge.text_content().strip()


def _assert_each_card_shows_its_state(response, rounds):
    assert response.status_code == 200
    tree = html.fromstring(response.content)
    for state, round in rounds.items():
        assert _badge(tree, f"//*[@id='round-{round.slug}']") == state.label, round.slug


@pytest.mark.django_db
@pytest.mark.parametrize("user", ["admin_user", "ministry_user", "coordinator"])
def test_the_round_list_and_the_home_page_show_each_round_s_state(request, login, rounds, user):
    client = login(request.getfixturevalue(user))
    _assert_each_card_shows_its_state(client.get(reverse("rounds:list")), rounds)
    _assert_each_card_shows_its_state(client.get(reverse("home")), rounds)


@pytest.mark.django_db
@pytest.mark.parametrize("user", ["admin_user", "coordinator"])
def test_the_round_page_names_its_state_beside_its_title(request, login, rounds, user):
    client = login(request.getfixturevalue(user))
    for state, round in rounds.items():
        tree = html.fromstring(client.get(reverse("rounds:detail", kwargs={"round_slug": round.slug})).content)
        assert _badge(tree, "//h1") == state.label


@pytest.mark.django_db
def test_the_summary_and_the_questionnaire_name_the_round_s_state(login, ministry_user, rounds):
    client = login(ministry_user)
    for state, round in rounds.items():
        summary = client.get(reverse("rounds:summary", kwargs={"round_slug": round.slug}))
        assert _badge(html.fromstring(summary.content), "//h1") == state.label
        questionnaire = client.get(reverse("rounds:questionnaire", kwargs={"round_slug": round.slug}))
        assert _badge(html.fromstring(questionnaire.content), "//main") == state.label
