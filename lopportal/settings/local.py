"""Development settings: DEBUG on, a fixed development key, the embedded SQLite database."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "django-insecure-local-development-only")
os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
# The demo accounts log in without a second factor (refused in production).
os.environ.setdefault("DJANGO_SECOND_FACTOR_DEMO_EXEMPT", "true")

from .base import *  # noqa: E402, F403
