"""What numbers count in news text: a lexicon of counted nouns with an English unit.

`unit_of_words` reads the words after a number: a counted noun from the lexicon ("addetti"
-> "employees", "linee di produzione" -> "production lines", "%" -> "percent"; corporate
"gruppi" are companies). German compounds count by their last part
("Artilleriegeschosse" -> "shells", "Rüstungsunternehmen" -> "companies"), also in the
dative plural ("Ausstellern"). Phrases are lower case; "|" separates them.
"""

from __future__ import annotations

import re
from functools import cache

from filiera.news.numerals import rules_language

UNITS: dict[str, dict[str, str]] = {
    "employees": {
        "it": "addetti|dipendenti|lavoratori|lavoratrici|occupati|impiegati|collaboratori",
        "en": "employees|staff|workers|personnel|staffers|employee",
        "fr": "salariés|employés|collaborateurs|travailleurs|agents|personnes employées",
        "de": "mitarbeiter|mitarbeitern|mitarbeitende|mitarbeitenden|beschäftigte|"
        "beschäftigten|angestellte|angestellten|arbeiter|arbeitern|arbeitnehmer|"
        "arbeitnehmern|arbeitskräfte|fachkräfte",
    },
    "jobs": {
        "it": "posti di lavoro|impieghi",
        "en": "jobs|positions",
        "fr": "emplois|postes",
        "de": "arbeitsplätze|arbeitsplätzen|jobs|stellen",
    },
    "hires": {
        "it": "assunzioni",
        "en": "hires|recruits",
        "fr": "embauches|recrutements",
        "de": "einstellungen|neueinstellungen",
    },
    "engineers": {"it": "ingegneri", "en": "engineers", "fr": "ingénieurs", "de": "ingenieure"},
    "researchers": {
        "it": "ricercatori",
        "en": "researchers|scientists",
        "fr": "chercheurs",
        "de": "forscher|forschern|wissenschaftler",
    },
    "companies": {
        "it": "aziende|imprese|società|ditte|pmi|piccole e medie imprese|gruppi",
        "en": "companies|firms|businesses|enterprises|smes|manufacturers",
        "fr": "entreprises|sociétés|firmes|pme|tpe|industriels|fabricants|groupes",
        "de": "unternehmen|firmen|betriebe|betrieben|kmu|hersteller|herstellern|konzerne",
    },
    "organisations": {
        "it": "organizzazioni|enti|realtà|associazioni|istituzioni|organismi",
        "en": "organisations|organizations|institutions|entities|associations",
        "fr": "organisations|organismes|structures|associations|institutions|acteurs",
        "de": "organisationen|einrichtungen|institutionen|verbände|verbänden|vereine",
    },
    "members": {
        "it": "membri|soci|aderenti|associati",
        "en": "members",
        "fr": "membres|adhérents",
        "de": "mitglieder|mitgliedern|mitgliedsunternehmen",
    },
    "suppliers": {
        "it": "fornitori|subfornitori|subappaltatori",
        "en": "suppliers|subcontractors|vendors",
        "fr": "fournisseurs|sous-traitants",
        "de": "zulieferer|zulieferern|lieferanten|subunternehmer",
    },
    "partners": {"it": "partner", "en": "partners", "fr": "partenaires", "de": "partner|partnern"},
    "start-ups": {
        "it": "startup|start-up|start up",
        "en": "start-ups|startups|start-up|startup",
        "fr": "start-up|startups|start-ups|jeunes pousses",
        "de": "start-ups|startups|jungunternehmen",
    },
    "shells": {
        "it": "proiettili|munizioni|colpi|granate",
        "en": "shells|rounds|projectiles|munitions",
        "fr": "obus|munitions|projectiles|cartouches",
        "de": "granaten|geschosse|geschossen|schuss|patronen|projektile",
    },
    "missiles": {
        "it": "missili",
        "en": "missiles|rockets",
        "fr": "missiles|roquettes",
        "de": "raketen|flugkörper",
    },
    "drones": {"it": "droni", "en": "drones|uavs", "fr": "drones", "de": "drohnen"},
    "aircraft": {
        "it": "aerei|velivoli|aeromobili|caccia",
        "en": "aircraft|planes|jets|fighters|fighter jets",
        "fr": "avions|appareils|chasseurs",
        "de": "flugzeuge|flugzeugen|kampfjets|jets",
    },
    "helicopters": {
        "it": "elicotteri",
        "en": "helicopters",
        "fr": "hélicoptères",
        "de": "hubschrauber|helikopter",
    },
    "satellites": {"it": "satelliti", "en": "satellites", "fr": "satellites", "de": "satelliten"},
    "vehicles": {
        "it": "veicoli|mezzi",
        "en": "vehicles",
        "fr": "véhicules|blindés",
        "de": "fahrzeuge|fahrzeugen",
    },
    "tanks": {
        "it": "carri armati",
        "en": "tanks",
        "fr": "chars|chars de combat",
        "de": "panzer|kampfpanzer",
    },
    "ships": {
        "it": "navi|unità navali",
        "en": "ships|vessels|warships",
        "fr": "navires|bâtiments de guerre",
        "de": "schiffe|schiffen|kriegsschiffe",
    },
    "frigates": {"it": "fregate", "en": "frigates", "fr": "frégates", "de": "fregatten"},
    "submarines": {
        "it": "sottomarini",
        "en": "submarines",
        "fr": "sous-marins",
        "de": "u-boote|unterseeboote",
    },
    "soldiers": {
        "it": "soldati|militari|truppe",
        "en": "soldiers|troops|service members",
        "fr": "soldats|militaires",
        "de": "soldaten|soldatinnen",
    },
    "systems": {"it": "sistemi", "en": "systems", "fr": "systèmes", "de": "systeme|systemen"},
    "units": {"it": "unità|esemplari", "en": "units", "fr": "unités|exemplaires", "de": "stück"},
    "contracts": {
        "it": "contratti|commesse|ordini",
        "en": "contracts|orders",
        "fr": "contrats|commandes",
        "de": "verträge|verträgen|aufträge|aufträgen",
    },
    "projects": {
        "it": "progetti",
        "en": "projects",
        "fr": "projets",
        "de": "projekte|projekten|vorhaben",
    },
    "production lines": {
        "it": "linee di produzione|linee produttive|linee di assemblaggio",
        "en": "production lines|assembly lines",
        "fr": "lignes de production|lignes d'assemblage",
        "de": "produktionslinien|fertigungslinien|fertigungsstraßen",
    },
    "plants": {
        "it": "stabilimenti|fabbriche|impianti",
        "en": "plants|factories",
        "fr": "usines",
        "de": "werke|werken|fabriken",
    },
    "sites": {"it": "siti|sedi", "en": "sites|facilities", "fr": "sites", "de": "standorte"},
    "tonnes": {
        "it": "tonnellate|t",
        "en": "tonnes|tons|metric tons|t",
        "fr": "tonnes|t",
        "de": "tonnen|t",
    },
    "percent": {
        "it": "%|per cento|percento",
        "en": "%|percent|per cent|pct",
        "fr": "%|pour cent|pour-cent",
        "de": "%|prozent",
    },
    "percentage points": {
        "it": "punti percentuali",
        "en": "percentage points",
        "fr": "points de pourcentage",
        "de": "prozentpunkte|prozentpunkten",
    },
    "regions": {
        "it": "regioni",
        "en": "regions",
        "fr": "régions",
        "de": "regionen|bundesländer|bundesländern",
    },
    "countries": {
        "it": "paesi|nazioni|stati|stati membri|alleati",
        "en": "countries|nations|member states|states|allies",
        "fr": "pays|nations|états|états membres|alliés",
        "de": "länder|ländern|staaten|mitgliedstaaten|mitgliedsstaaten|nationen|verbündete",
    },
    "cities": {"it": "città|comuni", "en": "cities|towns", "fr": "villes", "de": "städte|städten"},
    "people": {
        "it": "persone|individui|cittadini|abitanti",
        "en": "people|persons|citizens|inhabitants|residents",
        "fr": "personnes|habitants|citoyens",
        "de": "personen|menschen|bürger|einwohner|einwohnern",
    },
    "participants": {
        "it": "partecipanti|delegati|relatori|espositori|visitatori",
        "en": "participants|attendees|delegates|speakers|exhibitors|visitors",
        "fr": "participants|délégués|intervenants|exposants|visiteurs",
        "de": "teilnehmer|teilnehmern|teilnehmende|teilnehmenden|delegierte|aussteller|"
        "besucher|besuchern|referenten",
    },
    "students": {
        "it": "studenti|studentesse",
        "en": "students",
        "fr": "étudiants",
        "de": "studenten|studierende",
    },
    "patents": {"it": "brevetti", "en": "patents", "fr": "brevets", "de": "patente"},
    "years": {"it": "anni", "en": "years", "fr": "ans|années", "de": "jahre|jahren"},
    "months": {"it": "mesi", "en": "months", "fr": "mois", "de": "monate|monaten"},
    "weeks": {"it": "settimane", "en": "weeks", "fr": "semaines", "de": "wochen"},
    "days": {"it": "giorni", "en": "days", "fr": "jours", "de": "tage|tagen"},
    "hours": {"it": "ore", "en": "hours", "fr": "heures", "de": "stunden"},
    "km": {
        "it": "km|chilometri",
        "en": "km|kilometres|kilometers",
        "fr": "km|kilomètres",
        "de": "km|kilometer",
    },
    "square metres": {
        "it": "m²|m2|mq|metri quadrati|metri quadri",
        "en": "m²|m2|sq m|square metres|square meters",
        "fr": "m²|m2|mètres carrés",
        "de": "m²|m2|qm|quadratmeter",
    },
    "hectares": {"it": "ettari", "en": "hectares", "fr": "hectares", "de": "hektar"},
}
# Units a number word ("tre", "two") may count: one-letter symbols and "%" need digits.
DIGITS_ONLY = frozenset({"t", "%", "m2", "m²", "mq", "qm", "km", "sq m", "pct"})
MIN_COMPOUND_PART = 5  # German compounds count by a last part this long or longer
MAX_ADJECTIVES = 2  # words allowed between a number and the noun it counts

