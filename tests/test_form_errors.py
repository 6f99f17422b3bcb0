"""A form page shows one summary of every error, each field's linking to the field, and no second red box."""

import pytest
from django import forms
from django.template.loader import render_to_string
from django.urls import reverse
from lxml import html

from lopportal.forms import inline_form_helper
from rounds.models import Theme


class _Form(forms.Form):
    name = forms.CharField(label="Naam")
    kinds = forms.MultipleChoiceField(label="Soorten", choices=[("a", "A"), ("b", "B")],
                                      widget=forms.CheckboxSelectMultiple)
    level = forms.ChoiceField(label="Niveau", choices=[("basis", "Basis"), ("secundair", "Secundair")],
                              widget=forms.RadioSelect)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, whole_error: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.whole_error = whole_error
        self.helper = inline_form_helper()

    def clean(self):
        if self.whole_error:
            raise forms.ValidationError("Het geheel klopt niet.")
        return super().clean()


def _summary(tree):
    summaries = tree.xpath("//*[@id='error-summary']")
    assert len(summaries) == 1
    return summaries[0]


def _items(summary) -> list[tuple[str | None, str]]:
    """(link target, text) of each error in the summary."""
    result = []
    for item in summary.xpath(".//li"):
        links = item.xpath(".//a")
        result.append((links[0].get("href") if links else None, " ".join(item.text_content().split())))
    return result


def test_every_error_is_listed_once_with_a_link_to_its_field():
    form = _Form(data={"name": "", "level": "hoger", "version": "x"})
    tree = html.fromstring(render_to_string("components/form.html", {"form": form, "cancel_url": "/"}))
    summary = _summary(tree)
    assert summary.get("role") == "alert"
    assert summary.get("tabindex") == "-1"  # focusable, so a keyboard or screen reader user starts there
    items = _items(summary)
    assert items[0] == (None, "Het geheel klopt niet.")  # the form's own errors first, then the fields' in order
    assert [href for href, _text in items[1:]] == ["#id_name", "#id_kinds_0", "#id_level_0", None]
    assert items[1][1].startswith("Naam: ")
    assert items[2][1].startswith("Soorten: ")
    assert items[3][1].startswith("Niveau: ") and "hoger" in items[3][1]
    assert items[4][1] != ""  # a hidden field has no place to link to: its error is listed without a link
    # Every link leads to an element of the page.
    for href, _text in items[1:4]:
        assert tree.xpath(f"//*[@id='{href[1:]}']")


def test_no_second_box_and_field_errors_stay_next_to_their_fields():
    form = _Form(data={"name": "", "kinds": ["a"], "level": "basis", "version": "1"})
    page = render_to_string("components/form.html", {"form": form, "cancel_url": "/"})
    tree = html.fromstring(page)
    assert len(tree.xpath("//*[contains(@class, 'alert-danger')]")) == 1
    assert page.count("Het geheel klopt niet.") == 1
    feedback = tree.xpath("//*[@id='div_id_name']//*[contains(@class, 'invalid-feedback')]")
    assert feedback and feedback[0].text_content().strip() == str(form.errors["name"][0])


def test_a_valid_form_shows_no_summary():
    form = _Form(data={"name": "x", "kinds": ["a"], "level": "basis", "version": "1"}, whole_error=False)
    assert form.is_valid()
    assert "error-summary" not in render_to_string("components/form.html", {"form": form, "cancel_url": "/"})


@pytest.mark.django_db
def test_a_service_error_on_a_field_is_listed_in_the_one_box(login, admin_user, open_round, platform):
    """The round form: a theme that has answers in the round cannot be taken out (the service's refusal)."""
    from rounds.services.reports import report_save

    report_save(actor=platform.coordinators.first(), round=open_round, platform=platform, expected_version=0,
                values={"theme:laptops:discussed": "yes"}, notes={})
    data = {"slug": open_round.slug, "title": open_round.title, "period_start": "2020-03-16", "period_end": "",
            "opens_on": open_round.opens_on.isoformat(), "deadline": open_round.deadline.isoformat(),
            "themes": [Theme.objects.get(slug="family-support").pk]}
    response = login(admin_user).post(reverse("rounds:edit", kwargs={"round_slug": open_round.slug}), data)
    assert response.status_code == 200
    tree = html.fromstring(response.content)
    assert len(tree.xpath("//main//*[contains(@class, 'alert-danger')]")) == 1
    [(href, text)] = _items(_summary(tree))
    assert href == "#id_themes_0" and tree.xpath("//input[@id='id_themes_0']")  # the first theme's box
    assert "Verstrekken van laptops" in text
