"""The report form guides the coordinator (issue #13): deadlines in words, a progress count the page's
script agrees with, live conditions as data, a confirmation step before submitting, saving before adding
an initiative, returning to where one was, and a returned report's comment on the home page."""

import datetime
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from rounds.deadlines import deadline_phrase
from rounds.forms import ReportForm
from rounds.models import Report
from rounds.presenters import YES_NO_INPUTS, condition_rules, progress
from rounds.questionnaire import IMPLIED, NOT_ASKED, condition_value, is_empty

from .factories import InitiativeFactory, ReportFactory, report_post_data
from .questionnaire_factories import give_questionnaire, question, section

FRIDAY = datetime.date(2026, 12, 18)


def _url(round, platform, name="rounds:report"):
    return reverse(name, kwargs={"round_slug": round.slug, "code": platform.code})


# Deadlines in words ---------------------------------------------------------------------------------------


def _days_left(count: int) -> str:
    return ngettext("%(count)d day left (until %(date)s)", "%(count)d days left (until %(date)s)", count) % {
        "count": count, "date": "vrijdag 18 december"}


def test_deadline_phrase_counts_the_days_left_with_the_weekday():
    assert deadline_phrase(FRIDAY, FRIDAY - datetime.timedelta(days=12)) == _days_left(12)
    assert "12" in _days_left(12) and "vrijdag 18 december" in _days_left(12)


def test_deadline_phrase_says_one_day_in_the_singular():
    one = deadline_phrase(FRIDAY, FRIDAY - datetime.timedelta(days=1))
    assert one == _days_left(1)
    assert one != _days_left(2).replace("2", "1")  # the singular, not "1 dagen"


def test_deadline_phrase_on_the_day_itself_and_after():
    today = deadline_phrase(FRIDAY, FRIDAY)
    assert today == gettext("today is the last day (%(date)s)") % {"date": "vrijdag 18 december"}
    past = deadline_phrase(FRIDAY, FRIDAY + datetime.timedelta(days=3))
    assert past == gettext("deadline passed on %(date)s") % {"date": "vrijdag 18 december"}
    assert deadline_phrase(None, FRIDAY) == ""


def test_deadline_phrase_names_the_year_when_it_is_not_this_year():
    assert "2027" in deadline_phrase(datetime.date(2027, 1, 8), FRIDAY)
    assert "2026" not in deadline_phrase(FRIDAY, FRIDAY - datetime.timedelta(days=5))


# The page script's rules, evaluated here as static/js/report-guide.js evaluates them ----------------------


def _holds(condition, effective) -> bool:
    if condition is None:
        return True
    value = effective.get(condition.get("column"), "")
    if condition["op"] in ("=", "!="):
        if isinstance(value, list):
            value = " ".join(sorted(value))
        return (value == condition["value"]) == (condition["op"] == "=")
    if condition["op"] == "selected":
        return condition["value"] in value if isinstance(value, list) else value == condition["value"]
    items = [_holds(item, effective) for item in condition["items"]]
    return all(items) if condition["op"] == "all" else any(items)


def _script_states(rules: dict, answers: dict) -> dict:
    """The script's resolve(): `answers` by column as the inputs give them (yes/no as "true"/"false")."""
    effective, states = {}, {}
    for rule in rules["questions"]:
        given = answers.get(rule["column"], "")
        if rule["kind"] == "yesno":
            given = rules["yes_no"].get(given, "")
        state = "asked"
        if rule.get("relevant") and not _holds(rule["relevant"], effective):
            state = NOT_ASKED
        elif rule.get("implied_when") and _holds(rule["implied_when"], effective):
            state = IMPLIED
        states[rule["column"]] = state
        if state == IMPLIED:
            effective[rule["column"]] = rule["implied"]
        elif state == "asked":
            effective[rule["column"]] = given
    return states


def _script_count(rules: dict, states: dict, answers: dict) -> tuple[int, int]:
    asked = [r for r in rules["questions"] if states[r["column"]] != NOT_ASKED]
    answered = [r for r in asked if states[r["column"]] == IMPLIED or answers.get(r["column"]) not in ("", [], None)]
    return len(answered), len(asked)


def _as_inputs(values: dict) -> dict:
    """Values by column as the form's inputs carry them."""
    inputs = {}
    reverse_yes_no = {v: k for k, v in YES_NO_INPUTS.items()}
    for column, value in values.items():
        if is_empty(value):
            continue
        value = condition_value(value)
        inputs[column] = sorted(value) if isinstance(value, frozenset) else reverse_yes_no.get(value, value)
    return inputs


