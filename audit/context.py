"""Which management command is running, so entries written during it name the command as their actor.

Requests get their actor from audit.middleware; a command has no user, so the entries it writes carry
{"command": "<name>"} in additional_data instead. A context variable (not a global) keeps this
correct under threads and async code, like auditlog's own actor context.
"""

import contextlib
from contextvars import ContextVar

_current_command: ContextVar[str | None] = ContextVar("audit_current_command", default=None)
_request_user: ContextVar = ContextVar("audit_request_user", default=None)


def current_command() -> str | None:
    """The name of the management command running in this context, if any."""
    return _current_command.get()


def request_user():
    """The user of the request being handled (possibly anonymous), or None outside a request."""
    return _request_user.get()


@contextlib.contextmanager
def request_context(user):
    """Entries written in bulk inside this block without an explicit actor are by `user` (audit.middleware)."""
    token = _request_user.set(user)
    try:
        yield
    finally:
        _request_user.reset(token)


@contextlib.contextmanager
def command_context(name: str):
    """Record every change made inside this block as made by the management command `name`."""
    token = _current_command.set(name)
    try:
        yield
    finally:
        _current_command.reset(token)


class AuditedCommand:
    """Mixin for management commands that change data: their changes are logged with the command's name.

    Put it before BaseCommand: `class Command(AuditedCommand, BaseCommand)`.
    """

    def execute(self, *args, **options):
        name = self.__class__.__module__.rsplit(".", 1)[-1]
        with command_context(name):
            return super().execute(*args, **options)
