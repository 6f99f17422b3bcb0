"""The audit log (finding 3 of #15): every change leaves one entry with who, what and old → new; admins read it
at /audit/, filter it and download it; nobody changes or deletes it."""

import csv
import datetime
import io

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audit import services as audit
from audit.registry import TRACKED
from platforms.models import Membership, Organisation, Platform
from rounds.models import Answer, Questionnaire, ReportingRound, RoundPlatform, Theme
from rounds.services.questionnaires import questionnaire_replace
from rounds.services.rounds import round_platforms_follow
from rounds.spec import spec_from_questionnaire

from .factories import MembershipFactory, PlatformFactory, ReportingRoundFactory, UserFactory, report_post_data


def _entries(model, obj=None, action=None):
    qs = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model))
    if obj is not None:
        qs = qs.filter(object_pk=str(obj.pk))
    if action is not None:
        qs = qs.filter(action=action)
    return qs.order_by("pk")


def _only(model, obj=None, action=None) -> LogEntry:
    entries = list(_entries(model, obj, action))
    assert len(entries) == 1, [e.changes for e in entries]
    return entries[0]


def _platforms_of(entry) -> set[int]:
    return {int(pk) for pk in (entry.additional_data or {}).get("platforms", {})}


# Every point of finding 3 ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_member_added_edited_and_ended_leaves_one_entry_each(login, coordinator, platform):
    client = login(coordinator)
    LogEntry.objects.all().delete()  # what the fixtures made
    response = client.post(reverse("platforms:membership_create", kwargs={"code": platform.code}), {
        "kind": "partner", "name": "Huiswerkklas De Brug", "partner_category": "poverty", "start_date": "2020-09-01"})
    assert response.status_code == 302
    membership = platform.memberships.get(organisation__name="Huiswerkklas De Brug")
    created = _only(Membership, membership, LogEntry.Action.CREATE)
    assert created.actor == coordinator
    assert created.changes["start_date"] == [None, "2020-09-01"]
    assert _platforms_of(created) == {platform.pk}
    assert _only(Organisation, membership.organisation, LogEntry.Action.CREATE).actor == coordinator

    url = reverse("platforms:membership_edit", kwargs={"code": platform.code, "pk": membership.pk})
    response = client.post(url, {"name": "Huiswerkklas De Brug vzw", "partner_category": "poverty",
                                 "start_date": "2020-09-01", "note": "Contact via Els"})
    assert response.status_code == 302
    edited = _only(Membership, membership, LogEntry.Action.UPDATE)
    assert edited.actor == coordinator
    assert edited.changes == {"note": ["", "Contact via Els"]}
    renamed = _only(Organisation, membership.organisation, LogEntry.Action.UPDATE)
    assert renamed.changes["name"] == ["Huiswerkklas De Brug", "Huiswerkklas De Brug vzw"]
    assert _platforms_of(renamed) == {platform.pk}  # an organisation's entry names the platforms it is in

    today = timezone.localdate()
    url = reverse("platforms:membership_end", kwargs={"code": platform.code, "pk": membership.pk})
    assert client.post(url, {"end_date": today.isoformat()}).status_code == 302
    ended = _entries(Membership, membership, LogEntry.Action.UPDATE).last()
    assert _entries(Membership, membership, LogEntry.Action.UPDATE).count() == 2
    assert ended.actor == coordinator
    assert ended.changes == {"end_date": [None, today.isoformat()]}