CONDITIONAL = [
    section("start", [
        question("works", "Werkt het LOP?"),
        question("how", "Hoe?", kind="choice", choices=[("alone", "Alleen"), ("together", "Samen")],
                 relevant="${works} = 'yes'"),
        question("with_whom", "Met wie?", kind="multiple",
                 choices=[("schools", "Scholen"), ("cities", "Steden"), ("others", "Anderen")],
                 relevant="${works} = 'yes' and ${how} != 'alone'"),
        question("cities_helped", "Hielpen de steden?", relevant="selected(${with_whom}, 'cities')",
                 implied_when="${how} = 'alone' or ${works} = 'no'", implied_value="no"),
        question("only_schools", "Enkel scholen?", relevant="${how} = 'together' or (${works} = 'no')"),
        question("secundair_only", "Enkel secundair?", level="secundair", required=False),
    ]),
    section("per_theme", [
        question("discussed", "Besproken?"),
        question("agreed", "Afspraken?", implied_when="${discussed} = 'no'", implied_value="no"),
        question("about_work", "Over de werking?", relevant="${works} = 'yes'"),
    ], per_theme=True),
]


@pytest.mark.django_db
@pytest.mark.parametrize("level", ["basis", "secundair"])
def test_the_scripts_rules_ask_what_the_definition_asks(open_round, level):
    definition = give_questionnaire(open_round, CONDITIONAL)
    form = ReportForm(None, definition=definition, level=level, values={}, notes={}, version=0)
    rules = condition_rules(form)
    theme = definition.themes[0].slug
    choices = {
        "works": [None, "yes", "no"], "how": [None, "alone", "together"],
        "with_whom": [frozenset(), frozenset({"schools"}), frozenset({"cities", "schools"})],
        "cities_helped": [None, "yes"], f"theme:{theme}:discussed": [None, "yes", "no"],
        f"theme:{theme}:agreed": [None, "yes"],
    }
    checked = 0
    for combination in itertools.product(*choices.values()):
        values = dict(zip(choices, combination, strict=True))
        states = {column: state.status for column, state in definition.states(level, values).items()
                  if column in {r["column"] for r in rules["questions"]}}
        inputs = _as_inputs(values)
        script = _script_states(rules, inputs)
        assert script == states, values
        counted = progress(definition, level, values)
        assert _script_count(rules, script, inputs) == (counted.answered, counted.total), values
        checked += 1
    assert checked == 3 * 3 * 3 * 2 * 3 * 2
    # Not asked of the level: no field, no rule (and the page has nothing to hide).
    assert ("secundair_only" in {r["column"] for r in rules["questions"]}) == (level == "secundair")


@pytest.mark.django_db
def test_the_rules_tell_the_script_what_an_implied_answer_follows_from(open_round):
    definition = give_questionnaire(open_round)  # the questionnaire of 2020
    form = ReportForm(None, definition=definition, level="basis", values={}, notes={}, version=0)
    rules = {r["column"]: r for r in condition_rules(form)["questions"]}
    period = rules["application_period_adjusted"]
    assert period["implied_when"] == {"op": "=", "column": "registration_procedure_used", "value": "no"}
    assert period["implied"] == "no" and period["implied_inputs"] == ["false"]
    assert "Maakte minstens één school in het LOP gebruik van een aanmeldingsprocedure?" in period["implied_text"]
    agreements = rules["theme:laptops:agreements"]
    assert agreements["implied_when"]["column"] == "theme:laptops:discussed"  # the same theme's answer
    assert agreements["field"] == "theme-laptops-agreements" and agreements["section"] == "section-themes-laptops"


# Progress: the page counts the answers it shows -----------------------------------------------------------


@pytest.mark.django_db
def test_progress_counts_implied_answers_and_what_a_refused_save_shows(login, coordinator, platform, open_round):
    client = login(coordinator)
    client.post(_url(open_round, platform), {"loaded_version": "0", "registration_procedure_used": "true",
                                             "save": ""})
    # Posted: "no procedure" (two answers follow from it) and one answer more, then refused (a bad number of
    # characters in a note): the counter counts what the page shows, 1 + 2 + 1, not the 1 stored.
    data = {"loaded_version": "1", "registration_procedure_used": "false", "newcomers": "adjusted",
            "registrations_note": "x" * 5000, "save": ""}
    response = client.post(_url(open_round, platform), data)
    assert response.status_code == 200
    assert response.context["progress"].answered == 4 and response.context["progress"].total == 27
    assert response.context["progress"].sections["section-registrations"] == (3, 4)
    page = client.get(_url(open_round, platform))
    assert page.context["progress"].answered == 1


# Submitting: an overview to confirm first ----------------------------------------------------------------


