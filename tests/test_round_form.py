"""The round form says in plain words what to change, next to the field and in one box, and saves nothing."""

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext
from lxml import html

from rounds.models import ReportingRound, Theme

SLUG_MESSAGE = "Use only lower-case letters, digits and hyphens, e.g. corona-2020."


def _data(**overrides):
    data = {"slug": "schoolsluiting-2021", "title": "Schoolsluiting 2021", "period_start": "2021-03-29",
            "period_end": "", "opens_on": "2021-05-01", "deadline": "2021-05-31",
            "themes": [Theme.objects.get(slug="laptops").pk]}
    data.update(overrides)
    return data


def _errors(response) -> dict[str, list[str]]:
    """The errors the page shows next to each field, by field id, and the summary's links."""
    tree = html.fromstring(response.content)
    shown = {}
    for feedback in tree.xpath("//form//*[contains(@class, 'invalid-feedback')]"):
        field = feedback.get("id").removesuffix("_error")
        shown[field] = [" ".join(e.text_content().split()) for e in feedback.xpath("./span")]
    shown["summary"] = [a.get("href") for a in tree.xpath("//*[@id='error-summary']//a")]
    shown["boxes"] = len(tree.xpath("//main//*[contains(@class, 'alert-danger')]"))
    return shown


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["Met spaties", "Corona-2020", "corona_2020", "corona--2020", "-corona", "ronde-é"])
def test_a_code_that_is_not_lower_case_letters_digits_and_hyphens_is_refused_in_plain_words(login, admin_user, slug):
    response = login(admin_user).post(reverse("rounds:create"), _data(slug=slug))
    assert response.status_code == 200
    errors = _errors(response)
    assert errors["id_slug"] == [gettext(SLUG_MESSAGE)]
    assert "slug’" not in response.text  # not Django's "Voer een geldige ‘slug’ in"
    assert errors["summary"] == ["#id_slug"] and errors["boxes"] == 1
    assert not ReportingRound.objects.filter(title="Schoolsluiting 2021").exists()


@pytest.mark.django_db
def test_a_good_code_is_taken(login, admin_user):
    response = login(admin_user).post(reverse("rounds:create"), _data(slug="oekraine-2022-2"))
    assert response.status_code == 302
    assert ReportingRound.objects.filter(slug="oekraine-2022-2").exists()


@pytest.mark.django_db
def test_a_fixed_code_is_not_checked_again_on_edit(login, admin_user):
    """A round made before the stricter rule (through the Django admin) can still be edited."""
    from .factories import ReportingRoundFactory

    round = ReportingRoundFactory(slug="Oude_Ronde")
    response = login(admin_user).post(reverse("rounds:edit", kwargs={"round_slug": round.slug}),
                                      _data(slug="Oude_Ronde", title="Nieuwe titel"))
    assert response.status_code == 302
    round.refresh_from_db()
    assert round.title == "Nieuwe titel"


@pytest.mark.django_db
def test_date_errors_are_in_words_next_to_the_date_to_change(login, admin_user):
    response = login(admin_user).post(reverse("rounds:create"),
                                      _data(period_end="2021-03-01", deadline="2021-04-30"))
    assert response.status_code == 200
    errors = _errors(response)
    assert errors["id_period_end"] == [
        gettext("The period cannot end before it starts (%(date)s): choose that day or a later one, or leave it "
                "empty.") % {"date": "29/03/2021"}]
    assert errors["id_deadline"] == [
        gettext("The deadline cannot be before the round opens (%(date)s): choose that day or a later one.")
        % {"date": "01/05/2021"}]
    assert errors["summary"] == ["#id_period_end", "#id_deadline"] and errors["boxes"] == 1
    # The database constraint's own message is not shown on top as well.
    assert gettext("The deadline cannot be before the opening date.") not in response.text
    assert not ReportingRound.objects.filter(title="Schoolsluiting 2021").exists()


@pytest.mark.django_db
def test_a_date_that_does_not_exist_says_how_to_write_one(login, admin_user):
    response = login(admin_user).post(reverse("rounds:create"), _data(opens_on="31/02/2021"))
    assert _errors(response)["id_opens_on"] == [gettext("Enter a date as day/month/year, e.g. 31/05/2021.")]


@pytest.mark.django_db
def test_a_deadline_on_the_opening_day_and_an_open_period_are_fine(login, admin_user):
    response = login(admin_user).post(reverse("rounds:create"), _data(opens_on="2021-05-01", deadline="2021-05-01"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_every_field_has_a_label_and_the_dates_explain_themselves(login, admin_user):
    tree = html.fromstring(login(admin_user).get(reverse("rounds:create")).content)
    for name in ("slug", "title", "period_start", "period_end", "opens_on", "deadline"):
        assert tree.xpath(f"//label[@for='id_{name}']"), name
    for name in ("slug", "title", "period_end", "opens_on", "deadline"):
        assert tree.xpath(f"//*[@id='id_{name}_helptext']"), name
    assert escape(gettext("Leave empty while the period is not over.")) in html.tostring(tree, encoding=str)
