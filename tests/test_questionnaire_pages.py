"""The questionnaire builder's pages: who may use them, every change (all or nothing, errors next to
their fields), the read-only questionnaire of a round with a saved report, the preview per level,
the copy, and the XLSForm file in and out."""

import copy

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from rounds.models import Questionnaire
from rounds.seed.corona_2020 import SECTIONS
from rounds.spec import normalise_spec, spec_from_questionnaire
from rounds.views.questionnaires import locked_message
from rounds.xlsform import read_xlsform, write_xlsform

from .factories import ReportFactory, ReportingRoundFactory

ROLES = ["anonymous", "coordinator", "other_coordinator", "ministry_user", "admin_user"]
# {role: (GET status, POST status)}; None: not tried.
READ = {"anonymous": (302, None), "coordinator": (403, None), "other_coordinator": (403, None),
        "ministry_user": (200, None), "admin_user": (200, None)}
CHANGE = {"anonymous": (302, 302), "coordinator": (403, 403), "other_coordinator": (403, 403),
          "ministry_user": (403, 403), "admin_user": (200, 200)}  # an empty POST: the form with its errors
REMOVE = {**CHANGE, "admin_user": (200, 302)}  # the GET asks to confirm; the POST removes
# POST only (the method is checked first); the admin's POST moves the section or question down.
MOVE = {"anonymous": (302, 302), "coordinator": (405, 403), "other_coordinator": (405, 403),
        "ministry_user": (405, 403), "admin_user": (405, 302)}

SECTION = {"section_key": "registrations"}
QUESTION = {"question_key": "application_period_adjusted"}
# url name -> (kwargs, expected, POST data)
MATRIX = {
    "rounds:questionnaire": ({}, READ, {}),
    "rounds:questionnaire_preview": ({}, READ, {}),
    "rounds:questionnaire_download": ({}, READ, {}),
    "rounds:questionnaire_copy": ({}, CHANGE, {}),
    "rounds:questionnaire_upload": ({}, CHANGE, {}),
    "rounds:questionnaire_section_create": ({}, CHANGE, {}),
    "rounds:questionnaire_section_edit": (SECTION, CHANGE, {}),
    "rounds:questionnaire_section_move": (SECTION, MOVE, {"direction": "down"}),
    "rounds:questionnaire_section_remove": (SECTION, REMOVE, {}),
    "rounds:questionnaire_question_create": (SECTION, CHANGE, {}),
    "rounds:questionnaire_question_edit": (QUESTION, CHANGE, {}),
    "rounds:questionnaire_question_move": (QUESTION, MOVE, {"direction": "down"}),
    "rounds:questionnaire_question_remove": (QUESTION, REMOVE, {}),
    # Sentences only (tests/test_question_sentences.py); an admin's empty POST changes nothing and goes back.
    "rounds:questionnaire_sentences": ({}, {**CHANGE, "admin_user": (200, 302)}, {}),
}
# The pages that change what is asked (the sentences change nothing asked, and stay open once it is locked).
CHANGING = [name for name, (_kwargs, expected, _data) in MATRIX.items()
            if expected is not READ and name != "rounds:questionnaire_sentences"]


def url(round, name, **kwargs):
    return reverse(name, kwargs={"round_slug": round.slug, **kwargs})


def spec(round) -> list[dict]:
    return spec_from_questionnaire(Questionnaire.objects.get(round=round))


def version(round) -> int:
    return Questionnaire.objects.get(round=round).version


def keys(round) -> list[str]:
    return [q["key"] for s in spec(round) for q in s["questions"]]


def question(round, key) -> dict:
    return next(q for s in spec(round) for q in s["questions"] if q["key"] == key)


def question_data(**overrides) -> dict:
    """POST data of a question form: a yes/no question in the first section."""
    return {"section": "registrations", "key": "extra_question", "label": "Werd er extra geholpen?",
            "help_text": "", "kind": "yesno", "choices": "", "required": "on", "level": "", "relevant": "",
            "implied_when": "", "implied_value": "", "min_value": "", "max_value": "", **overrides}


def section_data(**overrides) -> dict:
    """POST data of a new section with its first question."""
    data = {"key": "learning_loss", "title": "Leerachterstand", "help_text": "", "level": "", "note_key": "",
            "note_label": ""}
    data.update({f"question-{name}": value for name, value in question_data(key="learning_loss_measured").items()
                 if name != "section"})
    data.update(overrides)
    return data


