"""The words of dates named relative to the publication date, in it, en, fr and de.

Weekdays ("on Tuesday", "am Montag", "mardi dernier"), a month without a year ("in March",
"a giugno", "im Juni", "en mars") and years or months named by their distance from the
publication ("last year", "l'an dernier", "lo scorso anno", "im vergangenen Jahr", "last
month"). Phrases are lower case; spaces match any space, apostrophes either kind.
"""

from __future__ import annotations

PAST, FUTURE = "past", "future"

WEEKDAYS: dict[str, dict[str, int]] = {  # spelling -> Monday 0 ... Sunday 6
    "it": {"lunedì": 0, "martedì": 1, "mercoledì": 2, "giovedì": 3, "venerdì": 4}
    | {"lunedi": 0, "martedi": 1, "mercoledi": 2, "giovedi": 3, "venerdi": 4}
    | {"sabato": 5, "domenica": 6},
    "en": {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4}
    | {"saturday": 5, "sunday": 6},
    "fr": {"lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5}
    | {"dimanche": 6},
    "de": {"montag": 0, "dienstag": 1, "mittwoch": 2, "donnerstag": 3, "freitag": 4}
    | {"samstag": 5, "sonnabend": 5, "sonntag": 6},
}
# German glues the part of the day to the weekday: "am Montagabend".
WEEKDAY_PARTS = {"de": ("morgen", "vormittag", "mittag", "nachmittag", "abend", "nacht")}

# Words that fix the direction of a weekday or a month: before it ("last Tuesday", "lo
# scorso marzo", "am vergangenen Montag") or after it ("lunedì scorso", "mardi dernier").
DIRECTIONS_BEFORE: dict[str, dict[str, str]] = {
    "it": {"scorso": PAST, "lo scorso": PAST, "prossimo": FUTURE, "il prossimo": FUTURE},
    "en": {"last": PAST, "this past": PAST, "next": FUTURE, "this coming": FUTURE},
    "fr": {},
    "de": {"letzten": PAST, "vergangenen": PAST, "vorigen": PAST, "nächsten": FUTURE}
    | {"kommenden": FUTURE},
}
DIRECTIONS_AFTER: dict[str, dict[str, str]] = {
    "it": {"scorso": PAST, "passato": PAST, "prossimo": FUTURE},
    "en": {},
    "fr": {"dernier": PAST, "passé": PAST, "prochain": FUTURE},
    "de": {},
}

# A weekday after these words is a habit or part of a name, not a date: "every Monday",
# "il lunedì" (on Mondays), "le lundi", "jeden Montag", "Black Friday", "Super Tuesday".
NOT_A_WEEKDAY_AFTER: dict[str, frozenset[str]] = {
    "it": frozenset({"ogni", "il", "i", "ciascun", "tutti"}),
    "en": frozenset({"every", "each", "black", "cyber", "super", "good", "ash", "holy"})
    | frozenset({"easter", "palm", "whit", "maundy", "shrove", "giving", "bloody"}),
    "fr": frozenset({"le", "les", "chaque", "tous"}),
    "de": frozenset({"jeden", "jedem", "jeder", "des"}),
}
# ... and before these: "Venerdì Santo", "mardi gras", "lundi de Pâques", "Sunday Times".
NOT_A_WEEKDAY_BEFORE: dict[str, frozenset[str]] = {
    "it": frozenset({"santo", "grasso", "delle", "dell", "di"}),
    "en": frozenset({"times", "telegraph", "mirror", "express", "post", "herald", "mail"}),
    "fr": frozenset({"gras", "saint", "de", "des", "noir"}),
    "de": frozenset(),
}

# Words before a month without a year that make it a date: "in March", "a giugno", "im
# Juni", "en mars", "end of March", "a fine giugno" (two may follow each other).
MONTH_TRIGGERS: dict[str, tuple[str, ...]] = {
    "it": ("a", "ad", "in", "nel", "da", "dal", "entro", "fino a", "sino a", "a partire da")
    + ("tra", "fra", "verso", "per", "prima di", "dopo", "inizio", "fine", "metà")
    + ("primi di", "mese di", "nel mese di"),
    "en": ("in", "since", "by", "until", "till", "through", "from", "during", "before")
    + ("after", "for", "early", "late", "mid", "end of", "the end of", "beginning of")
    + ("the beginning of", "start of", "the start of", "middle of", "the middle of"),
    "fr": ("en", "depuis", "dès", "jusqu'en", "jusqu'à", "d'ici", "d'ici à", "à partir de")
    + ("avant", "après", "pour", "entre", "vers", "début", "fin", "mi", "courant")
    + ("au mois de", "mois de", "fin de", "début de"),
    "de": ("im", "seit", "ab", "bis", "für", "vor", "anfang", "mitte", "ende", "monat"),
}
# Between a month and a relative year after it: "March of last year", "marzo dell'anno
# scorso", "mars de l'an dernier", "Juni des vergangenen Jahres".
RELATIVE_YEAR_LINKS = {
    "it": r"(?:dell['’]|dello\s+|del\s+|di\s+)?",
    "en": r"(?:of\s+)?",
    "fr": r"(?:de\s+l['’]|de\s+|d['’]|l['’])?",
    "de": r"(?:des\s+)?",
}


def _german_periods() -> dict[str, tuple[str, int]]:
    """German years and months by their distance: "letztes Jahr", "im vergangenen Jahr",
    "vergangenen Jahres", "in diesem Monat", "nächsten Monats"."""
    stems = {"letzt": -1, "vergangen": -1, "vorig": -1, "dies": 0, "nächst": 1, "kommend": 1}
    nouns = {"jahr": "year", "jahres": "year", "monat": "month", "monats": "month"}
    return {
        f"{stem}{ending} {noun}": (unit, offset)
        for stem, offset in stems.items()
        for ending in ("es", "en", "em")
        for noun, unit in nouns.items()
    }


# A year or month by its distance from the publication's: phrase -> (unit, offset).
# Italian and French phrases leave out the article, which may precede them.
PERIODS: dict[str, dict[str, tuple[str, int]]] = {
    "it": {"anno scorso": ("year", -1), "scorso anno": ("year", -1)}
    | {"anno passato": ("year", -1), "quest'anno": ("year", 0), "anno in corso": ("year", 0)}
    | {"anno prossimo": ("year", 1), "prossimo anno": ("year", 1)}
    | {"mese scorso": ("month", -1), "scorso mese": ("month", -1)}
    | {"mese passato": ("month", -1), "questo mese": ("month", 0)}
    | {"mese in corso": ("month", 0), "mese prossimo": ("month", 1)}
    | {"prossimo mese": ("month", 1)},
    "en": {"last year": ("year", -1), "this year": ("year", 0), "next year": ("year", 1)}
    | {"last month": ("month", -1), "this month": ("month", 0), "next month": ("month", 1)},
    "fr": {"an dernier": ("year", -1), "année dernière": ("year", -1)}
    | {"an passé": ("year", -1), "année passée": ("year", -1), "cette année": ("year", 0)}
    | {"année en cours": ("year", 0), "an prochain": ("year", 1)}
    | {"année prochaine": ("year", 1), "mois dernier": ("month", -1)}
    | {"mois passé": ("month", -1), "ce mois-ci": ("month", 0)}
    | {"mois prochain": ("month", 1)},
    "de": _german_periods(),
}
# Articles a period may start with: "lo scorso anno", "l'an dernier" (not "dell'anno").
PERIOD_ARTICLES = {"it": r"(?:lo\s+|il\s+|l['’])?", "fr": r"(?:l['’]|le\s+)?", "en": "", "de": ""}
# A period after these words is a span of time, not a calendar one: "over the last year",
# "in the next month".
NOT_A_PERIOD_AFTER: dict[str, frozenset[str]] = {
    "it": frozenset(),
    "en": frozenset({"the"}),
    "fr": frozenset(),
    "de": frozenset(),
}
