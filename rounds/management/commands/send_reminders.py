from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.context import AuditedCommand
from rounds.models import ReportingRound
from rounds.reminders import reminders_plan, reminders_send


class Command(AuditedCommand, BaseCommand):
    help = ("Mail the coordinators of every platform whose report for the round is not submitted yet "
            "(at most once a day per platform).")

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
        plan = reminders_plan(round, today=today, days_before=days_before)
        if plan.reason:
            self.stdout.write(_("No reminders: %(reason)s") % {"reason": plan.reason})
            return
        for platform, why in plan.skipped:
            self.stdout.write(_("skipped %(code)s: %(why)s") % {"code": platform.code, "why": why})
        if dry_run:
            for item in plan.due:
                self.stdout.write(f"{item.platform.code}\t{', '.join(item.recipients)}")
            self.stdout.write(_("Dry run: %(n)d platforms would be reminded.") % {"n": len(plan.due)})
            return
        sent = reminders_send(round=round, plan=plan, today=today)
        for reminder in sent:
            self.stdout.write(f"{reminder.platform.code}\t{reminder.recipients}")
        self.stdout.write(self.style.SUCCESS(_("%(n)d reminders sent.") % {"n": len(sent)}))
