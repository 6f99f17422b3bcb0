"""Hostile input to every form, filter and import: never a 500, never a partial save.

Hypothesis posts long strings, unicode (RTL marks, emoji, combining characters, NUL), HTML,
SQL fragments, format strings, huge and negative numbers, odd dates, missing and repeated
fields and values outside the choices, and feeds the imports random CSV (random headers,
delimiters, encodings, BOMs, NUL bytes, invalid UTF-8) and random or damaged .xlsx files.

For every example: the response is never a 5xx (the test client re-raises a view's exception,
so a crash fails loudly); a refused POST (form errors, 403, 404, 409) changes no row of any
table of the project's apps; an accepted POST changes only the tables it is about, and what
it stored is what was posted after the form's cleaning (a note exactly, not truncated); an
import writes the whole file or nothing.

Database state per example: pytest-django wraps each *test function* in a transaction, not
each hypothesis example, so every example runs inside `rolled_back()`: a savepoint that is
rolled back at its end (also when the example fails). Every example therefore starts from
the fixtures' rows, whatever earlier examples saved, and logs in again (its session row is
rolled back with it). A failure that PostgreSQL raises inside the savepoint (a NUL byte in a
text parameter, a value out of range) fails the example rather than poisoning the next one.
`transaction.on_commit` callbacks (mails) only run where a test runs them with
`django_capture_on_commit_callbacks(execute=True)`, as a real request does after its commit.

`pytest --hypothesis-show-statistics` shows how often each test's POSTs were accepted (302) or
refused, and how many generated files were imported, so that a strategy that no longer reaches
the accepted path is noticed.
"""

import contextlib
import datetime
import io
from html import escape
from urllib.parse import quote, urlencode

import pytest
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import HealthCheck, given, settings
from hypothesis import event as _hypothesis_event
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from accounts.models import AccountAction, AccountEvent, Role, User
from initiatives.forms import InitiativeForm
from initiatives.models import Initiative, InitiativeKind, ReachedUnit, TargetGroup
from platforms import importing as master_importing
from platforms.forms import MembershipEndForm, MembershipForm, PlatformForm
from platforms.import_views import SESSION_KEY as IMPORT_SESSION_KEY
from platforms.models import Level, Membership, Onderwijsnet, Organisation, OrganisationKind, PartnerCategory, Platform
from rounds import importing as report_importing
from rounds.columns import report_columns
from rounds.forms import RoundForm, ThemeForm
from rounds.models import Answer, Note, Question, Report, ReportingRound, Theme
from rounds.questionnaire import FALSE_CELLS, TRUE_CELLS, definition_for
from rounds.seed.corona_2020 import SECTIONS as SECTIONS_2020
from rounds.selectors import report_values

from . import strategies as hs
from .factories import PASSWORD, InitiativeFactory, MembershipFactory, PartnerFactory, ReportFactory, report_post_data
from .second_factor_helpers import verify_session

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
HOSTILE = settings(
    max_examples=30, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.large_base_example],
)
FEW = settings(HOSTILE, max_examples=15)
XSS_MARKERS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]

# Every write that can change a summary figure also raises the round's data version.
ROUND_VERSION = {"rounds.reportinground"}
# A report save writes the report (its version, status) and its answer and note rows, each with their history.
REPORT_TABLES = {"rounds.report", "rounds.historicalreport", "rounds.answer", "rounds.historicalanswer",
                 "rounds.note", "rounds.historicalnote", *ROUND_VERSION}
ORGANISATION_TABLES = {"platforms.organisation", "platforms.membership"}
PEOPLE_TABLES = {"accounts.user", "accounts.accountevent", "platforms.platform_coordinators"}

# The questionnaire of 2020 (rounds/seed/corona_2020.py), which the rounds of these tests have: its column keys and
# the answers that follow from others, stated here on their own so that what is stored is checked against them.
PROCEDURE = "registration_procedure_used"
PROCEDURE_PERIODS = ["application_period_adjusted", "enrolment_period_adjusted"]  # "no" without a procedure
REGISTRATION_KEYS = [PROCEDURE, *PROCEDURE_PERIODS, "free_enrolment_period_adjusted"]
ARRANGEMENT_KEYS = ["newcomers", "preschool", "excluded_pupils"]  # preschool: basisonderwijs only
ARRANGEMENTS = ["none", "unchanged", "adjusted"]
THEME_KEYS = ["discussed", "agreements", "actions", "exchange", "informed"]  # not discussed: the others "no"
REPORT_NOTE_KEYS = ["registrations_note", "newcomers_note", "preschool_note", "excluded_pupils_note"]


# Helpers ------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def rolled_back():
    """One hypothesis example in a savepoint that is always rolled back (see the module docstring).

    The cache is emptied before and after: a summary cached from rows that are rolled back would
    otherwise be served under the same round and data version to a later example or test.
    """
    mail.outbox.clear()
    cache.clear()
    try:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    finally:
        cache.clear()


def event(name: str) -> None:
    """Count an outcome for `--hypothesis-show-statistics` (how often a POST was accepted, a file imported)."""
    if currently_in_test_context():
        _hypothesis_event(name)


def _models() -> list:
    """Every model of the project's apps, with their history and many-to-many tables."""
    return [m for app in ("accounts", "platforms", "rounds", "initiatives", "summaries")
            for m in apps.get_app_config(app).get_models(include_auto_created=True)]


# Not data but a cache key: every accepted write to a round's figures raises the round's data version.
NOT_DATA = {"data_version", "submitted_version"}


def _snapshot() -> dict[str, list]:
    """Every row of every table of the project's apps (sessions and django-axes' login attempts aside)."""
    return {m._meta.label_lower: list(m.objects.order_by("pk").values_list(
        *[f.attname for f in m._meta.concrete_fields if f.name not in NOT_DATA])) for m in _models()}


def _tables(prefix: str) -> set[str]:
    return {m._meta.label_lower for m in _models() if m._meta.label_lower.startswith(prefix)}


