"""The rules of a questionnaire (rounds/spec.py) and the service that replaces or copies one."""

import copy

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import translation

from rounds.models import Choice, Question, Questionnaire, ReportingRound, Section
from rounds.questionnaire import definition_for
from rounds.seed.corona_2020 import SECTIONS
from rounds.services.questionnaires import questionnaire_copy, questionnaire_is_locked, questionnaire_replace
from rounds.spec import SpecError, normalise_spec, spec_from_questionnaire, validate_spec

from .factories import PlatformFactory, ReportFactory, ReportingRoundFactory, UserFactory


def question(key, kind="yesno", **extra) -> dict:
    return {"key": key, "label": key.replace("_", " ").capitalize(), "help_text": "", "kind": kind, "required": True,
            "level": "", "relevant": "", "implied_when": "", "implied_value": "", "min_value": None,
            "max_value": None, "choices": [], "sentence": "", **extra}


def section(key, questions, **extra) -> dict:
    return {"key": key, "title": key.capitalize(), "help_text": "", "level": "", "per_theme": False,
            "note_key": "", "note_label": "", "questions": questions, **extra}


COLOURS = [("red", "Rood"), ("green", "Groen"), ("blue", "Blauw")]


def custom_spec() -> list[dict]:
    """A questionnaire with every kind, both levels, a per-theme section, notes, conditions and implied answers."""
    return [
        section("general", [
            question("used", help_text="Uitleg bij de vraag.",
                     sentence="- In {{ used.yes.total }} van de {{ used.base.total }} LOP's werd het gebruikt."),
            question("colour", "choice", choices=COLOURS, relevant="${used} = 'yes'"),
            question("colours", "multiple", choices=COLOURS, required=False, level="secundair"),
            question("pupils", "number", min_value=0, max_value=5000,
                     relevant="${used} = 'yes' and (selected(${colours}, 'red') or ${colour} != 'blue')"),
            question("started", "date", required=False, implied_when="${used} = 'no'", implied_value="2022-02-24"),
            question("remark", "text", required=False, implied_when="${colour} = 'red'", implied_value="rood"),
        ], note_key="general_note", note_label="Opmerking"),
        section("per_theme", [
            question("discussed"),
            question("how", "multiple", choices=COLOURS, relevant="${discussed} = 'yes' and ${used} = 'yes'",
                     implied_when="${discussed} = 'no'", implied_value="red blue"),
        ], per_theme=True, note_key="theme_note", note_label="Opmerking bij het thema", level="basis"),
        section("only_a_note", [], note_key="closing_note", note_label="Nog iets?"),
    ]


def errors_of(sections) -> list[tuple]:
    with translation.override("en"):
        return [(e.section, e.question, e.field, e.message) for e in validate_spec(sections)]


def test_the_2020_questionnaire_and_a_custom_one_keep_every_rule():
    assert validate_spec(SECTIONS) == []
    assert validate_spec(custom_spec()) == []
    assert validate_spec([]) == []  # an empty questionnaire is allowed (a round in preparation)


def test_normalise_keeps_a_spec_as_it_is_and_fills_in_what_is_missing():
    assert normalise_spec(SECTIONS) == SECTIONS
    assert normalise_spec([{"key": " a ", "questions": [{"key": "b", "kind": "number", "min_value": "3"}]}]) == [
        section("a", [question("b", "number", label="", min_value=3)], title="")]


def _mutated(change) -> list[dict]:
    spec = custom_spec()
    change(spec)
    return spec


def _set(s, q, **fields):
    def change(spec):
        (spec[s] if q is None else spec[s]["questions"][q]).update(fields)
    return change


