"""Test settings: fast password hashing and Django's in-memory mail outbox; database from DATABASE_URL."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "django-insecure-test-only")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# The browser tests log the demo accounts in through the form, as in development; the tests of the
# second factor switch the exemption off for themselves.
os.environ.setdefault("DJANGO_SECOND_FACTOR_DEMO_EXEMPT", "true")

from .base import *  # noqa: E402, F403
from .base import DATABASES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The test client's login() authenticates without a request, which django-axes refuses; the
# lockout tests switch it on for themselves.
AXES_ENABLED = False
# Tests do not wait for the password-reset minimum duration (its own test switches it on).
PASSWORD_RESET_MIN_SECONDS = 0

# A second connection to the test database, standing in for a read replica in the tests of the
# summary's routing (they set SUMMARY_DATABASE = "replica"; everything else reads "default").
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}

# Queued mail is sent at once, in the test's process, so that it lands in mail.outbox as before; the tests of
# the queue itself (tests/test_mail_queue.py) switch to the database backend and run the worker.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
