"""The history page of a report: every recorded change, per save, as old → new per question in Dutch words."""

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rounds.history import report_history
from rounds.models import Answer, Note, Question, Report, ReportingRound, Section, Theme
from rounds.services import reports as services

from .factories import InitiativeFactory, ReportingRoundFactory

REGISTRATIONS_NOTE = "Opmerking over de inschrijvingen"
PROCEDURE = "Maakte minstens één school in het LOP gebruik van een aanmeldingsprocedure?"
APPLICATION = "Werd de aanmeldingsperiode aangepast?"
ENROLMENT = "Werd de inschrijvingsperiode voor aangemelde leerlingen aangepast?"
NEWCOMERS = "Afspraken over de toeleiding van anderstalige nieuwkomers"
AGREEMENTS = "Maakte het LOP hierover afspraken?"
# The page is in Dutch (the site's language).
NOT_ANSWERED, CHANGED, CREATED = "niet beantwoord", "gewijzigd", "aangemaakt"
THEMES = ["laptops", "reaching-all-pupils", "family-support", "summer-schools-reading"]


def _complete(level="basis"):
    values = {"registration_procedure_used": "yes", "application_period_adjusted": "yes",
              "enrolment_period_adjusted": "no", "free_enrolment_period_adjusted": "no",
              "newcomers": "adjusted", "excluded_pupils": "unchanged"}
    if level == "basis":
        values["preschool"] = "unchanged"
    for slug in THEMES:
        values.update({f"theme:{slug}:discussed": "yes", f"theme:{slug}:agreements": "no",
                       f"theme:{slug}:actions": "yes", f"theme:{slug}:exchange": "yes",
                       f"theme:{slug}:informed": "no"})
    return values


@pytest.fixture
def clock():
    """Time that moves only when told: the rows of one save share a moment, saves are minutes apart."""
    moment = [timezone.now()]
    with mock.patch("django.utils.timezone.now", side_effect=lambda: moment[0]):
        def advance(minutes=5):
            moment[0] += datetime.timedelta(minutes=minutes)
        yield advance


def _save(actor, round, platform, values, notes=None, *, submit=False):
    version = Report.objects.filter(round=round, platform=platform).values_list("version", flat=True).first() or 0
    return services.report_save(actor=actor, round=round, platform=platform, expected_version=version,
                                values=values, notes=notes or {}, submit=submit)


def _history(report):
    """The history of the report as a page would show it, with a freshly loaded round."""
    return report_history(Report.objects.select_related("round", "platform").get(pk=report.pk))


def _changes(entry) -> dict[str, tuple[str, str]]:
    return {change.label: (change.old, change.new) for change in entry.changes}


@pytest.mark.django_db
def test_a_draft_then_a_change_then_submit_shows_old_and_new_per_question(clock, coordinator, platform, open_round):
    _save(coordinator, open_round, platform, {"registration_procedure_used": "yes", "newcomers": "none"})
    clock()
    _save(coordinator, open_round, platform, {"registration_procedure_used": "yes", "newcomers": "adjusted",
                                              "application_period_adjusted": "yes"})
    clock()
    report = _save(coordinator, open_round, platform, {**_complete(), "application_period_adjusted": "no"},
                   submit=True)

    submitted, changed, created = _history(report)
    assert [e.action for e in (submitted, changed, created)] == [CHANGED, CHANGED, CREATED]
    assert all(e.subject == "Rapport" and e.who == coordinator for e in (submitted, changed, created))
    assert submitted.when > changed.when > created.when

    assert _changes(created) == {PROCEDURE: (NOT_ANSWERED, "Ja"), NEWCOMERS: (NOT_ANSWERED, "Geen afspraken")}
    assert _changes(changed) == {NEWCOMERS: ("Geen afspraken", "Afspraken bijgestuurd"),
                                 APPLICATION: (NOT_ANSWERED, "Ja")}
    changes = _changes(submitted)
    assert changes["status"] == ("Concept", "Ingediend")
    assert changes[APPLICATION] == ("Ja", "Nee")
    assert changes[ENROLMENT] == (NOT_ANSWERED, "Nee")
    assert changes["Verstrekken van laptops – Kwam dit thema ter sprake in het LOP?"] == (NOT_ANSWERED, "Ja")
    assert PROCEDURE not in changes and NEWCOMERS not in changes  # not changed by this save
    # The report's own change first, then the answers in the questionnaire's order.
    labels = [c.label for c in submitted.changes]
    assert labels[0] == "status"
    assert labels.index(APPLICATION) < labels.index(ENROLMENT) < labels.index(
        "Verstrekken van laptops – Kwam dit thema ter sprake in het LOP?")


