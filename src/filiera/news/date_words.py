"""The words dates are written with in Italian, English, French and German.

Month spellings map to the full name `dateparser` reads in that language ("sett." ->
"settembre": dateparser takes "sett" for "settimana"). Everything else is a lexicon of the
words around dates: seasons, parts of a year, the prepositions that make a bare number a
year ("nel 2027", "by 2035"), range connectors, relative days and future cues.
"""

from __future__ import annotations

_IT_MONTHS = "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre "
_IT_MONTHS += "novembre dicembre"
_EN_MONTHS = "January February March April May June July August September October November "
_EN_MONTHS += "December"
_FR_MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre "
_FR_MONTHS += "décembre"
_DE_MONTHS = "Januar Februar März April Mai Juni Juli August September Oktober November "
_DE_MONTHS += "Dezember"


def _months(full: str, *variants: str) -> dict[str, str]:
    """Spelling -> full month name, for the twelve names in `full` and `variants` given as
    "variant=full" pairs."""
    months = {name: name for name in full.split()}
    for variant in variants:
        for pair in variant.split():
            spelling, name = pair.split("=")
            months[spelling] = name
    return months


MONTHS: dict[str, dict[str, str]] = {
    "it": _months(
        _IT_MONTHS,
        "gen=gennaio feb=febbraio mar=marzo apr=aprile mag=maggio giu=giugno lug=luglio",
        "ago=agosto set=settembre sett=settembre ott=ottobre nov=novembre dic=dicembre",
    ),
    "en": _months(
        _EN_MONTHS,
        "Jan=January Feb=February Mar=March Apr=April Jun=June Jul=July Aug=August",
        "Sep=September Sept=September Oct=October Nov=November Dec=December",
    ),
    "fr": _months(
        _FR_MONTHS,
        "fevrier=février aout=août decembre=décembre janv=janvier fév=février févr=février",
        "fevr=février avr=avril juil=juillet sept=septembre oct=octobre nov=novembre",
        "déc=décembre dec=décembre",
    ),
    "de": _months(
        _DE_MONTHS,
        "Jänner=Januar Feber=Februar Maerz=März Jan=Januar Feb=Februar Mär=März Apr=April",
        "Jun=Juni Jul=Juli Aug=August Sep=September Sept=September Okt=Oktober",
        "Nov=November Dez=Dezember",
    ),
}
# Full month name -> its number (1-12).
MONTH_NUMBERS: dict[str, dict[str, int]] = {
    lang: {name: number for number, name in enumerate(full.split(), 1)}
    for lang, full in (("it", _IT_MONTHS), ("en", _EN_MONTHS), ("fr", _FR_MONTHS))
    + (("de", _DE_MONTHS),)
}
# Abbreviations may end with a dot; full names are matched whole.
ABBREVIATED_MONTHS = frozenset(
    spelling
    for months in MONTHS.values()
    for spelling, name in months.items()
    if len(spelling) <= 4 and spelling != name
)

# Ordinal marks after a day of the month: "1°", "1er", "1st", "24th", "24." (German).
DAY_SUFFIXES = {"it": r"(?:°|º)?", "en": r"(?:st|nd|rd|th)?", "fr": r"(?:er|re)?"}
DAY_SUFFIXES["de"] = r"\.?"

# What may stand between the first and the last day of a range ("dal 24 al 26 giugno",
# "24-26 June", "du 24 au 26 juin", "vom 24. bis 26. Juni", "15 e 16 giugno").
RANGE_CONNECTORS = {
    "it": r"(?:\s*[-–—/]\s*|\s+(?:al|e|a)\s+(?:il\s+|l['’])?)",
    "en": r"(?:\s*[-–—/]\s*|\s+(?:to|and|until|through|till)\s+(?:the\s+)?)",
    "fr": r"(?:\s*[-–—/]\s*|\s+(?:au|et|à)\s+(?:le\s+)?)",
    "de": r"(?:\s*[-–—/]\s*|\s+(?:bis|und)\s+(?:(?:zum|dem)\s+)?)",
}
# Between the day and the month ("the 24th of November") and before a year ("June of 2025").
DAY_MONTH_LINKS = {"en": r"(?:\s+of)?\s+"}
YEAR_LINKS = {
    "it": r"(?:,?\s+(?:del\s+)?)",
    "en": r"(?:,?\s+(?:of\s+)?)",
    "fr": r"(?:,?\s+)",
    "de": r"(?:,?\s+)",
}