CASES = [
    # keys
    (_set(0, 5, key="Remark"), (0, 5, "key"), "lower-case letters"),
    (_set(0, 5, key=""), (0, 5, "key"), "Give a key"),
    (_set(0, 5, key="a" * 61), (0, 5, "key"), "at most 60"),
    (_set(1, 0, key="used"), (1, 0, "key"), "Another question has this key"),
    (_set(1, None, key="general"), (1, None, "key"), "Another section has this key"),
    (_set(1, None, note_key="general_note"), (1, None, "note_key"), "Another section's note has this key"),
    (_set(0, None, note_key="pupils"), (0, None, "note_key"), "A question has this key"),
    (_set(0, None, note_key=""), (0, None, "note_key"), "Give the note a key"),
    (_set(0, None, note_label=""), (0, None, "note_label"), "Give the note a label"),
    (_set(2, None, note_key="", note_label=""), (2, None, "questions"), "at least one question or a note"),
    (_set(0, None, title=""), (0, None, "title"), "Give a title"),
    (_set(0, 0, label=""), (0, 0, "label"), "wording"),
    (_set(0, 0, kind="scale"), (0, 0, "kind"), "Unknown kind"),
    (_set(0, 0, sentence="x" * 2001), (0, 0, "sentence"), "at most 2000"),
    # levels
    (_set(0, None, level="lager"), (0, None, "level"), "Unknown level"),
    (_set(1, 0, level="secundair"), (1, 0, "level"), "asked of basis platforms only"),
    # choices
    (_set(0, 1, choices=[]), (0, 1, "choices"), "at least one choice"),
    (_set(0, 1, choices=[("red", "Rood"), ("red", "Rood 2")]), (0, 1, "choices"), "“red” appears twice"),
    (_set(0, 1, choices=[("1 a", "Een")]), (0, 1, "choices"), "Choice “1 a”: use letters"),
    (_set(0, 1, choices=[("red", "")]), (0, 1, "choices"), "“red” has no label"),
    (_set(0, 0, choices=[("yes", "Ja")]), (0, 0, "choices"), "has no choices"),
    # limits
    (_set(0, 3, min_value=10, max_value=5), (0, 3, "min_value"), "minimum cannot be above the maximum"),
    (_set(0, 0, min_value=1), (0, 0, "min_value"), "Only a number question"),
    (_set(0, 3, max_value="veel"), (0, 3, "max_value"), "whole number"),
    # conditions
    (_set(0, 1, relevant="${used} == 'yes'"), (0, 1, "relevant"), "Expected a value in quotes"),
    (_set(0, 1, relevant="${used} > 'yes'"), (0, 1, "relevant"), "Cannot read the condition"),
    (_set(0, 1, relevant="${pupils} = '3'"), (0, 1, "relevant"), "not asked before this question"),
    (_set(0, 1, relevant="${colour} = 'red'"), (0, 1, "relevant"), "not asked before this question"),
    (_set(0, 1, relevant="${nothing} = 'yes'"), (0, 1, "relevant"), "There is no question ${nothing}"),
    (_set(0, 1, relevant="${used} = 'ja'"), (0, 1, "relevant"), "answered yes or no, not “ja”"),
    (_set(0, 2, relevant="${colour} = 'pink'"), (0, 2, "relevant"), "“pink” is not a choice of ${colour}"),
    (_set(0, 2, relevant="selected(${colour}, 'red')"), (0, 2, "relevant"), "selected() is only for"),
    (_set(0, 3, relevant="${colours} = 'red'"), (0, 3, "relevant"), "allows several answers"),
    (_set(0, 4, relevant="${pupils} = '3'"), (0, 4, "relevant"), "not a yes/no or list question"),
    (_set(2, None, questions=[question("late", relevant="${discussed} = 'yes'")]), (2, 0, "relevant"),
     "asked once per theme: a question asked once cannot depend on it"),
    (_set(0, 5, implied_when="${nothing} = 'x'"), (0, 5, "implied_when"), "There is no question ${nothing}"),
    # implied answers
    (_set(0, 4, implied_value=""), (0, 4, "implied_value"), "Give the answer that follows too"),
    (_set(0, 4, implied_when=""), (0, 4, "implied_when"), "Give the condition under which"),
    (_set(0, 4, implied_value="24/02/2022"), (0, 4, "implied_value"), "date as YYYY-MM-DD"),
    (_set(1, 1, implied_value="red pink"), (1, 1, "implied_value"), "names of red, green, blue"),
    (_set(0, 3, implied_when="${used} = 'no'", implied_value="9999"), (0, 3, "implied_value"),
     "outside the minimum and maximum"),
    (_set(1, 0, implied_when="${used} = 'no'", implied_value="ja"), (1, 0, "implied_value"), "yes or no"),
]