# A word, or "%"; a German first part cut before a coordinator keeps its hyphen
# ("Raumfahrt- und Verteidigungsunternehmen").
_TOKEN = re.compile(r"[ \t\u00a0\u202f]*(%|[^\W\d_][^\W_]*(?:[-'’][^\W\d_][^\W_]*)*(?:-(?=\s))?)")


@cache
def _phrases(lang: str) -> dict[tuple[str, ...], str]:
    """Lexicon phrase (as a tuple of lower-case words) -> unit, for `lang`."""
    return {
        tuple(phrase.split()): unit
        for unit, by_language in UNITS.items()
        for phrase in by_language[lang].split("|")
    }


@cache
def _compound_parts(lang: str) -> tuple[tuple[str, str], ...]:
    """(last part, unit) pairs German compounds are read by, longest part first."""
    if lang != "de":
        return ()
    parts = [(words[0], unit) for words, unit in _phrases(lang).items() if len(words) == 1]
    long_parts = [(part, unit) for part, unit in parts if len(part) >= MIN_COMPOUND_PART]
    return tuple(sorted(long_parts, key=lambda pair: -len(pair[0])))


def words_after(text: str, position: int, count: int) -> list[tuple[str, int, int]]:
    """Up to `count` words (or "%") right after `position`, each as (word, start, end);
    stops at punctuation or a line break."""
    words = []
    while len(words) < count:
        match = _TOKEN.match(text, position)
        if match is None:
            break
        words.append((match.group(1), match.start(1), match.end(1)))
        position = match.end()
    return words