def _html(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _assert_escaped(response, values) -> None:
    """Posted markup comes back as text, never as markup."""
    if not response.get("Content-Type", "").startswith("text/html"):
        return
    page = _html(response)
    for marker in XSS_MARKERS:
        if any(marker in value for value in values):
            assert marker not in page


def _values(data: dict) -> list[str]:
    return [v for value in data.values() for v in (value if isinstance(value, list) else [value])]


def _get(client, url, params=None):
    """A GET that renders completely (streamed content too) without a 5xx."""
    response = client.get(url, params or {})
    assert response.status_code < 500, url
    _html(response)
    return response


def _post(client, url, request, *, allowed: set[str], files=None):
    """POST hostile data; never a 5xx, nothing changed when refused, only `allowed` tables when accepted.

    `request` is (data, encoding): multipart as a browser sends a form with a file, urlencoded
    as it sends any other form, or urlencoded with a tail of raw invalid UTF-8 and %00.
    """
    data, encoding = request
    before = _snapshot()
    if files or encoding == "multipart":
        response = client.post(url, {**data, **(files or {})})
    else:
        body = urlencode(data, doseq=True)
        if encoding == "raw":
            body += "&%FF%FE=%C3%28&x=%00&%E2%82=%%"
        response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500
    event(f"POST {response.status_code}")
    after = _snapshot()
    changed = {label for label in before if before[label] != after[label]}
    if response.status_code == 302:
        assert changed <= allowed, f"accepted, but also changed {changed - allowed}"
        location = response["Location"]
        # Never off-site (the start of an address says where it goes; Django refuses to judge one of >2048).
        assert url_has_allowed_host_and_scheme(location[:2000], allowed_hosts={"testserver"})
        _assert_escaped(_get(client, location), _values(data))  # the page showing what was saved
    else:
        assert changed == set(), f"refused with {response.status_code}, yet {changed} changed"
        _assert_escaped(response, _values(data))
    return response


def requests(valid: dict) -> st.SearchStrategy:
    return st.tuples(hs.form_data(valid), st.sampled_from(["multipart", "urlencoded", "urlencoded", "raw"]))


def _ids(objects, *, min_size: int = 0) -> st.SearchStrategy[list[str]]:
    """Some of these objects' ids, as a form posts them (junk ids come from the hostile changes)."""
    pks = sorted({str(o.pk) for o in objects})
    return st.lists(st.sampled_from(pks), min_size=min_size, max_size=min(3, len(pks)), unique=True) if pks \
        else st.just([])


def _cleaned(form) -> dict:
    """What the form makes of the posted data (the view accepted it, so it is valid)."""
    form.is_valid()
    return form.cleaned_data


def _stripped(post, name) -> str:
    """A text field as Django's CharField cleans it: the last value posted, stripped."""
    return post.get(name, "").strip()


def _login(client, user):
    """Log in afresh: the session of the previous example was rolled back (and an earlier example may have left
    another password hash on the fixture's instance, which the session would be signed with)."""
    user.refresh_from_db()
    client.cookies.clear()
    client.force_login(user, backend=MODEL_BACKEND)
    if user.reads_everything:  # admins and ministry staff have passed their second factor too
        verify_session(client, user)
    return client


# Login and passwords ------------------------------------------------------------------------------------------


NEXT_URLS = ["/", "/rounds/", "//evil.example/", "https://evil.example/", "javascript:alert(1)", "/\\evil.example",
             "\\\\evil.example", "http:evil.example", "/%0d%0aSet-Cookie:x=1", " //evil.example"]


@pytest.mark.django_db
@HOSTILE
@given(request=requests({
    "username": st.sampled_from(["beheerder", "beheerder", "coord-a", "BEHEERDER", ""]),
    "password": st.sampled_from([PASSWORD, PASSWORD, PASSWORD.upper(), ""]),
    "next": st.sampled_from(NEXT_URLS),
}))
def test_login(client, admin_user, coordinator, request):
    with rolled_back():
        client.cookies.clear()
        response = _post(client, reverse("login"), request, allowed={"accounts.user"})  # last_login
        if response.status_code == 302:
            post = response.wsgi_request.POST
            user = User.objects.get(pk=client.session[SESSION_KEY])
            assert user.username == post["username"] and user.check_password(post["password"])


def _new_passwords():
    @st.composite
    def build(draw):
        password = draw(st.one_of(st.sampled_from(["Zomer-2020-lange-zin", "👩‍👩‍👧‍👦 lang genoeg wachtwoord 🇧🇪"]),
                                  hs.hostile_text()))
        return {"old_password": PASSWORD, "new_password1": password, "new_password2": password}

    return build()


@pytest.mark.django_db
@HOSTILE
@given(data=st.data())
def test_password_change(client, coordinator, data):
    valid = data.draw(_new_passwords())
    request = data.draw(requests({name: st.just(value) for name, value in valid.items()}))
    with rolled_back():
        _login(client, coordinator)
        response = _post(client, reverse("password_change"), request, allowed={"accounts.user"})
        if response.status_code == 302:
            coordinator.refresh_from_db()
            assert coordinator.check_password(response.wsgi_request.POST["new_password1"])


@pytest.mark.django_db
@HOSTILE
@given(request=requests({"email": st.one_of(
    st.sampled_from(["coord-a@example.be", "COORD-A@EXAMPLE.BE", "niemand@example.be"]), st.emails())}))
def test_password_reset_request(client, coordinator, admin_user, request):
    with rolled_back():
        client.cookies.clear()
        _post(client, reverse("password_reset"), request, allowed=set())
        assert len(mail.outbox) <= 1
        for message in mail.outbox:
            assert User.objects.filter(email__iexact=message.to[0], is_active=True).exists()


@pytest.mark.django_db
@FEW
@given(uid=hs.hostile_text(), token=hs.hostile_text())
def test_password_reset_link(client, coordinator, uid, token):
    with rolled_back():
        client.cookies.clear()
        _get(client, f"/accounts/reset/{quote(uid or 'x', safe='')}/{quote(token or 'x', safe='')}/")


# Platforms and members ----------------------------------------------------------------------------------------


@pytest.mark.django_db
@HOSTILE
@given(data=st.data())
def test_platform_edit(client, admin_user, platform, other_platform, data):
    coordinators = list(User.objects.filter(role=Role.COORDINATOR))
    request = data.draw(requests({
        "name": hs.stored_text("LOP Basisonderwijs Gent"),
        "level": st.sampled_from(Level.values),
        "area": hs.stored_text("Gent"),
        "coordinators": _ids(coordinators),
        "is_active": st.sampled_from(["on", "true", "false", ""]),
    }))
    with rolled_back():
        _login(client, admin_user)
        url = reverse("platforms:edit", kwargs={"code": platform.code})
        response = _post(client, url, request,
                         allowed={"platforms.platform", "platforms.platform_coordinators", *ROUND_VERSION})
        if response.status_code == 302:
            post = response.wsgi_request.POST
            saved = Platform.objects.get(pk=platform.pk)
            assert (saved.name, saved.area) == (_stripped(post, "name"), _stripped(post, "area"))
            cleaned = _cleaned(PlatformForm(post))
            assert (saved.level, saved.is_active) == (cleaned["level"], cleaned["is_active"])
            assert set(saved.coordinators.all()) == set(cleaned["coordinators"])


def _membership_fields(numbers: list[str]) -> st.SearchStrategy[dict]:
    """A member as the form expects it: the fields that go with its kind filled in, the others empty."""

    @st.composite
    def build(draw):
        kind = draw(st.sampled_from(OrganisationKind.values))
        return {
            "kind": kind,
            "name": draw(hs.stored_text("Basisschool De Linde")),
            "instellingsnummer": "" if kind == "partner" else draw(st.one_of(
                st.sampled_from(numbers), st.from_regex(r"[0-9]{6}", fullmatch=True))),
            "onderwijsnet": draw(st.sampled_from(Onderwijsnet.values)) if kind == "school" else "",
            "partner_category": draw(st.sampled_from(PartnerCategory.values)) if kind == "partner" else "",
            "municipality": draw(hs.stored_text("Gent")),
            "start_date": draw(st.one_of(st.just(""), hs.valid_dates(2000, 2020))),
            "note": draw(hs.stored_text("")),
        }

    return build()


def _organisations() -> dict[int, dict]:
    return {o["id"]: o for o in Organisation.objects.values()}


def _assert_organisation_saved(post, organisation: Organisation, cleaned: dict) -> None:
    assert (organisation.name, organisation.municipality) == (_stripped(post, "name"), _stripped(post, "municipality"))
    assert (organisation.kind, organisation.instellingsnummer, organisation.onderwijsnet,
            organisation.partner_category) == (cleaned["kind"], cleaned["instellingsnummer"], cleaned["onderwijsnet"],
                                               cleaned["partner_category"])


@pytest.mark.django_db
@HOSTILE
@given(data=st.data())
def test_membership_add(client, coordinator, platform, other_platform, data):
    numbers = list(Organisation.objects.exclude(instellingsnummer="").values_list("instellingsnummer", flat=True))
    request = data.draw(requests(_membership_fields(numbers)))
    with rolled_back():
        _login(client, coordinator)
        url = reverse("platforms:membership_create", kwargs={"code": platform.code})
        latest = Membership.objects.order_by("-pk").first().pk
        organisations = _organisations()
        response = _post(client, url, request, allowed=ORGANISATION_TABLES)
        if response.status_code == 302:
            post = response.wsgi_request.POST
            new = Membership.objects.select_related("organisation").get(pk__gt=latest)
            cleaned = _cleaned(MembershipForm(post))
            assert (new.platform, new.end_date, new.note, new.start_date) == (
                platform, None, _stripped(post, "note"), cleaned["start_date"])
            if new.organisation.pk in organisations:  # a registered school is linked as it is
                assert _organisations()[new.organisation.pk] == organisations[new.organisation.pk]
            else:
                _assert_organisation_saved(post, new.organisation, cleaned)


@pytest.mark.django_db
@HOSTILE
@given(data=st.data())
def test_membership_edit(client, coordinator, platform, other_platform, data):
    numbers = list(Organisation.objects.exclude(instellingsnummer="").values_list("instellingsnummer", flat=True))
    membership = data.draw(st.sampled_from(list(platform.memberships.order_by("pk"))))
    request = data.draw(requests(_membership_fields(numbers)))
    with rolled_back():
        _login(client, coordinator)
        url = reverse("platforms:membership_edit", kwargs={"code": platform.code, "pk": membership.pk})
        response = _post(client, url, request, allowed=ORGANISATION_TABLES)
        if response.status_code == 302:
            post = response.wsgi_request.POST
            saved = Membership.objects.select_related("organisation").get(pk=membership.pk)
            cleaned = _cleaned(MembershipForm(post, initial={"kind": membership.organisation.kind}, editing=True))
            assert (saved.note, saved.start_date) == (_stripped(post, "note"), cleaned["start_date"])
            _assert_organisation_saved(post, saved.organisation, cleaned)  # the kind stays (disabled field)


@pytest.mark.django_db
@HOSTILE
@given(data=st.data())
def test_membership_end(client, coordinator, platform, data):
    membership = platform.memberships.order_by("pk").first()
    ended = data.draw(st.booleans())
    request = data.draw(requests({"end_date": st.one_of(st.just(timezone.localdate().isoformat()),
                                                          hs.valid_dates(2019, 2030))}))
    with rolled_back():
        if ended:
            Membership.objects.filter(pk=membership.pk).update(start_date=datetime.date(2019, 9, 1),
                                                               end_date=datetime.date(2020, 1, 1))
        _login(client, coordinator)
        url = reverse("platforms:membership_end", kwargs={"code": platform.code, "pk": membership.pk})
        response = _post(client, url, request, allowed={"platforms.membership"})
        if response.status_code == 302:
            assert not ended
            cleaned = _cleaned(MembershipEndForm(response.wsgi_request.POST))
            assert Membership.objects.get(pk=membership.pk).end_date == cleaned["end_date"]


# Reports and initiatives --------------------------------------------------------------------------------------


REPORT_STATES = ["new", "draft", "returned", "submitted", "past_deadline", "reopened", "closed"]


def test_the_2020_keys_are_those_of_the_seed():
    """The keys these tests state are the 2020 questionnaire's, and so are its answers that follow from others."""
    questions = {q["key"]: q for section in SECTIONS_2020 for q in section["questions"]}
    assert list(questions) == [*REGISTRATION_KEYS, *ARRANGEMENT_KEYS, *THEME_KEYS]
    assert [s["note_key"] for s in SECTIONS_2020] == [*REPORT_NOTE_KEYS, "note"]
    assert {key: (q["implied_when"], q["implied_value"]) for key, q in questions.items() if q["implied_when"]} == {
        **{key: (f"${{{PROCEDURE}}} = 'no'", "no") for key in PROCEDURE_PERIODS},
        **{key: ("${discussed} = 'no'", "no") for key in THEME_KEYS[1:]}}
    assert [(s["key"], s["level"], s["per_theme"]) for s in SECTIONS_2020 if s["level"] or s["per_theme"]] == [
        ("preschool_arrangements", "basis", False), ("themes", "", True)]
    assert {key for key, q in questions.items() if q["kind"] == "choice"} == set(ARRANGEMENT_KEYS)
    assert all(q["required"] and not q["relevant"] and not q["level"] for q in questions.values())


def _report_fields(themes, *, level: str, version: str) -> st.SearchStrategy[dict]:
    """A report form as a browser posts it: answers that agree with each other more often than not, and half of the
    time every question answered (so that a submit can be accepted)."""
    no_or_empty = st.sampled_from(["false", ""])

    @st.composite
    def build(draw):
        blank = [""] if draw(st.booleans()) else []
        yes_no = st.sampled_from(["true", "false", *blank])
        data = {"loaded_version": draw(st.sampled_from([version, version, version, "0", "4", "-1", "999999"]))}
        procedure = draw(yes_no)
        data[PROCEDURE] = procedure
        for key in PROCEDURE_PERIODS:
            data[key] = draw(no_or_empty if procedure == "false" else yes_no)
        data["free_enrolment_period_adjusted"] = draw(yes_no)
        data["registrations_note"] = draw(hs.stored_text("Aanmeldperiode met een week verlengd."))
        for key in ARRANGEMENT_KEYS:
            if key != "preschool" or level == Level.BASIS:
                data[key] = draw(st.sampled_from([*ARRANGEMENTS, "adjusted", *blank]))
                data[f"{key}_note"] = draw(hs.stored_text(""))
        for theme in themes:
            discussed = draw(yes_no)
            data[f"theme-{theme.slug}-discussed"] = discussed
            for key in THEME_KEYS[1:]:
                data[f"theme-{theme.slug}-{key}"] = draw(no_or_empty if discussed == "false" else yes_no)
            data[f"theme-{theme.slug}-note"] = draw(hs.stored_text(""))
        # "submit" alone shows the overview to confirm (nothing saved); "confirm_submit" submits.
        for button in draw(st.sampled_from([["save"], ["confirm_submit"], ["confirm_submit"], ["submit"], [],
                                            ["save", "confirm_submit"]])):
            data[button] = ""
        return data

    return build()


def _set_state(report_round: ReportingRound, platform: Platform, state: str) -> Report | None:
    """Put the round and the platform's report in one of REPORT_STATES (inside the example's savepoint)."""
    today = timezone.localdate()
    if state in ("past_deadline", "reopened"):
        ReportingRound.objects.filter(pk=report_round.pk).update(
            opens_on=today - datetime.timedelta(days=30), deadline=today - datetime.timedelta(days=1))
    if state == "closed":
        ReportingRound.objects.filter(pk=report_round.pk).update(closed_at=timezone.now())
    if state == "new":
        return None
    status = {"returned": "returned", "submitted": "submitted"}.get(state, "draft")
    return ReportFactory(round=report_round, platform=platform, status=status, version=3, reopened=state == "reopened",
                         submitted_at=timezone.now() if status == "submitted" else None)


def _posted(post, level: str, slugs: list[str]) -> tuple[dict, dict]:
    """The answers and notes of a posted 2020 report form, by column, as its fields clean them (the form was
    accepted, so every value is valid): yes/no "true"/"false" as "yes"/"no", a choice as posted, a note stripped;
    empty is None. A question or note not asked of the level has no field, so what was posted for it is ignored."""
    yes_no = {"true": "yes", "false": "no"}
    values = {key: yes_no.get(post.get(key, "")) for key in REGISTRATION_KEYS}
    notes = {"registrations_note": _stripped(post, "registrations_note")}
    for key in ARRANGEMENT_KEYS:
        if key != "preschool" or level == Level.BASIS:
            values[key] = post.get(key, "") or None
            notes[f"{key}_note"] = _stripped(post, f"{key}_note")
    for slug in slugs:
        for key in THEME_KEYS:
            values[f"theme:{slug}:{key}"] = yes_no.get(post.get(f"theme-{slug}-{key}", ""))
        notes[f"theme:{slug}:note"] = _stripped(post, f"theme-{slug}-note")
    return values, notes


def _expected_2020(values: dict, notes: dict, level: str, slugs: list[str]) -> tuple[dict, dict]:
    """What a report of the 2020 questionnaire stores for these accepted answers and notes (by column), by the
    rules of 2020 stated explicitly: what was given, plus no procedure ⇒ the procedure's periods "no", a theme not
    discussed ⇒ its agreements, actions, exchange and informing "no"; pre-school and its note only for basis; an
    empty answer or note is no row."""
    expected = {column: value for column, value in values.items() if value is not None}
    if values.get(PROCEDURE) == "no":
        expected.update(dict.fromkeys(PROCEDURE_PERIODS, "no"))
    for slug in slugs:
        if values.get(f"theme:{slug}:discussed") == "no":
            expected.update({f"theme:{slug}:{key}": "no" for key in THEME_KEYS[1:]})
    expected_notes = {column: text.strip() for column, text in notes.items() if text.strip()}
    if level != Level.BASIS:
        expected.pop("preschool", None)
        expected_notes.pop("preschool_note", None)
    return expected, expected_notes


def _stored(report: Report) -> tuple[dict, dict]:
    """The report's answers and notes by column, read from its answer and note rows."""
    report = Report.objects.select_related("round__questionnaire").get(pk=report.pk)
    return report_values(report, definition_for(report.round))


def _assert_stored_by_the_rules(report: Report, values: dict, notes: dict, level: str, **check) -> None:
    """The report's rows hold what the 2020 rules say, and the questionnaire's own rules (`Definition.check`, the
    one rule source of the form, the service and the import) say the same."""
    definition = definition_for(report.round)
    slugs = [theme.slug for theme in definition.themes]
    expected = _expected_2020(values, notes, level, slugs)
    clean, clean_notes, errors = definition.check(level, values, notes, **check)
    assert not errors, errors
    assert (clean, clean_notes) == expected
    assert _stored(report) == expected
    # Answers are typed rows: a yes/no is "yes" or "no", a choice one of its names; no empty row.
    for answer in Answer.objects.filter(report=report).select_related("question"):
        allowed = ARRANGEMENTS if answer.question.key in ARRANGEMENT_KEYS else ["yes", "no"]
        assert (answer.kind, answer.number) == (answer.question.kind, None)
        assert answer.value in allowed, (answer.question.key, answer.value)
    assert not Note.objects.filter(report=report, text="").exists()


@pytest.mark.django_db
@settings(HOSTILE, max_examples=50)
@given(data=st.data())
def test_report_save_and_submit(client, coordinator, other_coordinator, platform, other_platform, open_round, data):
    user, own = data.draw(st.sampled_from([(coordinator, platform), (other_coordinator, other_platform)]))
    state = data.draw(st.sampled_from(["draft", "draft", "new", "new", *REPORT_STATES]))
    themes = list(open_round.themes.all())
    request = data.draw(requests(_report_fields(themes, level=own.level, version="0" if state == "new" else "3")))
    with rolled_back():
        existing = _set_state(open_round, own, state)
        _login(client, user)
        url = reverse("rounds:report", kwargs={"round_slug": open_round.slug, "code": own.code})
        response = _post(client, url, request, allowed=REPORT_TABLES)
        post = response.wsgi_request.POST
        if response.status_code == 302:
            report = Report.objects.get(round=open_round, platform=own)
            values, notes = _posted(post, own.level, [t.slug for t in themes])
            _assert_stored_by_the_rules(report, values, notes, own.level, submitting="confirm_submit" in post)
            assert report.version == (existing.version + 1 if existing else 1)
            assert report.status == ("submitted" if "confirm_submit" in post
                                     else existing.status if existing else "draft")
        elif response.status_code in (200, 409):
            # A refused save shows the form again with what was typed (a note of only white space aside).
            note = post.get("registrations_note", "")
            assert not note.strip() or escape(note) in response.text


def _initiative_fields(report: Report, outsiders, *, version: str | None = None) -> st.SearchStrategy[dict]:
    """An initiative as the form expects it; now and then a member of another platform or a former member."""
    members = list(Organisation.objects.filter(memberships__platform=report.platform, memberships__end_date=None))
    organisations = st.one_of(_ids(members), _ids(members), _ids(members + outsiders))

    @st.composite
    def build(draw):
        start = draw(hs.valid_dates(2019, 2021))
        reached = draw(st.sampled_from(["", "", "0", "12", "1000000"]))
        data = {
            "title": draw(hs.stored_text("Huiswerkklas")),
            "description": draw(hs.stored_text("Twee keer per week.")),
            "kind": draw(st.sampled_from(InitiativeKind.values)),
            "target_groups": draw(_ids(TargetGroup.objects.all(), min_size=1)),
            "asked_of": draw(organisations),
            "partners_involved": draw(organisations),
            "other_partners": draw(hs.stored_text("")),
            "start_date": start,
            "end_date": draw(st.sampled_from(["", "31/12/2021", "2021-12-31"])),
            "reached_count": reached,
            "reached_unit": draw(st.sampled_from(ReachedUnit.values)) if reached else "",
            "themes": draw(_ids(Theme.objects.all())),
        }
        if version is not None:
            data["loaded_version"] = draw(st.sampled_from([version, version, version, "", "1", "3", "-1"]))
        return data

    return build()


def _assert_initiative_saved(post, initiative: Initiative, report: Report) -> None:
    assert initiative.report_id == report.pk
    for name in ("title", "description", "other_partners"):
        assert getattr(initiative, name) == _stripped(post, name), name
    cleaned = _cleaned(InitiativeForm(post, report=report))
    for name in ("kind", "start_date", "end_date", "reached_count", "reached_unit"):
        assert getattr(initiative, name) == cleaned[name], name
    for name in ("target_groups", "asked_of", "partners_involved", "themes"):
        assert set(getattr(initiative, name).all()) == set(cleaned[name]), name


def _initiative_tables() -> set[str]:
    return _tables("initiatives.initiative") | _tables("initiatives.historicalinitiative") | ROUND_VERSION


@pytest.fixture
def answer_setup(platform, other_platform, open_round):
    """A draft report of `platform` with an initiative, and a theme outside the round."""
    report = ReportFactory(round=open_round, platform=platform)
    initiative = InitiativeFactory(report=report, version=2)
    Theme.objects.create(slug="buiten-ronde", name="Niet in deze ronde")
    outsiders = list(Organisation.objects.filter(memberships__platform=other_platform))
    outsiders.append(MembershipFactory(platform=platform, organisation=PartnerFactory(),
                                       end_date=datetime.date(2020, 1, 1)).organisation)  # a former member
    return report, initiative, outsiders


@pytest.mark.django_db
@HOSTILE
@given(data=st.data())
def test_initiative_add(client, coordinator, answer_setup, data):
    report, _initiative, outsiders = answer_setup
    state = data.draw(st.sampled_from(["draft", "draft", "submitted", "past_deadline"]))
    request = data.draw(requests(_initiative_fields(report, outsiders)))
    with rolled_back():
        if state != "draft":
            Report.objects.filter(pk=report.pk).update(status="submitted", submitted_at=timezone.now())
        if state == "past_deadline":
            ReportingRound.objects.filter(pk=report.round_id).update(deadline=timezone.localdate()
                                                                     - datetime.timedelta(days=1))
        _login(client, coordinator)
        url = reverse("rounds:initiative_create", kwargs={"round_slug": report.round.slug,
                                                          "code": report.platform.code})
        latest = Initiative.objects.order_by("-pk").first().pk
        response = _post(client, url, request, allowed=_initiative_tables())
        if response.status_code == 302:
            assert state == "draft"
            _assert_initiative_saved(response.wsgi_request.POST, Initiative.objects.get(pk__gt=latest), report)


@pytest.mark.django_db
@HOSTILE
@given(data=st.data())
def test_initiative_edit(client, coordinator, answer_setup, data):
    report, initiative, outsiders = answer_setup
    request = data.draw(requests(_initiative_fields(report, outsiders, version="2")))
    with rolled_back():
        _login(client, coordinator)
        url = reverse("rounds:initiative_edit", kwargs={"round_slug": report.round.slug,
                                                        "code": report.platform.code, "pk": initiative.pk})
        response = _post(client, url, request, allowed=_initiative_tables())
        if response.status_code == 302:
            saved = Initiative.objects.get(pk=initiative.pk)
            _assert_initiative_saved(response.wsgi_request.POST, saved, report)
            assert saved.version == 3


@pytest.mark.django_db
@FEW
@given(data=st.data())
def test_initiative_delete(client, coordinator, answer_setup, data):
    report, initiative, _outsiders = answer_setup
    submitted = data.draw(st.booleans())
    request = data.draw(requests({"confirm": hs.hostile_text()}))
    with rolled_back():
        if submitted:
            Report.objects.filter(pk=report.pk).update(status="submitted", submitted_at=timezone.now())
        _login(client, coordinator)
        url = reverse("rounds:initiative_delete", kwargs={"round_slug": report.round.slug,
                                                          "code": report.platform.code, "pk": initiative.pk})
        response = _post(client, url, request, allowed=_initiative_tables())
        assert response.status_code == (403 if submitted else 302)  # a submitted report's are read-only
        assert Initiative.objects.filter(pk=initiative.pk).exists() == submitted


@pytest.mark.django_db
@HOSTILE
@given(data=st.data())
def test_report_return_and_reopen(client, ministry_user, admin_user, platform, open_round,
                                  django_capture_on_commit_callbacks, data):
    action, user = data.draw(st.sampled_from([("return", ministry_user), ("reopen", admin_user)]))
    state = data.draw(st.sampled_from(["submitted", "submitted", "draft", "past_deadline", "closed"]))
    request = data.draw(requests({"comment": hs.stored_text("Vul de thema's aan.")}))
    names = data.draw(st.tuples(hs.stored_text(), hs.stored_text()))  # the round's title and the platform's name
    with rolled_back():
        ReportFactory(round=open_round, platform=platform, status="submitted" if state != "draft" else "draft",
                      submitted_at=timezone.now(), return_comment="Eerder commentaar.")
        today = timezone.localdate()
        ReportingRound.objects.filter(pk=open_round.pk).update(
            title=names[0] or "Ronde", closed_at=timezone.now() if state == "closed" else None,
            deadline=today - datetime.timedelta(days=1) if state == "past_deadline" else open_round.deadline)
        Platform.objects.filter(pk=platform.pk).update(name=names[1] or "LOP")
        _login(client, user)
        url = reverse(f"rounds:report_{action}", kwargs={"round_slug": open_round.slug, "code": platform.code})
        # The mail to the coordinators goes out once the change is committed: run it, as a real request does.
        with django_capture_on_commit_callbacks(execute=True):
            response = _post(client, url, request,
                             allowed={"rounds.report", "rounds.historicalreport", *ROUND_VERSION})
        if response.status_code == 302:
            comment = _stripped(response.wsgi_request.POST, "comment")
            report = Report.objects.get(round=open_round, platform=platform)
            assert report.status == "returned"
            assert report.return_comment == (comment or "Eerder commentaar.")
            assert report.reopened == (action == "reopen")
            assert [m.to for m in mail.outbox] == [[platform.coordinators.get().email]]
        else:
            assert mail.outbox == []


@pytest.mark.django_db
@FEW
@given(names=st.tuples(hs.stored_text(), hs.stored_text()))
def test_reminders_with_hostile_names(platform, open_round, names):
    with rolled_back():
        ReportingRound.objects.filter(pk=open_round.pk).update(title=names[0] or "Ronde")
        Platform.objects.filter(pk=platform.pk).update(name=names[1] or "LOP")
        call_command("send_reminders", "--round", open_round.slug, stdout=io.StringIO())
        assert [m.to for m in mail.outbox] == [[platform.coordinators.get().email]]
        assert "\n" not in mail.outbox[0].subject


# Rounds and themes --------------------------------------------------------------------------------------------


@pytest.fixture
def inactive_theme(db):
    return Theme.objects.create(slug="oud-thema", name="Oud thema", is_active=False)


def _round_fields() -> st.SearchStrategy[dict]:
    """A round as the form expects it: a new code, dates in order (mostly), some themes."""

    @st.composite
    def build(draw):
        period_start, opens_on = sorted(draw(st.lists(st.dates(datetime.date(2019, 1, 1), datetime.date(2031, 1, 1)),
                                                      min_size=2, max_size=2)))
        deadline = opens_on + datetime.timedelta(days=draw(st.integers(-2, 60)))
        write = draw(st.sampled_from([datetime.date.isoformat, lambda d: d.strftime("%d/%m/%Y")]))
        return {
            "slug": draw(st.one_of(st.from_regex(r"[a-z0-9][a-z0-9_-]{0,20}", fullmatch=True),
                                   st.sampled_from(["new", "themes", "corona-2020"]))),
            "title": draw(hs.stored_text("Bevraging 2021")),
            "period_start": write(period_start),
            "period_end": draw(st.sampled_from(["", write(opens_on), write(period_start)])),
            "opens_on": write(opens_on),
            "deadline": write(deadline),
            "themes": draw(_ids(Theme.objects.all())),
        }

    return build()


def _assert_round_saved(client, post, saved: ReportingRound) -> None:
    assert saved.title == _stripped(post, "title")
    cleaned = _cleaned(RoundForm(post))
    for name in ("period_start", "period_end", "opens_on", "deadline"):
        assert getattr(saved, name) == cleaned[name], name
    assert set(saved.themes.all()) == set(cleaned["themes"])
    # The round's title and dates appear on every page and file of the round.
    for name in ("summary", "summary_json", "answer", "answer_docx", "export_csv", "export_xlsx"):
        _get(client, reverse(f"rounds:{name}", kwargs={"round_slug": saved.slug}))


@pytest.mark.django_db
@HOSTILE
@given(data=st.data())
def test_round_create(client, admin_user, open_round, inactive_theme, data):
    request = data.draw(requests(_round_fields()))
    with rolled_back():
        _login(client, admin_user)
        latest = ReportingRound.objects.order_by("-pk").first().pk
        response = _post(client, reverse("rounds:create"), request,  # with its questionnaire, empty
                         allowed={"rounds.reportinground", "rounds.reportinground_themes", "rounds.questionnaire"})
        if response.status_code == 302:
            post = response.wsgi_request.POST
            saved = ReportingRound.objects.get(pk__gt=latest)
            assert saved.slug == post["slug"].strip()
            _assert_round_saved(client, post, saved)


@pytest.mark.django_db
@HOSTILE
@given(data=st.data())
def test_round_edit(client, admin_user, platform, open_round, data):
    answered = data.draw(st.booleans())
    request = data.draw(requests(_round_fields()))
    with rolled_back():
        if answered:  # a theme with answers cannot be taken out of the round
            report = ReportFactory(round=open_round, platform=platform)
            Answer.objects.create(report=report, question=Question.objects.get(
                questionnaire__round=open_round, key="discussed"), theme=open_round.themes.first(), kind="yesno",
                value="yes")
        _login(client, admin_user)
        url = reverse("rounds:edit", kwargs={"round_slug": open_round.slug})
        response = _post(client, url, request,
                         allowed={"rounds.reportinground", "rounds.reportinground_themes"})
        if response.status_code == 302:
            saved = ReportingRound.objects.get(pk=open_round.pk)
            assert saved.slug == open_round.slug  # the code is fixed once made
            _assert_round_saved(client, response.wsgi_request.POST, saved)


@pytest.mark.django_db
@FEW
@given(data=st.data())
def test_round_close(client, admin_user, open_round, data):
    closed = data.draw(st.booleans())
    request = data.draw(requests({"confirm": hs.hostile_text()}))
    with rolled_back():
        if closed:
            ReportingRound.objects.filter(pk=open_round.pk).update(closed_at=timezone.now())
        _login(client, admin_user)
        response = _post(client, reverse("rounds:close", kwargs={"round_slug": open_round.slug}), request,
                         allowed={"rounds.reportinground"})
        assert response.status_code == 302
        assert ReportingRound.objects.get(pk=open_round.pk).is_closed != closed


@pytest.mark.django_db
@HOSTILE
@given(data=st.data())
def test_theme_create_and_edit(client, admin_user, open_round, data):
    editing = data.draw(st.booleans())
    request = data.draw(requests({
        "slug": st.one_of(st.from_regex(r"[a-z0-9][a-z0-9_-]{0,20}", fullmatch=True), st.just("laptops")),
        "name": hs.stored_text("Welzijn"),
        "description": st.one_of(hs.stored_text(""), hs.long_text().map(lambda s: s.replace("\x00", ""))),
        "position": st.integers(0, 32767).map(str),
        "is_active": st.sampled_from(["on", ""]),
    }))
    with rolled_back():
        _login(client, admin_user)
        url = reverse("rounds:theme_edit", kwargs={"theme_slug": "laptops"}) if editing \
            else reverse("rounds:theme_create")
        latest = Theme.objects.order_by("-pk").first().pk
        response = _post(client, url, request, allowed={"rounds.theme"})
        if response.status_code == 302:
            post = response.wsgi_request.POST
            saved = Theme.objects.get(slug="laptops") if editing else Theme.objects.get(pk__gt=latest)
            assert (saved.name, saved.description) == (_stripped(post, "name"), _stripped(post, "description"))
            cleaned = _cleaned(ThemeForm(post, instance=Theme(slug="laptops") if editing else Theme()))
            assert (saved.position, saved.is_active) == (cleaned["position"], cleaned["is_active"])
            if not editing:
                assert saved.slug == post["slug"].strip()
            _get(client, reverse("rounds:detail", kwargs={"round_slug": open_round.slug}))


# People -------------------------------------------------------------------------------------------------------


def _person_fields(platforms) -> dict:
    return {
        "first_name": hs.stored_text("An"),
        "last_name": hs.stored_text("Peeters"),
        "email": st.one_of(st.sampled_from(["an.peeters@example.be", "coord-b@example.be", "COORD-A@example.BE"]),
                           st.emails()),
        "role": st.sampled_from(Role.values),
        "platforms": _ids(platforms, min_size=1),
    }


def _assert_person_saved(post, person: User) -> None:
    assert (person.first_name, person.last_name) == (_stripped(post, "first_name"), _stripped(post, "last_name"))
    assert person.email == User.objects.normalize_email(_stripped(post, "email"))
    assert person.role == post["role"]
    expected = {int(pk) for pk in post.getlist("platforms")} if person.role == Role.COORDINATOR else set()
    assert set(person.coordinated_platforms.values_list("pk", flat=True)) == expected


@pytest.mark.django_db
@HOSTILE
@given(data=st.data())
def test_person_invite(client, admin_user, platform, other_platform, django_capture_on_commit_callbacks, data):
    fields = _person_fields([platform, other_platform])
    fields["username"] = st.one_of(st.from_regex(r"[\w.@+-]{1,30}", fullmatch=True),
                                   st.sampled_from(["coord-b", "COORD-A", "beheerder"]))
    request = data.draw(requests(fields))
    with rolled_back():
        _login(client, admin_user)
        with django_capture_on_commit_callbacks(execute=True):  # the invitation mail, as in a real request
            response = _post(client, reverse("people:invite"), request, allowed=PEOPLE_TABLES)
        assert len(mail.outbox) == (1 if response.status_code == 302 else 0)
        if response.status_code == 302:
            post = response.wsgi_request.POST
            person = User.objects.get(username=User.normalize_username(post["username"].strip()))
            _assert_person_saved(post, person)
            assert not person.has_usable_password()
            assert list(AccountEvent.objects.filter(target=person).values_list("action", flat=True)) == [
                AccountAction.INVITED, AccountAction.CREATED]


@pytest.mark.django_db
@HOSTILE
@given(data=st.data())
def test_person_edit(client, admin_user, ministry_user, other_coordinator, platform, other_platform, data):
    person = data.draw(st.sampled_from([other_coordinator, ministry_user, admin_user]))
    request = data.draw(requests(_person_fields([platform, other_platform])))
    with rolled_back():
        _login(client, admin_user)
        response = _post(client, reverse("people:edit", kwargs={"pk": person.pk}), request, allowed=PEOPLE_TABLES)
        if response.status_code == 302:
            _assert_person_saved(response.wsgi_request.POST, User.objects.get(pk=person.pk))


@pytest.mark.django_db
def test_person_edit_with_long_names_of_combining_characters(client, admin_user, other_coordinator, other_platform):
    # Names of 150 characters, half or more of them combining (and not composing): the audit line (old → new for
    # both names) is longer than its 500 characters, however few letters it shows.
    User.objects.filter(pk=other_coordinator.pk).update(first_name="x\u0336" * 75, last_name="q\u0337" * 75)
    data = {"first_name": "Z\u0336\u0337" * 50, "last_name": "k\u0338\u0336" * 50, "email": other_coordinator.email,
            "role": "coordinator", "platforms": [str(other_platform.pk)]}
    _login(client, admin_user)
    response = _post(client, reverse("people:edit", kwargs={"pk": other_coordinator.pk}), (data, "urlencoded"),
                     allowed=PEOPLE_TABLES)
    assert response.status_code == 302
    event = AccountEvent.objects.get(target=other_coordinator, action=AccountAction.DETAILS_CHANGED)
    assert len(event.details) == 500 and event.details.endswith("…")


@pytest.mark.django_db
@HOSTILE
@given(data=st.data())
def test_person_deactivate(client, admin_user, other_coordinator, data):
    person = data.draw(st.sampled_from([other_coordinator, other_coordinator, admin_user]))
    request = data.draw(requests({"reason": hs.stored_text("Vertrokken.")}))
    with rolled_back():
        _login(client, admin_user)
        response = _post(client, reverse("people:deactivate", kwargs={"pk": person.pk}), request,
                         allowed={"accounts.user", "accounts.accountevent"})
        if response.status_code == 302:
            assert person == other_coordinator
            assert not User.objects.get(pk=person.pk).is_active
            event = AccountEvent.objects.get(target=person, action=AccountAction.DEACTIVATED)
            assert event.details == _stripped(response.wsgi_request.POST, "reason")


# Filters of the summary and list pages ------------------------------------------------------------------------


# The 2020 questionnaire's columns, and columns that are none: a note, a theme or key that does not exist, NUL.
SUMMARY_QUESTIONS = [*REGISTRATION_KEYS, *ARRANGEMENT_KEYS, *[f"theme:laptops:{key}" for key in THEME_KEYS],
                     "theme:\x00:discussed", "theme:laptops:note", "status", "registrations_note", "discussed",
                     "theme:buiten-ronde:discussed", "theme:laptops:", "theme::discussed", "platform_code"]


@pytest.fixture
def summary_setup(platform, other_platform, open_round, coordinator, other_coordinator):
    """Both platforms' reports submitted with every question answered, with an initiative."""
    from rounds.services import reports as services

    slugs = [t.slug for t in open_round.themes.all()]
    for user, own in ((coordinator, platform), (other_coordinator, other_platform)):
        values, notes = _posted(QueryDict(urlencode(report_post_data(level=own.level))), own.level, slugs)
        services.report_save(actor=user, round=open_round, platform=own, expected_version=0, values=values,
                             notes=notes, submit=True)
    InitiativeFactory(report=Report.objects.get(platform=platform))
    return open_round


@pytest.mark.django_db
@settings(HOSTILE, max_examples=40)
@given(data=st.data())
def test_summary_and_list_filters(client, ministry_user, admin_user, summary_setup, data):
    open_round = summary_setup
    page = data.draw(st.sampled_from(["summary", "summary_platforms", "summary_platforms", "initiative_list",
                                      "initiative_list", "summary_json", "answer", "people", "platforms", "invite"]))
    params = data.draw(hs.form_data({
        "summary": {"include_drafts": st.sampled_from(["1", "0", ""])},
        "summary_json": {"include_drafts": st.sampled_from(["1", "0", ""])},
        "answer": {"include_drafts": st.sampled_from(["1", "0", ""])},
        "summary_platforms": {
            "question": st.sampled_from(SUMMARY_QUESTIONS), "value": hs.choice(["yes", "no", "none", "unchanged",
                                                                                 "adjusted"]),
            "level": hs.choice(Level.values), "include_drafts": st.sampled_from(["1", ""]),
        },
        "initiative_list": {
            "level": hs.choice(Level.values), "kind": hs.choice(InitiativeKind.values),
            "target_group": hs.choice(TargetGroup.objects.values_list("slug", flat=True)),
            "platform": st.sampled_from(["gent-bao", "Gent", ""]), "q": st.sampled_from(["huiswerk", ""]),
            "page": st.sampled_from(["1", "2", "", "last"]),
        },
        "people": {"role": hs.choice(Role.values), "platform": st.sampled_from(["gent-bao", ""]),
                   "q": st.sampled_from(["coord", "jan peeters", ""]), "active": st.sampled_from(["1", "0", ""])},
        "platforms": {"level": hs.choice(Level.values), "q": st.sampled_from(["gent", ""])},
        "invite": {"role": hs.choice(Role.values), "platform": st.sampled_from(["gent-bao", ""])},
    }[page]))
    url = {"people": reverse("people:list"), "platforms": reverse("platforms:list"),
           "invite": reverse("people:invite")}.get(page) or reverse(f"rounds:{page}",
                                                                    kwargs={"round_slug": open_round.slug})
    with rolled_back():
        _login(client, admin_user if page in ("people", "invite") else ministry_user)
        before = _snapshot()
        response = _get(client, url, params)
        assert response.status_code in (200, 404)
        assert _snapshot() == before
        _assert_escaped(response, _values(params))


# What was accepted renders everywhere -------------------------------------------------------------------------


@pytest.mark.django_db
@FEW
@given(data=st.data())
def test_accepted_hostile_text_renders_on_every_page_and_file(client, coordinator, ministry_user, platform,
                                                              open_round, data):
    def text():
        return data.draw(hs.stored_text().map(lambda s: s if s.strip() else "leeg"))

    report_data = report_post_data(confirm_submit="", registrations_note=text(), newcomers_note=text(),
                                   preschool_note=text(), excluded_pupils_note=text(),
                                   **{f"theme-{t.slug}-note": text() for t in open_round.themes.all()})
    members = [str(o.pk) for o in Organisation.objects.filter(memberships__platform=platform)]
    initiative_data = {"title": text(), "description": text(), "kind": "other",
                       "target_groups": [str(TargetGroup.objects.first().pk)],
                       "asked_of": members, "partners_involved": members[:1], "other_partners": text(),
                       "start_date": "2020-04-20", "reached_count": "12", "reached_unit": "families"}
    kwargs = {"round_slug": open_round.slug, "code": platform.code}
    with rolled_back():
        _login(client, coordinator)
        created = _post(client, reverse("rounds:initiative_create", kwargs=kwargs), (initiative_data, "multipart"),
                        allowed=_initiative_tables() | REPORT_TABLES)
        assert created.status_code == 302
        saved = _post(client, reverse("rounds:report", kwargs=kwargs), (report_data, "urlencoded"),
                      allowed=REPORT_TABLES)
        assert saved.status_code == 302
        initiative = Initiative.objects.get()
        for url in (reverse("rounds:report_history", kwargs=kwargs),
                    reverse("rounds:initiative_detail", kwargs={**kwargs, "pk": initiative.pk})):
            _assert_escaped(_get(client, url), [*_values(report_data), *_values(initiative_data)])
        _login(client, ministry_user)
        round_kwargs = {"round_slug": open_round.slug}
        for name in ("summary", "summary_json", "initiative_list", "answer", "answer_docx", "export_csv",
                     "export_xlsx", "initiatives_csv", "initiatives_xlsx"):
            _assert_escaped(_get(client, reverse(f"rounds:{name}", kwargs=round_kwargs)),
                            [*_values(report_data), *_values(initiative_data)])
        for question, value in (("registration_procedure_used", "yes"), ("newcomers", "adjusted"),
                                ("preschool", "unchanged"), ("excluded_pupils", "unchanged"),
                                ("theme:laptops:discussed", "yes")):  # the figures' platforms with their notes
            drilldown = _get(client, reverse("rounds:summary_platforms", kwargs=round_kwargs),
                             {"question": question, "value": value})
            assert drilldown.status_code == 200


# Imports ------------------------------------------------------------------------------------------------------


def _report_row(codes: list[str], slugs: list[str]) -> st.SearchStrategy[dict]:
    """A row of a report file that is valid more often than not (so that whole files get written)."""

    @st.composite
    def build(draw):
        status = draw(st.sampled_from(["draft", "submitted", "returned", "SUBMITTED", "draft", "submitted",
                                       "returned", "Draft", "submitted", "ingediend"]))
        # A submitted report has every question answered (now and then it has not: refused).
        blanks = [""] if draw(st.integers(0, 9)) < (2 if status.lower() == "submitted" else 6) else []
        yes_no = st.sampled_from(["yes", "no", "ja", "nee", "YES", "Nee", "true", "0", "y", "N", *blanks])
        no = st.sampled_from(["no", "nee", "n", *blanks])
        note = hs.stored_text("")
        row = {"platform_code": draw(st.sampled_from([*codes, *codes, *codes, *codes, "", "bestaat-niet"])),
               "platform_name": draw(hs.stored_text("LOP")), "level": draw(st.sampled_from(["basis", "x"])),
               "status": status}
        procedure = draw(yes_no)
        row[PROCEDURE] = procedure
        for key in PROCEDURE_PERIODS:
            row[key] = draw(no if procedure.lower() in FALSE_CELLS else yes_no)
        row["free_enrolment_period_adjusted"] = draw(yes_no)
        secundair = row["platform_code"] == "brugge-so"
        for key in ARRANGEMENT_KEYS:
            if key == "preschool" and secundair:
                row["preschool"] = row["preschool_note"] = ""
                continue
            row[key] = draw(st.sampled_from([*ARRANGEMENTS, "NONE", "Adjusted", *blanks]))
            row[f"{key}_note"] = draw(note)
        row["registrations_note"] = draw(note)
        for slug in slugs:
            discussed = draw(yes_no)
            row[f"theme:{slug}:discussed"] = discussed
            for key in THEME_KEYS[1:]:
                row[f"theme:{slug}:{key}"] = draw(no if discussed.lower() in FALSE_CELLS else yes_no)
            row[f"theme:{slug}:note"] = draw(note)
        return row

    return build()


def _file(data, columns, valid_row) -> tuple[str, bytes]:
    """A file name and its content: a clean file (which may still hold invalid rows), a clean CSV file with a
    NUL character in a cell of every row (.xlsx cannot hold one), or a hostile file."""
    kind = data.draw(st.sampled_from(["clean", "clean", "nul", "hostile", "hostile"]))
    event(f"{kind} file")
    if kind == "nul":
        return "bestand.csv", data.draw(hs.csv_bytes(columns, valid_row, clean=True, nul=True))
    extension = data.draw(st.sampled_from([".csv", ".xlsx"] if kind == "clean" else [".csv", ".xlsx", ".CSV", ".txt"]))
    strategy = hs.xlsx_bytes if extension == ".xlsx" else hs.csv_bytes
    return f"bestand{extension}", data.draw(strategy(columns, valid_row, clean=kind == "clean"))


def _yes_no(cell: str) -> str | None:
    return "yes" if cell.lower() in TRUE_CELLS else "no" if cell.lower() in FALSE_CELLS else None


def _cell_values(cells: dict, slugs: list[str]) -> tuple[dict, dict]:
    """The answers and notes of an imported row of a 2020 report file (it was accepted, so every cell is valid)."""
    values = {key: _yes_no(cells[key]) for key in REGISTRATION_KEYS}
    values.update({key: cells[key].lower() or None for key in ARRANGEMENT_KEYS})
    values.update({f"theme:{slug}:{key}": _yes_no(cells[f"theme:{slug}:{key}"]) for slug in slugs
                   for key in THEME_KEYS})
    notes = {key: cells[key] for key in REPORT_NOTE_KEYS}
    notes.update({f"theme:{slug}:note": cells[f"theme:{slug}:note"] for slug in slugs})
    return values, notes


def _assert_reports_written(round, rows, level_of) -> None:
    slugs = [t.slug for t in round.themes.all()]
    for row in rows:
        cells = row.values
        report = Report.objects.get(round=round, platform__code=cells["platform_code"])
        assert report.status == cells["status"].lower()
        values, notes = _cell_values(cells, slugs)
        _assert_stored_by_the_rules(report, values, notes, level_of[cells["platform_code"]],
                                    submitting=report.status == "submitted", strict=True)


@pytest.mark.django_db
@settings(HOSTILE, max_examples=40)
@given(data=st.data())
def test_import_responses(tmp_path, platform, other_platform, open_round, data):
    slugs = [t.slug for t in open_round.themes.all()]
    existing = data.draw(st.booleans())
    columns = report_columns(definition_for(open_round))
    filename, content = _file(data, columns, _report_row([platform.code, other_platform.code], slugs))
    path = tmp_path / filename
    path.write_bytes(content)
    level_of = {platform.code: platform.level, other_platform.code: other_platform.level}
    with rolled_back():
        if existing:
            ReportFactory(round=open_round, platform=platform, status="submitted", submitted_at=timezone.now())
        before = _snapshot()
        try:
            call_command("import_responses", str(path), "--round", open_round.slug, stdout=io.StringIO())
        except CommandError:
            event("file refused")
            assert _snapshot() == before  # one bad row refuses the whole file
        else:
            event("file imported")
            after = _snapshot()
            assert {label for label in before if before[label] != after[label]} <= REPORT_TABLES
            rows, errors = report_importing.parse_report_file(io.BytesIO(content), filename, open_round)
            assert not errors and rows
            _assert_reports_written(open_round, rows, level_of)
    with rolled_back():  # the service on its own checks every row again, and refuses all of them
        rows, _errors = report_importing.parse_report_file(io.BytesIO(content), filename, open_round)
        if rows and report_importing.validate_rows(open_round, rows):
            before = _snapshot()
            with pytest.raises(ValidationError):
                report_importing.reports_import(actor=None, round=open_round, rows=rows)
            assert _snapshot() == before


def _exportable(text: str, *, xml: bool) -> str:
    """A note as the report file can carry it: an .xlsx file holds no control characters (the export leaves them
    out)."""
    if xml:
        text = hs.XML_ILLEGAL_CHARACTERS.sub("", text)
    return text


def _valid_report_form(themes, level: str, *, xml: bool) -> st.SearchStrategy[dict]:
    """A report form of a new report with any combination of answers the 2020 rules allow (an implied answer empty or
    as it follows), hostile notes (without the characters an .xlsx file cannot hold when `xml`), saved as a draft
    or, when every question is answered, now and then submitted."""
    yes_no = st.sampled_from(["true", "false", ""])
    implied = st.sampled_from(["false", ""])
    note = hs.stored_text("").map(lambda text: _exportable(text, xml=xml))

    @st.composite
    def build(draw):
        data = {"loaded_version": "0", PROCEDURE: draw(yes_no)}
        for key in PROCEDURE_PERIODS:
            data[key] = draw(implied if data[PROCEDURE] == "false" else yes_no)
        data["free_enrolment_period_adjusted"] = draw(yes_no)
        data["registrations_note"] = draw(note)
        for key in ARRANGEMENT_KEYS:
            if key != "preschool" or level == Level.BASIS:
                data[key] = draw(st.sampled_from([*ARRANGEMENTS, ""]))
                data[f"{key}_note"] = draw(note)
        for theme in themes:
            prefix = f"theme-{theme.slug}-"
            data[prefix + "discussed"] = draw(yes_no)
            for key in THEME_KEYS[1:]:
                data[prefix + key] = draw(implied if data[prefix + "discussed"] == "false" else yes_no)
            data[prefix + "note"] = draw(note)
        follows_from = {key: PROCEDURE for key in PROCEDURE_PERIODS} | {
            f"theme-{t.slug}-{key}": f"theme-{t.slug}-discussed" for t in themes for key in THEME_KEYS[1:]}
        complete = all(data[name] or data.get(follows_from.get(name)) == "false" for name in data
                       if name != "loaded_version" and not name.endswith("note"))
        data["confirm_submit" if complete and draw(st.booleans()) else "save"] = ""
        return data

    return build()


def _answer_rows() -> dict[str, list]:
    """Every answer and note row (every field, the primary key too) and the reports' status, with the history rows."""
    return {model._meta.label_lower: list(model.objects.order_by("pk").values_list(
        *[f.attname for f in model._meta.concrete_fields]))
        for model in (Answer, Note, Answer.history.model, Note.history.model)} | {
        "reports": list(Report.objects.order_by("pk").values_list("pk", "round", "platform", "status", "submitted_at",
                                                                  "submitted_by", "reopened"))}


@pytest.mark.django_db
@FEW
@given(data=st.data())
def test_report_form_then_export_then_import_gives_the_same_rows(tmp_path, client, ministry_user, platform,
                                                                 other_platform, open_round, data):
    themes = list(open_round.themes.all())
    fmt = data.draw(st.sampled_from(["csv", "xlsx"]))
    reporting = data.draw(st.sampled_from([[platform, other_platform], [platform], [other_platform], []]))
    forms = [(own.coordinators.get(), own, data.draw(_valid_report_form(themes, own.level, xml=fmt == "xlsx")))
             for own in reporting]
    with rolled_back():
        for user, own, form in forms:
            _login(client, user)
            url = reverse("rounds:report", kwargs={"round_slug": open_round.slug, "code": own.code})
            response = client.post(url, form)
            assert response.status_code == 302, response.context["form"].errors
            values, notes = _posted(response.wsgi_request.POST, own.level, [t.slug for t in themes])
            _assert_stored_by_the_rules(Report.objects.get(round=open_round, platform=own), values, notes, own.level)
        before = _answer_rows()
        _login(client, ministry_user)
        export = client.get(reverse(f"rounds:export_{fmt}", kwargs={"round_slug": open_round.slug}))
        assert export.status_code == 200
        path = tmp_path / f"rapporten.{fmt}"
        path.write_bytes(b"".join(export.streaming_content))
        if not forms:  # a file of no reports is refused as such
            with pytest.raises(CommandError):
                call_command("import_responses", str(path), "--round", open_round.slug, stdout=io.StringIO())
            return
        call_command("import_responses", str(path), "--round", open_round.slug, stdout=io.StringIO())
        # The import checked every row and wrote nothing: each answer and note was already what the file says.
        assert _answer_rows() == before


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_note_like_a_neutralised_cell_survives_the_file(tmp_path, client, coordinator, ministry_user, platform,
                                                          open_round, fmt):
    _login(client, coordinator)
    url = reverse("rounds:report", kwargs={"round_slug": open_round.slug, "code": platform.code})
    assert client.post(url, report_post_data(registrations_note="'=1")).status_code == 302
    before = _answer_rows()
    _login(client, ministry_user)
    path = tmp_path / f"rapporten.{fmt}"
    path.write_bytes(b"".join(client.get(reverse(f"rounds:export_{fmt}",
                                                 kwargs={"round_slug": open_round.slug})).streaming_content))
    call_command("import_responses", str(path), "--round", open_round.slug, stdout=io.StringIO())
    # Exported as ''=1, read back as '=1: the note is unchanged and no history row is written.
    assert _answer_rows() == before


def _platform_row() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({
        "code": st.one_of(st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True),
                          st.sampled_from(["gent-bao", "brugge-so", "import", "Gent-Bao"])),
        "name": hs.stored_text("LOP Basisonderwijs Leuven"),
        "level": st.sampled_from([*Level.values, "BASIS"]),
        "area": hs.stored_text("Leuven"),
    })


