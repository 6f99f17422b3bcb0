"""The questionnaire of the corona round of 2020, as data: what the first version asked in code.

The data migration that turned those questions into data gives it to every round that existed
then (`rounds/migrations/0003_questionnaire_2020`), and the demo gives it to its rounds. The keys
are the first version's column names, so the report file of such a round keeps its columns.
Kept as it was in 2020: a later change here would change what those answers meant.

Each question's `sentence` is its sentence in the answer to parliament, in the words of the minister's
answer of 2020 (`../shared/domain/minister-answer-2020.txt`), with its figures as references
(summaries/references.py); `rounds/migrations/0007_sentences_2020` gives them to the questionnaires
that existed before sentences did. In the section asked per theme the sentences name the theme
(`{theme}`), so the answer has one bullet per theme, as the minister's had.
"""

YES_NO = "yesno"
ARRANGEMENTS = [("none", "Geen afspraken"), ("unchanged", "Afspraken ongewijzigd"),
                ("adjusted", "Afspraken bijgestuurd")]
NO_PROCEDURE = "${registration_procedure_used} = 'no'"
NOT_DISCUSSED = "${discussed} = 'no'"

# The sentences of the minister's answer (the short ones are with their questions below).
REGISTRATION_PROCEDURE = (
    "In {{ registration_procedure_used.yes.basis }} LOP's Basisonderwijs en "
    "{{ registration_procedure_used.yes.secundair }} LOP's Secundair Onderwijs maakte minstens één school gebruik "
    "van een aanmeldingsprocedure voor de organisatie van de inschrijvingen.")
APPLICATION_PERIOD = (
    "Door de maatregelen ter voorkoming van de verspreiding van het COVID-19-virus moesten heel wat "
    "partnerorganisaties, die ouders ondersteunen bij het aanmelden, hun werking bijsturen. Om ouders toch nog "
    "voldoende ondersteuning te kunnen bieden, pasten verschillende LOP's/schoolbesturen in de LOP's de "
    "aanmeldingsprocedure aan:\n\n"
    "- {{ application_period_adjusted.yes.total }} LOP's hebben de aanmeldingsperiode aangepast")
NEWCOMERS = (
    "- {{ newcomers.unchanged+adjusted.total }} LOP's hebben afspraken m.b.t. de toeleiding van anderstalige "
    "nieuwkomers. {{ newcomers.adjusted.total }} LOP's hiervan stuurden deze afspraken bij n.a.v. de "
    "coronamaatregelen.")
PRESCHOOL = (
    "- In {{ preschool.unchanged.total }} van de {{ preschool.base.total }} LOP's blijven de afspraken m.b.t. "
    "kleuterparticipatie ongewijzigd en in {{ preschool.adjusted.total }} LOP's zijn de afspraken bijgestuurd.")
# "Voor een meerderheid van de LOP's": a word that would stay when the figures change, so the figures instead.
EXCLUDED_PUPILS = (
    "- Voor {{ excluded_pupils.unchanged.total }} van de {{ excluded_pupils.base.total }} LOP's veranderen de "
    "afspraken m.b.t. de opvolging van definitief uitgesloten leerlingen niet.")


def _question(key, label, help_text="", kind=YES_NO, **extra):
    return {"key": key, "label": label, "help_text": help_text, "kind": kind, "required": True, "level": "",
            "relevant": "", "implied_when": "", "implied_value": "", "min_value": None, "max_value": None,
            "choices": ARRANGEMENTS if kind == "choice" else [], "sentence": "", **extra}


def _section(key, title, questions, *, note_key, note_label="Opmerking", level="", per_theme=False, help_text=""):
    return {"key": key, "title": title, "help_text": help_text, "level": level, "per_theme": per_theme,
            "note_key": note_key, "note_label": note_label, "questions": questions}


