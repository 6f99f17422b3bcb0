"""The admins' page of the mails: which are waiting or failed, why, and sending a failed one again."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from . import selectors, services
from .models import MailStatus
from .permissions import MailPolicy

PAGE_SIZE = 50


def _require_access(request) -> None:
    if not MailPolicy.can_view(request.user):
        raise PermissionDenied


@require_safe
def mail_list(request):
    _require_access(request)
    status = request.GET.get("status", "")
    if status not in MailStatus.values:
        status = ""  # anything else: the default, failed and queued
    page = Paginator(selectors.mail_list(status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mail/mail_list.html", {
        "page": page, "status": status, "statuses": MailStatus.choices, "query": f"status={status}" if status else "",
    })


@require_POST
def mail_retry(request, pk):
    _require_access(request)
    mail = get_object_or_404(MailPolicy.visible(request.user), pk=pk)
    try:
        services.mail_retry(actor=request.user, mail=mail)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The mail to %(recipients)s is queued again and will be sent shortly.")
                         % {"recipients": mail.recipients_display})
    return redirect("mail:list")
