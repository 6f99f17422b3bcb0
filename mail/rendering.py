"""Mails are plain text: their templates are rendered without HTML escaping."""

import functools

from django.conf import settings
from django.template.backends.django import DjangoTemplates


@functools.cache
def _text_engine() -> DjangoTemplates:
    # The project's template directories and apps, but autoescape off: an apostrophe in a round's title
    # or a person's name must read as one, not as "&#x27;" (a subject once read "rol van de LOP&#x27;s").
    html = settings.TEMPLATES[0]
    return DjangoTemplates({
        "NAME": "mail_text",
        "DIRS": html["DIRS"],
        "APP_DIRS": html["APP_DIRS"],
        "OPTIONS": {"autoescape": False},
    })


def mail_render(template_base: str, context: dict) -> tuple[str, str]:
    """Render `<template_base>_subject.txt` and `<template_base>.txt` as plain text: (subject, body); the subject
    on one line, whatever the names and titles in it hold (a line break in a header is refused)."""
    engine = _text_engine()
    subject = " ".join(engine.get_template(f"{template_base}_subject.txt").render(context).split())
    body = engine.get_template(f"{template_base}.txt").render(context)
    return subject, body