def _member_row(codes: list[str], numbers: list[str]) -> st.SearchStrategy[dict]:
    @st.composite
    def build(draw):
        kind = draw(st.sampled_from(OrganisationKind.values))
        return {
            "platform_code": draw(st.sampled_from([*codes, *codes, "", "bestaat-niet"])),
            "kind": kind if draw(st.integers(0, 3)) else kind.upper(),
            "name": draw(st.one_of(st.sampled_from(["Basisschool De Linde", "OCMW Gent"]), hs.stored_text())),
            "instellingsnummer": "" if kind == "partner" else draw(st.one_of(
                st.sampled_from(numbers), st.from_regex(r"[0-9]{6}", fullmatch=True))),
            "onderwijsnet": draw(hs.choice(Onderwijsnet.values, blank=False)) if kind == "school" else "",
            "partner_category": draw(hs.choice(PartnerCategory.values, blank=False)) if kind == "partner" else "",
            "municipality": draw(st.sampled_from(["Gent", "", "Sint-Niklaas"])),
        }

    return build()


def _master_data(what: str, data) -> tuple[str, bytes, list[str]]:
    if what == "platforms":
        columns, valid_row = master_importing.PLATFORM_COLUMNS, _platform_row()
    else:
        numbers = list(Organisation.objects.exclude(instellingsnummer="").values_list("instellingsnummer", flat=True))
        codes = list(Platform.objects.values_list("code", flat=True))
        columns, valid_row = master_importing.MEMBER_COLUMNS, _member_row(codes, numbers)
    filename, content = _file(data, columns, valid_row)
    return filename, content, columns


