"""A stale save of the report form, merged: what the other person saved beside what this person typed.

The form carries a signed *state* (`report_state`): for whom and which report it was rendered and a
short hash of every answer as loaded. On a stale save (409) that tells, question by question,
whether this person changed it (typed ≠ loaded) and whether the other person did (saved ≠
loaded). Questions only the other person changed take the saved answer; questions both changed
differently are shown side by side with a choice (keep mine / take theirs); the form then
carries the saved version, so that saving again goes through without reloading the page.
"""

import hashlib
import json
from dataclasses import dataclass, field

from django.core import signing
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from . import selectors
from .models import QuestionKind
from .questionnaire import YES, Definition, display_value, is_empty, storage_rows

STATE_SALT = "rounds.report-state"
STATE_FIELD = "loaded_state"
CHOICE_PREFIX = "merge-"
MINE, THEIRS = "mine", "theirs"


# The form's state ---------------------------------------------------------------------------------------------

def _canonical(question, value) -> str:
    if question is None:  # a note
        return (value or "").strip()
    if is_empty(value):
        return ""
    return "\x1f".join(stored for stored, _number in storage_rows(question, value))


def _digest(text: str) -> str:
    return hashlib.blake2s(text.encode(), digest_size=5).hexdigest()


def _columns(definition: Definition, level: str):
    """(column, field name, question or None for a note, label) of every answer and note of the form."""
    for instance in definition.instances_for(level):
        for slot in instance.slots:
            if slot.question.applies_to(level):
                yield slot.column, slot.field_name, slot.question, slot.label
        if instance.note:
            label = instance.note.section.note_label or _("Note")
            yield instance.note.column, instance.note.field_name, None, f"{instance.title} – {label}"


def _hashes(definition: Definition, level: str, values: dict, notes: dict) -> dict[str, str]:
    return {column: _digest(_canonical(question, (notes if question is None else values).get(column)))
            for column, _name, question, _label in _columns(definition, level)}


def report_state(*, user, path: str, definition: Definition, level: str, values: dict, notes: dict) -> str:
    """The signed state the report form carries: its user, its page and a hash of each answer as loaded."""
    return signing.dumps({"u": user.pk, "p": path, "h": _hashes(definition, level, values, notes)},
                         salt=STATE_SALT, compress=True)


