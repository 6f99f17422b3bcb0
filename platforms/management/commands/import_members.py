from django.utils.translation import gettext as _

from platforms.importing import members_import, parse_members

from .import_platforms import FileImportCommand


class Command(FileImportCommand):
    help = ("Create or update schools, CLB's and local partners from a CSV or XLSX file with the columns "
            "platform_code, kind, name, instellingsnummer, onderwijsnet, partner_category, municipality (or in "
            "Dutch: platformcode, soort, naam, instellingsnummer, onderwijsnet, partnercategorie, gemeente), and "
            "make each a current member of its platform. A school or CLB is found by its instellingsnummer, a "
            "local partner by its name and municipality. One bad row refuses the whole file.")

    parse = parse_members
    service = members_import

    @staticmethod
    def done_message(counts) -> str:
        return _("Members imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % {
            "created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged}
