"""References to figures in an answer text, and the text generated from the questionnaire's sentences.

An answer to parliament never holds a figure typed by hand: every figure is a reference between double
braces, which the pages show with its current value (linked to the platforms behind it) and which a
publication freezes. The grammar (spaces inside the braces are optional and ignored):

    {{ [<round-slug>/]<figure> }}

    <column>.<value>.<level>          how many counted reports gave that answer: `yes`/`no` for a yes/no
                                      question, a choice's name for one or several of a list
    <column>.<v1>+<v2>.<level>        the sum of those counts (`newcomers.unchanged+adjusted.total`)
    <column>.base.<level>             the question's base: the counted reports it applies to
    <column>.answered.<level>         number, text and date questions: how many answered
    <column>.sum.<level>              number questions: the sum of the answers
    <column>.median                   number questions: the median over all platforms (no level)
    platforms.<level>                 the round's platforms
    submitted.<level>                 the submitted reports
    base.<level>                      the counted reports
    initiatives.total.<level>         the initiatives of the counted reports
    initiatives.<kind>.<level>        of one kind (`homework_support`, ...: InitiativeKind)
    initiatives.platforms.<level>     the platforms with initiatives

`<level>` is `total`, `basis` or `secundair`; `<column>` is a question's key, or `theme:<slug>:<key>` for
a question asked per theme. A reference without a round is of the text's own round; one to a round the
text is not about is refused. Round-level figures win: a reference of the shape of a round-level figure
(`base.total`, `initiatives.<x>.total`) is that figure, even when a question has the key `base`; such a
question is still reached by its other shapes (`base.yes.total`), but a question keyed `initiatives`
cannot be counted by reference: do not give questions these keys.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from initiatives.models import InitiativeKind
from rounds.models import QuestionKind
from rounds.questionnaire import Definition, QuestionDef, ThemeDef

from .summary import COUNTED_KINDS, Summary, Tally

LEVELS = ("total", "basis", "secundair")
# Round-level figures: `<word>.<level>`, and `initiatives.<what>.<level>`.
ROUND_FIGURES = ("platforms", "submitted", "base")
INITIATIVES = "initiatives"
REFERENCE = re.compile(r"\{\{([^{}\n]*)\}\}")
# A sentence that is only this leaves its question out of the generated text.
OMIT = "-"


class ReferenceRefused(ValueError):
    """A reference to a figure that does not exist; its message names the reference and says why."""


def normalise(reference: str) -> str:
    """The reference as figures are keyed: without braces and without any spaces."""
    return "".join(reference.split())


def find(text: str) -> list[tuple[int, int, str]]:
    """(start, end, reference) of every `{{ … }}` in the text, in order; the reference normalised."""
    return [(m.start(), m.end(), normalise(m.group(1))) for m in REFERENCE.finditer(text)]


# Parsing ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Resolved:
    summary: Summary
    what: str  # "count", "base", "answered", "sum", "median", or a round-level figure
    column: str = ""
    values: tuple[str, ...] = ()
    level: str = "total"


def _refuse(reference: str, message: str) -> ReferenceRefused:
    return ReferenceRefused(f"{{{{ {reference} }}}}: {message}")


def _split_round(reference: str) -> tuple[str, str]:
    """(round slug or "", the rest)."""
    if "/" in reference:
        slug, _slash, body = reference.partition("/")
        return slug, body
    return "", reference


def is_round_level(body: str) -> bool:
    """Whether a reference (without its round) has the shape of a round-level figure (these win)."""
    parts = body.split(".")
    return (len(parts) == 2 and parts[0] in ROUND_FIGURES) or (len(parts) == 3 and parts[0] == INITIATIVES)


def _level(reference: str, level: str) -> str:
    if level not in LEVELS:
        raise _refuse(reference, _("unknown level “%(level)s” (possible: %(levels)s).") % {
            "level": level, "levels": ", ".join(LEVELS)})
    return level


def _resolve(reference: str, summaries: dict[str, Summary], default_round: str) -> _Resolved:
    reference = normalise(reference)
    if not reference:
        raise _refuse(reference, _("an empty reference; write for instance {{ key.yes.total }}."))
    slug, body = _split_round(reference)
    slug = slug or default_round
    if slug not in summaries:
        raise _refuse(reference, _("a reference to another round's figure: the round “%(slug)s” is not one this "
                                   "text is answered with (possible: %(rounds)s).") % {
            "slug": slug, "rounds": ", ".join(summaries) or "–"})
    summary = summaries[slug]
    parts = body.split(".")
    if is_round_level(body):
        if parts[0] == INITIATIVES:
            possible = ["total", "platforms", *InitiativeKind.values]
            if parts[1] not in possible:
                raise _refuse(reference, _("there is no figure of initiatives “%(what)s” (possible: %(possible)s).")
                              % {"what": parts[1], "possible": ", ".join(possible)})
            return _Resolved(summary, f"{INITIATIVES}.{parts[1]}", level=_level(reference, parts[2]))
        return _Resolved(summary, parts[0], level=_level(reference, parts[1]))

    column, dot, rest = body.partition(".")
    if not dot or not column or not rest:
        raise _refuse(reference, _("not a reference to a figure; write for instance {{ key.yes.total }} or "
                                   "{{ key.base.total }}."))
    question = summary.questions.get(column)
    if question is None:
        definition = summary.definition
        if column in definition.per_theme_keys:
            raise _refuse(reference, _("the question %(column)s is asked per theme: write theme:<theme>:%(column)s "
                                       "(themes: %(themes)s).") % {
                "column": column, "themes": ", ".join(t.slug for t in definition.themes) or "–"})
        raise _refuse(reference, _("the question %(column)s is not in the questionnaire of %(round)s.") % {
            "column": column, "round": summary.round.title})
    kind = question.kind
    if rest == "median":
        if kind != QuestionKind.NUMBER:
            raise _refuse(reference, _("only a number question has a median."))
        return _Resolved(summary, "median", column)
    value, dot, level = rest.rpartition(".")
    if not dot:
        raise _refuse(reference, _("say which platforms: end with .total, .basis or .secundair."))
    if value == "median":
        raise _refuse(reference, _("the median is over all platforms: write %(column)s.median.") % {"column": column})
    level = _level(reference, level)
    if kind in COUNTED_KINDS:
        names = [name for name, _label in question.slot.question.choices]
        possible = [*names, "base"]
    elif kind == QuestionKind.NUMBER:
        names, possible = [], ["answered", "sum", "median", "base"]
    else:
        names, possible = [], ["answered", "base"]
    if value in possible and value not in names:
        return _Resolved(summary, value, column, level=level)
    values = tuple(value.split("+"))
    unknown = [v for v in values if v not in names]
    if unknown:
        raise _refuse(reference, _("the question %(column)s has no answer “%(value)s” (possible: %(possible)s).") % {
            "column": column, "value": unknown[0], "possible": ", ".join(possible)})
    return _Resolved(summary, "count", column, values, level)


def _value(resolved: _Resolved) -> int | float | None:
    summary, level = resolved.summary, resolved.level
    if resolved.what == "count":
        question = summary.questions[resolved.column]
        return sum(question.counts.get(value, Tally()).get(level) for value in resolved.values)
    if resolved.what in ("base", "answered", "sum"):
        if resolved.column:
            return getattr(summary.questions[resolved.column], resolved.what).get(level)
        return summary.base.get(level)
    if resolved.what == "median":
        return summary.questions[resolved.column].median
    if resolved.what == "platforms":
        return summary.platforms.get(level)
    if resolved.what == "submitted":
        return summary.submitted.get(level)
    what = resolved.what.removeprefix(f"{INITIATIVES}.")
    if what == "total":
        return summary.initiatives.get(level)
    if what == "platforms":
        return summary.platforms_with_initiatives.get(level)
    return summary.initiatives_by_kind.get(what, Tally()).get(level)


def figure(reference: str, summaries: dict[str, Summary], default_round: str) -> int | float | None:
    """The value of one reference (None: a median nobody answered); raises ReferenceRefused."""
    return _value(_resolve(reference, summaries, default_round))


def figures(text: str, summaries: dict[str, Summary], default_round: str
            ) -> tuple[dict[str, int | float | None], list[str]]:
    """The value of every reference in the text, by reference (normalised), and the messages of the refused."""
    values: dict[str, int | float | None] = {}
    refused: dict[str, str] = {}
    for _start, _end, reference in find(text):
        if reference in values or reference in refused:
            continue
        try:
            values[reference] = figure(reference, summaries, default_round)
        except ReferenceRefused as refusal:
            refused[reference] = str(refusal)
    return values, list(refused.values())


def drilldown_url(reference: str, summaries: dict[str, Summary], default_round: str) -> str | None:
    """The page behind a figure: the platforms that gave an answer (for a count of one answer), the answers
    (number, text and date questions), the initiatives, or else the round's summary; None when refused."""
    try:
        resolved = _resolve(reference, summaries, default_round)
    except ReferenceRefused:
        return None
    summary = resolved.summary
    slug = summary.round.slug
    level = "" if resolved.level == "total" else resolved.level
    drafts = {"include_drafts": "1"} if summary.include_drafts else {}
    if resolved.what.startswith(f"{INITIATIVES}."):
        what = resolved.what.removeprefix(f"{INITIATIVES}.")
        params = {"level": level, "kind": what if what in InitiativeKind.values else ""}
        query = urlencode({key: value for key, value in params.items() if value})
        return reverse("rounds:initiative_list", kwargs={"round_slug": slug}) + (f"?{query}" if query else "")
    question = summary.questions.get(resolved.column)
    listed = question is not None and not question.is_counted
    if (resolved.what == "count" and len(resolved.values) == 1) or (listed and resolved.what != "base"):
        value = resolved.values[0] if resolved.what == "count" else ""
        params = {"question": resolved.column, "value": value, "level": level, **drafts}
        return (reverse("rounds:summary_platforms", kwargs={"round_slug": slug}) + "?"
                + urlencode({key: value for key, value in params.items() if value}))
    summary_url = reverse("rounds:summary", kwargs={"round_slug": slug})
    return summary_url + ("?include_drafts=1" if drafts else "")


