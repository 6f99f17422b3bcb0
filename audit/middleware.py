"""Names the logged-in person as the actor of every audit entry written while their request runs."""

from auditlog.context import set_actor

from audit.context import request_context


class AuditActorMiddleware:
    """django-auditlog's actor context, without what the client writes itself.

    auditlog.middleware.AuditlogMiddleware also stores the left-most X-Forwarded-For address, the
    X-Forwarded-Port and an X-Correlation-ID header: all three are written by the client, so a log
    would keep what an attacker chose (finding 1 is the same mistake). The user is passed lazily:
    pages that change nothing do not load it for the log's sake.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # request.user is a lazy object; auditlog only uses it (isinstance User) when an entry is saved.
        with set_actor(actor=request.user), request_context(request.user):
            return self.get_response(request)
