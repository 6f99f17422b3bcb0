"""Parliamentary questions and their answers: recording, drafts whose figures are references, the four-eyes
rule, frozen publications, what changed since, corrections, and the demo."""

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import translation

from accounts.models import Role
from parliament import frozen, selectors, services
from parliament.models import AnswerDraft, Publication, ReviewStep
from rounds.models import Report, ReportingRound, ReportStatus
from rounds.services import reports
from summaries import references
from tests.factories import PlatformFactory, ReportingRoundFactory, UserFactory

from .parliament_helpers import TEXT, answered_round, approver, draft_of, publish, record, submit, write
from .questionnaire_factories import report_with_answers


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English, the msgids: the Dutch translation is the .po's."""
    with translation.override("en"):
        yield


@pytest.fixture
def round(open_round):
    answered_round(open_round)
    return open_round


@pytest.fixture
def question(round, ministry_user):
    return record(ministry_user, [round])


@pytest.fixture
def checker(db):
    return approver()




def _steps(question):
    return list(ReviewStep.objects.filter(draft__question=question).values_list("action", "actor__username",
                                                                              "comment"))


# Recording and drafting -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_recording_a_question_starts_its_draft_from_the_generated_text_of_its_latest_round(round, ministry_user):
    older = ReportingRoundFactory(slug="voorjaar-2019", opens_on=round.opens_on.replace(year=2019))
    question = record(ministry_user, [older, round])
    draft = draft_of(question)
    assert draft.status == "draft"
    assert "{{" in draft.text and draft.text.strip()  # every figure of the generated text is a reference
    figures, errors = references.figures(
        draft.text, selectors.round_summaries(selectors.question_rounds(question)), round.slug)
    assert errors == [] and figures
    assert _steps(question) == [("started", "analist", "")]
    assert [r.slug for r in selectors.question_rounds(question)] == [round.slug, "voorjaar-2019"]


@pytest.mark.django_db
def test_a_question_number_is_on_record_once(question, ministry_user, round):
    with pytest.raises(ValidationError) as refused:
        record(ministry_user, [round], number=question.number)
    assert "number" in refused.value.message_dict


@pytest.mark.django_db
def test_coordinators_cannot_record_questions(round, coordinator):
    with pytest.raises(ValidationError):
        record(coordinator, [round])


@pytest.mark.django_db
def test_a_refused_reference_blocks_the_save_and_saves_nothing(question, ministry_user):
    before = draft_of(question)
    with pytest.raises(ValidationError) as refused:
        write(ministry_user, question, "In {{ registration_procedure_used.maybe.total }} LOP's.")
    assert "maybe" in " ".join(refused.value.message_dict["text"])
    after = draft_of(question)
    assert (after.text, after.version) == (before.text, before.version)


@pytest.mark.django_db
def test_a_reference_to_another_rounds_figure_is_refused(question, ministry_user):
    ReportingRoundFactory(slug="oekraine-2022")  # exists, but the question is not answered with it
    with pytest.raises(ValidationError) as refused:
        write(ministry_user, question, "In {{ oekraine-2022/base.total }} LOP's.")
    assert "oekraine-2022" in " ".join(refused.value.message_dict["text"])
    assert "oekraine-2022" not in draft_of(question).text


@pytest.mark.django_db
def test_a_stale_save_is_refused_and_keeps_the_first(question, ministry_user, admin_user):
    draft = draft_of(question)
    loaded = draft.version
    services.draft_save(actor=admin_user, draft=draft, text="Eerst: {{ base.total }} LOP's.", expected_version=loaded)
    with pytest.raises(services.StaleSave) as conflict:
        services.draft_save(actor=ministry_user, draft=draft, text="Tweede.", expected_version=loaded)
    assert conflict.value.obj.updated_by == admin_user
    assert draft_of(question).text == "Eerst: {{ base.total }} LOP's."


@pytest.mark.django_db
def test_unsourced_numbers_block_sending_for_approval(question, ministry_user):
    write(ministry_user, question, "In 26 LOP's, en in {{ base.total }} LOP's samen.")  # saving is allowed
    with pytest.raises(ValidationError) as refused:
        submit(ministry_user, question)
    assert "26" in refused.value.messages[0]
    assert draft_of(question).status == "draft"


@pytest.mark.django_db
def test_an_empty_draft_cannot_be_sent(question, ministry_user):
    write(ministry_user, question, "   ")
    with pytest.raises(ValidationError):
        submit(ministry_user, question)