@pytest.mark.parametrize(("change", "where", "message"), CASES)
def test_each_rule_is_refused_at_its_field_with_a_message(change, where, message):
    errors = errors_of(_mutated(change))
    assert errors[0][:3] == where, errors
    assert message in errors[0][3]
    # Anything else refused follows from the same change (a condition on a choice no longer there, ...).
    assert len(errors) <= 3, errors


def test_a_question_asked_per_theme_refers_only_to_its_own_section_or_to_questions_asked_once():
    spec = custom_spec() + [section("second_theme", [question("other", relevant="${discussed} = 'yes'")],
                                    per_theme=True)]
    errors = errors_of(spec)
    assert [e[:3] for e in errors] == [(3, 0, "relevant")]
    assert "asked per theme in another section" in errors[0][3]


def test_every_error_is_listed_not_just_the_first():
    spec = custom_spec()
    spec[0]["questions"][0]["key"] = "Bad"
    spec[0]["questions"][1]["choices"] = []
    spec[1]["title"] = ""
    assert len(errors_of(spec)) >= 3


def test_messages_are_translated_when_dutch_is_active():
    spec = _mutated(_set(0, 1, relevant="${used} = 'ja'"))
    with translation.override("en"):
        english = validate_spec(spec)[0].message
    with translation.override("nl"):
        dutch = validate_spec(spec)[0].message
    assert isinstance(validate_spec(spec)[0], SpecError)
    # Translated once the catalogue has the msgid; until then the English text comes through unchanged.
    assert "${used}" in english and "${used}" in dutch


# The service ------------------------------------------------------------------------------------------------


@pytest.fixture
def admin(db):
    return UserFactory(username="beheer", role="admin")


@pytest.fixture
def empty_round(db):
    return ReportingRoundFactory(slug="nieuw", questionnaire=[])


def test_replace_writes_the_spec_and_reads_back_the_same(admin, empty_round):
    questionnaire = questionnaire_replace(actor=admin, round=empty_round, sections=SECTIONS)
    assert spec_from_questionnaire(questionnaire) == SECTIONS
    questionnaire = questionnaire_replace(actor=admin, round=empty_round, sections=custom_spec())
    assert spec_from_questionnaire(questionnaire) == custom_spec()
    assert Section.objects.filter(questionnaire=questionnaire).count() == 3
    assert Question.objects.filter(questionnaire=questionnaire).count() == 8
    assert Choice.objects.filter(question__questionnaire=questionnaire).count() == 9


def test_replace_raises_the_versions_so_that_every_reader_sees_the_new_questions(admin, empty_round):
    cache.clear()
    before = Questionnaire.objects.get(round=empty_round).version
    data_version = ReportingRound.objects.get(pk=empty_round.pk).data_version
    round = ReportingRound.objects.select_related("questionnaire").get(pk=empty_round.pk)
    assert definition_for(round).questions == {}
    questionnaire_replace(actor=admin, round=round, sections=custom_spec())
    assert Questionnaire.objects.get(round=round).version == before + 1
    assert ReportingRound.objects.get(pk=round.pk).data_version > data_version
    assert "pupils" in definition_for(round).questions  # the same round object, not reloaded
    fresh = ReportingRound.objects.select_related("questionnaire").get(pk=round.pk)
    assert list(definition_for(fresh).questions) == [q["key"] for s in custom_spec() for q in s["questions"]]