@pytest.mark.django_db
def test_a_platform_edit_leaves_one_entry_with_old_and_new(login, admin_user, platform, coordinator,
                                                           other_coordinator):
    client = login(admin_user)
    LogEntry.objects.all().delete()
    response = client.post(reverse("platforms:edit", kwargs={"code": platform.code}), {
        "name": platform.name, "level": "basis", "area": "Gent, Merelbeke",
        "coordinators": [coordinator.pk], "is_active": "on"})
    assert response.status_code == 302
    entry = _only(Platform, platform)
    assert entry.actor == admin_user
    assert entry.changes["area"][1] == "Gent, Merelbeke"
    assert _platforms_of(entry) == {platform.pk}
    # A coordinator added is one more entry, on the platform, saying who was added.
    client.post(reverse("platforms:edit", kwargs={"code": platform.code}), {
        "name": platform.name, "level": "basis", "area": "Gent, Merelbeke",
        "coordinators": [coordinator.pk, other_coordinator.pk], "is_active": "on"})
    m2m = _entries(Platform, platform).last()
    assert m2m.changes["coordinators"]["operation"] == "add"
    assert m2m.changes["coordinators"]["objects"] == [str(other_coordinator)]
    assert m2m.actor == admin_user


@pytest.mark.django_db
def test_closing_and_reopening_a_round_leave_one_entry_each(login, admin_user, open_round):
    client = login(admin_user)
    LogEntry.objects.all().delete()
    url = reverse("rounds:close", kwargs={"round_slug": open_round.slug})
    assert client.post(url).status_code == 302
    closed = _only(ReportingRound, open_round, LogEntry.Action.UPDATE)
    assert closed.actor == admin_user
    assert closed.changes["closed_at"][0] is None
    assert closed.changes["closed_at"][1]
    assert list(closed.changes) == ["closed_at"]  # not the data version the summary cache counts
    assert client.post(url).status_code == 302
    reopened = _entries(ReportingRound, open_round, LogEntry.Action.UPDATE).last()
    assert reopened.changes["closed_at"][1] is None
    assert reopened.actor == admin_user


@pytest.mark.django_db
def test_a_theme_edit_leaves_one_entry(login, admin_user, open_round):
    theme = Theme.objects.get(slug="laptops")
    response = login(admin_user).post(reverse("rounds:theme_edit", kwargs={"theme_slug": "laptops"}), {
        "name": "Laptops en tablets", "description": theme.description, "position": theme.position,
        "is_active": "on"})
    assert response.status_code == 302
    entry = _only(Theme, theme)
    assert entry.actor == admin_user
    assert entry.changes == {"name": [theme.name, "Laptops en tablets"]}


@pytest.mark.django_db
def test_a_change_in_the_django_admin_is_recorded(login, admin_user):
    theme = Theme.objects.get(slug="laptops")
    url = reverse("admin:rounds_theme_change", args=[theme.pk])
    response = login(admin_user).post(url, {
        "slug": theme.slug, "name": "Digitale middelen", "description": theme.description,
        "position": theme.position, "is_active": "on"})
    assert response.status_code == 302, response.text[:2000]
    entry = _only(Theme, theme)
    assert entry.actor == admin_user
    assert entry.changes == {"name": [theme.name, "Digitale middelen"]}


@pytest.mark.django_db
def test_a_report_save_logs_each_changed_answer_once(login, coordinator, platform, open_round):
    client = login(coordinator)
    url = reverse("rounds:report", kwargs={"round_slug": open_round.slug, "code": platform.code})
    assert client.post(url, report_post_data(save="")).status_code == 302
    answers = _entries(Answer, action=LogEntry.Action.CREATE)
    assert answers.count() == Answer.objects.count() > 0  # written in bulk, logged in bulk
    assert {e.actor for e in answers} == {coordinator}
    assert all(_platforms_of(e) == {platform.pk} for e in answers)

    assert client.post(url, report_post_data(save="", loaded_version="1", newcomers="unchanged")).status_code == 302
    newcomers = Answer.objects.get(question__key="newcomers")
    entry = _only(Answer, newcomers, LogEntry.Action.UPDATE)
    assert entry.actor == coordinator
    assert entry.changes == {"value": ["adjusted", "unchanged"]}
    assert entry.object_repr == "newcomers: unchanged"
    assert _entries(Answer, action=LogEntry.Action.UPDATE).count() == 1  # only what changed


