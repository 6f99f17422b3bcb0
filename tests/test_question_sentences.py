"""The questions' sentences in the answer text: data that admins edit, checked against the round's figures, and
kept by every way a questionnaire is copied or written."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from rounds.models import Question, Questionnaire
from rounds.questionnaire import definition_for
from rounds.seed.corona_2020 import SECTIONS
from rounds.services.questionnaires import question_sentences_update, questionnaire_copy, questionnaire_is_locked
from rounds.spec import spec_from_questionnaire

from .factories import ReportingRoundFactory
from .questionnaire_factories import give_questionnaire, report_with_answers


def _url(round):
    return reverse("rounds:questionnaire_sentences", kwargs={"round_slug": round.slug})


def _sentence(round, key):
    return Question.objects.get(questionnaire__round=round, key=key).sentence


@pytest.fixture
def locked_round(open_round, platform, other_platform):
    """The round of 2020 with a submitted report: its questionnaire is locked."""
    give_questionnaire(open_round)
    report_with_answers(open_round, platform, {"registration_procedure_used": "yes", "newcomers": "adjusted",
                                               "theme:laptops:discussed": "yes"})
    assert questionnaire_is_locked(open_round)
    return open_round


@pytest.mark.django_db
def test_only_admins_edit_the_sentences(client, login, locked_round, ministry_user, coordinator):
    for user in (ministry_user, coordinator):
        login(user)
        assert client.get(_url(locked_round)).status_code == 403
        response = client.post(_url(locked_round), {"sentence-newcomers": "- Niets."})
        assert response.status_code == 403
    assert _sentence(locked_round, "newcomers") == SECTIONS[1]["questions"][0]["sentence"]


@pytest.mark.django_db
def test_the_page_shows_every_sentence_with_the_current_figures(login, admin_user, locked_round,
                                                                django_assert_max_num_queries):
    client = login(admin_user)
    with django_assert_max_num_queries(20):
        response = client.get(_url(locked_round))
    page = response.text
    assert response.status_code == 200
    assert 'name="sentence-newcomers"' in page and "{{ newcomers.unchanged+adjusted.total }}" in page
    # The preview: 1 platform with arrangements, of which 1 adjusted; linked to those platforms.
    assert ('<li><a class="figure" href="/rounds/corona-2020/summary/">1</a> LOP\'s hebben afspraken m.b.t. de '
            'toeleiding van anderstalige nieuwkomers. <a class="figure" href="/rounds/corona-2020/summary/platforms/'
            '?question=newcomers&amp;value=adjusted">1</a> LOP\'s hiervan') in page
    # A question asked per theme is previewed for the round's first theme, its name in place of {theme}.
    assert "Verstrekken van laptops: in <a class=\"figure\"" in page


@pytest.mark.django_db
def test_an_admin_saves_sentences_also_when_the_questionnaire_is_locked(login, admin_user, locked_round):
    version = Questionnaire.objects.get(round=locked_round).version
    data_version = locked_round.data_version
    response = login(admin_user).post(_url(locked_round), {
        "sentence-newcomers": "- {{ newcomers.adjusted.total }} LOP's stuurden hun afspraken bij.",
        "sentence-preschool": "",  # blank: the default sentence of its kind
        "sentence-excluded_pupils": "-",  # left out of the answer
    })
    assert response.status_code == 302
    assert _sentence(locked_round, "newcomers") == "- {{ newcomers.adjusted.total }} LOP's stuurden hun afspraken bij."
    assert _sentence(locked_round, "preschool") == "" and _sentence(locked_round, "excluded_pupils") == "-"
    assert _sentence(locked_round, "registration_procedure_used") != ""  # not sent: not changed
    locked_round.refresh_from_db()
    assert Questionnaire.objects.get(round=locked_round).version == version + 1  # the cached definition is renewed
    assert locked_round.data_version == data_version + 1  # and the cached summary that holds it
    text = login(admin_user).get(reverse("rounds:answer", kwargs={"round_slug": locked_round.slug})) \
        .context["answer"].text
    assert "- 1 LOP's stuurden hun afspraken bij." in text
    assert "- Afspraken over kleuterparticipatie: Geen afspraken bij 0" in text
    assert "uitgesloten" not in text


@pytest.mark.django_db
def test_a_sentence_with_a_figure_that_does_not_exist_is_refused_next_to_it_and_nothing_is_saved(
        login, admin_user, locked_round):
    before = {q.key: q.sentence for q in Question.objects.filter(questionnaire__round=locked_round)}
    with translation.override("en"):
        response = login(admin_user).post(_url(locked_round), {
            "sentence-newcomers": "- {{ newcomers.maybe.total }} LOP's twijfelden.",
            "sentence-preschool": "- In 21 van de {{ preschool.base.total }} LOP's.",
            "sentence-excluded_pupils": "- {theme}: {{ excluded_pupils.none.total }}",
            "sentence-discussed": "{theme}: {{ discussed.yes.total }} en {{ agreements.maybe.basis }}",
            "sentence-informed": "{{ informed.yes.total }} LOP's informeerden.",  # a good one: not saved either
        })
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["newcomers"] == [
        "{{ newcomers.maybe.total }}: the question newcomers has no answer “maybe” (possible: none, unchanged, "
        "adjusted, base)."]
    assert form.errors["preschool"] == [
        "A number typed as text (figure without a source): 21. Write every figure as a reference, e.g. "
        "{{ key.yes.total }}."]
    assert form.errors["excluded_pupils"] == [
        "{theme} stands for the theme's name: only a question asked per theme has one."]
    # Checked for every theme of the round, in the theme's columns.
    assert "{{ theme:laptops:agreements.maybe.basis }}: the question theme:laptops:agreements has no answer" \
        in form.errors["discussed"][0]
    assert "informed" not in form.errors
    assert 'id="id_sentence-newcomers-errors"' in response.text
    assert {q.key: q.sentence for q in Question.objects.filter(questionnaire__round=locked_round)} == before


@pytest.mark.django_db
def test_the_service_refuses_an_unknown_question(locked_round, admin_user):
    with pytest.raises(ValidationError) as refused:
        question_sentences_update(actor=admin_user, round=locked_round, sentences={"nope": "x"})
    assert list(refused.value.message_dict) == ["nope"]


@pytest.mark.django_db
def test_a_copy_of_the_questionnaire_keeps_its_sentences(admin_user, locked_round):
    question_sentences_update(actor=admin_user, round=locked_round,
                              sentences={"newcomers": "- {{ newcomers.adjusted.total }} bijgestuurd."})
    target = ReportingRoundFactory(slug="volgende", questionnaire=[])
    questionnaire_copy(actor=admin_user, round=target, source=locked_round)
    assert _sentence(target, "newcomers") == "- {{ newcomers.adjusted.total }} bijgestuurd."
    assert spec_from_questionnaire(target.questionnaire) == spec_from_questionnaire(locked_round.questionnaire)
    target.refresh_from_db()
    assert definition_for(target).questions["newcomers"].sentence == "- {{ newcomers.adjusted.total }} bijgestuurd."


@pytest.mark.django_db
def test_the_questionnaire_page_links_to_the_sentences_for_admins_only(login, admin_user, ministry_user,
                                                                       locked_round):
    page = reverse("rounds:questionnaire", kwargs={"round_slug": locked_round.slug})
    assert f'href="{_url(locked_round)}"' in login(admin_user).get(page).text
    assert f'href="{_url(locked_round)}"' not in login(ministry_user).get(page).text


@pytest.mark.django_db
def test_editing_a_question_in_the_builder_keeps_its_sentence(login, admin_user, open_round):
    give_questionnaire(open_round)
    sentence = _sentence(open_round, "application_period_adjusted")
    assert sentence.startswith("Door de maatregelen")
    response = login(admin_user).post(
        reverse("rounds:questionnaire_question_edit",
                kwargs={"round_slug": open_round.slug, "question_key": "application_period_adjusted"}),
        {"section": "registrations", "key": "application_period_adjusted", "label": "Aanmeldingsperiode aangepast?",
         "help_text": "", "kind": "yesno", "choices": "", "required": "on", "level": "", "relevant": "",
         "implied_when": "${registration_procedure_used} = 'no'", "implied_value": "no", "min_value": "",
         "max_value": ""})
    assert response.status_code == 302
    question = Question.objects.get(questionnaire__round=open_round, key="application_period_adjusted")
    assert (question.label, question.sentence) == ("Aanmeldingsperiode aangepast?", sentence)