def _assert_master_data_written(what: str, rows) -> None:
    for row in rows:
        cells = row.values
        if what == "platforms":
            saved = Platform.objects.get(code=cells["code"])
            assert (saved.name, saved.level, saved.area) == (cells["name"], cells["level"].lower(), cells["area"])
        else:
            membership = Membership.objects.select_related("organisation").get(
                platform__code=cells["platform_code"], end_date=None, organisation__kind=cells["kind"].lower(),
                organisation__name=cells["name"], organisation__instellingsnummer=cells["instellingsnummer"],
                organisation__municipality=cells["municipality"])
            assert membership.organisation.onderwijsnet == cells["onderwijsnet"].lower()
            assert membership.organisation.partner_category == cells["partner_category"].lower()


def _master_tables(what: str) -> set[str]:
    return {"platforms.platform", *ROUND_VERSION} if what == "platforms" else ORGANISATION_TABLES


@pytest.mark.django_db
@settings(HOSTILE, max_examples=40)
@given(data=st.data())
def test_import_platforms_and_members_commands(tmp_path, platform, other_platform, data):
    what = data.draw(st.sampled_from(["platforms", "members"]))
    filename, content, _columns = _master_data(what, data)
    path = tmp_path / filename
    path.write_bytes(content)
    with rolled_back():
        before = _snapshot()
        try:
            call_command(f"import_{what}", str(path), stdout=io.StringIO())
        except CommandError:
            event("file refused")
            assert _snapshot() == before
        else:
            event("file imported")
            after = _snapshot()
            assert {label for label in before if before[label] != after[label]} <= _master_tables(what)
            rows, errors = master_importing.read_rows(content, filename, _columns)
            assert not errors
            _assert_master_data_written(what, rows)