@pytest.mark.django_db
def test_a_command_is_named_as_the_actor(tmp_path):
    file = tmp_path / "platforms.csv"
    file.write_text("code;name;level;area\nleuven-bao;LOP Basisonderwijs Leuven;basis;Leuven\n", encoding="utf-8")
    call_command("import_platforms", str(file), stdout=io.StringIO())
    platform = Platform.objects.get(code="leuven-bao")
    entry = _only(Platform, platform, LogEntry.Action.CREATE)
    assert entry.actor is None
    assert entry.additional_data["command"] == "import_platforms"
    assert entry.changes["name"] == [None, "LOP Basisonderwijs Leuven"]


@pytest.mark.django_db
def test_record_import_keeps_the_file_and_its_counts(admin_user, open_round):
    entry = audit.record_import(actor=admin_user, kind="responses", file_name="antwoorden.xlsx", sha256="ab" * 32,
                                rows=12, created=3, updated=2, unchanged=7, target=open_round)
    assert entry.actor == admin_user
    assert entry.object_pk == str(open_round.pk)
    assert entry.additional_data["import"] == {"kind": "responses", "file_name": "antwoorden.xlsx",
                                               "sha256": "ab" * 32, "rows": 12, "created": 3, "updated": 2,
                                               "unchanged": 7}
    # Without a target: on the kind of object imported; a command names itself.
    entry = audit.record_import(actor=None, kind="platforms", file_name="lops.csv", sha256="cd" * 32, rows=1,
                                created=1, command="import_platforms")
    assert entry.content_type.model_class() is Platform
    assert entry.object_pk == ""
    assert entry.additional_data["command"] == "import_platforms"
    with pytest.raises(ValueError, match="Unknown import kind"):
        audit.record_import(actor=None, kind="bogus", file_name="x.csv", sha256="", rows=0)


@pytest.mark.django_db
def test_a_replaced_questionnaire_is_one_entry_saying_which_questions_changed(admin_user):
    round = ReportingRoundFactory()
    questionnaire = Questionnaire.objects.get(round=round)
    sections = spec_from_questionnaire(questionnaire)
    LogEntry.objects.all().delete()
    questionnaire_replace(actor=admin_user, round=round, sections=sections)
    entry = _only(Questionnaire, questionnaire)
    assert list(entry.changes) == ["version"]  # the same spec: nothing but the version changed
    sections[0]["questions"][0]["label"] = "Een nieuwe vraag?"
    key = sections[0]["questions"][0]["key"]
    LogEntry.objects.all().delete()
    questionnaire_replace(actor=admin_user, round=round, sections=sections)
    assert LogEntry.objects.count() == 1  # not a deletion and a creation per section, question and choice
    entry = LogEntry.objects.get()
    assert entry.actor == admin_user
    assert set(entry.changes) == {"version", f"question {key}"}
    old, new = entry.changes[f"question {key}"]
    assert new["label"] == "Een nieuwe vraag?"
    assert old["label"] != new["label"]


@pytest.mark.django_db
def test_a_platform_leaving_the_waiting_rounds_is_logged_per_round(admin_user):
    waiting = [ReportingRoundFactory(opens_on=timezone.localdate() + datetime.timedelta(days=7)) for _ in range(2)]
    platform = PlatformFactory()
    assert RoundPlatform.objects.filter(platform=platform).count() == 2
    platform.is_active = False
    platform.save()
    LogEntry.objects.all().delete()
    round_platforms_follow(platforms=[platform])
    deleted = _entries(RoundPlatform, action=LogEntry.Action.DELETE)
    assert deleted.count() == 2
    assert {e.changes["round"][0] for e in deleted} == {r.pk for r in waiting}
    assert all(_platforms_of(e) == {platform.pk} for e in deleted)


@pytest.mark.django_db
def test_every_model_of_the_project_is_tracked():
    ours = {"accounts", "platforms", "rounds", "initiatives", "parliament", "summaries", "audit"}
    models = {m._meta.label for m in apps.get_models() if m._meta.app_label in ours
              and not m.__name__.startswith("Historical")}
    assert models - set(TRACKED) == set()