SECTIONS = [
    _section("registrations", "Inschrijvingen", [
        _question("registration_procedure_used",
                  "Maakte minstens één school in het LOP gebruik van een aanmeldingsprocedure?",
                  "Bij een aanmeldingsprocedure melden ouders hun kind online aan en rangschikken ze scholen; de "
                  "plaatsen worden centraal toegewezen vóór de eigenlijke inschrijving.",
                  sentence=REGISTRATION_PROCEDURE),
        _question("application_period_adjusted", "Werd de aanmeldingsperiode aangepast?",
                  "Enkel mogelijk als er een aanmeldingsprocedure gebruikt werd.",
                  implied_when=NO_PROCEDURE, implied_value="no", sentence=APPLICATION_PERIOD),
        _question("enrolment_period_adjusted", "Werd de inschrijvingsperiode voor aangemelde leerlingen aangepast?",
                  "Enkel mogelijk als er een aanmeldingsprocedure gebruikt werd.",
                  implied_when=NO_PROCEDURE, implied_value="no",
                  sentence="- {{ enrolment_period_adjusted.yes.total }} LOP's pasten de inschrijvingsperiode voor "
                           "aangemelde leerlingen aan"),
        _question("free_enrolment_period_adjusted", "Werd de vrije inschrijvingsperiode aangepast?",
                  "De periode waarin de overblijvende plaatsen in volgorde van inschrijving ingevuld worden.",
                  sentence="- {{ free_enrolment_period_adjusted.yes.total }} LOP's hebben de vrije "
                           "inschrijvingsperiode aangepast"),
    ], note_key="registrations_note", note_label="Opmerking over de inschrijvingen"),
    _section("newcomers_arrangements", "Afspraken over anderstalige nieuwkomers", [
        _question("newcomers", "Afspraken over de toeleiding van anderstalige nieuwkomers",
                  "Heeft het LOP afspraken over de toeleiding van anderstalige nieuwkomers, en werden ze bijgestuurd "
                  "naar aanleiding van de crisis?", kind="choice", sentence=NEWCOMERS),
    ], note_key="newcomers_note"),
    _section("preschool_arrangements", "Afspraken over kleuterparticipatie", [
        _question("preschool", "Afspraken over kleuterparticipatie",
                  "Inschrijving en aanwezigheid van kleuters (enkel basisonderwijs).", kind="choice",
                  sentence=PRESCHOOL),
    ], note_key="preschool_note", level="basis"),
    _section("excluded_arrangements", "Afspraken over definitief uitgesloten leerlingen", [
        _question("excluded_pupils", "Afspraken over de opvolging van definitief uitgesloten leerlingen",
                  "Werden de afspraken over leerlingen die definitief uitgesloten werden bijgestuurd?", kind="choice",
                  sentence=EXCLUDED_PUPILS),
    ], note_key="excluded_pupils_note"),
    _section("themes", "Thema", [
        _question("discussed", "Kwam dit thema ter sprake in het LOP?",
                  sentence="{theme}: in {{ discussed.yes.total }} van de {{ discussed.base.total }} LOP's kwam dit "
                           "thema ter sprake."),
        _question("agreements", "Maakte het LOP hierover afspraken?",
                  implied_when=NOT_DISCUSSED, implied_value="no",
                  sentence="{{ agreements.yes.total }} LOP's maakten hierover afspraken."),
        _question("actions", "Zette het LOP zelf acties op of werkte het mee aan acties?",
                  implied_when=NOT_DISCUSSED, implied_value="no",
                  sentence="{{ actions.yes.total }} LOP's zetten zelf acties op of werkten mee aan acties."),
        _question("exchange", "Bood het LOP de leden de kans om ervaringen en goede praktijken uit te wisselen?",
                  implied_when=NOT_DISCUSSED, implied_value="no",
                  sentence="{{ exchange.yes.total }} LOP's boden de LOP-leden de kans om ervaringen en goede "
                           "praktijken uit te wisselen."),
        _question("informed", "Informeerde het LOP de leden hierover?",
                  implied_when=NOT_DISCUSSED, implied_value="no",
                  sentence="{{ informed.yes.total }} LOP's informeerden de LOP-leden hierover."),
    ], note_key="note", per_theme=True),
]