@pytest.mark.django_db
def test_submit_shows_an_overview_and_only_confirming_submits(login, coordinator, platform, open_round):
    client = login(coordinator)
    data = report_post_data(submit="", anchor="section-newcomers_arrangements")
    response = client.post(_url(open_round, platform), data)
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "rounds/report_confirm.html"
    overview = response.context["overview"]
    assert (overview.answered, overview.total, overview.missing, overview.initiative_count) == (27, 27, [], 0)
    assert overview.initiatives_text in response.text  # "0 initiatieven: klopt dat?"
    assert not Report.objects.exists()
    # The answers travel along in hidden fields; "Terug naar het formulier" shows them in the form again.
    back = {name: value for name, value in data.items() if name != "submit"} | {"back": ""}
    response = client.post(_url(open_round, platform), back)
    assert response.status_code == 200 and not Report.objects.exists()
    assert 'value="adjusted" id="id_newcomers_2" class="form-check-input" checked' in response.text
    assert "Er is niets opgeslagen." not in response.text
    confirm = {name: value for name, value in data.items() if name != "submit"} | {"confirm_submit": ""}
    response = client.post(_url(open_round, platform), confirm)
    assert response.status_code == 302 and response.url == _url(open_round, platform)
    assert Report.objects.get().status == "submitted"


@pytest.mark.django_db
def test_the_overview_counts_the_initiatives(login, coordinator, platform, open_round):
    report = ReportFactory(round=open_round, platform=platform, version=1)
    InitiativeFactory.create_batch(2, report=report)
    response = login(coordinator).post(_url(open_round, platform), report_post_data(loaded_version="1", submit=""))
    assert response.context["overview"].initiative_count == 2
    assert response.context["overview"].initiatives_text == ngettext(
        "%(count)d initiative recorded.", "%(count)d initiatives recorded.", 2) % {"count": 2}


@pytest.mark.django_db
def test_an_incomplete_report_gets_no_confirmation_step(login, coordinator, platform, open_round):
    response = login(coordinator).post(_url(open_round, platform), report_post_data(submit="", newcomers=""))
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "rounds/report.html"
    assert 'href="#div_id_newcomers"' in response.text
    assert not Report.objects.exists()


# Saving: back where one was, or on to a new initiative ---------------------------------------------------


@pytest.mark.django_db
def test_a_save_returns_to_the_section_the_coordinator_was_at(login, coordinator, platform, open_round):
    client = login(coordinator)
    response = client.post(_url(open_round, platform), {"loaded_version": "0", "newcomers": "adjusted", "save": "",
                                                        "anchor": "section-themes-laptops"})
    assert response.status_code == 302 and response.url == _url(open_round, platform) + "#section-themes-laptops"
    response = client.post(_url(open_round, platform), {"loaded_version": "1", "save": "",
                                                        "anchor": '"><script>alert(1)</script>'})
    assert response.url == _url(open_round, platform)  # not an id: no fragment


@pytest.mark.django_db
def test_save_and_add_initiative_keeps_the_answers_as_a_draft(login, coordinator, platform, open_round):
    client = login(coordinator)
    response = client.post(_url(open_round, platform), {
        "loaded_version": "0", "newcomers": "adjusted", "registrations_note": "Getypt", "add_initiative": ""})
    assert response.status_code == 302
    assert response.url == _url(open_round, platform, "rounds:initiative_create")
    report = Report.objects.get()
    assert report.status == "draft" and report.notes.get().text == "Getypt"
    assert report.answers.get().value == "adjusted"


@pytest.mark.django_db
def test_save_and_add_initiative_does_not_check_required_questions_but_keeps_bad_input(login, coordinator, platform,
                                                                                        open_round):
    client = login(coordinator)
    response = client.post(_url(open_round, platform), {"loaded_version": "0", "newcomers": "bogus",
                                                        "registrations_note": "Getypt", "add_initiative": ""})
    assert response.status_code == 200 and "Getypt" in response.text  # shown again, nothing lost
    assert not Report.objects.exists()


# Deadlines and returns on the pages ----------------------------------------------------------------------


@pytest.mark.django_db
def test_home_and_report_say_how_many_days_are_left(login, coordinator, platform, open_round):
    today = timezone.localdate()
    open_round.deadline = today + datetime.timedelta(days=12)
    open_round.save()
    phrase = deadline_phrase(open_round.deadline, today)
    client = login(coordinator)
    assert phrase in client.get(reverse("home")).text
    assert phrase in client.get(_url(open_round, platform)).text


@pytest.mark.django_db
def test_a_returned_report_shows_its_comment_who_and_when_on_home_and_report(login, coordinator, ministry_user,
                                                                            platform, open_round):
    returned_at = timezone.now()
    ReportFactory(round=open_round, platform=platform, status="returned", returned_by=ministry_user,
                  returned_at=returned_at, return_comment="Graag de noot over kleuters aanvullen.")
    client = login(coordinator)
    who = ministry_user.get_full_name()
    for url in (reverse("home"), _url(open_round, platform)):
        page = client.get(url).text
        assert "Graag de noot over kleuters aanvullen." in page, url
        assert who in page, url
        assert timezone.localtime(returned_at).strftime("%d/%m/%Y") in page, url
    # On the report, first thing under the title: before the facts and the form.
    page = client.get(_url(open_round, platform)).text
    assert page.index("Graag de noot over kleuters") < page.index('class="row lop-facts') < page.index("report-form")