def field_errors(response, name: str, form: str = "form") -> list[str]:
    return list(response.context[form].errors.get(name, []))


@pytest.fixture
def admin(login, admin_user):
    return login(admin_user)


@pytest.fixture
def round(open_round):
    """An open round with the 2020 questionnaire and no report yet."""
    return open_round


# Who may use the pages ------------------------------------------------------------------------------------------


def _cases():
    for name, (_kwargs, expected, _data) in MATRIX.items():
        for role in ROLES:
            get_status, post_status = expected[role]
            yield pytest.param(name, role, "get", get_status, id=f"{name}-{role}-get")
            if post_status is not None:
                yield pytest.param(name, role, "post", post_status, id=f"{name}-{role}-post")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role", "method", "expected"), list(_cases()))
def test_permission_matrix(request, client, login, platform, other_platform, round, name, role, method, expected):
    kwargs, _expected, data = MATRIX[name]
    if role != "anonymous":
        login(request.getfixturevalue(role))
    before = spec(round)
    response = getattr(client, method)(url(round, name, **kwargs), data)
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    if expected != 302:
        assert spec(round) == before  # only an admin's move or removal changes something


@pytest.mark.django_db
def test_an_unknown_round_section_or_question_is_404(admin, round):
    assert admin.get(url(round, "rounds:questionnaire_section_edit", section_key="nope")).status_code == 404
    assert admin.get(url(round, "rounds:questionnaire_question_edit", question_key="nope")).status_code == 404
    assert admin.post(url(round, "rounds:questionnaire_question_move", question_key="nope"),
                      {"direction": "up"}).status_code == 404
    assert admin.get(reverse("rounds:questionnaire", kwargs={"round_slug": "nope"})).status_code == 404
    assert admin.post(url(round, "rounds:questionnaire_section_move", **SECTION),
                      {"direction": "sideways"}).status_code == 400


@pytest.mark.django_db
def test_round_page_links_to_the_questionnaire(login, admin_user, ministry_user, coordinator, platform, round):
    target = url(round, "rounds:questionnaire")
    for user, shown in ((admin_user, True), (ministry_user, True), (coordinator, False)):
        response = login(user).get(url(round, "rounds:detail"))
        assert (target in response.content.decode()) is shown


# The questionnaire page -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_page_lists_the_questionnaire_in_order_with_conditions_in_words(admin, round):
    response = admin.get(url(round, "rounds:questionnaire"))
    html = response.content.decode()
    positions = [html.index(f'id="question-{key}"') for key in keys(round)]
    assert positions == sorted(positions)
    # The implied answer of a question, in words with the wording of the question it depends on.
    implied = response.context["sections"][0].questions[1].implied
    assert "Maakte minstens één school in het LOP gebruik van een aanmeldingsprocedure?" in implied
    assert "Nee" in implied
    assert "Afspraken bijgestuurd" in html  # the choices
    assert url(round, "rounds:questionnaire_section_create") in html
    assert url(round, "rounds:questionnaire_question_move", question_key="newcomers") in html


@pytest.mark.django_db
def test_ministry_reads_the_questionnaire_without_controls(login, ministry_user, round):
    html = login(ministry_user).get(url(round, "rounds:questionnaire")).content.decode()
    assert "Afspraken bijgestuurd" in html
    assert url(round, "rounds:questionnaire_section_create") not in html
    assert "/move/" not in html and "/edit/" not in html and "/remove/" not in html


@pytest.mark.django_db
def test_page_query_count_is_pinned(admin, round, django_assert_max_num_queries):
    """Session, user, the session's second-factor device, the round with its questionnaire, its themes, the three of
    the definition (sections, questions, choices; cached after) and the lock check: no query per section or
    question."""
    big = copy.deepcopy(SECTIONS)
    for s_index, section in enumerate(big[:4]):
        section["questions"] += [{**copy.deepcopy(section["questions"][0]), "key": f"extra_{s_index}_{n}",
                                  "implied_when": "", "implied_value": ""} for n in range(12)]
    other = ReportingRoundFactory(questionnaire=big)
    for target, count in ((round, 12), (other, 60)):
        with django_assert_max_num_queries(9):
            response = admin.get(url(target, "rounds:questionnaire"))
        assert sum(len(s.questions) for s in response.context["sections"]) == count


