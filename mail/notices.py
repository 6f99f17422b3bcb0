"""What a page that queued a mail tells the person: the mail is on its way, or later than usual."""

from django.contrib import messages
from django.utils.translation import gettext as _

from .selectors import mail_delayed


def mail_delay_notice(request) -> None:
    """Warn, when mails are failing right now, that the mail just queued will go out once the mail server is back
    (the change itself is saved)."""
    if mail_delayed():
        messages.warning(request, _("The mail server cannot be reached right now. The changes are saved; the mail "
                                    "will be sent automatically as soon as the mail server can be reached."))