# Numbers without a source --------------------------------------------------------------------------------------

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december", "jan", "feb", "mrt", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "nov", "dec")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_EXEMPT = [
    re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b"),  # 16/03/2020
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),  # 2020-03-16
    re.compile(r"(?im)^[ \t]*(?:[-*+][ \t]+)?\d{1,9}[.)](?=[ \t]|$)"),  # an ordered list's marker
    re.compile(r"(?im)^[ \t]*#{1,6}[ \t]+\d+(?:\.\d+)*\.?(?=[ \t]|$)"),  # a heading's number: ## 2.1 ...
    re.compile(r"(?i)\bnr\.?[ \t]*\d+"),  # a question's number: schriftelijke vraag nr. 356
    re.compile(r"(?i)\b\d{1,2}(?=[ \t]+(?:" + "|".join(MONTHS) + r")\b)"),  # the day of 16 maart 2020
]


def _masked(text: str) -> str:
    """The text with references blanked out (same length): what lies outside them."""
    return REFERENCE.sub(lambda m: " " * len(m.group(0)), text)


def unsourced_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every number typed as plain text outside the references ("cijfer zonder bron").

    Exempt, because they are not figures of a round: a year (1900–2099); digits inside a word (COVID-19,
    4G, 3de); a date (16 maart 2020, 16/03/2020, 2020-03-16); the number of an ordered list's item and of a
    heading ("1.", "## 2.1"); and the number after "nr." (a parliamentary question's). Numbers written in
    words ("drie") are not seen: write figures as references.
    """
    masked = _masked(text)
    exempt = [False] * len(masked)
    for pattern in _EXEMPT:
        for match in pattern.finditer(masked):
            exempt[match.start():match.end()] = [True] * (match.end() - match.start())
    spans = []
    for match in NUMBER.finditer(masked):
        start, end = match.span()
        if any(exempt[start:end]):
            continue
        token = match.group(0)
        if len(token) == 4 and token.isdigit() and 1900 <= int(token) <= 2099:
            continue
        before = masked[start - 1] if start else " "
        after = masked[end] if end < len(masked) else " "
        if before.isalpha() or after.isalpha() or before == "_" or after == "_":
            continue  # inside a word: 4G, 3de
        if before == "-" and start >= 2 and masked[start - 2].isalpha():
            continue  # COVID-19
        if after == "-" and end + 1 < len(masked) and masked[end + 1].isalpha():
            continue  # 19-virus, 4-jarigen
        spans.append((start, end))
    return spans


def unsourced_numbers(text: str) -> list[str]:
    """The numbers typed as plain text outside references, as written (see `unsourced_spans`)."""
    return [text[start:end] for start, end in unsourced_spans(text)]


# Writing values in ---------------------------------------------------------------------------------------------


def format_figure(value: int | float | None) -> str:
    """A figure as the text shows it (Belgian number format); "–" for none (a median nobody answered)."""
    return "–" if value is None else number_format(value)


def write_in(text: str, figures: dict[str, int | float | None]) -> str:
    """The text with every reference replaced by its value; a reference not in `figures` stays as written."""
    def replace(match):
        reference = normalise(match.group(1))
        return format_figure(figures[reference]) if reference in figures else match.group(0)

    return REFERENCE.sub(replace, text)


# Sentences and the generated text -----------------------------------------------------------------------------


def _label(question: QuestionDef) -> str:
    label = " ".join(question.label.split())
    return label if label.endswith(("?", ":", ".")) else f"{label}:"


def _choice_counts(question: QuestionDef) -> str:
    parts = [f"{' '.join(label.split())} bij {{{{ {question.key}.{name}.total }}}}" for name, label in question.choices]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " en " + parts[-1]


def default_sentence(question: QuestionDef) -> str:
    """The sentence of a question without its own: its figures in a Dutch sentence, per kind ("" for text and
    dates, whose answers are not counted, and a list without choices)."""
    key, label = question.key, _label(question)
    if question.kind == QuestionKind.YESNO:
        return f"- {label} Ja bij {{{{ {key}.yes.total }}}} van de {{{{ {key}.base.total }}}} LOP's."
    if question.kind in (QuestionKind.CHOICE, QuestionKind.MULTIPLE) and question.choices:
        several = " (meerdere antwoorden mogelijk)" if question.kind == QuestionKind.MULTIPLE else ""
        return (f"- {label} {_choice_counts(question)} van de {{{{ {key}.base.total }}}} LOP's{several}.")
    if question.kind == QuestionKind.NUMBER:
        return (f"- {label} {{{{ {key}.answered.total }}}} LOP's antwoordden, samen {{{{ {key}.sum.total }}}} "
                f"(mediaan {{{{ {key}.median }}}}).")
    return ""


def sentence_for(question: QuestionDef) -> str:
    """The question's sentence: its own, or the default for its kind; "" when it is left out ("-")."""
    sentence = (question.sentence or "").strip()
    if sentence == OMIT:
        return ""
    return sentence or default_sentence(question)


def for_theme(sentence: str, definition: Definition, theme: ThemeDef | None) -> str:
    """A sentence as one theme's: `{{ key… }}` of a question asked per theme becomes `{{ theme:<slug>:key… }}`,
    and `{theme}` the theme's name."""
    if theme is None:
        return sentence

    def rewrite(match):
        reference = normalise(match.group(1))
        slug, body = _split_round(reference)
        key = body.partition(".")[0]
        if key in definition.per_theme_keys and not is_round_level(body):
            body = f"theme:{theme.slug}:{body}"
        return "{{ " + (f"{slug}/" if slug else "") + body + " }}"

    return REFERENCE.sub(rewrite, sentence).replace("{theme}", theme.name)


def _is_bullet(line: str) -> bool:
    return line.lstrip().startswith(("- ", "* ", "+ "))


def _join(parts: list[str]) -> str:
    """Markdown fragments one after another: consecutive bullets in one list, the rest as paragraphs."""
    text = ""
    for part in parts:
        if text:
            last, first = text.rsplit("\n", 1)[-1], part.split("\n", 1)[0]
            text += "\n" if _is_bullet(last) and _is_bullet(first) else "\n\n"
        text += part
    return text


def generated_text(summary: Summary) -> str:
    """The Markdown of a round's generated answer: per section a `## ` heading with its questions' sentences,
    then the initiatives. Every figure is a reference.

    A section asked per theme gets a heading per theme, unless its sentences name the theme (`{theme}`): then
    one heading, and one bullet per theme with its sentences, as the minister's answer of 2020 had them.
    """
    definition = summary.definition
    chunks = []
    for section in definition.sections:
        instances = [i for i in definition.instances if i.section.key == section.key]
        sentences = {q.key: sentence_for(q).strip() for q in section.questions}
        if section.per_theme and any("{theme}" in s for s in sentences.values()):
            bullets = []
            for instance in instances:
                joined = " ".join(" ".join(for_theme(sentences[slot.question.key], definition, instance.theme)
                                           .split()).removeprefix("- ")
                                  for slot in instance.slots if sentences[slot.question.key])
                if joined:
                    bullets.append(f"- {joined}")
            if bullets:
                chunks.append(f"## {section.title}\n\n" + "\n".join(bullets))
            continue
        for instance in instances:
            parts = [for_theme(sentences[slot.question.key], definition, instance.theme)
                     for slot in instance.slots if sentences[slot.question.key]]
            if parts:
                chunks.append(f"## {' '.join(instance.title.split())}\n\n" + _join(parts))
    chunks.append(_initiatives_text(summary))
    return "\n\n".join(chunks) + "\n"


def _initiatives_text(summary: Summary) -> str:
    kinds = [(kind, label) for kind, label in InitiativeKind.choices
             if summary.initiatives_by_kind.get(kind, Tally()).total]
    text = ("## Initiatieven voor kwetsbare kinderen en jongeren\n\n"
            "{{ initiatives.platforms.total }} LOP's registreerden {{ initiatives.total.total }} initiatieven om "
            "kwetsbare kinderen en jongeren te bereiken" + (":" if kinds else "."))
    if kinds:
        text += "\n\n" + "\n".join(f"- {label}: {{{{ initiatives.{kind}.total }}}}" for kind, label in kinds)
    return text
