"""What a publication freezes, as the JSON document `/answers/<id>.json` serves it, and its SHA-256.

The hash is over the document without `sha256` and `changed_since` (the only two keys that are not
frozen content): UTF-8 of `json.dumps(document, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`. Anyone can check it from the JSON alone (README, "Parliamentary questions and
citable answers").
"""

import datetime
import hashlib
import json

from django.utils import timezone

from .models import ParliamentaryQuestion, Publication

# The keys of the JSON document that are not part of the frozen, hashed content.
NOT_HASHED = ("sha256", "changed_since")


def question_data(question: ParliamentaryQuestion, round_slugs: list[str]) -> dict:
    """The question as a publication freezes it; `rounds` latest first (the first is the default round)."""
    return {
        "number": question.number, "title": question.title, "asked_by": question.asked_by,
        "asked_on": question.asked_on.isoformat(), "answer_due": question.answer_due.isoformat(),
        "text": question.text, "rounds": round_slugs,
    }


def timestamp(moment: datetime.datetime) -> str:
    """An instant as ISO 8601 in UTC, to the second ("2020-06-02T08:15:00+00:00")."""
    return moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat()


def content(publication: Publication) -> dict:
    """The frozen content of a publication, as its JSON shows it (without `sha256` and `changed_since`)."""
    slugs = publication.question_data["rounds"]
    document = {
        "question": publication.question_data,
        "version": publication.number,
        "corrects": publication.corrects.number if publication.corrects_id else None,
        "published_at": timestamp(publication.published_at),
        "text": publication.text,  # the figures written in
        "coverage": publication.coverage,
        "figures": publication.figures,
        # The default (latest) round's summary; every round's under "summaries" when there are several.
        "summary": publication.summaries.get(slugs[0]) if slugs else None,
        "data_versions": publication.data_versions,
        "authors": publication.authors,
        "approved_by": publication.approver_name,
    }
    if len(slugs) > 1:
        document["summaries"] = publication.summaries
    return document


def canonical(document: dict) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256(document: dict) -> str:
    """The SHA-256 of a publication's JSON document, leaving out the keys that are not frozen."""
    return hashlib.sha256(canonical({k: v for k, v in document.items() if k not in NOT_HASHED})).hexdigest()


def now_to_the_second() -> datetime.datetime:
    # The JSON gives the publication time to the second: the stored instant must be that same instant.
    return timezone.now().replace(microsecond=0)
