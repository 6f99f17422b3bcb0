"""Every string marked for translation has a Dutch translation that fits its original, compiled into the .mo."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "nl" / "LC_MESSAGES" / "django.po"
SKIP = {".venv", ".git", "staticfiles", "node_modules", "test-artifacts", ".pytest_cache", ".ruff_cache"}


def _untranslated(po: polib.POFile) -> list[str]:
    return [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def test_every_marked_string_has_a_dutch_translation(tmp_path):
    # Extract into a copy of the project, so the working tree's catalogue is left alone.
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=lambda d, names: [n for n in names if n in SKIP or n == "__pycache__"])
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "nl", "--no-obsolete",
         "--settings", "lopportal.settings.test"],
        cwd=copy, check=True, capture_output=True,
    )
    missing = _untranslated(polib.pofile(str(copy / "locale" / "nl" / "LC_MESSAGES" / "django.po")))
    hint = "Strings without a Dutch translation (run `make messages` and translate them):\n"
    assert missing == [], hint + "\n".join(missing)


def test_compiled_catalogue_matches_the_po_file():
    po = polib.pofile(str(PO))
    mo = {(e.msgctxt, e.msgid): e for e in polib.mofile(str(PO.with_suffix(".mo")))}
    def compiled(entry):
        found = mo.get((entry.msgctxt, entry.msgid))
        return found and (found.msgstr or found.msgstr_plural)

    stale = [e.msgid for e in po.translated_entries() if compiled(e) != (e.msgstr or e.msgstr_plural)]
    assert stale == [], "django.mo is out of date: run `make messages`.\n" + "\n".join(stale)


# What a translation must carry over unchanged: %(name)s, %s, %d, %% (Python), {name}, {} (str.format) and
# {{ ... }} (a reference in an answer's text, typed by the user as shown).
PERCENT = re.compile(r"%(?:\((\w+)\))?[-#0+]*(?:\d+|\*)?(?:\.\d+)?([sdifrx%])")
BRACES = re.compile(r"\{\{.*?\}\}|\{[\w.]*\}")
# A translation under a third of its original's length is a slip (the invitation's link-validity sentence was
# "D"); Dutch is rarely that much shorter (the shortest in the catalogue: "Administration", "Beheer").
# Short originals ("Yes", "Member") are left out, except for a translation of a single character.
SHORT_RATIO, SHORT_FROM = 3, 12
# Translations that are that short on purpose, by msgid (none yet).
SHORT_ON_PURPOSE: set[str] = set()


def placeholders(text: str) -> tuple[frozenset, tuple]:
    """The named placeholders (each once: a translation may repeat one) and the positional ones (in number)."""
    named, positional = set(), []
    for match in PERCENT.finditer(text):
        if match.group(1):
            named.add(f"%({match.group(1)}){match.group(2)}")
        else:
            positional.append("%" + match.group(2))
    named |= {re.sub(r"\s+", "", match.group(0)) for match in BRACES.finditer(text)}
    return frozenset(named), tuple(sorted(positional))


def _too_short(original: str, translation: str) -> bool:
    if original in SHORT_ON_PURPOSE:
        return False
    if len(translation.strip()) <= 1 < len(original.strip()):
        return True
    return len(original) > SHORT_FROM and len(translation) * SHORT_RATIO < len(original)


def suspicious_translations(po: polib.POFile) -> list[str]:
    """Translations whose placeholders differ from their original's, or that are far shorter than it."""
    found = []
    for entry in po:
        if entry.obsolete or not entry.translated():
            continue
        if entry.msgid_plural:
            # msgstr[0] is the singular: it may spell the number out ("één dag") or give it ("%(days)s dag").
            forms = [(index, text, [entry.msgid, entry.msgid_plural] if index == 0 else [entry.msgid_plural])
                     for index, text in sorted(entry.msgstr_plural.items())]
        else:
            forms = [(None, entry.msgstr, [entry.msgid])]
        for index, text, originals in forms:
            where = entry.msgid if index is None else f"{entry.msgid} [msgstr[{index}]]"
            if placeholders(text) not in {placeholders(original) for original in originals}:
                found.append(f"placeholders differ: {where!r} -> {text!r}")
            elif _too_short(originals[-1], text):
                found.append(f"far shorter than the original: {where!r} -> {text!r}")
    return found


def test_translations_keep_their_placeholders_and_their_meaning():
    found = suspicious_translations(polib.pofile(str(PO)))
    assert found == [], "Translations to correct in locale/nl/LC_MESSAGES/django.po:\n" + "\n".join(found)


def _catalogue(*entries: polib.POEntry) -> polib.POFile:
    po = polib.POFile()
    po.extend(entries)
    return po


def test_the_check_flags_a_lone_letter_and_a_placeholder_mismatch():
    po = _catalogue(
        polib.POEntry(msgid="Your role: %(role)s", msgstr="Uw rol: %(role)s"),
        polib.POEntry(msgid="Administration", msgstr="Beheer"),
        polib.POEntry(msgid="Yes", msgstr="Ja"),
        polib.POEntry(msgid="The link is valid for one day and can be used once.",
                      msgid_plural="The link is valid for %(days)s days and can be used once.",
                      msgstr_plural={0: "D", 1: "e"}),
        polib.POEntry(msgid="The link is valid for one hour and can be used once.",
                      msgid_plural="The link is valid for %(hours)s hours and can be used once.",
                      msgstr_plural={0: "De link is %(hours)s uur geldig.", 1: "De link is %(hours)s uur geldig."}),
        polib.POEntry(msgid="Hello %(name)s, you have %(count)s reports",
                      msgstr="Hallo %(naam)s, u hebt %(count)s rapporten"),
        polib.POEntry(msgid="%s of %d platforms", msgstr="%s van de platformen"),
        polib.POEntry(msgid="Open", msgstr="O"),
        polib.POEntry(msgid="Copy {{ round.summary }} into the text",
                      msgstr="Kopieer {{ round.samenvatting }} in de tekst"),
        polib.POEntry(msgid="Untranslated for now", msgstr=""),
    )
    found = suspicious_translations(po)
    assert found == [
        "far shorter than the original: 'The link is valid for one day and can be used once. [msgstr[0]]' -> 'D'",
        "placeholders differ: 'The link is valid for one day and can be used once. [msgstr[1]]' -> 'e'",
        "placeholders differ: 'Hello %(name)s, you have %(count)s reports' -> 'Hallo %(naam)s, u hebt %(count)s "
        "rapporten'",
        "placeholders differ: '%s of %d platforms' -> '%s van de platformen'",
        "far shorter than the original: 'Open' -> 'O'",
        "placeholders differ: 'Copy {{ round.summary }} into the text' -> 'Kopieer {{ round.samenvatting }} in de "
        "tekst'",
    ]


def test_placeholders_are_read_in_every_style():
    assert placeholders("%(name)s has %(count)d of %s, %d%% and {0}, {name}, {{ a.b }}") == (
        frozenset({"%(name)s", "%(count)d", "{0}", "{name}", "{{a.b}}"}), ("%%", "%d", "%s"))
    assert placeholders("50 % daarvan, {{a.b}}") == (frozenset({"{{a.b}}"}), ())