@pytest.mark.django_db
@settings(HOSTILE, max_examples=40)
@given(data=st.data())
def test_import_upload_and_confirm(client, admin_user, platform, other_platform, data):
    what = data.draw(st.sampled_from(["platforms", "members", "junk"]))
    filename, content, columns = _master_data("platforms" if what == "junk" else what, data)
    filename = data.draw(st.one_of(st.just(filename), hs.upload_name()))
    right_token = data.draw(st.sampled_from([True, True, False]))
    with rolled_back():
        _login(client, admin_user)
        upload = SimpleUploadedFile(filename, content)
        response = _post(client, reverse("platforms:import"), ({"what": what}, "multipart"), allowed=set(),
                         files={"file": upload})
        pending = client.session.get(IMPORT_SESSION_KEY)
        event("preview shown" if pending else "file refused")
        if pending is None:
            return
        assert response.status_code == 200
        token = pending["token"] if right_token else data.draw(hs.hostile_text())
        confirmed = _post(client, reverse("platforms:import_confirm"), ({"token": token}, "urlencoded"),
                          allowed=_master_tables(what))
        assert confirmed.status_code == 302
        if token == pending["token"]:
            assert IMPORT_SESSION_KEY not in client.session
            assert confirmed["Location"] == reverse("platforms:list")
            rows, errors = master_importing.read_rows(content, pending["filename"], columns)
            assert not errors
            _assert_master_data_written(what, rows)
        else:
            assert confirmed["Location"] == reverse("platforms:import")