@pytest.mark.django_db
def test_saves_a_moment_apart_stay_apart(coordinator, platform, open_round):
    """Without the clock: the rows of quick saves are told apart by the rows they write (one per answer a save)."""
    _save(coordinator, open_round, platform, {"newcomers": "unchanged"})
    _save(coordinator, open_round, platform, {"newcomers": "adjusted"}, {"registrations_note": "Noot"})
    report = _save(coordinator, open_round, platform, _complete(), {"registrations_note": "Noot"}, submit=True)

    submitted, changed, created = _history(report)
    assert _changes(created) == {NEWCOMERS: (NOT_ANSWERED, "Afspraken ongewijzigd")}
    assert _changes(changed) == {NEWCOMERS: ("Afspraken ongewijzigd", "Afspraken bijgestuurd"),
                                 REGISTRATIONS_NOTE: ("–", "Noot")}
    assert _changes(submitted)["status"] == ("Concept", "Ingediend")
    assert _changes(submitted)[PROCEDURE] == (NOT_ANSWERED, "Ja")
    assert (created.action, changed.action, submitted.action) == (CREATED, CHANGED, CHANGED)


@pytest.mark.django_db
def test_the_history_page_shows_the_changes(clock, login, coordinator, platform, open_round):
    _save(coordinator, open_round, platform, {"registration_procedure_used": "yes"})
    clock()
    _save(coordinator, open_round, platform, {"registration_procedure_used": "no"})
    response = login(coordinator).get(reverse("rounds:report_history",
                                              kwargs={"round_slug": open_round.slug, "code": platform.code}))
    assert response.status_code == 200
    content = response.content.decode()
    assert PROCEDURE in content
    assert "<td>Ja</td><td>Nee</td>" in content


@pytest.mark.django_db
def test_a_change_of_several_of_a_list_shows_the_options_before_and_after(clock, coordinator, platform):
    round = ReportingRoundFactory(questionnaire=[{
        "key": "reception", "title": "Onthaal", "note_key": "reception_note", "note_label": "Opmerking",
        "questions": [
            {"key": "support", "label": "Welke ondersteuning bood het LOP?", "kind": "multiple",
             "choices": [("buddies", "Buddy's"), ("language", "Taalbad"), ("transport", "Vervoer")]},
            {"key": "pupils", "label": "Hoeveel leerlingen werden onthaald?", "kind": "number", "min_value": 0},
            {"key": "since", "label": "Sinds wanneer?", "kind": "date"},
        ]}])
    _save(coordinator, round, platform, {"support": frozenset({"language", "buddies"}), "pupils": 12,
                                         "since": datetime.date(2022, 3, 7)})
    clock()
    _save(coordinator, round, platform, {"support": frozenset({"language", "transport"}), "pupils": 15,
                                         "since": datetime.date(2022, 3, 7)})
    clock()
    report = _save(coordinator, round, platform, {"pupils": 15})

    removed, changed, created = _history(report)
    assert _changes(created) == {"Welke ondersteuning bood het LOP?": (NOT_ANSWERED, "Buddy's, Taalbad"),
                                 "Hoeveel leerlingen werden onthaald?": (NOT_ANSWERED, "12"),
                                 "Sinds wanneer?": (NOT_ANSWERED, "07/03/2022")}
    assert _changes(changed) == {"Welke ondersteuning bood het LOP?": ("Buddy's, Taalbad", "Taalbad, Vervoer"),
                                 "Hoeveel leerlingen werden onthaald?": ("12", "15")}
    assert _changes(removed) == {"Welke ondersteuning bood het LOP?": ("Taalbad, Vervoer", NOT_ANSWERED),
                                 "Sinds wanneer?": ("07/03/2022", NOT_ANSWERED)}


