"""The return form shows the report it is about: its answers per section, its notes and its initiatives."""

import pytest
from django.urls import reverse

from rounds.models import Report

from .factories import InitiativeFactory, report_post_data


def _url(round, platform, name="rounds:report_return"):
    return reverse(name, kwargs={"round_slug": round.slug, "code": platform.code})


@pytest.fixture
def submitted(login, coordinator, platform, open_round):
    login(coordinator).post(_url(open_round, platform, "rounds:report"),
                            report_post_data(confirm_submit="", registrations_note="Aanmeldperiode <b>verlengd</b>."))
    report = Report.objects.get()
    assert report.status == "submitted"
    InitiativeFactory.create_batch(3, report=report)
    return report


@pytest.mark.django_db
def test_the_return_form_shows_the_answers_beside_the_comment(login, ministry_user, submitted, open_round, platform):
    response = login(ministry_user).get(_url(open_round, platform))
    assert response.status_code == 200
    page = response.text
    sections = response.context["sections"]
    assert len(sections) >= 3 and all(section.title in page for section in sections)
    question = sections[0].questions[0]
    assert question.question.label in page and question.display in page
    assert "Aanmeldperiode &lt;b&gt;verlengd&lt;/b&gt;." in page  # the note, escaped
    assert response.context["initiative_count"] == 3 and "3 initiatieven" in page
    # The comment field is on the same page, in a column of its own beside the answers on a wide screen.
    assert 'name="comment"' in page and 'class="col-lg-7"' in page and 'class="col-lg-5"' in page
    assert page.index("Aanmeldperiode &lt;b&gt;verlengd") < page.index('name="comment"')


@pytest.mark.django_db
def test_a_report_that_cannot_be_returned_shows_why_not_the_form(login, ministry_user, coordinator, platform,
                                                                 open_round):
    login(coordinator).post(_url(open_round, platform, "rounds:report"), report_post_data(save=""))
    page = login(ministry_user).get(_url(open_round, platform)).text
    assert 'name="comment"' not in page and 'role="note"' in page


@pytest.mark.django_db
def test_an_empty_comment_keeps_the_answers_and_returns_nothing(login, ministry_user, submitted, open_round,
                                                                platform):
    response = login(ministry_user).post(_url(open_round, platform), {"comment": ""})
    assert response.status_code == 200 and response.context["sections"]
    assert Report.objects.get().status == "submitted"
