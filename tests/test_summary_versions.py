"""The deadline rush (issue #13): a draft's save leaves the ministry's default summary (submitted reports) cached.

A round has two versions: `submitted_version` for the figures of the submitted reports (the default
summary, summary.json and the summary page are keyed on it) and `data_version` for the figures with
drafts (`include_drafts`). A draft's save raises only the second; submitting, returning and reopening
raise both.
"""

import json

import pytest

from rounds.models import ReportingRound
from rounds.services import reports as services
from summaries import summary

from .test_report_services import COMPLETE, _themes


def _versions(round) -> tuple[int, int]:
    """(submitted_version, data_version) as stored now."""
    return ReportingRound.objects.values_list("submitted_version", "data_version").get(pk=round.pk)


def _save(user, round, platform, *, version, submit=False):
    return services.report_save(actor=user, round=round, platform=platform, expected_version=version,
                                values={**COMPLETE, **_themes()}, notes={}, submit=submit)


@pytest.fixture
def computed(monkeypatch):
    """Count the summaries computed (not taken from the cache), with or without drafts."""
    calls = []
    original = summary.round_summary

    def counting(round, *, include_drafts=False):
        calls.append(include_drafts)
        return original(round, include_drafts=include_drafts)

    monkeypatch.setattr(summary, "round_summary", counting)
    return calls


@pytest.mark.django_db
def test_a_drafts_save_leaves_the_default_summarys_key_and_a_submit_changes_it(coordinator, platform, open_round,
                                                                               computed):
    submitted, data = _versions(open_round)
    body = summary.summary_json(open_round.slug)
    with_drafts = summary.summary_json(open_round.slug, include_drafts=True)
    assert computed == [False, True]

    _save(coordinator, open_round, platform, version=0)  # a draft (an autosave is the same save)
    assert _versions(open_round) == (submitted, data + 1)
    assert summary.summary_json(open_round.slug) == body  # from the cache: not computed again
    assert computed == [False, True]
    now_with_drafts = json.loads(summary.summary_json(open_round.slug, include_drafts=True))
    assert computed == [False, True, True]  # the figures with drafts are computed again, and count the draft
    assert now_with_drafts["base"] != json.loads(with_drafts)["base"]

    _save(coordinator, open_round, platform, version=1, submit=True)
    assert _versions(open_round) == (submitted + 1, data + 2)
    after = json.loads(summary.summary_json(open_round.slug))
    assert computed == [False, True, True, False]
    assert after["base"] != json.loads(body)["base"]  # the submitted report is counted at once


@pytest.mark.django_db
def test_the_cached_summary_follows_the_submitted_version(coordinator, platform, open_round, computed):
    round = ReportingRound.objects.select_related("questionnaire").prefetch_related("themes").get(pk=open_round.pk)
    summary.cached_round_summary(round)
    _save(coordinator, open_round, platform, version=0)
    round = ReportingRound.objects.select_related("questionnaire").prefetch_related("themes").get(pk=open_round.pk)
    summary.cached_round_summary(round)
    assert computed == [False]
    summary.cached_round_summary(round, include_drafts=True)
    assert computed == [False, True]


@pytest.mark.django_db
def test_returning_and_reopening_change_the_submitted_figures(coordinator, ministry_user, admin_user, platform,
                                                               open_round):
    report = _save(coordinator, open_round, platform, version=0, submit=True)
    submitted, data = _versions(open_round)
    services.report_return(actor=ministry_user, report=report, comment="Graag aanvullen.")
    assert _versions(open_round) == (submitted + 1, data + 1)
    _save(coordinator, open_round, platform, version=1)  # the returned report saved as a draft again
    assert _versions(open_round) == (submitted + 1, data + 2)
    report = _save(coordinator, open_round, platform, version=2, submit=True)
    services.report_reopen(actor=admin_user, round=open_round, platform=platform)
    assert _versions(open_round) == (submitted + 3, data + 4)


@pytest.mark.django_db
def test_saving_a_round_keeps_both_versions(open_round):
    summary.round_data_changed(ReportingRound.objects.get(pk=open_round.pk))
    stored = _versions(open_round)
    loaded = ReportingRound.objects.get(pk=open_round.pk)
    summary.round_data_changed(loaded)  # raised meanwhile, not on this instance
    loaded.title = "Nieuwe titel"
    loaded.save()
    assert _versions(open_round) == (stored[0] + 1, stored[1] + 1)
