"""Development settings: DEBUG on, a fixed development key, the embedded SQLite database."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "django-insecure-local-development-only")
os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")

from .base import *  # noqa: E402, F403
