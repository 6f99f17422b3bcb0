"""Hand queued mails whose attempt is long overdue (a worker that died while sending) to the worker again."""

from django.core.management.base import BaseCommand

from mail.services import mail_requeue


class Command(BaseCommand):
    help = "Queue again the mails whose attempt is overdue (after a worker stopped mid-attempt); safe to run any time."

    def handle(self, *args, **options):
        count = mail_requeue()
        self.stdout.write(f"{count} mail(s) handed to the worker again.")