@pytest.mark.django_db
@FEW
@given(request=requests({"token": hs.hostile_text()}))
def test_import_confirm_with_a_forged_token(client, admin_user, request):
    good = b"code,name,level,area\nleuven-bao,LOP Basisonderwijs Leuven,basis,Leuven\n"
    with rolled_back():
        _login(client, admin_user)
        preview = client.post(reverse("platforms:import"), {"what": "platforms",
                                                            "file": SimpleUploadedFile("p.csv", good)})
        assert preview.status_code == 200 and IMPORT_SESSION_KEY in client.session
        response = _post(client, reverse("platforms:import_confirm"), request,
                         allowed={"platforms.platform", *ROUND_VERSION})
        assert response.status_code == 302 and response["Location"] == reverse("platforms:import")
        assert not Platform.objects.filter(code="leuven-bao").exists()


# Shared organisations and the Django admin's account pages (issue #15, findings 2 and 4) -----------------------------


def _shared(membership, other_platform) -> None:
    """Make the membership's organisation a member of another platform too, as in finding 2."""
    MembershipFactory(platform=other_platform, organisation=membership.organisation)


@pytest.mark.django_db
@HOSTILE
@given(data=st.data())
def test_shared_member_edit_never_changes_the_organisation(client, coordinator, platform, other_platform, data):
    from platforms.models import PROPOSABLE_FIELDS, OrganisationProposal

    numbers = list(Organisation.objects.exclude(instellingsnummer="").values_list("instellingsnummer", flat=True))
    membership = data.draw(st.sampled_from(list(platform.memberships.order_by("pk"))))
    request = data.draw(requests(_membership_fields(numbers)))
    with rolled_back():
        _shared(membership, other_platform)
        organisations = _organisations()
        _login(client, coordinator)
        url = reverse("platforms:membership_edit", kwargs={"code": platform.code, "pk": membership.pk})
        response = _post(client, url, request, allowed={"platforms.membership", "platforms.organisationproposal"})
        assert _organisations() == organisations  # whatever was posted
        if response.status_code == 302:
            post = response.wsgi_request.POST
            saved = Membership.objects.get(pk=membership.pk)
            cleaned = _cleaned(MembershipForm(post, initial={"kind": membership.organisation.kind}, editing=True))
            assert (saved.note, saved.start_date) == (_stripped(post, "note"), cleaned["start_date"])
            old = organisations[membership.organisation_id]
            changed = {f: cleaned[f] for f in PROPOSABLE_FIELDS if cleaned[f] != old[f]}
            proposals = OrganisationProposal.objects.filter(organisation=membership.organisation)
            assert [(p.new_values, p.proposed_by) for p in proposals] == ([(changed, coordinator)] if changed else [])


