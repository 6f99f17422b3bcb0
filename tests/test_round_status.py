"""The round page's status table: sorted and filtered from the query string, with its counts and downloads."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from rounds.models import Reminder

from .factories import PlatformFactory, ReportFactory, ReportingRoundFactory


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


TODAY = datetime.date(2026, 3, 20)


@pytest.fixture
def situation(db, platform, other_platform):
    """Five platforms of one round: submitted on two days, a draft, a returned report, one not started;
    two of them reminded. `platform` (gent-bao, basis) and `other_platform` (brugge-so, secundair) are two."""
    round = ReportingRoundFactory(slug="status-ronde", title="Statusronde")
    aalst = PlatformFactory(code="aalst-bao", name="LOP Basisonderwijs Aalst")
    zottegem = PlatformFactory(code="zottegem-so", name="LOP Aalst-Zottegem Secundair", level="secundair")
    ieper = PlatformFactory(code="ieper-bao", name="LOP Basisonderwijs Ieper")
    ReportFactory(round=round, platform=platform, status="submitted", submitted_at=_at(TODAY))
    ReportFactory(round=round, platform=other_platform, status="submitted",
                  submitted_at=_at(TODAY - datetime.timedelta(days=5)), reopened=True)
    ReportFactory(round=round, platform=aalst, status="draft")
    ReportFactory(round=round, platform=zottegem, status="returned", submitted_at=_at(TODAY))
    for target, day in ((aalst, TODAY - datetime.timedelta(days=2)), (aalst, TODAY - datetime.timedelta(days=1)),
                        (ieper, TODAY - datetime.timedelta(days=3))):
        Reminder.objects.create(round=round, platform=target, sent_on=day, sent_at=_at(day), recipients="x@example.be")
    PlatformFactory(code="buiten-lop", name="LOP Buiten de ronde", rounds=[])
    return round


def _url(round, name="rounds:detail"):
    return reverse(name, kwargs={"round_slug": round.slug})


def _codes(response) -> list[str]:
    return [row.platform.code for row in response.context["overview"].shown]


@pytest.mark.django_db
def test_the_table_lists_every_platform_of_the_round_with_its_dates(login, ministry_user, situation):
    response = login(ministry_user).get(_url(situation))
    assert response.status_code == 200
    # Default order: by level, then name.
    assert _codes(response) == ["aalst-bao", "gent-bao", "ieper-bao", "zottegem-so", "brugge-so"]
    page = response.text
    assert "20/03/2026" in page  # gent-bao's submitted date
    assert "19/03/2026" in page  # aalst's last reminder, not the earlier one
    assert "18/03/2026" not in page
    rows = {row.platform.code: row for row in response.context["overview"].rows}
    assert rows["zottegem-so"].submitted_on is None  # returned: no longer submitted
    assert rows["ieper-bao"].status == "" and rows["ieper-bao"].last_reminder == datetime.date(2026, 3, 17)
    assert "buiten-lop" not in page
    assert "5 van 5 platformen" in page or "5 of 5 platforms" in page


@pytest.mark.django_db
@pytest.mark.parametrize(("sort", "expected"), [
    ("platform", ["zottegem-so", "aalst-bao", "gent-bao", "ieper-bao", "brugge-so"]),
    ("-platform", ["brugge-so", "ieper-bao", "gent-bao", "aalst-bao", "zottegem-so"]),
    ("status", ["ieper-bao", "aalst-bao", "zottegem-so", "gent-bao", "brugge-so"]),
    ("-status", ["gent-bao", "brugge-so", "zottegem-so", "aalst-bao", "ieper-bao"]),
    # Platforms without a date come last in both directions.
    ("submitted", ["brugge-so", "gent-bao", "aalst-bao", "ieper-bao", "zottegem-so"]),
    ("-submitted", ["gent-bao", "brugge-so", "aalst-bao", "ieper-bao", "zottegem-so"]),
    ("-reminder", ["aalst-bao", "ieper-bao", "gent-bao", "zottegem-so", "brugge-so"]),
    ("reminder", ["ieper-bao", "aalst-bao", "gent-bao", "zottegem-so", "brugge-so"]),
    ("-level", ["zottegem-so", "brugge-so", "aalst-bao", "gent-bao", "ieper-bao"]),
    ("nonsense", ["aalst-bao", "gent-bao", "ieper-bao", "zottegem-so", "brugge-so"]),
])
def test_every_column_sorts(login, admin_user, situation, sort, expected):
    assert _codes(login(admin_user).get(_url(situation), {"sort": sort})) == expected


@pytest.mark.django_db
def test_headers_are_sort_links_saying_how_the_table_is_sorted(login, ministry_user, situation):
    client = login(ministry_user)
    page = client.get(_url(situation), {"sort": "submitted", "status": "submitted"}).text
    assert 'aria-sort="ascending"' in page and page.count("aria-sort=") == 1
    # A second click on the column reverses it, and the filter is kept.
    assert 'href="?sort=-submitted&amp;status=submitted"' in page or \
        'href="?status=submitted&amp;sort=-submitted"' in page
    page = client.get(_url(situation), {"sort": "-submitted"}).text
    assert 'aria-sort="descending"' in page


@pytest.mark.django_db
def test_filters_by_status_level_dates_and_reminder(login, ministry_user, situation):
    client = login(ministry_user)

    def codes(**query):
        return sorted(_codes(client.get(_url(situation), query)))

    assert codes(status="submitted") == ["brugge-so", "gent-bao"]
    assert codes(status="not_started") == ["ieper-bao"]
    assert codes(status="returned") == ["zottegem-so"]
    assert codes(level="secundair") == ["brugge-so", "zottegem-so"]
    assert codes(status="submitted", level="basis") == ["gent-bao"]
    assert codes(submitted_from="2026-03-16") == ["gent-bao"]
    assert codes(submitted_to="15/03/2026") == ["brugge-so"]
    assert codes(submitted_from="2026-03-15", submitted_to="2026-03-20") == ["brugge-so", "gent-bao"]
    assert codes(reminder="none") == ["brugge-so", "gent-bao", "zottegem-so"]
    assert codes(reminder="sent") == ["aalst-bao", "ieper-bao"]
    response = client.get(_url(situation), {"status": "submitted"})
    assert response.context["overview"].submitted == 2 and len(response.context["overview"].rows) == 5
    assert "2 van 5 platformen" in response.text or "2 of 5 platforms" in response.text


@pytest.mark.django_db
def test_a_filter_that_does_not_parse_is_named_and_ignored_never_a_500(login, ministry_user, situation):
    client = login(ministry_user)
    response = client.get(_url(situation), {"status": "kapot", "submitted_from": "31/02/2026", "level": "basis"})
    assert response.status_code == 200
    assert sorted(_codes(response)) == ["aalst-bao", "gent-bao", "ieper-bao"]  # the level still applies
    assert response.context["filter_form"].errors.keys() == {"status", "submitted_from"}
    assert 'role="alert"' in response.text
    response = client.get(_url(situation), {"submitted_from": "2026-03-20", "submitted_to": "2026-03-01"})
    assert response.status_code == 200 and "submitted_to" in response.context["filter_form"].errors
    assert client.get(_url(situation), {"sort": "\x00", "level": "\x00"}).status_code == 200


@pytest.mark.django_db
def test_a_coordinator_sees_only_their_platforms_without_reminders_or_downloads(login, coordinator, situation):
    response = login(coordinator).get(_url(situation), {"sort": "-reminder"})
    assert _codes(response) == ["gent-bao"]
    assert response.context["overview"].sort == "level"  # the reminder column is not theirs to sort by
    assert not response.context["overview"].shows_reminders
    assert _url(situation, "rounds:status_csv") not in response.text
    for name in ("rounds:status_csv", "rounds:status_xlsx"):
        assert login(coordinator).get(_url(situation, name)).status_code == 403


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.django_db
def test_csv_has_the_pages_rows_in_the_pages_order(login, ministry_user, situation):
    response = login(ministry_user).get(_url(situation, "rounds:status_csv"),
                                        {"status": "submitted", "sort": "-submitted"})
    assert response.status_code == 200
    assert 'filename="status-ronde-status.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    assert len(rows[0]) == 7
    assert [row[0] for row in rows[1:]] == ["gent-bao", "brugge-so"]
    gent = rows[1]
    assert gent[1] == "LOP Basisonderwijs Gent" and gent[5] == "2026-03-20" and gent[6] == ""
    assert rows[2][6] == "" and rows[2][4] in ("ja", "yes")  # reopened
    # "CSV voor Excel": the same rows, separated by semicolons.
    response = login(ministry_user).get(_url(situation, "rounds:status_csv"), {"status": "submitted",
                                                                              "dialect": "excel"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 3 and lines[0].count(";") == 6 and lines[1].startswith("gent-bao;")


@pytest.mark.django_db
def test_xlsx_has_the_same_rows_with_real_dates(login, admin_user, situation):
    response = login(admin_user).get(_url(situation, "rounds:status_xlsx"), {"reminder": "sent", "sort": "platform"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["aalst-bao", "ieper-bao"]
    aalst = rows[1]
    reminded = aalst[6].date() if isinstance(aalst[6], datetime.datetime) else aalst[6]
    assert reminded == datetime.date(2026, 3, 19)
    assert aalst[5] in (None, "")  # a draft has no submitted date


@pytest.mark.django_db
def test_downloads_404_for_an_unknown_round(login, ministry_user, situation):
    client = login(ministry_user)
    assert client.get(reverse("rounds:status_csv", kwargs={"round_slug": "nope"})).status_code == 404
    assert client.get(reverse("rounds:status_xlsx", kwargs={"round_slug": "nope"})).status_code == 404
