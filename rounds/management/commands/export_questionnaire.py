import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from rounds.models import ReportingRound
from rounds.xlsform import write_xlsform


class Command(BaseCommand):
    help = "Write the questionnaire of a round to an XLSForm file (.xlsx), which import_questionnaire reads back."

    def add_arguments(self, parser):
        parser.add_argument("--round", required=True, dest="round_slug", help="The code (slug) of the round.")
        parser.add_argument("file", help="The .xlsx file to write (replaced when it exists).")

    def handle(self, *args, file, round_slug, **options):
        round = ReportingRound.objects.filter(slug=round_slug).first()
        if round is None:
            raise CommandError(_("There is no reporting round with the code %(slug)s.") % {"slug": round_slug})
        path = Path(file)
        if path.suffix.lower() != ".xlsx":
            raise CommandError(_("Write the questionnaire to a file ending in .xlsx."))
        if not path.parent.is_dir():
            raise CommandError(_("The folder %(path)s does not exist.") % {"path": path.parent})
        data = write_xlsform(round)
        # Written next to the target and then renamed: the file is either the old one or the whole new one.
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".xlsx.part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
            os.replace(temporary, path)
        except OSError as error:
            Path(temporary).unlink(missing_ok=True)
            raise CommandError(_("The file %(path)s cannot be written: %(error)s")
                               % {"path": path, "error": error.strerror or error}) from None
        self.stdout.write(self.style.SUCCESS(_("The questionnaire of %(round)s is written to %(path)s.")
                                             % {"round": round.title, "path": path}))