def test_a_kept_definition_follows_the_rounds_themes_and_their_wording(db):
    """Definitions are kept per process (issue #13's speed): a theme renamed, added or taken away is a new one."""
    from rounds.models import Theme

    round = ReportingRoundFactory(slug="themas")

    def load():
        return ReportingRound.objects.select_related("questionnaire").prefetch_related("themes").get(pk=round.pk)

    first = definition_for(load())
    assert len(first.themes) == 4
    assert definition_for(load()) is first  # kept: what it works out (the form's hints) is worked out once
    theme = Theme.objects.get(pk=first.themes[0].pk)
    Theme.objects.filter(pk=theme.pk).update(name="Laptops en internet")
    renamed = definition_for(load())
    assert renamed is not first and renamed.themes[0].name == "Laptops en internet"
    round.themes.remove(theme)
    assert theme.slug not in {t.slug for t in definition_for(load()).themes}


def test_replace_refuses_a_spec_with_every_error_and_changes_nothing(admin, empty_round):
    questionnaire_replace(actor=admin, round=empty_round, sections=SECTIONS)
    version = Questionnaire.objects.get(round=empty_round).version
    spec = custom_spec()
    spec[0]["questions"][0]["label"] = ""
    spec[1]["questions"][1]["relevant"] = "${nothing} = 'yes'"
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        questionnaire_replace(actor=admin, round=empty_round, sections=spec)
    assert len(refused.value.messages) == 2
    assert refused.value.messages[0] == "section 1 (general), question 1 (used): Give the question's wording."
    assert refused.value.messages[1].startswith("section 2 (per_theme), question 2 (how): There is no question")
    assert Questionnaire.objects.get(round=empty_round).version == version
    assert spec_from_questionnaire(Questionnaire.objects.get(round=empty_round)) == SECTIONS


def test_a_questionnaire_is_locked_once_its_round_has_a_saved_report(admin, empty_round):
    questionnaire_replace(actor=admin, round=empty_round, sections=SECTIONS)
    version = Questionnaire.objects.get(round=empty_round).version
    other = ReportingRoundFactory(slug="andere")
    ReportFactory(round=other, platform=PlatformFactory())
    assert not questionnaire_is_locked(empty_round)
    assert questionnaire_is_locked(other)

    ReportFactory(round=empty_round, platform=PlatformFactory())
    assert questionnaire_is_locked(empty_round)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        questionnaire_replace(actor=admin, round=empty_round, sections=custom_spec())
    assert refused.value.messages == [
        "This round already has a saved report: its questionnaire can no longer change."]
    with pytest.raises(ValidationError):
        questionnaire_copy(actor=admin, round=empty_round, source=other)
    assert Questionnaire.objects.get(round=empty_round).version == version
    assert spec_from_questionnaire(Questionnaire.objects.get(round=empty_round)) == SECTIONS


def test_copy_takes_the_spec_of_an_earlier_round_and_remembers_it(admin, empty_round):
    source = ReportingRoundFactory(slug="vorige", questionnaire=custom_spec())
    questionnaire = questionnaire_copy(actor=admin, round=empty_round, source=source)
    assert spec_from_questionnaire(questionnaire) == custom_spec()
    assert questionnaire.copied_from == source
    # The copy is the new round's own: changing it leaves the source as it was.
    changed = copy.deepcopy(custom_spec())
    changed[0]["questions"][0]["label"] = "Anders"
    questionnaire = questionnaire_replace(actor=admin, round=empty_round, sections=changed)
    assert questionnaire.copied_from == source
    assert spec_from_questionnaire(Questionnaire.objects.get(round=source)) == custom_spec()


def test_copy_refuses_the_round_itself_and_a_round_without_questions(admin, empty_round):
    with pytest.raises(ValidationError):
        questionnaire_copy(actor=admin, round=empty_round, source=empty_round)
    with pytest.raises(ValidationError):
        questionnaire_copy(actor=admin, round=empty_round, source=ReportingRoundFactory(questionnaire=[]))