@pytest.mark.django_db
def test_note_changes_are_shown(clock, coordinator, platform, open_round):
    _save(coordinator, open_round, platform, {}, {"registrations_note": "Eerste versie."})
    clock()
    _save(coordinator, open_round, platform, {}, {"registrations_note": "Tweede versie.",
                                                  "theme:laptops:note": "Laptops via de stad."})
    clock()
    report = _save(coordinator, open_round, platform, {}, {"theme:laptops:note": "Laptops via de stad."})

    removed, changed, created = _history(report)
    assert _changes(created) == {REGISTRATIONS_NOTE: ("–", "Eerste versie.")}
    assert _changes(changed) == {REGISTRATIONS_NOTE: ("Eerste versie.", "Tweede versie."),
                                 "Verstrekken van laptops – Opmerking": ("–", "Laptops via de stad.")}
    assert _changes(removed) == {REGISTRATIONS_NOTE: ("Tweede versie.", "–")}


@pytest.mark.django_db
def test_implied_answers_that_appear_are_shown(clock, coordinator, platform, open_round):
    _save(coordinator, open_round, platform, {"registration_procedure_used": "yes",
                                              "application_period_adjusted": "yes"})
    clock()
    report = _save(coordinator, open_round, platform, {"registration_procedure_used": "no",
                                                       "theme:laptops:discussed": "no"})

    changed, _created = _history(report)
    changes = _changes(changed)
    assert changes[PROCEDURE] == ("Ja", "Nee")
    assert changes[APPLICATION] == ("Ja", "Nee")  # follows from "no procedure"
    assert changes[ENROLMENT] == (NOT_ANSWERED, "Nee")
    assert changes[f"Verstrekken van laptops – {AGREEMENTS}"] == (NOT_ANSWERED, "Nee")  # follows from "not discussed"
    assert [label for label in changes if AGREEMENTS in label] == [f"Verstrekken van laptops – {AGREEMENTS}"]


@pytest.mark.django_db
def test_status_changes_without_answers_stay_entries_of_their_own(clock, coordinator, ministry_user, platform,
                                                                    open_round):
    from rounds.services.reports import report_return

    report = _save(coordinator, open_round, platform, _complete(), submit=True)
    clock()
    report_return(actor=ministry_user, report=Report.objects.get(pk=report.pk), comment="Graag de noot aanvullen.")

    returned, submitted = _history(report)
    assert returned.who == ministry_user
    assert _changes(returned)["status"] == ("Ingediend", "Teruggestuurd")
    assert _changes(returned)["opmerking bij terugsturen"] == ("–", "Graag de noot aanvullen.")
    assert submitted.action == CREATED
    assert _changes(submitted)[PROCEDURE] == (NOT_ANSWERED, "Ja")


def _queries(report) -> int:
    with CaptureQueriesContext(connection) as context:
        entries = _history(report)
    assert entries
    return len(context.captured_queries) - 1  # less the report's own lookup in _history


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_history(clock, coordinator, platform, open_round,
                                                              django_assert_max_num_queries):
    report = _save(coordinator, open_round, platform, _complete(), {"registrations_note": "Noot 0"})
    InitiativeFactory(report=report)
    clock()
    _history(report)  # the questionnaire's structure is cached from here on
    few = _queries(report)
    for i in range(1, 15):
        values = _complete()
        values["newcomers"] = ["none", "unchanged", "adjusted"][i % 3]
        values.update({f"theme:{THEMES[i % 4]}:{key}": "no"
                       for key in ("discussed", "agreements", "actions", "exchange", "informed")})
        report = _save(coordinator, open_round, platform, values, {"registrations_note": f"Noot {i}",
                                                                   f"theme:{THEMES[i % 4]}:note": f"Thema {i}"})
        if i % 5 == 0:
            InitiativeFactory(report=report)
        clock()
    report = _save(coordinator, open_round, platform, _complete(), submit=True)
    assert len([entry for entry in _history(report) if entry.subject == "Rapport"]) == 16  # one per save
    assert _queries(report) == few
    fresh = Report.objects.get(pk=report.pk)
    # The round, its questionnaire and its themes, the report's rows, the answer rows, the note rows,
    # the initiatives' rows with their four many-to-many snapshots and the objects they name (two
    # queries each); the questionnaire's structure is cached.
    with django_assert_max_num_queries(15):
        report_history(fresh)


