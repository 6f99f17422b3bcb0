"""The admins' reminders page of a round: who gets which mail, then send; and the reminders sent so far."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from ..models import ReportingRound
from ..permissions import RoundPolicy
from ..reminders import reminders_plan, reminders_send, reminders_sent


@require_http_methods(["GET", "POST"])
def round_reminders(request, round_slug):
    if not RoundPolicy.can_manage(request.user):
        raise PermissionDenied
    round = get_object_or_404(ReportingRound, slug=round_slug)
    today = timezone.localdate()
    # Planned again on the POST: what is sent is what holds now, not what the preview showed a while ago.
    plan = reminders_plan(round, today=today)
    error = None
    if request.method == "POST":
        if not plan.reason and not plan.mails:
            error = _("Nobody to remind today: every platform has submitted, was reminded today or has no "
                      "coordinator with an e-mail address.")
        else:
            try:
                sent = reminders_send(round=round, plan=plan, today=today)
            except ValidationError as refusal:
                error = refusal.messages[0]
            else:
                messages.success(request, _("Reminders sent: %(mails)s about %(platforms)s.") % {
                    "mails": ngettext("%(n)d mail", "%(n)d mails", len(sent.mails)) % {"n": len(sent.mails)},
                    "platforms": ngettext("%(n)d platform", "%(n)d platforms", len(sent.reminders))
                    % {"n": len(sent.reminders)},
                })
                return redirect("rounds:reminders", round_slug=round.slug)
    return render(request, "rounds/reminders.html", {
        "round": round, "plan": plan, "error": error, "sent": reminders_sent(round),
    })
