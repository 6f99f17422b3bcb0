"""Write the demo's XLSForm `oekraine-2022.xlsx` (the questionnaire of the round `oekraine-2022`).

The workbook is written by hand, row by row, as an admin would in Excel (plain `label` and `hint`
columns, a note row that the portal skips), rather than by the portal's own export: the demo then
shows that a file made elsewhere is read. Run it after changing the rows, and commit both:

    .venv/bin/python -m rounds.seed.make_oekraine_2022
"""

from pathlib import Path

from openpyxl import Workbook

PATH = Path(__file__).with_name("oekraine-2022.xlsx")
TITLE = "Onthaal van Oekraïense leerlingen, voorjaar 2022"
ENROLLED = "${ukrainian_pupils_enrolled} = 'yes'"

SURVEY = [
    ("type", "name", "label", "hint", "required", "relevant", "level", "per_theme", "note_name", "note_label",
     "implied_when", "implied_value", "min", "max"),
    ("begin group", "reception", "Onthaal en inschrijving",
     "Over de leerlingen die sinds 24 februari 2022 uit Oekraïne kwamen.", "", "", "", "", "reception_note",
     "Opmerking over het onthaal"),
    ("note", "reception_intro", "Beantwoord de vragen voor het hele werkingsgebied van het LOP."),
    ("select_one yes_no", "ukrainian_pupils_enrolled",
     "Schreven scholen van het LOP sinds 24 februari 2022 leerlingen uit Oekraïne in?", "", "yes"),
    ("integer", "ukrainian_pupils_count", "Hoeveel leerlingen uit Oekraïne werden ingeschreven?",
     "Een schatting volstaat; tel elke leerling één keer, ook wie van school veranderde.", "yes", ENROLLED,
     "", "", "", "", "", "", 0),
    ("select_multiple reception_arrangements", "reception_arrangements",
     "Welke afspraken maakte het LOP over het onthaal?", "Kies alles wat van toepassing is.", "yes", ENROLLED),
    ("select_one yes_no", "okan_places_added", "Werden er extra plaatsen in de onthaalklassen (OKAN) gecreëerd?",
     "Zonder Oekraïense leerlingen volgt het antwoord: nee.", "yes", "", "secundair", "", "", "",
     "${ukrainian_pupils_enrolled} = 'no'", "no"),
    ("end group",),
    ("begin group", "themes", "Thema", "Beantwoord deze vragen voor elk thema van de bevraging.", "", "", "", "yes",
     "theme_note", "Opmerking bij dit thema"),
    ("select_one yes_no", "theme_relevant", "Speelde dit thema bij het onthaal van Oekraïense leerlingen?", "",
     "yes"),
    ("select_multiple theme_support", "theme_support", "Welke ondersteuning bood het LOP hierbij?", "", "yes",
     "${theme_relevant} = 'yes'"),
    ("end group",),
    ("begin group", "evaluation", "Evaluatie"),
    ("date", "approach_since", "Sinds wanneer heeft het LOP een vaste werkwijze voor het onthaal?",
     "Laat leeg als er (nog) geen vaste werkwijze is.", "", ENROLLED),
    ("text", "main_challenge", "Wat was de grootste uitdaging bij het onthaal?"),
    ("end group",),
]

CHOICES = [
    ("list_name", "name", "label"),
    ("yes_no", "yes", "Ja"),
    ("yes_no", "no", "Nee"),
    ("reception_arrangements", "central_registration", "Een centraal aanmeldpunt voor Oekraïense gezinnen"),
    ("reception_arrangements", "spread_over_schools", "Spreiding van de leerlingen over de scholen"),
    ("reception_arrangements", "reception_classes", "Extra onthaalklassen of OKAN-capaciteit"),
    ("reception_arrangements", "interpreters", "Tolken of Oekraïense leerkrachten"),
    ("reception_arrangements", "none", "Geen afspraken"),
    ("theme_support", "information", "Informatie voor de scholen"),
    ("theme_support", "consultation", "Overleg tussen de scholen"),
    ("theme_support", "partners", "Samenwerking met partners (CLB, OCMW, lokaal bestuur)"),
]

SETTINGS = [("form_title", "form_id", "default_language"), (TITLE, "oekraine_2022", "Dutch (nl)")]


def build() -> Workbook:
    workbook = Workbook()
    for index, (name, rows) in enumerate((("survey", SURVEY), ("choices", CHOICES), ("settings", SETTINGS))):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = name
        for row in rows:
            sheet.append(list(row))
    return workbook


if __name__ == "__main__":
    build().save(PATH)
    print(f"Written: {PATH}")