@pytest.mark.django_db
def test_history_in_the_shape_the_data_migration_left_it(coordinator, platform, open_round):
    """Rows of answers that no longer exist (id 0), written directly as the migration does."""
    other = ReportingRoundFactory(questionnaire=[{"key": "old", "title": "Vroeger", "questions": [
        {"key": "old_question", "label": "Een oude vraag", "kind": "yesno"}]}])
    report = Report.objects.create(round=open_round, platform=platform, version=1)
    procedure = Question.objects.get(questionnaire__round=open_round, key="registration_procedure_used")
    discussed = Question.objects.get(questionnaire__round=open_round, key="discussed")
    old_question = Question.objects.get(questionnaire__round=other, key="old_question")
    registrations = Section.objects.get(questionnaire__round=open_round, key="registrations")
    laptops = Theme.objects.get(slug="laptops")
    first = timezone.now() - datetime.timedelta(days=30)
    second = first + datetime.timedelta(days=1)
    Report.history.filter(id=report.pk).update(history_date=first - datetime.timedelta(hours=1),
                                               history_user=coordinator)
    HistoricalAnswer, HistoricalNote = Answer.history.model, Note.history.model
    common = {"report_id": report.pk, "history_change_reason": None, "history_user": coordinator}
    HistoricalAnswer.objects.bulk_create([
        HistoricalAnswer(id=0, question_id=procedure.pk, kind="yesno", value="yes", history_type="+",
                         history_date=first, **common),
        HistoricalAnswer(id=0, question_id=discussed.pk, theme_id=laptops.pk, kind="yesno", value="no",
                         history_type="+", history_date=first, **common),
        HistoricalAnswer(id=0, question_id=old_question.pk, kind="yesno", value="yes", history_type="+",
                         history_date=first, **common),
        HistoricalAnswer(id=0, question_id=procedure.pk, kind="yesno", value="no", history_type="~",
                         history_date=second, **common),
        HistoricalAnswer(id=0, question_id=discussed.pk, theme_id=laptops.pk, kind="yesno", value="no",
                         history_type="-", history_date=second, **common),
    ])
    HistoricalNote.objects.bulk_create([
        HistoricalNote(id=0, section_id=registrations.pk, text="Oud", history_type="+", history_date=first,
                       **common),
        HistoricalNote(id=0, section_id=registrations.pk, text="Oud", history_type="-", history_date=second,
                       **common),
    ])

    later, earlier, created = _history(report)
    assert created.action == CREATED and created.changes == []
    assert earlier.when == first and later.when == second
    assert _changes(earlier) == {
        PROCEDURE: (NOT_ANSWERED, "Ja"), REGISTRATIONS_NOTE: ("–", "Oud"),
        "Verstrekken van laptops – Kwam dit thema ter sprake in het LOP?": (NOT_ANSWERED, "Nee"),
        "old_question": (NOT_ANSWERED, "Ja"),  # no longer in the questionnaire: its key
    }
    assert _changes(later) == {
        PROCEDURE: ("Ja", "Nee"), REGISTRATIONS_NOTE: ("Oud", "–"),
        "Verstrekken van laptops – Kwam dit thema ter sprake in het LOP?": ("Nee", NOT_ANSWERED),
    }


@pytest.mark.django_db
def test_answers_of_a_theme_the_round_no_longer_asks_about_keep_their_label(clock, coordinator, platform,
                                                                             open_round):
    report = _save(coordinator, open_round, platform, {"theme:laptops:discussed": "yes"},
                   {"theme:laptops:note": "Laptops via de stad."})
    open_round.themes.remove(Theme.objects.get(slug="laptops"))
    (created,) = _history(report)
    assert _changes(created) == {
        "Verstrekken van laptops – Kwam dit thema ter sprake in het LOP?": (NOT_ANSWERED, "Ja"),
        "Verstrekken van laptops – Opmerking": ("–", "Laptops via de stad."),
    }


@pytest.mark.django_db
def test_a_report_without_history_has_none(coordinator, platform, open_round):
    assert report_history(Report(round=open_round, platform=platform)) == []
    assert ReportingRound.objects.filter(pk=open_round.pk).exists()