@pytest.mark.django_db
@HOSTILE
@given(data=st.data())
def test_proposal_decide(client, admin_user, coordinator, platform, other_platform, open_round, data):
    from platforms.models import OrganisationProposal, ProposalStatus

    proposed_name = data.draw(hs.stored_text("Basisschool Nieuw"))
    request = data.draw(requests({"decision": st.sampled_from(["accept", "reject"]),
                                  "comment": hs.stored_text("Klopt.")}))
    with rolled_back():
        membership = platform.memberships.get(organisation__kind="school")
        _shared(membership, other_platform)
        organisation = membership.organisation
        proposal = OrganisationProposal.objects.create(
            organisation=organisation, platform=platform, proposed_by=coordinator,
            old_values={"name": organisation.name}, new_values={"name": proposed_name})
        _login(client, admin_user)
        url = reverse("platforms:proposal_decide", kwargs={"pk": proposal.pk})
        response = _post(client, url, request, allowed={"platforms.organisation", "platforms.organisationproposal",
                                                         *ROUND_VERSION})
        proposal.refresh_from_db()
        organisation.refresh_from_db()
        if response.status_code == 302:
            post = response.wsgi_request.POST
            assert proposal.decision_comment == _stripped(post, "comment")
            if post["decision"] == "accept":
                assert (proposal.status, organisation.name) == (ProposalStatus.ACCEPTED, proposed_name)
            else:
                assert (proposal.status, organisation.name) == (ProposalStatus.REJECTED, membership.organisation.name)
                assert proposal.decision_comment
        else:
            assert proposal.status == ProposalStatus.PENDING


@pytest.mark.django_db
@HOSTILE
@given(data=st.data())
def test_django_admin_user_change_follows_the_account_rules(client, admin_user, ministry_user, other_coordinator,
                                                            platform, other_platform, data):
    from django.forms import CheckboxInput

    person = data.draw(st.sampled_from([other_coordinator, ministry_user, admin_user]))
    fields = {**_person_fields([platform, other_platform]), "is_active": st.sampled_from(["on", "on", ""]),
              "can_approve_answers": st.sampled_from(["on", ""]), "is_staff": st.sampled_from(["on", ""]),
              "is_superuser": st.sampled_from(["on", ""]), "username": st.sampled_from(["nieuw", person.username])}
    request = data.draw(requests(fields))
    with rolled_back():
        _login(client, admin_user)
        url = reverse("admin:accounts_user_change", args=(person.pk,))
        response = _post(client, url, request, allowed=PEOPLE_TABLES)
        saved = User.objects.get(pk=person.pk)
        assert (saved.is_staff, saved.is_superuser) == ((saved.role == Role.ADMIN,) * 2)
        assert saved.username == person.username  # read-only in the admin
        if response.status_code == 302:
            post = response.wsgi_request.POST
            _assert_person_saved(post, saved)
            assert saved.is_active == CheckboxInput().value_from_datadict(post, {}, "is_active")
            if saved.role != person.role:
                assert AccountEvent.objects.filter(target=person, action=AccountAction.ROLE_CHANGED, actor=admin_user)
            if not saved.is_active:
                assert AccountEvent.objects.filter(target=person, action=AccountAction.DEACTIVATED)


# Spoofed forwarding headers, no-store, reset links after a deactivation (issue #15, findings 1, 5, 6) ----------

# What a client may write in X-Forwarded-For besides addresses: junk, ports, zones, brackets, markup.
FORWARDED_HOPS = st.one_of(st.ip_addresses().map(str), hs.hostile_text(), st.sampled_from(
    ["unknown", "", " ", "[::1]:80", "203.0.113.9:4711", "::ffff:203.0.113.9", "fe80::1%eth0", "10.0.0.1, 10.0.0.2"]))


@pytest.mark.django_db
@HOSTILE
@given(proxies=st.integers(0, 2), spoofed=st.lists(FORWARDED_HOPS, max_size=4), real=st.ip_addresses(),
       other=st.dictionaries(st.sampled_from(["HTTP_X_REAL_IP", "HTTP_FORWARDED", "HTTP_CLIENT_IP",
                                              "HTTP_CF_CONNECTING_IP"]), FORWARDED_HOPS))