@pytest.mark.django_db
def test_a_pending_draft_cannot_be_edited(question, ministry_user):
    write(ministry_user, question)
    submit(ministry_user, question)
    draft = draft_of(question)
    with pytest.raises(ValidationError) as refused:
        services.draft_save(actor=ministry_user, draft=draft, text="Anders.", expected_version=draft.version)
    assert "approval" in refused.value.messages[0]
    assert draft_of(question).text == TEXT


# Four eyes --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_author_cannot_approve_even_with_the_right(question, ministry_user):
    ministry_user.can_approve_answers = True
    ministry_user.save()
    write(ministry_user, question)
    submit(ministry_user, question)
    with pytest.raises(ValidationError) as refused:
        services.draft_approve(actor=ministry_user, draft=draft_of(question))
    assert "four eyes" in refused.value.messages[0]
    assert not Publication.objects.exists() and draft_of(question).status == "pending"


@pytest.mark.django_db
def test_someone_who_edited_the_draft_cannot_approve_it(question, ministry_user, checker):
    write(checker, question, TEXT + "\nAangevuld.\n")  # the approver changed the text: an author now
    submit(ministry_user, question)
    with pytest.raises(ValidationError):
        services.draft_approve(actor=checker, draft=draft_of(question))
    assert not Publication.objects.exists()
    assert [u.username for u in selectors.draft_authors(draft_of(question))] == ["analist", "goedkeurder"]


@pytest.mark.django_db
def test_sending_back_does_not_make_the_approver_an_author(question, ministry_user, checker):
    write(ministry_user, question)
    submit(ministry_user, question)
    services.draft_return(actor=checker, draft=draft_of(question), comment="Graag ook de kleuterparticipatie.")
    submit(ministry_user, question)
    publication = services.draft_approve(actor=checker, draft=draft_of(question))
    assert publication.authors == [ministry_user.get_full_name()]
    assert [s[0] for s in _steps(question)] == ["started", "submitted", "returned", "submitted", "approved"]
    assert _steps(question)[2] == ("returned", "goedkeurder", "Graag ook de kleuterparticipatie.")


@pytest.mark.django_db
def test_an_approver_needs_the_right(question, ministry_user, admin_user):
    write(ministry_user, question)
    submit(ministry_user, question)
    for user in (admin_user, UserFactory(username="collega", role=Role.MINISTRY)):
        with pytest.raises(ValidationError):
            services.draft_approve(actor=user, draft=draft_of(question))
        with pytest.raises(ValidationError):
            services.draft_return(actor=user, draft=draft_of(question), comment="Nee.")
    assert not Publication.objects.exists()


@pytest.mark.django_db
def test_an_inactive_or_coordinator_approver_is_refused(question, ministry_user, coordinator):
    write(ministry_user, question)
    submit(ministry_user, question)
    coordinator.can_approve_answers = True
    inactive = approver("weg")
    inactive.is_active = False
    for user in (coordinator, inactive):
        with pytest.raises(ValidationError):
            services.draft_approve(actor=user, draft=draft_of(question))
    assert not Publication.objects.exists()


@pytest.mark.django_db
def test_sending_back_needs_a_comment(question, ministry_user, checker):
    write(ministry_user, question)
    submit(ministry_user, question)
    with pytest.raises(ValidationError) as refused:
        services.draft_return(actor=checker, draft=draft_of(question), comment="  ")
    assert "comment" in refused.value.message_dict
    assert draft_of(question).status == "pending"


@pytest.mark.django_db
def test_a_draft_not_sent_for_approval_cannot_be_approved(question, ministry_user, checker):
    write(ministry_user, question)
    with pytest.raises(ValidationError):
        services.draft_approve(actor=checker, draft=draft_of(question))


@pytest.mark.django_db
def test_publishing_twice_is_refused(question, ministry_user, checker):
    publication = publish(ministry_user, checker, question)
    with pytest.raises(ValidationError) as refused:
        services.draft_approve(actor=approver("tweede"), draft=publication.draft)
    assert "already been published" in refused.value.messages[0]
    assert Publication.objects.count() == 1


@pytest.mark.django_db
def test_two_approvals_racing_meet_the_database(question, ministry_user, checker):
    """The second approval of a draft cannot insert a second publication: the one-to-one on the draft."""
    publication = publish(ministry_user, checker, question)
    with pytest.raises(IntegrityError), transaction.atomic():
        fields = {f.attname: getattr(publication, f.attname) for f in Publication._meta.concrete_fields
                  if not f.primary_key}
        Publication.objects.create(**fields | {"number": 2})
    # And the service, when the draft still looks pending to it (the other approval committed meanwhile).
    AnswerDraft.objects.filter(pk=publication.draft_id).update(status="pending")
    with pytest.raises(ValidationError) as refused:
        services.draft_approve(actor=approver("tweede"), draft=publication.draft)
    assert "already been published" in refused.value.messages[0]
    assert Publication.objects.count() == 1