SEASONS: dict[str, dict[str, str]] = {
    "it": {"primavera": "spring", "estate": "summer", "autunno": "autumn", "inverno": "winter"},
    "en": {"spring": "spring", "summer": "summer", "autumn": "autumn", "fall": "autumn"}
    | {"winter": "winter"},
    "fr": {"printemps": "spring", "été": "summer", "automne": "autumn", "hiver": "winter"},
    "de": {"frühjahr": "spring", "frühling": "spring", "sommer": "summer", "herbst": "autumn"}
    | {"winter": "winter"},
}
# Parts of a year before it ("fine 2025", "mid-2026", "début 2026", "Ende 2025").
_QUARTERS_AND_HALVES = ("q1", "q2", "q3", "q4", "h1", "h2")
YEAR_PARTS: dict[str, tuple[str, ...]] = {
    "it": ("inizio", "fine", "metà", "prima metà", "seconda metà", "primi mesi", "corso")
    + ("primo semestre", "secondo semestre", "primo trimestre", "secondo trimestre")
    + ("terzo trimestre", "quarto trimestre"),
    "en": ("early", "late", "mid", "end of", "beginning of", "start of", "first half of")
    + ("second half of", "first quarter of", "second quarter of", "third quarter of")
    + ("fourth quarter of",),
    "fr": ("début", "fin", "mi", "courant", "premier semestre", "second semestre")
    + ("premier trimestre", "deuxième trimestre", "troisième trimestre")
    + ("quatrième trimestre",),
    "de": ("anfang", "ende", "mitte", "beginn", "ersten halbjahr", "zweiten halbjahr")
    + ("ersten quartal", "zweiten quartal", "dritten quartal", "vierten quartal"),
}
YEAR_PARTS = {lang: parts + _QUARTERS_AND_HALVES for lang, parts in YEAR_PARTS.items()}
# A link between a season or part of a year and the year ("estate del 2024", "end of 2025").
SEASON_LINKS = r"(?:\s*-\s*|\s+(?:del|di|dell['’]anno|of|de|d['’]|des\s+jahres)\s+|\s+|-)"

# Words right before a number that make it a year ("nel 2027", "by 2035", "ab 2027").
# Italian ones are singular, so they never introduce a plural count.
YEAR_TRIGGERS: dict[str, tuple[str, ...]] = {
    "it": ("nel", "dal", "al", "del", "entro", "entro il", "il", "anno", "dell'anno")
    + ("nell'anno", "l'anno", "fino al", "a partire dal", "prima del", "dopo il", "per il"),
    "en": ("by", "since", "until", "till", "through", "during", "year", "the year")
    + ("fiscal year",),
    "fr": ("en", "depuis", "d'ici", "d'ici à", "dès", "jusqu'en", "l'an", "l'année", "année"),
    "de": ("ab", "bis", "seit", "im jahr", "im jahre", "jahr", "zum", "bis zum"),
}
# Words that make the number after them a year unless a counted noun follows it ("in 2027"
# but "in 2000 companies", "de 2000 salariés", "für 2000 Mitarbeiter", "bereits 2024").
COUNT_OR_YEAR_TRIGGERS: dict[str, tuple[str, ...]] = {
    "it": (),
    "en": ("in", "from", "before", "after", "of", "as early as", "as of"),
    "fr": ("à partir de", "jusqu'à", "avant", "après", "de", "pour"),
    "de": ("vor", "nach", "für", "von", "in", "um", "bereits", "schon", "erst"),
}

# Nouns that make the year next to them a date: "bilancio 2026", "bando 2024", "Haushalt
# 2026", "budget 2026", "the 2026 budget" (English puts them after the year too).
YEAR_NOUNS_BEFORE: dict[str, tuple[str, ...]] = {
    "it": ("bilancio", "budget", "esercizio", "legge di bilancio", "manovra", "finanziaria")
    + ("edizione", "anno fiscale", "bando", "bandi", "avviso"),
    "en": ("budget", "fiscal year", "financial year", "fy", "edition"),
    "fr": ("budget", "exercice", "loi de finances", "plf", "édition", "appel à projets"),
    "de": ("haushalt", "bundeshaushalt", "verteidigungshaushalt", "haushaltsjahr")
    + ("geschäftsjahr", "budget", "etat", "ausgabe", "ausschreibung", "förderaufruf"),
}
YEAR_NOUNS_AFTER: dict[str, tuple[str, ...]] = {
    "it": (),
    "en": ("budget", "defence budget", "defense budget", "fiscal year", "financial year")
    + ("call", "calls", "edition", "work programme", "work program", "summit", "season"),
    "fr": (),
    "de": (),
}
# A day of the month alone, in the month of the date before it in the sentence: "dal 24 al
# 26 giugno, preceduti il giorno 12", "on the 12th," (not "on the 20th anniversary"), "am
# 12." (German writes the dot).
DAY_ALONE = {
    "it": r"giorno\s+(?P<day>{day})(?!\d)",
    "en": r"(?<=\bon\s)the\s+(?P<day>{day}(?:st|nd|rd|th))(?=\s*[,.;:)!?]|\s*$|\s+(?:and"
    r"|at|in|with|when|before|after|as|for|to|from|by)\b)",
    "fr": r"(?!)",
    "de": r"(?<=\bam\s)(?P<day>{day}\.)",
}

