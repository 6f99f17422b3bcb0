"""The questionnaire of the corona round of 2020, as data: what the first version asked in code.

The data migration that turned those questions into data gives it to every round that existed
then (`rounds/migrations/0003_questionnaire_2020`), and the demo gives it to its rounds. The keys
are the first version's column names, so the report file of such a round keeps its columns.
Kept as it was in 2020: a later change here would change what those answers meant.
"""

YES_NO = "yesno"
ARRANGEMENTS = [("none", "Geen afspraken"), ("unchanged", "Afspraken ongewijzigd"),
                ("adjusted", "Afspraken bijgestuurd")]
NO_PROCEDURE = "${registration_procedure_used} = 'no'"
NOT_DISCUSSED = "${discussed} = 'no'"


def _question(key, label, help_text="", kind=YES_NO, **extra):
    return {"key": key, "label": label, "help_text": help_text, "kind": kind, "required": True, "level": "",
            "relevant": "", "implied_when": "", "implied_value": "", "min_value": None, "max_value": None,
            "choices": ARRANGEMENTS if kind == "choice" else [], **extra}


def _section(key, title, questions, *, note_key, note_label="Opmerking", level="", per_theme=False, help_text=""):
    return {"key": key, "title": title, "help_text": help_text, "level": level, "per_theme": per_theme,
            "note_key": note_key, "note_label": note_label, "questions": questions}


SECTIONS = [
    _section("registrations", "Inschrijvingen", [
        _question("registration_procedure_used",
                  "Maakte minstens één school in het LOP gebruik van een aanmeldingsprocedure?",
                  "Bij een aanmeldingsprocedure melden ouders hun kind online aan en rangschikken ze scholen; de "
                  "plaatsen worden centraal toegewezen vóór de eigenlijke inschrijving."),
        _question("application_period_adjusted", "Werd de aanmeldingsperiode aangepast?",
                  "Enkel mogelijk als er een aanmeldingsprocedure gebruikt werd.",
                  implied_when=NO_PROCEDURE, implied_value="no"),
        _question("enrolment_period_adjusted", "Werd de inschrijvingsperiode voor aangemelde leerlingen aangepast?",
                  "Enkel mogelijk als er een aanmeldingsprocedure gebruikt werd.",
                  implied_when=NO_PROCEDURE, implied_value="no"),
        _question("free_enrolment_period_adjusted", "Werd de vrije inschrijvingsperiode aangepast?",
                  "De periode waarin de overblijvende plaatsen in volgorde van inschrijving ingevuld worden."),
    ], note_key="registrations_note", note_label="Opmerking over de inschrijvingen"),
    _section("newcomers_arrangements", "Afspraken over anderstalige nieuwkomers", [
        _question("newcomers", "Afspraken over de toeleiding van anderstalige nieuwkomers",
                  "Heeft het LOP afspraken over de toeleiding van anderstalige nieuwkomers, en werden ze bijgestuurd "
                  "naar aanleiding van de crisis?", kind="choice"),
    ], note_key="newcomers_note"),
    _section("preschool_arrangements", "Afspraken over kleuterparticipatie", [
        _question("preschool", "Afspraken over kleuterparticipatie",
                  "Inschrijving en aanwezigheid van kleuters (enkel basisonderwijs).", kind="choice"),
    ], note_key="preschool_note", level="basis"),
    _section("excluded_arrangements", "Afspraken over definitief uitgesloten leerlingen", [
        _question("excluded_pupils", "Afspraken over de opvolging van definitief uitgesloten leerlingen",
                  "Werden de afspraken over leerlingen die definitief uitgesloten werden bijgestuurd?", kind="choice"),
    ], note_key="excluded_pupils_note"),
    _section("themes", "Thema", [
        _question("discussed", "Kwam dit thema ter sprake in het LOP?"),
        _question("agreements", "Maakte het LOP hierover afspraken?",
                  implied_when=NOT_DISCUSSED, implied_value="no"),
        _question("actions", "Zette het LOP zelf acties op of werkte het mee aan acties?",
                  implied_when=NOT_DISCUSSED, implied_value="no"),
        _question("exchange", "Bood het LOP de leden de kans om ervaringen en goede praktijken uit te wisselen?",
                  implied_when=NOT_DISCUSSED, implied_value="no"),
        _question("informed", "Informeerde het LOP de leden hierover?",
                  implied_when=NOT_DISCUSSED, implied_value="no"),
    ], note_key="note", per_theme=True),
]
