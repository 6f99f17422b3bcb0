"""Conditions on earlier answers, in the subset of XLSForm's `relevant` syntax we support.

    ${key} = 'value'    ${key} != 'value'    selected(${key}, 'value')    and    or    ( ... )

A condition is stored as text (the questionnaire is data, and XLSForm files carry the same text)
and parsed here into a small tree that the form, the service, the file import and the summary
all evaluate the same way: in Python against a report's answers, or as SQL (`as_q`) when the
summary counts the reports a question was asked of. Anything else is refused with a message.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _


class ConditionError(ValueError):
    """The text is not a condition we support; the message says why, in Dutch."""


@dataclass(frozen=True)
class Compare:
    key: str
    op: str  # "=" or "!="
    value: str


@dataclass(frozen=True)
class Selected:
    key: str
    value: str


@dataclass(frozen=True)
class All:
    items: tuple


@dataclass(frozen=True)
class Any:
    items: tuple


Condition = Compare | Selected | All | Any

TOKEN = re.compile(r"""
    \s*(?:
      (?P<ref>\$\{(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)\})
    | (?P<string>'(?P<sq>[^']*)'|"(?P<dq>[^"]*)")
    | (?P<op>!=|=)
    | (?P<word>[A-Za-z_][A-Za-z0-9_-]*)
    | (?P<punct>[(),])
    )""", re.VERBOSE)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ConditionError(_("Cannot read the condition from “%(rest)s” on: use ${key} = 'value', "
                                   "${key} != 'value', selected(${key}, 'value'), and, or and parentheses.")
                                 % {"rest": text[position:].strip()[:40]})
        position = match.end()
        if match["ref"]:
            tokens.append(("ref", match["key"]))
        elif match["string"]:
            tokens.append(("string", match["sq"] if match["sq"] is not None else match["dq"]))
        elif match["op"]:
            tokens.append(("op", match["op"]))
        elif match["word"]:
            tokens.append(("word", match["word"]))
        else:
            tokens.append(("punct", match["punct"]))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.index = 0

    def peek(self):
        return self.tokens[self.index] if self.index < len(self.tokens) else (None, None)

    def take(self, kind, value=None, what=""):
        token = self.peek()
        if token[0] != kind or (value is not None and token[1] != value):
            found = token[1] if token[1] is not None else _("the end")
            raise ConditionError(_("Expected %(what)s, found “%(found)s”.") % {"what": what, "found": found})
        self.index += 1
        return token[1]

    def parse(self) -> Condition:
        if not self.tokens:
            raise ConditionError(_("The condition is empty."))
        tree = self.disjunction()
        if self.index != len(self.tokens):
            raise ConditionError(_("Unexpected “%(found)s”: join conditions with and or or.")
                                 % {"found": self.peek()[1]})
        return tree

    def disjunction(self):
        items = [self.conjunction()]
        while self.peek() == ("word", "or"):
            self.index += 1
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else Any(tuple(items))

    def conjunction(self):
        items = [self.atom()]
        while self.peek() == ("word", "and"):
            self.index += 1
            items.append(self.atom())
        return items[0] if len(items) == 1 else All(tuple(items))

    def atom(self):
        kind, value = self.peek()
        if (kind, value) == ("punct", "("):
            self.index += 1
            inner = self.disjunction()
            self.take("punct", ")", "“)”")
            return inner
        if (kind, value) == ("word", "selected"):
            self.index += 1
            self.take("punct", "(", "“(”")
            key = self.take("ref", what="${key}")
            self.take("punct", ",", "“,”")
            option = self.take("string", what=_("a value in quotes"))
            self.take("punct", ")", "“)”")
            return Selected(key, option)
        if kind == "ref":
            self.index += 1
            op = self.take("op", what="= of !=")
            return Compare(value, op, self.take("string", what=_("a value in quotes")))
        found = value if value is not None else _("the end")
        raise ConditionError(_("Expected ${key}, selected( or “(”, found “%(found)s”.") % {"found": found})


def parse(text: str) -> Condition | None:
    """The condition in the text; None for an empty text (always)."""
    if not text or not text.strip():
        return None
    return _Parser(text).parse()


def references(condition: Condition | None) -> list[tuple[str, str]]:
    """(key, value) of every comparison in the condition, in order."""
    if condition is None:
        return []
    if isinstance(condition, Compare | Selected):
        return [(condition.key, condition.value)]
    return [ref for item in condition.items for ref in references(item)]


def to_text(condition: Condition | None, *, top: bool = True) -> str:
    """The condition in XLSForm's syntax (what `parse` reads back)."""
    if condition is None:
        return ""
    if isinstance(condition, Compare):
        return f"${{{condition.key}}} {condition.op} '{condition.value}'"
    if isinstance(condition, Selected):
        return f"selected(${{{condition.key}}}, '{condition.value}')"
    joiner = " and " if isinstance(condition, All) else " or "
    text = joiner.join(to_text(item, top=False) for item in condition.items)
    return text if top else f"({text})"


Lookup = Callable[[str], str | frozenset]


def holds(condition: Condition | None, lookup: Lookup) -> bool:
    """Whether the condition holds for the answers `lookup(key)` gives ("" or an empty set: unanswered)."""
    if condition is None:
        return True
    if isinstance(condition, Compare):
        value = lookup(condition.key)
        if isinstance(value, frozenset):
            value = " ".join(sorted(value))
        return (value == condition.value) == (condition.op == "=")
    if isinstance(condition, Selected):
        value = lookup(condition.key)
        return condition.value in value if isinstance(value, frozenset) else value == condition.value
    if isinstance(condition, All):
        return all(holds(item, lookup) for item in condition.items)
    return any(holds(item, lookup) for item in condition.items)


def as_q(condition: Condition | None, answered: Callable[[str, str], object]):
    """The condition as a Django `Q` over reports; `answered(key, value)` gives the expression for
    "the report answered this question with this value" (an `Exists` in the summary)."""
    from django.db.models import Q

    if condition is None:
        return Q()
    if isinstance(condition, Compare):
        exists = Q(answered(condition.key, condition.value))
        return exists if condition.op == "=" else ~exists
    if isinstance(condition, Selected):
        return Q(answered(condition.key, condition.value))
    parts = [as_q(item, answered) for item in condition.items]
    combined = parts[0]
    for part in parts[1:]:
        combined = combined & part if isinstance(condition, All) else combined | part
    return combined


def describe(condition: Condition | None, label: Callable[[str], str], value_label: Callable[[str, str], str]) -> str:
    """The condition in Dutch words, for a coordinator: “‘Werd …?’ is ‘Nee’”."""
    if condition is None:
        return ""
    if isinstance(condition, Compare):
        words = {"question": label(condition.key), "value": value_label(condition.key, condition.value)}
        if condition.op == "=":
            return _("the answer to “%(question)s” is “%(value)s”") % words
        return _("the answer to “%(question)s” is not “%(value)s”") % words
    if isinstance(condition, Selected):
        return _("“%(value)s” is chosen in “%(question)s”") % {
            "question": label(condition.key), "value": value_label(condition.key, condition.value)}
    joiner = _(" and ") if isinstance(condition, All) else _(" or ")
    return joiner.join(describe(item, label, value_label) for item in condition.items)