# Days named relative to the publication date (today, yesterday, tomorrow).
RELATIVE_DAYS: dict[str, tuple[str, ...]] = {
    "it": ("oggi", "ieri", "domani"),
    "en": ("today", "yesterday", "tomorrow"),
    "fr": ("aujourd'hui", "hier", "demain"),
    "de": ("heute", "gestern", "morgen"),
}
# Case-sensitive: German "Morgen" is "morning"; only "morgen" is "tomorrow".
CASE_SENSITIVE_RELATIVE = frozenset({"morgen"})

# A sentence that speaks of the future: a date without a year in it is the next one.
FUTURE_CUES: dict[str, str] = {
    "it": r"\b(?:prossim[oaie]|in\s+programma|previst[oaie]|all['’]orizzonte|si\s+terr(?:à|anno))"
    r"|\b\w{2,}(?:erà|irà|arà|eranno|iranno|aranno)\b",
    "en": r"\b(?:will|shall|upcoming|next|scheduled|forthcoming)\b|\w'll\b",
    "fr": r"\b(?:prochain(?:e|s|es)?|aura\s+lieu|se\s+tiendra|prévu(?:e|s|es)?|à\s+venir)\b"
    r"|\b\w{2,}(?:eront|iront|era|ira)\b",
    "de": r"\b(?:nächst\w*|kommend\w*|bevorstehend\w*|geplant\w*|wird|werden|soll|sollen)\b"
    r"|\bwill\b|\bwollen\b"  # "Rheinmetall will ... ausbauen": an intention
    r"|\bfinde[nt]\b.{0,80}?\bstatt\b",  # a scheduled event in the present: "findet statt"
}
# A verb in a past tense right before a date (at most two words between): the date is in
# the past even when the sentence goes on in the future ("said on Tuesday it will build",
# "ha annunciato lunedì che aprirà", "a annoncé lundi qu'il ouvrira", "teilte am Montag
# mit, dass er bauen wird"). Participles that announce ("prévu", "previsto") do not count.
_IT_PARTICIPLE = r"\w+(?:[aiu]t[oaie]|tt[oaie]|ss[oaie]|s[oaie]|olt[oaie])"
_FR_PARTICIPLE = r"\w+(?:é|ée|és|ées|i|ie|is|ies|it|ite|its|u|ue|us|ues)"
PAST_CUES: dict[str, str] = {
    "it": r"\b(?:ha|hanno|aveva|avevano|è|sono|era|erano)\s+(?:[\w'’]+\s+)?(?:stat[oaie]\s+)?"
    rf"(?!previst|programmat|attes|fissat|calendarizzat){_IT_PARTICIPLE}\b",
    "en": r"(?<!\bbe\s)(?<!\bbeen\s)\b(?:said|told|announced|confirmed|reported|added|stated"
    r"|revealed|unveiled|signed|agreed|disclosed|declared|presented|launched|opened"
    r"|inaugurated|met|held|won|awarded|completed|approved|published)\b",
    "fr": r"\b(?:a|ont|avait|avaient|est|sont|était|étaient)\s+(?:[\w'’]+\s+)?(?:été\s+)?"
    rf"(?!prévu|programm|attendu|planifi|fixé){_FR_PARTICIPLE}\b",
    "de": r"\b(?:hat|haben|hatte|hatten|wurde|wurden|teilte|teilten|sagte|sagten|erklärte"
    r"|erklärten|kündigte|kündigten|gab|gaben|unterzeichnete|unterzeichneten|gründete"
    r"|gründeten|eröffnete|eröffneten|stellte|stellten|präsentierte|präsentierten|meldete"
    r"|meldeten|bestätigte|bestätigten|unterschrieb|unterschrieben|traf|trafen|weihte"
    r"|weihten)\b",
}
