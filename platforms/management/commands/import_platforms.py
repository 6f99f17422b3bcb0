from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from audit.context import AuditedCommand
from lopportal.imports import SUPPORTED_EXTENSIONS, ImportedFile, read_file, refusal_message
from platforms.importing import parse_platforms, platforms_import


class FileImportCommand(AuditedCommand, BaseCommand):
    """Read a master data file, check every row, then write all of it or nothing."""

    parse = None  # (data, filename) -> (rows, errors)
    service = None  # (*, actor, rows, source) -> ImportCounts
    # Formats the counts of a finished import, e.g. "Platforms imported: %(created)d created, ...".
    done_message = None  # (counts) -> str

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv (UTF-8, comma or semicolon) or .xlsx file.")

    def handle(self, *args, file, **options):
        path = Path(file)
        if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
            raise CommandError(_("Only .csv and .xlsx files can be imported."))
        data = read_file(path)  # refused when missing, or too large to read
        rows, errors = type(self).parse(data, path.name)
        if errors:
            raise CommandError(refusal_message(errors))
        command = type(self).__module__.rsplit(".", 1)[-1]  # import_platforms or import_members, for the audit log
        try:
            counts = type(self).service(actor=None, rows=rows, source=ImportedFile.of(data, path.name, command=command))
        except ValidationError as error:  # every row is checked in the service, before anything is written
            raise CommandError(refusal_message(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(type(self).done_message(counts)))


class Command(FileImportCommand):
    help = ("Create or update platforms from a CSV or XLSX file with the columns code, name, level, area (or in "
            "Dutch: code, naam, niveau, regio; level: basis or secundair); a platform is found by its code. One bad "
            "row refuses the whole file.")

    parse = parse_platforms
    service = platforms_import

    @staticmethod
    def done_message(counts) -> str:
        return _("Platforms imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % {
            "created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged}