@pytest.mark.django_db
def test_a_published_draft_cannot_be_edited(question, ministry_user, checker):
    publication = publish(ministry_user, checker, question)
    draft = publication.draft
    with pytest.raises(ValidationError) as refused:
        services.draft_save(actor=ministry_user, draft=draft, text="Anders.", expected_version=draft.version)
    assert "published" in refused.value.messages[0]
    assert AnswerDraft.objects.get(pk=draft.pk).text == TEXT


# The publication --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_publication_freezes_text_figures_summary_and_who(question, ministry_user, checker, round):
    publication = publish(ministry_user, checker, question)
    assert publication.number == 1 and publication.corrects is None
    assert publication.figures == {"registration_procedure_used.yes.basis": 2,
                                   "registration_procedure_used.yes.secundair": 0,
                                   "application_period_adjusted.yes.total": 2}
    assert "In 2 LOP's Basisonderwijs en 0 LOP's Secundair" in publication.text and "{{" not in publication.text
    assert publication.source_text == TEXT
    assert publication.summaries[round.slug]["format"] == 2
    assert publication.summaries[round.slug]["base"] == {"total": 3, "basis": 2, "secundair": 1}
    assert publication.data_versions == {round.slug: ReportingRound.objects.get(pk=round.pk).data_version}
    assert publication.authors == [ministry_user.get_full_name()]
    assert (publication.approved_by, publication.approver_name) == (checker, checker.get_full_name())
    assert publication.coverage.startswith("Based on 3 of the 3 platforms; data as of ")
    assert publication.question_data["number"] == question.number
    assert publication.question_data["rounds"] == [round.slug]
    assert draft_of_published(publication).status == "published"
    assert _steps(question)[-1] == ("approved", "goedkeurder", "")


def draft_of_published(publication):
    return AnswerDraft.objects.get(pk=publication.draft_id)


@pytest.mark.django_db
def test_the_sha256_is_over_the_frozen_content_as_the_json_gives_it(question, ministry_user, checker):
    publication = publish(ministry_user, checker, question)
    stored = Publication.objects.get(pk=publication.pk)
    document = json.loads(json.dumps(frozen.content(stored)))
    assert frozen.sha256(document) == stored.sha256
    document["figures"]["registration_procedure_used.yes.basis"] = 3
    assert frozen.sha256(document) != stored.sha256


def _reopen_a_basis_report(round, admin):
    report = Report.objects.filter(round=round, platform__level="basis", status=ReportStatus.SUBMITTED).first()
    reports.report_reopen(actor=admin, round=round, platform=report.platform, comment="Vergissing.")


@pytest.mark.django_db
def test_a_later_change_in_the_data_leaves_the_publication_and_is_shown_beside_it(
        question, ministry_user, checker, admin_user, round):
    publication = publish(ministry_user, checker, question)
    frozen_text, frozen_sha = publication.text, publication.sha256
    _reopen_a_basis_report(round, admin_user)  # it no longer counts until submitted again
    late = PlatformFactory(level="secundair", rounds=[round])
    report_with_answers(round, late, {"registration_procedure_used": "yes", "application_period_adjusted": "no"})
    reports.round_data_changed(round)

    stored = Publication.objects.get(pk=publication.pk)
    assert stored.text == frozen_text and stored.sha256 == frozen_sha
    assert stored.figures["registration_procedure_used.yes.basis"] == 2
    assert stored.summaries[round.slug]["base"]["total"] == 3
    assert frozen.sha256(json.loads(json.dumps(frozen.content(stored)))) == frozen_sha
    changes = [c.as_json() for c in selectors.changed_since(stored)]
    assert changes == [
        {"reference": "registration_procedure_used.yes.basis", "published": 2, "now": 1},
        {"reference": "registration_procedure_used.yes.secundair", "published": 0, "now": 1},
        {"reference": "application_period_adjusted.yes.total", "published": 2, "now": 1},
    ]

    draft = services.correction_start(actor=ministry_user, publication=stored)
    assert (draft.corrects, draft.text, draft.status) == (stored, TEXT, "draft")
    submit(ministry_user, question)
    correction = services.draft_approve(actor=checker, draft=draft_of(question))
    assert (correction.number, correction.corrects) == (2, stored)
    assert correction.figures["registration_procedure_used.yes.basis"] == 1
    assert selectors.corrected_by(stored) == correction
    assert _steps(question)[-3:] == [("correction_started", "analist", ""), ("submitted", "analist", ""),
                                     ("approved", "goedkeurder", "")]


