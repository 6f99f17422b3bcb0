from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.context import AuditedCommand
from rounds.models import ReportingRound
from rounds.reminders import reminders_plan, reminders_send
from rounds.services.opening_mail import round_opening_mail, rounds_opened_unannounced


class Command(AuditedCommand, BaseCommand):
    help = ("Mail each coordinator one reminder listing their platforms whose report for the round is not "
            "submitted yet (at most once a day per platform). Also tells the coordinators of every round that "
            "opened and was not announced yet (run it daily).")

    def add_arguments(self, parser):
        parser.add_argument("--round", required=True, dest="round_slug", help="The code (slug) of the round.")
        parser.add_argument("--days-before", type=int, default=None,
                            help="Only remind when the deadline is at most this many days away.")
        parser.add_argument("--dry-run", action="store_true", help="Print who would be reminded; send nothing.")

    def handle(self, *args, round_slug, days_before, dry_run, **options):
        if days_before is not None and days_before < 0:
            raise CommandError(_("--days-before cannot be negative."))
        round = ReportingRound.objects.filter(slug=round_slug).first()
        if round is None:
            raise CommandError(_("There is no reporting round with the code %(slug)s.") % {"slug": round_slug})
        today = timezone.localdate()
        self._announce_opened_rounds(today, dry_run)
        plan = reminders_plan(round, today=today, days_before=days_before)
        if plan.reason:
            self.stdout.write(_("No reminders: %(reason)s") % {"reason": plan.reason})
            return
        for platform, why in plan.skipped:
            self.stdout.write(_("skipped %(code)s: %(why)s") % {"code": platform.code, "why": why})
        if dry_run:
            for mail in plan.mails:
                self.stdout.write(f"{mail.email}\t{', '.join(item.platform.code for item in mail.platforms)}")
            self.stdout.write(_("Dry run: %(n)d platforms would be reminded.") % {"n": len(plan.due)})
            return
        sent = reminders_send(round=round, plan=plan, today=today)
        for mail in sent.mails:
            self.stdout.write(f"{mail.email}\t{', '.join(item.platform.code for item in mail.platforms)}")
        self.stdout.write(self.style.SUCCESS(
            _("%(n)d reminders sent.") % {"n": len(sent.reminders)} + " "
            + _("%(mails)d mails queued.") % {"mails": len(sent.mails)}))

    def _announce_opened_rounds(self, today, dry_run: bool) -> None:
        """The daily catch-up of the round-opened mail (a round whose deferred task did not run, or could not)."""
        for round in rounds_opened_unannounced(today):
            if dry_run:
                self.stdout.write(_("Dry run: the coordinators of %(round)s would be told that it opened.")
                                  % {"round": round.slug})
                continue
            mails = round_opening_mail(round=round, today=today)
            self.stdout.write(_("%(round)s has opened: %(mails)d mails queued to its coordinators.")
                              % {"round": round.slug, "mails": mails})
