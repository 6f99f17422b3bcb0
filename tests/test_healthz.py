import pytest
from django.db import OperationalError, ProgrammingError
from django.urls import reverse


@pytest.mark.django_db
def test_healthz_answers_200_without_login(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken_execute(self, sql, params=None):
        raise OperationalError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", broken_execute)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "down"


@pytest.mark.django_db
def test_a_database_error_is_a_500_page_that_leaks_nothing(client, login, coordinator, platform, settings,
                                                         monkeypatch):
    settings.DEBUG = False
    client = login(coordinator)
    client.raise_request_exception = False
    from platforms import selectors

    def broken(**kwargs):
        # A database error that is not an outage (those are a 503, below) is a plain 500.
        raise ProgrammingError('relation "platforms_platform" does not exist at password=geheim')

    monkeypatch.setattr(selectors, "platform_get", broken)
    response = client.get(platform.get_absolute_url())
    assert response.status_code == 500
    assert "Er ging iets mis" in response.text
    assert "Wat u eerder opsloeg, blijft bewaard" in response.text
    assert "platforms_platform" not in response.text and "geheim" not in response.text
    assert "Traceback" not in response.text


@pytest.mark.django_db
def test_a_save_cut_off_by_the_database_keeps_nothing_and_says_so(login, coordinator, platform, open_round, settings,
                                                                   monkeypatch):
    """The connection drops after the report row is written, before its notes: all or nothing."""
    from django.urls import reverse

    from rounds.models import Answer, Report

    from .factories import report_post_data

    settings.DEBUG = False
    client = login(coordinator)
    client.raise_request_exception = False

    def dropped(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    # The notes are written after the report and its answers (rounds.services.reports.answers_write).
    monkeypatch.setattr("rounds.services.reports._notes_write", dropped)
    url = reverse("rounds:report", kwargs={"round_slug": open_round.slug, "code": platform.code})
    response = client.post(url, report_post_data(save=""))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Uw laatste wijziging is niet opgeslagen" in response.text
    assert not Report.objects.exists()
    assert not Answer.objects.exists()
