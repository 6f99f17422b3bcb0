import io
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.context import AuditedCommand
from lopportal.imports import SUPPORTED_EXTENSIONS, ImportedFile, import_refusal, read_file
from rounds.importing import parse_report_file, reports_import, validate_rows
from rounds.models import ReportingRound


class Command(AuditedCommand, BaseCommand):
    help = ("Create or replace the reports of a round from a CSV or XLSX file in the export format (the "
            "platform columns, then a column per question of the round's questionnaire, then the notes). "
            "Every row is checked by the rules of the report form first; one bad row refuses the whole file.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv (UTF-8, comma or semicolon) or .xlsx file.")
        parser.add_argument("--round", required=True, dest="round_slug", help="The code (slug) of the round.")

    def handle(self, *args, file, round_slug, **options):
        round = (ReportingRound.objects.filter(slug=round_slug).select_related("questionnaire")
                 .prefetch_related("themes").first())
        if round is None:
            raise CommandError(_("There is no reporting round with the code %(slug)s.") % {"slug": round_slug})
        path = Path(file)
        if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
            raise CommandError(_("Only .csv and .xlsx files can be imported."))
        data = read_file(path)  # refused when missing, or too large to read
        rows, errors = parse_report_file(io.BytesIO(data), path.name, round)
        errors += validate_rows(round, rows)
        if errors:
            raise import_refusal(errors)
        try:
            count = reports_import(actor=None, round=round, rows=rows,
                                   source=ImportedFile.of(data, path.name, command="import_responses"))
        except ValidationError as error:  # something changed in the database since the check
            raise import_refusal(error.messages) from None
        self.stdout.write(self.style.SUCCESS(ngettext(
            "%(count)d report imported for %(round)s.", "%(count)d reports imported for %(round)s.", count,
        ) % {"count": count, "round": round.title}))
