"""Strings of Django itself that its Dutch catalogue does not translate yet.

Django 6.1 introduced the label of the empty choice of a select; until its own nl catalogue
has it, ours does (LOCALE_PATHS are searched before Django's). `makemessages` finds the
string here, so `tests/test_translations.py` keeps it translated.
"""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = [
    gettext_noop("- Select an option -"),
]