# Sections ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_a_section_with_its_first_question(admin, round):
    before = version(round)
    response = admin.post(url(round, "rounds:questionnaire_section_create"), section_data())
    assert response.status_code == 302
    assert response["Location"].endswith("#section-learning_loss")
    sections = spec(round)
    assert sections[-1]["key"] == "learning_loss"
    assert [q["key"] for q in sections[-1]["questions"]] == ["learning_loss_measured"]
    assert version(round) == before + 1


@pytest.mark.django_db
def test_a_section_with_only_a_note(admin, round):
    data = {**section_data(note_key="other_note", note_label="Nog iets?"),
            "question-key": "", "question-label": "", "question-kind": ""}
    assert admin.post(url(round, "rounds:questionnaire_section_create"), data).status_code == 302
    assert spec(round)[-1]["questions"] == []
    # Without a note, a section needs its first question.
    data = {**section_data(key="empty"), "question-key": "", "question-label": "", "question-kind": ""}
    response = admin.post(url(round, "rounds:questionnaire_section_create"), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


@pytest.mark.django_db
def test_section_errors_are_shown_next_to_their_fields_and_nothing_is_saved(admin, round):
    before = spec(round)
    response = admin.post(url(round, "rounds:questionnaire_section_create"), section_data(**{
        "key": "registrations", "note_key": "newcomers_note", "note_label": "Opmerking",
        "question-key": "discussed", "question-relevant": "${nope} = 'yes'"}))
    assert response.status_code == 200
    assert field_errors(response, "key")  # another section has it
    assert field_errors(response, "note_key")  # another section's note has it
    question_form = response.context["question_form"]
    assert question_form.errors["key"]  # another question has it
    assert "${nope}" in question_form.errors["relevant"][0]
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert 'href="#id_question-relevant"' in html and 'href="#id_key"' in html
    assert spec(round) == before


@pytest.mark.django_db
def test_edit_a_section(admin, round):
    response = admin.post(url(round, "rounds:questionnaire_section_edit", section_key="preschool_arrangements"), {
        "key": "preschool_arrangements", "title": "Kleuters", "help_text": "Enkel basisonderwijs.",
        "level": "basis", "note_key": "preschool_note", "note_label": "Opmerking over kleuters"})
    assert response.status_code == 302
    section = spec(round)[2]
    assert (section["title"], section["note_label"]) == ("Kleuters", "Opmerking over kleuters")
    assert [q["key"] for q in section["questions"]] == ["preschool"]  # its questions stay


@pytest.mark.django_db
def test_a_section_level_that_its_questions_contradict_is_refused(admin, round):
    admin.post(url(round, "rounds:questionnaire_question_edit", question_key="newcomers"),
               {**question_data(section="newcomers_arrangements", key="newcomers", kind="choice",
                                choices="none|Geen\nadjusted|Bijgestuurd", level="secundair")})
    assert question(round, "newcomers")["level"] == "secundair"
    before = spec(round)
    response = admin.post(url(round, "rounds:questionnaire_section_edit", section_key="newcomers_arrangements"), {
        "key": "newcomers_arrangements", "title": "Nieuwkomers", "level": "basis", "note_key": "newcomers_note",
        "note_label": "Opmerking"})
    assert response.status_code == 200
    # The error is the question's: shown above the form, saying which question.
    assert any("newcomers" in error for error in response.context["form"].non_field_errors())
    assert spec(round) == before


@pytest.mark.django_db
def test_move_sections(admin, round):
    admin.post(url(round, "rounds:questionnaire_section_move", section_key="themes"), {"direction": "up"})
    assert [s["key"] for s in spec(round)][-2:] == ["themes", "excluded_arrangements"]
    admin.post(url(round, "rounds:questionnaire_section_move", section_key="registrations"), {"direction": "up"})
    assert spec(round)[0]["key"] == "registrations"  # already first: unchanged


@pytest.mark.django_db
def test_a_move_that_breaks_a_condition_is_refused_with_the_reason(admin, round):
    """The theme questions' conditions are on `discussed`: moving a later one above it is refused."""
    before = spec(round)
    response = admin.post(url(round, "rounds:questionnaire_question_move", question_key="agreements"),
                          {"direction": "up"}, follow=True)
    assert spec(round) == before
    messages = [str(m) for m in response.context["messages"]]
    assert any("discussed" in m and "agreements" in m for m in messages)


@pytest.mark.django_db
def test_remove_a_section_and_its_questions(admin, round):
    response = admin.get(url(round, "rounds:questionnaire_section_remove", section_key="preschool_arrangements"))
    assert "Afspraken over kleuterparticipatie" in response.content.decode()
    response = admin.post(url(round, "rounds:questionnaire_section_remove", section_key="preschool_arrangements"))
    assert response.status_code == 302
    assert "preschool" not in keys(round)
    assert "preschool_arrangements" not in [s["key"] for s in spec(round)]


@pytest.mark.django_db
def test_removing_a_question_that_others_depend_on_is_refused(admin, round):
    before = spec(round)
    response = admin.post(url(round, "rounds:questionnaire_question_remove", question_key="discussed"))
    assert response.status_code == 200
    assert any("agreements" in error for error in response.context["errors"])
    assert 'id="error-summary"' in response.content.decode()
    assert spec(round) == before
    # A whole section goes with the conditions on its questions.
    response = admin.post(url(round, "rounds:questionnaire_section_remove", section_key="registrations"))
    assert response.status_code == 302
    assert "registration_procedure_used" not in keys(round)


# Questions -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_a_question_at_the_end_of_its_section(admin, round):
    response = admin.post(url(round, "rounds:questionnaire_question_create", section_key="registrations"),
                          question_data(relevant="${registration_procedure_used} = 'yes'"))
    assert response.status_code == 302
    assert response["Location"].endswith("#question-extra_question")
    assert [q["key"] for q in spec(round)[0]["questions"]][-1] == "extra_question"
    page = admin.get(url(round, "rounds:questionnaire"))
    asked_when = page.context["sections"][0].questions[-1].asked_when
    assert "Maakte minstens één school in het LOP gebruik van een aanmeldingsprocedure?" in asked_when


@pytest.mark.django_db
def test_edit_a_question_and_its_choices(admin, round):
    response = admin.post(url(round, "rounds:questionnaire_question_edit", question_key="newcomers"), question_data(
        section="newcomers_arrangements", key="newcomers", label="Afspraken over nieuwkomers", kind="multiple",
        choices="adjusted|Afspraken bijgestuurd\n\n  none | Geen afspraken  \nnew|Nieuwe afspraken", required=""))
    assert response.status_code == 302
    edited = question(round, "newcomers")
    assert edited["label"] == "Afspraken over nieuwkomers"
    assert edited["kind"] == "multiple" and edited["required"] is False
    # Reordered, one removed (unchanged), one added.
    assert edited["choices"] == [("adjusted", "Afspraken bijgestuurd"), ("none", "Geen afspraken"),
                                 ("new", "Nieuwe afspraken")]


@pytest.mark.django_db
def test_the_edit_form_shows_the_question_as_it_is(admin, round):
    response = admin.get(url(round, "rounds:questionnaire_question_edit", question_key="newcomers"))
    form = response.context["form"]
    assert form.initial["choices"].splitlines()[0] == "none|Geen afspraken"
    assert form.initial["section"] == "newcomers_arrangements"


@pytest.mark.django_db
def test_question_errors_are_next_to_their_fields_and_nothing_is_saved(admin, round):
    before = spec(round)
    response = admin.post(url(round, "rounds:questionnaire_question_create", section_key="registrations"),
                          question_data(key="Bad Key", kind="number", choices="a|A", min_value="5", max_value="1",
                                        relevant="${registration_procedure_used} > 3",
                                        implied_when="${free_enrolment_period_adjusted} = 'yes'"))
    assert response.status_code == 200
    for name in ("key", "choices", "min_value", "relevant", "implied_value"):
        assert field_errors(response, name), name
    assert spec(round) == before
    # A choice line without its label, and a list question without choices.
    response = admin.post(url(round, "rounds:questionnaire_question_create", section_key="registrations"),
                          question_data(kind="choice", choices="first\nsecond|Tweede"))
    assert field_errors(response, "choices")
    response = admin.post(url(round, "rounds:questionnaire_question_create", section_key="registrations"),
                          question_data(kind="choice"))
    assert field_errors(response, "choices")
    assert spec(round) == before


@pytest.mark.django_db
def test_a_condition_on_a_later_question_is_refused(admin, round):
    before = spec(round)
    response = admin.post(url(round, "rounds:questionnaire_question_edit", question_key="registration_procedure_used"),
                          question_data(key="registration_procedure_used",
                                        relevant="${free_enrolment_period_adjusted} = 'yes'"))
    assert field_errors(response, "relevant")
    assert spec(round) == before


@pytest.mark.django_db
def test_renaming_a_key_that_conditions_use_names_those_questions(admin, round):
    before = spec(round)
    response = admin.post(url(round, "rounds:questionnaire_question_edit", question_key="discussed"),
                          question_data(section="themes", key="talked_about"))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "agreements" in errors and "informed" in errors
    assert spec(round) == before


@pytest.mark.django_db
def test_move_a_question_within_and_to_another_section(admin, round):
    admin.post(url(round, "rounds:questionnaire_question_move", question_key="free_enrolment_period_adjusted"),
               {"direction": "up"})
    assert [q["key"] for q in spec(round)[0]["questions"]][2:] == ["free_enrolment_period_adjusted",
                                                                   "enrolment_period_adjusted"]
    key = "free_enrolment_period_adjusted"
    response = admin.post(url(round, "rounds:questionnaire_question_edit", question_key=key),
                          question_data(section="excluded_arrangements", key=key))
    assert response.status_code == 302
    assert [q["key"] for q in spec(round)[3]["questions"]] == ["excluded_pupils", "free_enrolment_period_adjusted"]


@pytest.mark.django_db
def test_remove_a_question(admin, round):
    assert admin.post(url(round, "rounds:questionnaire_question_remove", question_key="informed")).status_code == 302
    assert "informed" not in keys(round)


# Read-only once a report is saved ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", CHANGING)
def test_a_locked_questionnaire_refuses_every_change(admin, round, platform, name):
    ReportFactory(round=round, platform=platform)
    before, before_version = spec(round), version(round)
    kwargs, _expected, data = MATRIX[name]
    target = url(round, name, **kwargs)
    post_data = {**data, **(section_data() if name.endswith("section_create") else {}),
                 **(question_data() if name.startswith("rounds:questionnaire_question_") else {})}
    response = admin.post(target, post_data)
    assert response.status_code == 403
    assert locked_message() in response.content.decode()
    if not name.endswith("_move"):
        assert admin.get(target).status_code == 403
    assert spec(round) == before and version(round) == before_version


@pytest.mark.django_db
def test_a_locked_questionnaire_says_so_and_has_no_controls(admin, round, platform):
    ReportFactory(round=round, platform=platform)
    html = admin.get(url(round, "rounds:questionnaire")).content.decode()
    assert locked_message() in html
    assert "/move/" not in html and "/edit/" not in html and "/remove/" not in html
    assert url(round, "rounds:questionnaire_section_create") not in html
    assert url(round, "rounds:questionnaire_upload") not in html
    assert url(round, "rounds:questionnaire_preview") in html  # reading stays


def test_the_locked_message_in_dutch():
    """Needs the Dutch translation in locale/nl (added with the other new strings of these pages)."""
    with translation.override("nl-be"):
        assert locked_message() == ("Deze bevraging heeft al een opgeslagen rapport: de vragenlijst kan niet meer "
                                    "wijzigen, omdat antwoorden dan iets anders zouden betekenen.")


# Preview -------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_preview_per_level(admin, round):
    basis = admin.get(url(round, "rounds:questionnaire_preview") + "?level=basis")
    secundair = admin.get(url(round, "rounds:questionnaire_preview") + "?level=secundair")
    assert 'name="preschool"' in basis.content.decode()
    assert 'name="preschool"' not in secundair.content.decode()  # a basis-only section
    assert "Afspraken over kleuterparticipatie" not in secundair.content.decode()
    for response in (basis, secundair):
        html = response.content.decode()
        main = html[html.index('<main'):]
        assert "<form" not in main  # nothing to send
        assert 'name="theme-laptops-discussed"' in main  # once per theme
        assert "disabled" in main
    assert admin.get(url(round, "rounds:questionnaire_preview") + "?level=x").context["level"] == "basis"


@pytest.mark.django_db
def test_preview_of_a_section_of_the_other_level_only(admin, login, ministry_user):
    sections = copy.deepcopy(SECTIONS)
    sections[0]["level"] = "secundair"
    for q in sections[0]["questions"]:
        q["level"] = ""
    target = ReportingRoundFactory(questionnaire=sections)
    basis = login(ministry_user).get(url(target, "rounds:questionnaire_preview") + "?level=basis")
    assert 'name="registration_procedure_used"' not in basis.content.decode()
    secundair = admin.get(url(target, "rounds:questionnaire_preview") + "?level=secundair")
    assert 'name="registration_procedure_used"' in secundair.content.decode()


# Copy ----------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_copy_the_questionnaire_of_an_earlier_round(admin, round):
    new = ReportingRoundFactory(slug="oekraine-2022", questionnaire=[])
    response = admin.get(url(new, "rounds:questionnaire_copy"))
    assert list(response.context["form"].fields["source"].queryset) == [round]  # only rounds with questions
    response = admin.post(url(new, "rounds:questionnaire_copy"), {"source": round.pk})
    assert response.status_code == 302
    assert spec(new) == spec(round)
    assert Questionnaire.objects.get(round=new).copied_from == round
    # Its own round is no choice.
    response = admin.post(url(new, "rounds:questionnaire_copy"), {"source": new.pk})
    assert response.status_code == 200 and response.context["form"].errors["source"]


@pytest.mark.django_db
def test_copy_when_no_round_has_questions(admin):
    only = ReportingRoundFactory(questionnaire=[])
    response = admin.get(url(only, "rounds:questionnaire_copy"))
    assert "<select" not in response.content.decode()


# XLSForm -------------------------------------------------------------------------------------------------------


def upload(data: bytes, name="vragenlijst.xlsx"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.mark.django_db
def test_download_round_trip(admin, round):
    response = admin.get(url(round, "rounds:questionnaire_download"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="corona-2020-vragenlijst.xlsx"'
    data = response.content
    sections, errors = read_xlsform(data, "corona-2020-vragenlijst.xlsx")
    assert errors == []
    assert sections == normalise_spec(spec(round))
    # The same file read back into another round: the same questionnaire.
    other = ReportingRoundFactory(questionnaire=[])
    response = admin.post(url(other, "rounds:questionnaire_upload"), {"file": upload(data)})
    assert response.status_code == 302
    assert spec(other) == spec(round)


@pytest.mark.django_db
def test_upload_replaces_the_questionnaire(admin, round):
    sections = copy.deepcopy(SECTIONS[:2])
    sections[1]["questions"][0]["kind"] = "multiple"
    before = version(round)
    response = admin.post(url(round, "rounds:questionnaire_upload"), {"file": upload(write_xlsform(sections))})
    assert response.status_code == 302
    assert [s["key"] for s in spec(round)] == ["registrations", "newcomers_arrangements"]
    assert question(round, "newcomers")["kind"] == "multiple"
    assert version(round) == before + 1


@pytest.mark.django_db
def test_a_bad_file_is_refused_whole_with_every_error(admin, round):
    bad = copy.deepcopy(SECTIONS)
    bad[0]["questions"][1]["implied_when"] = "${registration_procedure_used} > 'x'"
    bad[4]["questions"][0]["key"] = "Niet Goed"
    before, before_version = spec(round), version(round)
    response = admin.post(url(round, "rounds:questionnaire_upload"), {"file": upload(write_xlsform(bad))})
    assert response.status_code == 200
    errors = response.context["errors"]
    assert len(errors) >= 2
    assert any("implied_when" in error for error in errors)
    html = response.content.decode()
    assert all(escape(error) in html for error in errors)
    assert 'id="error-summary"' in html
    assert spec(round) == before and version(round) == before_version


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "data"), [
    ("vragenlijst.csv", b"type,name,label\n"),
    ("vragenlijst.xlsx", b"not a workbook"),
    ("groot.xlsx", b"x" * (2 * 1024 * 1024 + 1)),
])
def test_files_that_are_no_xlsform_are_refused(admin, round, name, data):
    before = spec(round)
    response = admin.post(url(round, "rounds:questionnaire_upload"), {"file": upload(data, name)})
    assert response.status_code == 200
    assert response.context["form"].errors or response.context["errors"]
    assert spec(round) == before


@pytest.mark.django_db
def test_an_upload_without_a_file_says_so(admin, round):
    response = admin.post(url(round, "rounds:questionnaire_upload"))
    assert response.context["form"].errors["file"]


def test_matrix_names_every_questionnaire_url():
    """A new page of the builder cannot be forgotten in the matrix above."""
    from rounds.urls import urlpatterns

    names = {f"rounds:{p.name}" for p in urlpatterns if p.name and p.name.startswith("questionnaire")}
    assert names == set(MATRIX)