@pytest.mark.django_db
def test_a_password_is_never_logged(admin_user):
    created = _only(type(admin_user), admin_user, LogEntry.Action.CREATE)
    assert "password" not in created.changes
    LogEntry.objects.all().delete()
    admin_user.set_password("een-ander-wachtwoord-2025")
    admin_user.last_login = timezone.now()
    admin_user.save()
    assert not LogEntry.objects.exists()  # a new password hash and a login time are not changes of data


# /audit/ -----------------------------------------------------------------------------------------------------


@pytest.fixture
def two_platform_log(admin_user, coordinator, other_coordinator, platform, other_platform):
    """Entries by two coordinators on two platforms, one of them three days ago."""
    LogEntry.objects.all().delete()
    with_actor = {coordinator: platform, other_coordinator: other_platform}
    for actor, p in with_actor.items():
        membership = p.memberships.first()
        audit.record_change(actor=actor, obj=membership, changes={"note": ["", f"door {actor.username}"]})
    old = LogEntry.objects.get(actor=other_coordinator)
    LogEntry.objects.filter(pk=old.pk).update(timestamp=timezone.now() - datetime.timedelta(days=3))
    audit.record_import(actor=admin_user, kind="platforms", file_name="=HYPERLINK(\"x\").csv", sha256="ef" * 32,
                        rows=2, created=1, unchanged=1)
    return with_actor


@pytest.mark.django_db
def test_the_log_page_shows_who_what_and_old_to_new(login, admin_user, coordinator, platform, two_platform_log):
    page = login(admin_user).get(reverse("audit:list")).text
    assert "3 regels" in page or "3 entries" in page or page.count("<tr>") >= 4
    assert f"door {coordinator.username}" in page
    assert escape(str(coordinator)) in page  # a name like D'Hondt is escaped in HTML
    assert platform.get_absolute_url() in page  # a membership links to its platform
    assert "ef" * 32 in page  # an import's SHA-256
    assert "=HYPERLINK(&quot;x&quot;).csv" in page  # shown escaped, as text


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "who"), [
    ("actor={coordinator}", {"coord-a"}),
    ("platform=brugge-so", {"coord-b"}),
    ("kind={membership_ct}", {"coord-a", "coord-b"}),
    ("date_from={today}", {"coord-a", "beheerder"}),
    ("date_to={three_days_ago}", {"coord-b"}),
])
def test_the_filters(login, admin_user, coordinator, two_platform_log, query, who):
    today = timezone.localdate()
    query = query.format(coordinator=coordinator.pk, today=today.isoformat(),
                         three_days_ago=(today - datetime.timedelta(days=3)).isoformat(),
                         membership_ct=ContentType.objects.get_for_model(Membership).pk)
    response = login(admin_user).get(f"{reverse('audit:list')}?{query}")
    assert response.status_code == 200
    assert {row.entry.actor.username for row in response.context["rows"]} == who


@pytest.mark.django_db
@pytest.mark.parametrize("query", [
    "date_from=31-31-2020", "date_from=0001-01-01", "date_to=9999-12-31", "actor=99999999999999999999",
    "actor=abc", "platform=bestaat-niet", "kind=abc", "kind=99999999999999999999", "page=abc",
    "date_from=2025-05-01&date_to=2025-04-01", "platform=gent%00bao",
])
def test_bad_filters_get_a_message_not_a_500(login, admin_user, two_platform_log, query):
    client = login(admin_user)
    response = client.get(f"{reverse('audit:list')}?{query}")
    assert response.status_code == 200
    assert client.get(f"{reverse('audit:export')}?{query}").status_code == 200
    if not query.startswith("page"):
        assert 'class="invalid-feedback' in response.text


@pytest.mark.django_db
def test_the_download_is_excel_csv_with_the_filters_and_inert_formulas(login, admin_user, two_platform_log):
    response = login(admin_user).get(f"{reverse('audit:export')}?platform=gent-bao")
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    assert len(rows) == 2  # the header and the one entry on that platform
    assert "door coord-a" in rows[1][8]
    everything = b"".join(login(admin_user).get(reverse("audit:export")).streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(everything[1:]), delimiter=";"))
    imported = next(row for row in rows if row[10] == "ef" * 32)
    assert imported[9] == "'=HYPERLINK(\"x\").csv"  # a formula stays text in Excel
    assert imported[11:15] == ["2", "1", "0", "1"]


