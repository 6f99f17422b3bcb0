"""Hostile input to the parliament forms (recording a question, the draft editor, sending back): never a 5xx,
nothing half-saved, markup shown as text; as tests/test_hostile_input.py does for the other forms."""

from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from . import strategies as hs
from .parliament_helpers import answered_round, approver, draft_of, record, submit, write
from .test_hostile_input import HOSTILE, _assert_escaped, _get, _login, _values, requests, rolled_back


def _snapshot() -> dict[str, list]:
    return {m._meta.label_lower: list(m.objects.order_by("pk").values_list(
        *[f.attname for f in m._meta.concrete_fields]))
        for m in apps.get_app_config("parliament").get_models(include_auto_created=True)}


def _post(client, url, request, *, allowed: set[str]):
    data, encoding = request
    before = _snapshot()
    if encoding == "multipart":
        response = client.post(url, data)
    else:
        body = urlencode(data, doseq=True)
        if encoding == "raw":
            body += "&%FF%FE=%C3%28&x=%00&%E2%82=%%"
        response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500
    changed = {label for label in before if before[label] != _snapshot()[label]}
    if response.status_code == 302:
        assert changed <= allowed, f"accepted, but also changed {changed - allowed}"
        _assert_escaped(_get(client, response["Location"]), _values(data))
    else:
        assert changed == set(), f"refused with {response.status_code}, yet {changed} changed"
        _assert_escaped(response, _values(data))
    return response


QUESTION_TABLES = {"parliament.parliamentaryquestion", "parliament.parliamentaryquestion_rounds",
                   "parliament.answerdraft", "parliament.historicalanswerdraft", "parliament.reviewstep"}
DRAFT_TABLES = {"parliament.answerdraft", "parliament.historicalanswerdraft"}
REFERENCES = ["{{ base.total }}", "{{ registration_procedure_used.yes.basis }}", "{{ nothing.yes.total }}",
              "{{ other-round/base.total }}", "{{", "}}", "{{ }}", "26", "<script>alert(1)</script>"]


@pytest.fixture
def round(open_round):
    answered_round(open_round, basis=1, secundair=1)
    return open_round


@pytest.mark.django_db
@HOSTILE
@given(data=st.data())
def test_recording_a_question(client, ministry_user, round, data):
    request = data.draw(requests({
        "number": hs.stored_text(), "asked_on": hs.dates(), "asked_by": hs.stored_text(), "title": hs.stored_text(),
        "text": st.one_of(hs.stored_text(), hs.long_text()), "answer_due": hs.dates(),
        "rounds": st.sampled_from([[str(round.pk)], [], ["0"], ["9" * 30]]),
    }))
    with rolled_back():
        _login(client, ministry_user)
        _post(client, reverse("parliament:create"), request, allowed=QUESTION_TABLES)


@pytest.fixture
def question(round, ministry_user):
    return record(ministry_user, [round])


@pytest.mark.django_db
@HOSTILE
@given(data=st.data())
def test_the_draft_editor(client, ministry_user, question, data):
    draft = draft_of(question)
    text = st.lists(st.one_of(st.sampled_from(REFERENCES), hs.stored_text()), max_size=6).map(" ".join)
    request = data.draw(requests({
        "text": st.one_of(text, hs.long_text()),
        "loaded_version": st.sampled_from([str(draft.version), str(draft.version - 1), "x", "", "9" * 30]),
        "save": st.just(""),
    }))
    with rolled_back():
        _login(client, ministry_user)
        response = _post(client, reverse("parliament:draft", kwargs={"pk": question.pk}), request,
                         allowed=DRAFT_TABLES)
        if response.status_code == 302:
            assert "{{ nothing" not in draft_of(question).text  # a refused reference is never saved


@pytest.fixture
def pending(question, ministry_user):
    write(ministry_user, question)
    submit(ministry_user, question)
    return question


@pytest.mark.django_db
@HOSTILE
@given(data=st.data())
def test_sending_back(client, pending, data):
    question, checker = pending, approver()
    request = data.draw(requests({"comment": st.one_of(hs.stored_text(), hs.long_text())}))
    with rolled_back():
        _login(client, checker)
        _post(client, reverse("parliament:return", kwargs={"pk": question.pk}), request,
              allowed={"parliament.answerdraft", "parliament.historicalanswerdraft", "parliament.reviewstep"})