@pytest.mark.django_db
def test_only_the_latest_publication_without_an_open_draft_can_be_corrected(question, ministry_user, checker):
    first = publish(ministry_user, checker, question)
    services.correction_start(actor=ministry_user, publication=first)
    with pytest.raises(ValidationError) as refused:  # a draft is in progress already
        services.correction_start(actor=ministry_user, publication=first)
    assert "in progress" in refused.value.messages[0]
    submit(ministry_user, question)
    services.draft_approve(actor=checker, draft=draft_of(question))
    with pytest.raises(ValidationError) as refused:
        services.correction_start(actor=ministry_user, publication=first)
    assert "latest" in refused.value.messages[0]


@pytest.mark.django_db
def test_a_later_edit_of_the_question_leaves_its_publication(question, ministry_user, checker, round):
    publication = publish(ministry_user, checker, question)
    services.question_update(actor=ministry_user, question=question, number="schriftelijke vraag nr. 13",
                             asked_on=question.asked_on, asked_by=question.asked_by, title="Nieuwe titel",
                             text=question.text, answer_due=question.answer_due, rounds=[round])
    stored = Publication.objects.get(pk=publication.pk)
    assert stored.question_data["number"] == "schriftelijke vraag nr. 12"
    assert frozen.content(stored)["question"]["title"] == "Rol van de lokale overlegplatforms"


# The demo ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_loaddemo_publishes_the_2020_answer_with_the_ministers_figures_once():
    call_command("loaddemo", stdout=io.StringIO())
    call_command("loaddemo", stdout=io.StringIO())  # idempotent
    publication = Publication.objects.get()
    question = publication.question
    assert question.number == "schriftelijke vraag nr. 356" and "(demo)" in question.asked_by
    assert list(question.rounds.values_list("slug", flat=True)) == ["corona-2020"]
    assert question.text.startswith("De lokale overlegplatforms brengen scholen") and "brugfiguren?" in question.text
    assert publication.authors == ["Bart Claes"] and publication.approved_by.username == "ministerie2"
    assert publication.approved_by.can_approve_answers
    assert list(publication.data_versions) == ["corona-2020"]
    # Every figure is a reference: no number without a source, none refused.
    assert references.unsourced_numbers(publication.source_text) == []
    assert len(publication.figures) == len({r for *_, r in references.find(publication.source_text)}) > 20
    # The minister's figures of 2020.
    figures = publication.figures
    assert (figures["registration_procedure_used.yes.basis"], figures["registration_procedure_used.yes.secundair"]
            ) == (26, 12)
    assert [figures[f"{key}.yes.total"] for key in ("application_period_adjusted", "enrolment_period_adjusted",
                                                     "free_enrolment_period_adjusted")] == [13, 22, 20]
    assert (figures["newcomers.unchanged+adjusted.total"], figures["newcomers.adjusted.total"]) == (55, 9)
    assert (figures["preschool.unchanged.total"], figures["preschool.base.total"],
            figures["preschool.adjusted.total"]) == (21, 41, 3)
    assert (figures["theme:laptops:discussed.yes.total"], figures["theme:laptops:discussed.base.total"],
            figures["theme:laptops:actions.yes.total"], figures["theme:laptops:exchange.yes.total"]) == (33, 70, 20, 21)
    assert (figures["theme:reaching-all-pupils:discussed.yes.total"],
            figures["theme:reaching-all-pupils:agreements.yes.total"],
            figures["theme:reaching-all-pupils:exchange.yes.total"]) == (42, 28, 26)
    assert (figures["theme:family-support:discussed.yes.total"], figures["theme:family-support:exchange.yes.total"],
            figures["theme:family-support:actions.yes.total"]) == (23, 19, 12)
    assert figures["theme:summer-schools-reading:discussed.yes.total"] == 35
    assert "In 26 LOP's Basisonderwijs en 12 LOP's Secundair Onderwijs" in publication.text
    assert publication.coverage.startswith("Based on 70 of the 70 platforms")
    assert selectors.changed_since(publication) == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", "replica"])
def test_publishing_reads_its_figures_from_the_primary_even_with_a_read_replica(settings, round, ministry_user,
                                                                               checker):
    """A replica may lag: the frozen figures must be of the same moment as the data versions, which are read
    (and locked) on the primary. ("replica" is a second connection to the test database.)"""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    settings.SUMMARY_DATABASE = "replica"
    question = record(ministry_user, [round])
    write(ministry_user, question)
    submit(ministry_user, question)
    with CaptureQueriesContext(connections["replica"]) as replica:
        publication = services.draft_approve(actor=checker, draft=draft_of(question))
    assert publication.figures["registration_procedure_used.yes.basis"] == 2
    assert replica.captured_queries == []
