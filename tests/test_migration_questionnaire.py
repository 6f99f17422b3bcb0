"""The migration that made the questions data moves every answer, note and recorded change, without loss.

Runs the real migrations on the test database (PostgreSQL or SQLite): back to the state before the
data migration, rows made with the models of that moment, then forward to the latest state.
"""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("rounds", "0002_questionnaires"), ("initiatives", "0005_move_to_rounds")]
THEMES = ["laptops", "reaching-all-pupils"]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def _old_rows(apps):
    """Three reports as the first version stored them: columns, theme answers, notes and history."""
    User = apps.get_model("accounts", "User")
    Platform = apps.get_model("platforms", "Platform")
    Round = apps.get_model("rounds", "ReportingRound")
    Theme = apps.get_model("rounds", "Theme")
    Report = apps.get_model("rounds", "Report")
    ThemeAnswer = apps.get_model("initiatives", "ThemeAnswer")
    HistoricalReport = apps.get_model("rounds", "HistoricalReport")

    user = User.objects.create(username="coord", email="c@example.be", role="coordinator")
    themes = {slug: Theme.objects.get_or_create(slug=slug, defaults={"name": slug})[0] for slug in THEMES}
    rounds = []
    for slug in ("oude-ronde", "tweede-ronde"):
        round = Round.objects.create(slug=slug, title=slug, period_start=datetime.date(2020, 3, 16),
                                     opens_on=datetime.date(2020, 5, 1), deadline=datetime.date(2020, 6, 15))
        round.themes.set(themes.values())
        rounds.append(round)
    basis = Platform.objects.create(code="mig-bao", name="Basis", level="basis", area="A")
    secundair = Platform.objects.create(code="mig-so", name="Secundair", level="secundair", area="A")
    empty = Platform.objects.create(code="mig-leeg", name="Leeg", level="basis", area="B")
    full = Report.objects.create(
        round=rounds[0], platform=basis, status="submitted", submitted_at=timezone.now(), version=3,
        registration_procedure_used=True, application_period_adjusted=True, enrolment_period_adjusted=False,
        free_enrolment_period_adjusted=False, registrations_note="Een week langer.", newcomers="adjusted",
        newcomers_note="Per telefoon.", preschool="unchanged", preschool_note="", excluded_pupils="none",
        excluded_pupils_note="Geen uitsluitingen.")
    partial = Report.objects.create(
        round=rounds[0], platform=secundair, status="draft", version=1, registration_procedure_used=False,
        application_period_adjusted=False, enrolment_period_adjusted=None, free_enrolment_period_adjusted=None,
        newcomers="", preschool="not_applicable", excluded_pupils="unchanged")
    blank = Report.objects.create(round=rounds[1], platform=empty, status="draft", version=1)
    ThemeAnswer.objects.create(report=full, theme=themes["laptops"], discussed=True, agreements=False, actions=True,
                               exchange=True, informed=None, note="Laptops verdeeld.")
    ThemeAnswer.objects.create(report=full, theme=themes["reaching-all-pupils"], discussed=False, agreements=False,
                               actions=False, exchange=False, informed=False)
    ThemeAnswer.objects.create(report=partial, theme=themes["laptops"], discussed=None)
    # Two recorded saves of the full report: a draft without the procedure answer, then the submitted one.
    when = timezone.now() - datetime.timedelta(days=2)
    common = {"id": full.pk, "round_id": rounds[0].pk, "platform_id": basis.pk, "history_user_id": user.pk}
    HistoricalReport.objects.create(**common, history_date=when, history_type="+", status="draft",
                                    registration_procedure_used=None, newcomers="unchanged", preschool="",
                                    excluded_pupils="", registrations_note="Eerst.")
    HistoricalReport.objects.create(**common, history_date=when + datetime.timedelta(hours=1), history_type="~",
                                    status="submitted", submitted_at=timezone.now(),
                                    registration_procedure_used=True, application_period_adjusted=True,
                                    enrolment_period_adjusted=False, free_enrolment_period_adjusted=False,
                                    newcomers="adjusted", preschool="unchanged", excluded_pupils="none",
                                    registrations_note="Een week langer.")
    return {"full": full.pk, "partial": partial.pk, "blank": blank.pk, "rounds": [r.pk for r in rounds],
            "themes": {slug: t.pk for slug, t in themes.items()}, "user": user.pk}


