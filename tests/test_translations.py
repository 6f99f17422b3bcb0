"""Every string marked for translation has a Dutch translation, compiled into the committed .mo."""

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
