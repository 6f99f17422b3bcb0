from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from audit.context import AuditedCommand
from parliament.demo import load_parliament
from platforms.demo import load_demo
from rounds.demo import load_rounds
from rounds.demo_2022 import load_ukraine_round


class Command(AuditedCommand, BaseCommand):
    help = ("Load the demo platforms, members, accounts and rounds: corona-2020, open-demo and oekraine-2022 "
            "(idempotent; refused in production).")

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(_("The demo data cannot be loaded with production settings."))
        counts = load_demo() | load_rounds()
        load_ukraine_round()  # a third round, its questionnaire read from an XLSForm file
        load_parliament()  # the question of 2020 with its published answer over corona-2020
        counts["rounds"] += 1
        self.stdout.write(self.style.SUCCESS(
            _("Demo loaded: %(platforms)d platforms, %(organisations)d organisations, "
              "%(memberships)d memberships, %(users)d accounts, %(rounds)d reporting rounds.") % counts
        ))
