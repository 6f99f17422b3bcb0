from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.context import AuditedCommand
from lopportal.imports import ImportedFile, import_refusal
from rounds.importing import questionnaire_import
from rounds.models import ReportingRound
from rounds.xlsform import MAX_BYTES, read_xlsform


class Command(AuditedCommand, BaseCommand):
    help = ("Replace the questionnaire of a round with the one in an XLSForm file (.xlsx). The whole file is "
            "checked first; one error refuses it, and a round with a saved report keeps its questionnaire.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="An XLSForm workbook (.xlsx): sheets survey and choices (see the README).")
        parser.add_argument("--round", required=True, dest="round_slug", help="The code (slug) of the round.")

    def handle(self, *args, file, round_slug, **options):
        round = ReportingRound.objects.filter(slug=round_slug).first()
        if round is None:
            raise CommandError(_("There is no reporting round with the code %(slug)s.") % {"slug": round_slug})
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("The file %(path)s does not exist.") % {"path": path})
        with path.open("rb") as fileobj:
            data = fileobj.read(MAX_BYTES + 1)  # a larger file is refused without reading it all
        sections, errors = read_xlsform(data, path.name)
        if errors:
            raise import_refusal(errors)
        try:
            questionnaire_import(actor=None, round=round, sections=sections,
                                 source=ImportedFile.of(data, path.name, command="import_questionnaire"))
        except ValidationError as error:
            raise import_refusal(error.messages) from None
        count = sum(len(section["questions"]) for section in sections)
        self.stdout.write(self.style.SUCCESS(ngettext(
            "The questionnaire of %(round)s now has %(count)d question in %(sections)d sections.",
            "The questionnaire of %(round)s now has %(count)d questions in %(sections)d sections.", count,
        ) % {"round": round.title, "count": count, "sections": len(sections)}))