@pytest.mark.django_db
def test_the_page_costs_the_same_queries_for_5_or_50_entries(login, admin_user, coordinator, platform,
                                                             django_assert_max_num_queries):
    client = login(admin_user)
    client.get(reverse("audit:list"))  # sessions, content types: cached from here on

    def make(n):
        LogEntry.objects.all().delete()
        memberships = list(platform.memberships.all())
        for i in range(n):
            audit.record_change(actor=coordinator, obj=memberships[i % len(memberships)],
                                changes={"note": ["", f"{i}"], "organisation": [None, memberships[0].organisation_id]})
            audit.record_change(actor=admin_user, obj=platform, changes={"area": ["Gent", f"Gent {i}"]})

    make(3)
    with django_assert_max_num_queries(20) as few:
        assert len(client.get(reverse("audit:list")).context["rows"]) == 6
    make(25)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(reverse("audit:list")).context["rows"]) == 50


# Nobody edits or deletes the log ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_django_admin_shows_entries_read_only_even_to_a_superuser(login, admin_user, open_round):
    entry = audit.record_change(actor=admin_user, obj=open_round, changes={"title": ["a", "b"]})
    client = login(admin_user)
    assert admin_user.is_superuser
    assert client.get(reverse("admin:auditlog_logentry_changelist")).status_code == 200
    assert client.get(reverse("admin:auditlog_logentry_add")).status_code == 403
    assert client.post(reverse("admin:auditlog_logentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    response = client.post(reverse("admin:auditlog_logentry_changelist"),
                           {"action": "delete_selected", "_selected_action": [entry.pk]})
    assert response.status_code in (200, 302)
    assert client.post(reverse("admin:auditlog_logentry_change", args=[entry.pk]), {}).status_code == 403
    assert LogEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["coordinator", "ministry_user"])
def test_only_admins_read_the_log(request, login, role, two_platform_log):
    client = login(request.getfixturevalue(role))
    assert client.get(reverse("audit:list")).status_code == 403
    assert client.get(reverse("audit:export")).status_code == 403


@pytest.mark.django_db
def test_an_actor_deleted_later_is_still_named(admin_user, open_round):
    someone = UserFactory(username="tijdelijk", email="tijdelijk@example.be")
    entry = audit.record_change(actor=someone, obj=open_round, changes={"title": ["a", "b"]})
    someone.delete()
    entry.refresh_from_db()
    assert entry.actor is None
    assert entry.actor_email == "tijdelijk@example.be"


@pytest.mark.django_db
def test_a_moment_is_shown_in_brussels_time(login, admin_user, open_round):
    audit.record_change(actor=admin_user, obj=open_round,
                        changes={"closed_at": [None, "2025-03-01 09:30:00.123456"]})  # as auditlog stores it: UTC
    response = login(admin_user).get(reverse("audit:list"))
    change = response.context["rows"][0].changes[0]
    assert (change.old, change.new) == ("–", "01/03/2025 10:30")


@pytest.mark.django_db
def test_a_nul_character_in_what_is_recorded_never_fails_the_change(admin_user, platform):
    """PostgreSQL's text and jsonb refuse NUL characters; the log stores a replacement character instead."""
    membership = MembershipFactory(platform=platform)
    entry = audit.record_change(actor=admin_user, obj=membership, changes={"note": ["a\x00b", "c"]})
    imported = audit.record_import(actor=admin_user, kind="members", file_name="le\x00den.csv",
                                            sha256="0" * 64, rows=1)
    entry.refresh_from_db()
    imported.refresh_from_db()
    assert entry.changes == {"note": ["a\ufffdb", "c"]}
    assert imported.additional_data["import"]["file_name"] == "le\ufffdden.csv"