# serialized_rollback: the flush after this test must not make content types anew (with new ids), or the next
# test that restores the serialized database finds them taken.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_answer_note_and_change_moves_to_rows():
    old_apps = _migrate(BEFORE)
    ids = _old_rows(old_apps)
    _migrate(_latest())

    from rounds.models import Answer, HistoricalAnswer, HistoricalNote, Note, Questionnaire, Report

    # Every round has the 2020 questionnaire, with the first version's column names as keys.
    for pk in ids["rounds"]:
        questionnaire = Questionnaire.objects.get(round_id=pk)
        assert list(questionnaire.questions.values_list("key", flat=True)) == [
            "registration_procedure_used", "application_period_adjusted", "enrolment_period_adjusted",
            "free_enrolment_period_adjusted", "newcomers", "preschool", "excluded_pupils", "discussed",
            "agreements", "actions", "exchange", "informed"]

    def answers(report_pk):
        rows = Answer.objects.filter(report_id=report_pk).select_related("question", "theme")
        return {(a.theme.slug if a.theme else None, a.question.key): a.value for a in rows}

    def notes(report_pk):
        rows = Note.objects.filter(report_id=report_pk).select_related("section", "theme")
        return {(n.theme.slug if n.theme else None, n.section.note_key): n.text for n in rows}

    assert answers(ids["full"]) == {
        (None, "registration_procedure_used"): "yes", (None, "application_period_adjusted"): "yes",
        (None, "enrolment_period_adjusted"): "no", (None, "free_enrolment_period_adjusted"): "no",
        (None, "newcomers"): "adjusted", (None, "preschool"): "unchanged", (None, "excluded_pupils"): "none",
        ("laptops", "discussed"): "yes", ("laptops", "agreements"): "no", ("laptops", "actions"): "yes",
        ("laptops", "exchange"): "yes",
        ("reaching-all-pupils", "discussed"): "no", ("reaching-all-pupils", "agreements"): "no",
        ("reaching-all-pupils", "actions"): "no", ("reaching-all-pupils", "exchange"): "no",
        ("reaching-all-pupils", "informed"): "no",
    }
    assert notes(ids["full"]) == {(None, "registrations_note"): "Een week langer.",
                                  (None, "newcomers_note"): "Per telefoon.",
                                  (None, "excluded_pupils_note"): "Geen uitsluitingen.",
                                  ("laptops", "note"): "Laptops verdeeld."}
    # Unanswered stays unanswered, and "not applicable" (secundair pre-school) is a question not asked.
    assert answers(ids["partial"]) == {(None, "registration_procedure_used"): "no",
                                       (None, "application_period_adjusted"): "no",
                                       (None, "excluded_pupils"): "unchanged"}
    assert notes(ids["partial"]) == {}
    assert answers(ids["blank"]) == {} and notes(ids["blank"]) == {}
    # The reports themselves keep their status and version.
    full = Report.objects.get(pk=ids["full"])
    assert (full.status, full.version) == ("submitted", 3)

    # The recorded changes become answer history: the draft's answers, then what the submission changed.
    history = [(h.question.key, h.history_type, h.value) for h in
               HistoricalAnswer.objects.filter(report_id=ids["full"]).select_related("question")
               .order_by("history_date", "question__position", "history_id")]
    assert history[:1] == [("newcomers", "+", "unchanged")]
    assert ("registration_procedure_used", "+", "yes") in history
    assert ("newcomers", "~", "adjusted") in history
    assert all(h.history_user_id == ids["user"] for h in HistoricalAnswer.objects.filter(report_id=ids["full"]))
    assert [(h.history_type, h.text) for h in HistoricalNote.objects.filter(report_id=ids["full"])
            .order_by("history_date")] == [("+", "Eerst."), ("~", "Een week langer.")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_can_be_reversed_into_the_columns():
    old_apps = _migrate(BEFORE)
    ids = _old_rows(old_apps)
    _migrate(_latest())
    old_apps = _migrate(BEFORE)
    Report = old_apps.get_model("rounds", "Report")
    ThemeAnswer = old_apps.get_model("initiatives", "ThemeAnswer")
    full = Report.objects.get(pk=ids["full"])
    assert (full.registration_procedure_used, full.newcomers, full.excluded_pupils_note) == (
        True, "adjusted", "Geen uitsluitingen.")
    partial = Report.objects.get(pk=ids["partial"])
    assert (partial.enrolment_period_adjusted, partial.newcomers, partial.preschool) == (None, "", "not_applicable")
    laptops = ThemeAnswer.objects.get(report_id=ids["full"], theme_id=ids["themes"]["laptops"])
    assert (laptops.discussed, laptops.informed, laptops.note) == (True, None, "Laptops verdeeld.")
    _migrate(_latest())


SENTENCES_BEFORE = [("rounds", "0006_round_platforms_fill")]
SENTENCES = [("rounds", "0007_sentences_2020")]


def _questionnaire_rows(apps, slug, sections, sentences=None):
    """A round with a questionnaire of these spec sections, as the models of that moment store it."""
    Round = apps.get_model("rounds", "ReportingRound")
    Questionnaire = apps.get_model("rounds", "Questionnaire")
    Section = apps.get_model("rounds", "Section")
    Question = apps.get_model("rounds", "Question")
    round = Round.objects.create(slug=slug, title=slug, period_start=datetime.date(2020, 3, 16),
                                 opens_on=datetime.date(2020, 5, 1), deadline=datetime.date(2020, 6, 15))
    questionnaire = Questionnaire.objects.create(round=round, version=3)
    for s_position, spec in enumerate(sections):
        section = Section.objects.create(questionnaire=questionnaire, key=spec["key"], title=spec["title"],
                                         position=s_position, per_theme=spec["per_theme"])
        for q_position, q in enumerate(spec["questions"]):
            Question.objects.create(questionnaire=questionnaire, section=section, key=q["key"], label=q["label"],
                                    kind=q["kind"], position=q_position,
                                    sentence=(sentences or {}).get(q["key"], ""))
    return questionnaire.pk


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_questionnaires_of_2020_get_the_ministers_sentences_and_lose_them_going_back():
    from rounds.seed.corona_2020 import SECTIONS

    seed = {q["key"]: q["sentence"] for s in SECTIONS for q in s["questions"]}
    apps = _migrate(SENTENCES_BEFORE)
    own = "- Eigen zin: {{ newcomers.adjusted.total }}."
    of_2020 = _questionnaire_rows(apps, "ronde-2020", SECTIONS, {"newcomers": own})
    # A questionnaire that shares one key with 2020 ("discussed") but does not ask its questions.
    other = _questionnaire_rows(apps, "andere", [{"key": "s", "title": "S", "per_theme": True, "questions": [
        {"key": "discussed", "label": "Besproken", "kind": "yesno"}]}])

    apps = _migrate(SENTENCES)
    Question = apps.get_model("rounds", "Question")
    Questionnaire = apps.get_model("rounds", "Questionnaire")
    sentences = dict(Question.objects.filter(questionnaire_id=of_2020).values_list("key", "sentence"))
    assert sentences == {**seed, "newcomers": own}  # an admin's own sentence stays
    assert Question.objects.get(questionnaire_id=other).sentence == ""
    assert Questionnaire.objects.get(pk=of_2020).version == 4  # its cached definition is read anew
    assert Questionnaire.objects.get(pk=other).version == 3

    apps = _migrate(SENTENCES_BEFORE)
    Question = apps.get_model("rounds", "Question")
    sentences = dict(Question.objects.filter(questionnaire_id=of_2020).values_list("key", "sentence"))
    assert sentences == {**dict.fromkeys(seed, ""), "newcomers": own}
    _migrate(_latest())