def read_state(token: str | None, *, max_age: int | None = None) -> dict | None:
    """The state a form posted back ({"u": user pk, "p": path, "h": hashes}), or None if missing or forged."""
    if not token:
        return None
    try:
        state = signing.loads(token, salt=STATE_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    return state if isinstance(state, dict) else None


# Form values ---------------------------------------------------------------------------------------------------

def form_value(question, value) -> list[str]:
    """What the form's inputs hold for a value (the inverse of the field's cleaning), as posted."""
    if question is None:
        return [value] if value else []
    if is_empty(value):
        return []
    if question.kind == QuestionKind.YESNO:
        return ["true" if value == YES else "false"]
    if question.kind == QuestionKind.MULTIPLE:
        return sorted(value)
    if question.kind == QuestionKind.DATE:
        return [value.isoformat()]
    return [str(value)]


def _set(data: QueryDict, name: str, values: list[str]) -> None:
    if values:
        data.setlist(name, values)
    else:
        data.pop(name, None)


def has_choices(data: QueryDict) -> bool:
    """Whether the posted form chose "take theirs" for any question of a merge."""
    return any(key.startswith(CHOICE_PREFIX) and choice == THEIRS for key, choice in data.items())


def apply_choices(data: QueryDict, *, report, definition: Definition, level: str, values: dict,
                  notes: dict) -> QueryDict:
    """The posted form with the questions where the person chose "take theirs" set to the saved answer.

    Only when the form names the report's current version: then `values`/`notes` (read with it) are
    what "theirs" showed. Otherwise the save is stale again and the merge is made afresh.
    """
    chosen = {key[len(CHOICE_PREFIX):] for key, choice in data.items()
              if key.startswith(CHOICE_PREFIX) and choice == THEIRS}
    if not chosen or data.get("loaded_version") != str(report.version):
        return data
    data = data.copy()
    for column, name, question, _label in _columns(definition, level):
        if name in chosen:
            _set(data, name, form_value(question, (notes if question is None else values).get(column)))
    return data


# The merge -----------------------------------------------------------------------------------------------------

@dataclass
class Difference:
    """A question both people changed, differently."""

    label: str
    field_name: str
    theirs: str
    mine: str
    theirs_values: list[str]
    choice: str = MINE

    @property
    def choice_name(self) -> str:
        return CHOICE_PREFIX + self.field_name

    @property
    def theirs_json(self) -> str:
        """The saved answer as the form's values, for the script that applies "take theirs" in place."""
        return json.dumps(self.theirs_values)


@dataclass
class Merge:
    """What a stale save's page shows: the differences, who saved when, and the form's new data."""

    who: str
    when: str
    version: int
    state: str
    data: QueryDict
    differences: list[Difference] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # questions set to the saved answer (untouched here)
    updates: dict[str, list[str]] = field(default_factory=dict)  # the same, as the form's values per field

    @property
    def message(self) -> str:
        if not self.when:  # the version the form names does not exist (any more)
            return _("Not saved: this report was changed or removed in the meantime. Below, question by question, "
                     "is what differs from what is there now: choose what to keep and save again.")
        if self.differences:
            return _("Not saved: %(who)s saved this report in the meantime (%(when)s). Below, question by "
                     "question, is what differs: choose what to keep and save again.") % {
                "who": self.who, "when": self.when}
        return _("Not saved: %(who)s saved this report in the meantime (%(when)s). Your answers do not clash "
                 "with theirs: check them and save again.") % {"who": self.who, "when": self.when}


def _saved_when(moment) -> str:
    if moment is None:
        return ""
    moment = localtime(moment)
    if moment.date() == localtime(timezone.now()).date():
        return date_format(moment, "H:i")
    return date_format(moment, "SHORT_DATETIME_FORMAT")


def report_merge(*, user, path: str, current, definition: Definition, level: str, posted: QueryDict,
                 values: dict, notes: dict) -> Merge:
    """Merge what this person typed (`values`/`notes`, cleaned; `posted` as sent) with the saved `current` report.

    `current` is the report as the refused save found it (StaleSave.obj; unsaved if it does not exist).
    """
    theirs_values, theirs_notes = selectors.report_values(current, definition) if current.pk else ({}, {})
    state = read_state(posted.get(STATE_FIELD))
    base = state["h"] if state and state.get("u") == user.pk and state.get("p") == path else {}
    who = (current.updated_by.get_full_name() or current.updated_by.username) if current.updated_by else _(
        "someone else")
    data = posted.copy()
    for key in [key for key in data if key.startswith(CHOICE_PREFIX)]:
        del data[key]
    merge = Merge(who=who, when=_saved_when(current.updated_at), version=current.version or 0,
                  state=report_state(user=user, path=path, definition=definition, level=level,
                                     values=theirs_values, notes=theirs_notes), data=data)
    for column, name, question, label in _columns(definition, level):
        source_mine, source_theirs = (notes, theirs_notes) if question is None else (values, theirs_values)
        mine, theirs = source_mine.get(column), source_theirs.get(column)
        mine_text, theirs_text = _canonical(question, mine), _canonical(question, theirs)
        if mine_text == theirs_text:
            continue
        loaded = base.get(column)
        if loaded is not None and _digest(mine_text) == loaded:  # untouched here: take the saved answer
            merge.updated.append(label)
            merge.updates[name] = form_value(question, theirs)
            _set(data, name, merge.updates[name])
        elif loaded is not None and _digest(theirs_text) == loaded:  # only changed here: keep it
            continue
        else:
            merge.differences.append(Difference(
                label=label, field_name=name, theirs=_display(question, theirs), mine=_display(question, mine),
                theirs_values=form_value(question, theirs)))
    data["loaded_version"] = str(merge.version)
    data[STATE_FIELD] = merge.state
    return merge


def _display(question, value) -> str:
    if question is None:
        return value or _("no note")
    return display_value(question, value)