def test_login_with_spoofed_forwarding_headers(client, coordinator, proxies, spoofed, real, other):
    """A failed login is counted against the address our own proxies saw, whatever the client wrote."""
    from axes.models import AccessAttempt
    from django.test import override_settings

    real = str(real.ipv4_mapped or real) if real.version == 6 else str(real)
    hops = [real, "10.0.0.1", "10.0.0.2"][: proxies + 1]  # each proxy appends where its connection came from
    meta = {**other, "REMOTE_ADDR": hops[-1], "HTTP_X_FORWARDED_FOR": ", ".join([*spoofed, *hops[:-1]])}
    with rolled_back(), override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3, TRUSTED_PROXY_COUNT=proxies):
        client.cookies.clear()
        response = client.post(reverse("login"), {"username": coordinator.username, "password": "fout"}, **meta)
        assert response.status_code == 200
        assert SESSION_KEY not in client.session
        assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [real]


@pytest.mark.django_db
@FEW
@given(data=st.data())
def test_nothing_a_logged_in_user_receives_may_be_stored(client, coordinator, ministry_user, platform, open_round,
                                                         data):
    user = data.draw(st.sampled_from([coordinator, ministry_user]))
    kwargs = {"round_slug": open_round.slug}
    url = data.draw(st.one_of(
        st.sampled_from([reverse("home"), reverse("rounds:list"), reverse("rounds:summary", kwargs=kwargs),
                         reverse("rounds:summary_json", kwargs=kwargs), reverse("rounds:export_csv", kwargs=kwargs),
                         reverse("rounds:report", kwargs={**kwargs, "code": platform.code}),
                         reverse("people:list"), reverse("password_change")]),
        hs.hostile_text().map(lambda text: "/" + quote(text, safe="") + "/")))
    params = data.draw(st.dictionaries(st.sampled_from(["q", "page", "platform", "format"]), hs.hostile_text(),
                                       max_size=3))
    with rolled_back():
        _login(client, user)
        response = _get(client, url, params)
        cache_control = {part.strip() for part in response.get("Cache-Control", "").split(",")}
        assert {"no-store", "private"} <= cache_control and "public" not in cache_control, (url, response.status_code)


def _new_password_via(client, link, password):
    page = client.get(link, follow=True)
    if not page.context["validlink"]:
        return False
    response = client.post(page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})
    return response.status_code == 302


@pytest.mark.django_db
@FEW
@given(steps=st.lists(st.sampled_from(["deactivate", "reactivate"]), max_size=4), reason=hs.stored_text(),
       password=st.sampled_from(["Zomer-2020-lange-zin", "👩‍👩‍👧‍👦 lang genoeg wachtwoord 🇧🇪"]))
def test_a_reset_link_never_outlives_a_deactivation(client, coordinator, admin_user, steps, reason, password):
    from accounts import services

    with rolled_back():
        client.cookies.clear()
        client.post(reverse("password_reset"), {"email": coordinator.email})
        link = mail.outbox[0].body.split("http://testserver", 1)[1].split()[0]
        deactivated = False
        for step in steps:
            coordinator.refresh_from_db()
            if step == "deactivate" and coordinator.is_active:
                services.person_deactivate(actor=admin_user, person=coordinator, reason=reason)
                deactivated = True
            elif step == "reactivate" and not coordinator.is_active:
                services.person_reactivate(actor=admin_user, person=coordinator)
        assert _new_password_via(client, link, password) is not deactivated
        coordinator.refresh_from_db()
        assert coordinator.check_password(password) is not deactivated


# The second factor (issue #15) ---------------------------------------------------------------------------------------

# "RIGHT" stands for the code the app shows at the moment of the request (computed then; a strategy cannot know it).
SECOND_FACTOR_CODES = st.one_of(st.sampled_from(["RIGHT", "RIGHT", "000000", "12345", "1234567", "abcdefgh",
                                                 "aaaa-aaaa", " 12 34 56 ", "１２３４５６", ""]), hs.hostile_text())


def _with_code(request, code: str):
    """The drawn request with "RIGHT" replaced by the right code (also inside a repeated field)."""
    data, encoding = request
    swap = lambda value: code if value == "RIGHT" else value  # noqa: E731
    return {name: [swap(v) for v in value] if isinstance(value, list) else swap(value)
            for name, value in data.items()}, encoding


@pytest.mark.django_db
@HOSTILE
@given(request=requests({"code": SECOND_FACTOR_CODES, "next": st.sampled_from(NEXT_URLS)}))
def test_second_factor_code_at_login(client, admin_user, request):
    from .second_factor_helpers import confirmed_device, totp_code

    with rolled_back():
        device = confirmed_device(admin_user)
        client.cookies.clear()
        client.force_login(admin_user, backend=MODEL_BACKEND)  # the password passed, the code not yet
        response = _post(client, reverse("second_factor_verify"), _with_code(request, totp_code(device)),
                         allowed=set())
        # Only the right code opens the portal (never a code of another shape or a neighbour of it).
        passed = client.get(reverse("home")).status_code == 200
        assert passed == (response.status_code == 302)


@pytest.mark.django_db
@HOSTILE
@given(request=requests({"code": SECOND_FACTOR_CODES, "next": st.sampled_from(NEXT_URLS)}))
def test_second_factor_setup(client, ministry_user, request):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.second_factor import SETUP_KEY

    from .second_factor_helpers import totp_code

    with rolled_back():
        client.cookies.clear()
        client.force_login(ministry_user, backend=MODEL_BACKEND)
        client.get(reverse("second_factor_setup"))
        key = client.session[SETUP_KEY]
        response = _post(client, reverse("second_factor_setup"), _with_code(request, totp_code(key)),
                         allowed={"accounts.accountevent"})
        assert TOTPDevice.objects.filter(user=ministry_user, confirmed=True).exists() == (response.status_code == 302)


@pytest.mark.django_db
@FEW
@given(request=requests({"code": SECOND_FACTOR_CODES}))
def test_second_factor_turned_off(client, coordinator, request):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .second_factor_helpers import totp_code, verify_session

    with rolled_back():
        client.cookies.clear()
        client.force_login(coordinator, backend=MODEL_BACKEND)
        device = verify_session(client, coordinator)  # a coordinator who turned it on, and passed it at login
        response = _post(client, reverse("second_factor_disable"), _with_code(request, totp_code(device)),
                         allowed={"accounts.accountevent"})
        assert TOTPDevice.objects.filter(user=coordinator).exists() == (response.status_code != 302)


# Import bombs (finding 8 of issue #15): refused before they are read whole, with a small page --------------------


def _bomb(kind: str) -> tuple[str, str, bytes]:
    """(what, file name, content) of an upload that breaks one of the imports' bounds (lopportal/imports.py)."""
    import csv

    from .import_files import BOMB_TEXT, xlsx

    columns = master_importing.MEMBER_COLUMNS
    member = ["gent-bao", "school", "Basisschool De Linde", "012345", "katholiek", "", "Gent"]
    lines = {
        "long cell": [columns, [*member[:2], "x" * 5_000, *member[3:]]],
        "many rows": [columns, *[[*member[:2], f"School {n}", *member[3:]] for n in range(2_500)]],
        "many errors": [columns, *[[*member[:2], f"School {n}", "1", *member[4:]] for n in range(1_500)]],
        "wide row": [columns, [""] * 600_000],
        "many lines": [columns, *[[]] * 150_000],
    }
    if kind == "zip bomb":
        return "members", "leden.xlsx", xlsx({"Leden": [columns, [*member[:2], BOMB_TEXT, *member[3:]]]})
    out = io.StringIO()
    csv.writer(out).writerows(lines[kind])
    return "members", "leden.csv", out.getvalue().encode()


@pytest.mark.django_db
@FEW
@given(kind=st.sampled_from(["zip bomb", "long cell", "many rows", "many errors", "wide row", "many lines"]))
def test_import_bombs(client, admin_user, platform, kind):
    what, filename, content = _bomb(kind)
    assert len(content) < 2 * 1024 * 1024  # within the upload's limit: the bounds behind it refuse them
    with rolled_back():
        _login(client, admin_user)
        response = _post(client, reverse("platforms:import"), ({"what": what}, "multipart"), allowed=set(),
                         files={"file": SimpleUploadedFile(filename, content)})
        assert response.status_code == 200 and IMPORT_SESSION_KEY not in client.session
        assert 1 <= len(response.context["errors"]) <= 100 and response.context["error_count"] >= 1
        assert len(response.content) < 100_000


@pytest.mark.django_db
@FEW
@given(long=st.booleans())
def test_xlsform_bomb(client, admin_user, open_round, long):
    from .import_files import BOMB_TEXT, xlsx

    text = "x" * 5_000 if long else BOMB_TEXT  # a cell too long, or a zip bomb
    survey = [["type", "name", "label"], ["begin group", "general", "Algemeen"], ["text", "long", text],
              ["end group"]]
    with rolled_back():
        _login(client, admin_user)
        response = _post(client, reverse("rounds:questionnaire_upload", kwargs={"round_slug": open_round.slug}),
                         ({}, "multipart"), allowed=set(),
                         files={"file": SimpleUploadedFile("vragenlijst.xlsx", xlsx({"survey": survey}))})
        assert response.status_code == 200 and response.context["error_count"] == 1


# The audit log (issue #15): hostile filters, and hostile text in entries, on the page and in the download ----------


@pytest.mark.django_db
@FEW
@given(data=st.data())
def test_audit_log_filters_and_hostile_entries(client, admin_user, coordinator, platform, other_platform, data):
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from audit import services as audit

    params = data.draw(hs.form_data({
        "actor": st.sampled_from([str(coordinator.pk), str(admin_user.pk), ""]),
        "platform": st.sampled_from([platform.code, other_platform.code, ""]),
        "kind": st.sampled_from([str(ContentType.objects.get_for_model(Membership).pk), ""]),
        "date_from": st.one_of(hs.dates(), hs.valid_dates()), "date_to": st.one_of(hs.dates(), hs.valid_dates()),
        "page": st.sampled_from(["1", "2", "", "last", "-1"]),
    }))
    text = data.draw(hs.hostile_text())
    with rolled_back():
        audit.record_change(actor=coordinator, obj=platform.memberships.first(), changes={"note": [text, "x"]})
        audit.record_import(actor=admin_user, kind="members", file_name=text or "x", sha256="0" * 64, rows=1)
        _login(client, admin_user)
        before = (_snapshot(), LogEntry.objects.count())
        for name in ("audit:list", "audit:export"):
            response = _get(client, reverse(name), params)
            assert response.status_code == 200
            _assert_escaped(response, [text, *_values(params)])
        assert (_snapshot(), LogEntry.objects.count()) == before  # reading the log changes nothing, not even it