def unit_of_words(words: list[str], lang: str) -> tuple[str, int] | None:
    """The unit the first words name and how many words it takes ("linee di produzione" ->
    ("production lines", 3)); German compounds by their last part."""
    lang = rules_language(lang)
    phrases = _phrases(lang)
    lowered = [word.lower().replace("’", "'") for word in words]
    for size in (3, 2, 1):
        if len(lowered) >= size and tuple(lowered[:size]) in phrases:
            return phrases[tuple(lowered[:size])], size
    if lang == "de" and lowered:
        return _german_noun_unit(lowered[0])
    return None


def _german_noun_unit(word: str) -> tuple[str, int] | None:
    """A German noun's unit by its last part, also in the dative plural ("Ausstellern")."""
    phrases = _phrases("de")
    forms = (word, word[:-1]) if word.endswith("n") else (word,)
    for form in forms:
        if (form,) in phrases:
            return phrases[(form,)], 1
        for part, unit in _compound_parts("de"):
            if form.endswith(part):
                return unit, 1
    return None


def counted_unit_after(text: str, position: int, lang: str) -> bool:
    """Whether a lexicon unit follows `position` directly: "2000 aziende" counts companies,
    so its "2000" is not a year."""
    words = [word for word, _, _ in words_after(text, position, 3)]
    return unit_of_words(words, lang) is not None
