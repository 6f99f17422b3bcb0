"""A 60-question questionnaire for the benchmark: what a round with more questions costs (issue 11).

Five sections, 60 questions, every kind: 16 yes/no, 15 one of a list, 11 several of a list,
14 whole numbers, 2 short texts and 2 dates; 13 asked only under a condition (`=`, `!=`,
`selected()`, `and`, `or`, parentheses, on questions asked once and, in the theme section, on
questions of the same theme), 3 with an answer that follows from another, 2 asked of one level
only, and one section of 10 questions asked once per theme (40 answers with four themes), so a
report has 90 questions. Four sections have a note (the theme section one per theme).

It is a spec as `rounds.services.questionnaires.questionnaire_replace` takes it
(`rounds/spec.py`); `benchmarks.data` gives it to the round and answers it.
"""

FEW = [("geen", "Geen"), ("weinig", "Weinig"), ("veel", "Veel"), ("alle", "Alle")]
OPTIONS = [(f"opt_{c}", f"Mogelijkheid {c.upper()}") for c in "abcde"]
PARTNERS = [("school", "School"), ("clb", "CLB"), ("gemeente", "Gemeente"), ("ocmw", "OCMW"),
            ("vzw", "Vereniging"), ("bib", "Bibliotheek")]


def _q(key, kind, label, *, choices=(), relevant="", implied_when="", implied_value="", level="", min_value=None,
       max_value=None, required=True):
    return {"key": key, "label": label, "help_text": "", "kind": kind, "required": required, "level": level,
            "relevant": relevant, "implied_when": implied_when, "implied_value": implied_value,
            "min_value": min_value, "max_value": max_value, "choices": list(choices)}


def _section(key, title, questions, *, note_key="", per_theme=False, level=""):
    return {"key": key, "title": title, "help_text": "", "level": level, "per_theme": per_theme, "note_key": note_key,
            "note_label": "Opmerking" if note_key else "", "questions": questions}


def _count(key, label, **extra):
    return _q(key, "number", label, min_value=0, max_value=10_000, **extra)


WIDE_SECTIONS = [
    _section("algemeen", "Algemeen", [
        *(_q(f"a{i:02d}", "yesno", f"Algemene vraag {i}: gebeurde dit in het LOP?") for i in (1, 2)),
        _q("a03", "yesno", "Algemene vraag 3", relevant="${a01} = 'yes'"),
        _q("a04", "yesno", "Algemene vraag 4"),
        _q("a05", "yesno", "Algemene vraag 5", relevant="${a02} = 'no' or ${a04} = 'yes'"),
        _q("a06", "yesno", "Algemene vraag 6"),
        _q("a07", "yesno", "Algemene vraag 7", implied_when="${a06} = 'no'", implied_value="no"),
        _q("a08", "yesno", "Algemene vraag 8"),
        _q("a09", "choice", "Hoeveel scholen deden mee?", choices=FEW),
        _q("a10", "choice", "Hoeveel daarvan meldden problemen?", choices=FEW, relevant="${a09} != 'geen'"),
        _q("a11", "choice", "Hoeveel partners deden mee?", choices=FEW),
        _q("a12", "choice", "Hoeveel scholen voor secundair onderwijs deden mee?", choices=FEW, level="secundair"),
    ], note_key="algemeen_note"),
    _section("aantallen", "Aantallen", [
        _count("n01", "Aantal bereikte leerlingen"),
        _count("n02", "Aantal bereikte gezinnen"),
        _count("n03", "Aantal leerlingen in de procedure", relevant="${a01} = 'yes'"),
        *(_count(f"n{i:02d}", f"Aantal {i}") for i in range(4, 7)),
        _count("n07", "Aantal scholen met problemen", relevant="${a09} = 'veel' or ${a09} = 'alle'"),
        *(_count(f"n{i:02d}", f"Aantal {i}") for i in range(8, 12)),
        _count("n12", "Aantal kleuters", level="basis"),
    ]),
    _section("keuzes", "Keuzes", [
        *(_q(f"c{i:02d}", "choice", f"Keuzevraag {i}", choices=OPTIONS) for i in range(1, 5)),
        _q("c05", "choice", "Keuzevraag 5", choices=OPTIONS, relevant="${c04} = 'opt_a' and ${a02} = 'yes'"),
        *(_q(f"c{i:02d}", "choice", f"Keuzevraag {i}", choices=OPTIONS) for i in (6, 7)),
        _q("m01", "multiple", "Welke partners werkten mee?", choices=PARTNERS),
        _q("m02", "multiple", "Welke kanalen werden gebruikt?", choices=PARTNERS),
        _q("m03", "multiple", "Met welke partners van de gemeente?", choices=PARTNERS,
           relevant="selected(${m01}, 'gemeente')"),
        *(_q(f"m{i:02d}", "multiple", f"Meerkeuzevraag {i}", choices=PARTNERS) for i in (4, 5)),
        _q("m06", "multiple", "Meerkeuzevraag 6", choices=PARTNERS,
           relevant="(${a01} = 'yes' or ${a02} = 'yes') and ${c01} != 'opt_e'"),
        _q("m07", "multiple", "Meerkeuzevraag 7", choices=PARTNERS),
    ], note_key="keuzes_note"),
    _section("thema", "Thema", [
        _q("t_discussed", "yesno", "Kwam dit thema ter sprake?"),
        _q("t_agreements", "yesno", "Werden er afspraken gemaakt?", implied_when="${t_discussed} = 'no'",
           implied_value="no"),
        _q("t_actions", "yesno", "Werden er acties opgezet?", implied_when="${t_discussed} = 'no'",
           implied_value="no"),
        _q("t_reach", "choice", "Hoeveel scholen bereikte het?", choices=FEW, relevant="${t_discussed} = 'yes'"),
        _q("t_partners", "multiple", "Met welke partners?", choices=PARTNERS, relevant="${t_discussed} = 'yes'"),
        _count("t_pupils", "Aantal bereikte leerlingen", relevant="${t_discussed} = 'yes'"),
        _count("t_hours", "Aantal uren"),
        _q("t_support", "yesno", "Kreeg het steun van de gemeente?",
           relevant="${t_discussed} = 'yes' and ${a01} = 'yes'"),
        _q("t_channels", "multiple", "Langs welke kanalen?", choices=PARTNERS),
        _q("t_followup", "choice", "Volgt er een vervolg?", choices=FEW),
    ], note_key="thema_note", per_theme=True),
    _section("afsluiting", "Afsluiting", [
        *(_q(f"e{i:02d}", "yesno", f"Slotvraag {i}") for i in range(1, 5)),
        *(_q(f"e{i:02d}", "choice", f"Slotkeuze {i}", choices=OPTIONS) for i in (5, 6)),
        *(_q(f"e{i:02d}", "multiple", f"Slotmeerkeuze {i}", choices=PARTNERS) for i in (7, 8)),
        _q("e09", "text", "Wat liep goed?"),
        _q("e10", "text", "Wat kan beter?", relevant="${e01} = 'no'"),
        _q("e11", "date", "Wanneer startte de werking?"),
        _q("e12", "date", "Wanneer eindigde de werking?"),
    ], note_key="afsluiting_note"),
]

QUESTIONS = sum(len(s["questions"]) for s in WIDE_SECTIONS)
assert QUESTIONS == 60, QUESTIONS  # noqa: S101 - the benchmark's promise
