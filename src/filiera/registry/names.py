"""Organisation-name normalisation and similarity for entity resolution.

`normalise_name` transliterates to ASCII, case-folds, drops punctuation and connectors
("and", "&", "und", "et", "e", ...) and strips legal forms ("S.p.A.", "GmbH & Co. KG",
"Sp. z o.o.", "Società per azioni", ...) at either end of the name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache, lru_cache

from anyascii import anyascii
from rapidfuzz import fuzz

# Canonical legal form -> its spellings, each already in normalised-token form.
LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    # Pan-European and common-law forms
    "se": ("se", "societas europaea"),
    "eeig": ("eeig", "geie", "ewiv"),
    "ltd": ("ltd", "limited", "private limited company", "ltd sti", "sti"),
    "plc": ("plc", "public limited company"),
    "llp": ("llp", "limited liability partnership"),
    "lp": ("lp", "limited partnership"),
    "inc": ("inc", "incorporated"),
    "corp": ("corp", "corporation"),
    "llc": ("llc", "limited liability company"),
    "dac": ("dac", "clg", "teo", "teoranta"),
    # Italy
    "spa": ("spa", "societa per azioni"),
    "srl": ("srl", "societa a responsabilita limitata", "srls"),
    "sapa": ("sapa", "societa in accomandita per azioni"),
    "scarl": (
        "scarl",
        "sca rl",
        "scrl",
        "scpa",
        "societa consortile a responsabilita limitata",
        "societa consortile per azioni",
        "societa consortile",
    ),
    "snc": ("snc", "societa in nome collettivo", "societa in accomandita semplice"),
    "coop": ("coop", "soc coop", "societa cooperativa", "scoop", "s coop"),
    # France, Belgium, Luxembourg
    "sa": (
        "sa",
        "societe anonyme",
        "sociedad anonima",
        "sociedade anonima",
        "spolka akcyjna",
        "nyrt",
        "nyilvanosan mukodo reszvenytarsasag",
    ),
    "sas": (
        "sas",
        "sasu",
        "societe par actions simplifiee",
        "societe par actions simplifiee unipersonnelle",
    ),
    "sarl": (
        "sarl",
        "eurl",
        "societe a responsabilite limitee",
        "entreprise unipersonnelle a responsabilite limitee",
        "sprl",
    ),
    "sca": ("sca", "societe en commandite par actions", "secs", "scs"),
    "gie": ("gie", "groupement dinteret economique"),
    "asbl": ("asbl", "vzw", "aisbl", "ivzw"),
    # Germany, Austria, Switzerland
    "gmbh": (
        "gmbh",
        "mbh",
        "gesmbh",
        "gesellschaft mit beschrankter haftung",
        "ug",
        "ug haftungsbeschrankt",
    ),
    "ag": ("ag", "aktiengesellschaft"),
    "kg": ("kg", "kommanditgesellschaft", "ohg", "kgaa", "gbr", "gesellschaft burgerlichen rechts"),
    "gmbh co kg": ("gmbh co kg", "gmbh co kgaa", "ag co kg", "se co kg", "gmbh co ohg", "co kg"),
    "ev": ("ev", "eg", "eingetragener verein"),
    # Benelux
    "bv": (
        "bv",
        "besloten vennootschap",
        "bvba",
        "besloten vennootschap met beperkte aansprakelijkheid",
    ),
    "nv": ("nv", "naamloze vennootschap", "cvba", "vof", "cv"),
    # Nordics and Baltics
    "ab": ("ab", "ab publ", "publ", "aktiebolag", "aktiebolaget", "oy ab"),
    "as": (
        "as",
        "asa",
        "aps",
        "aktieselskab",
        "aksjeselskap",
        "allmennaksjeselskap",
        "anpartsselskab",
        "akciova spolecnost",
        "akciju sabiedriba",
    ),
    "oy": ("oy", "oyj", "osakeyhtio", "julkinen osakeyhtio"),
    "hf": ("hf", "ehf"),
    "ou": ("ou", "osauhing"),
    "sia": ("sia", "sabiedriba ar ierobezotu atbildibu"),
    "uab": ("uab", "uzdaroji akcine bendrove"),
    # Iberia
    "sl": ("sl", "slu", "sll", "sociedad limitada", "sociedad de responsabilidad limitada"),
    "sau": ("sau", "sociedad unipersonal"),
    "lda": ("lda", "limitada", "unipessoal lda", "sgps", "sociedade por quotas"),
    # Central and eastern Europe
    "sp z oo": (
        "sp z oo",
        "spzoo",
        "sp zoo",
        "spolka z oo",
        "spolka z ograniczona odpowiedzialnoscia",
        "sp k",
        "sp j",
        "ska",
    ),
    "sro": ("sro", "spol s ro", "spol sro", "vos", "ks"),
    "kft": (
        "kft",
        "zrt",
        "bt",
        "kkt",
        "rt",
        "korlatolt felelossegu tarsasag",
        "zartkoruen mukodo reszvenytarsasag",
    ),
    "doo": ("doo", "dd", "dooel", "ad", "jsc"),
    "ead": ("ead", "eood", "ood"),
    "sc": ("sc",),
    # Greece and Cyprus
    "ae": (
        "ae",
        "anonymi etaireia",
        "epe",
        "ike",
        "oe",
        "ee",
        "anonymh etaireia",
        "abee",
        "monoprosopi anonymi etaireia",
        "etaireia periorismenis efthynis",
        "etaireia periorismenis efthinis",
        "monoprosopi etaireia periorismenis efthynis",
        "monoprosopi etaireia periorismenis efthinis",
        "mepe",
        "monoprosopi ike",
        "idiotiki kefalaiouchiki etaireia",
        "pc",
        "private company",
        "single member pc",
        "single member private company",
        "amke",
        "astiki mi kerdoskopiki etaireia",
    ),
}

# Forms that also appear in front of the name ("AB Volvo", "UAB Foo", "S.C. Foo S.R.L.").
PREFIX_FORMS: tuple[str, ...] = ("sc", "uab", "sia", "as", "ab", "oy", "ooo", "ao", "pao")

# Words meaning "and" in EU languages; dropped, like "&".
CONNECTORS = frozenset({"and", "und", "et", "e", "ed", "y", "och", "og", "en"})


@cache
def _suffixes() -> tuple[tuple[tuple[str, ...], str], ...]:
    """All spellings as token tuples, longest first, with their canonical form."""
    pairs = {
        tuple(spelling.split()): canonical
        for canonical, spellings in LEGAL_FORMS.items()
        for spelling in (canonical, *spellings)
    }
    return tuple(sorted(pairs.items(), key=lambda item: (-len(item[0]), item[0])))


@cache
def _canonical() -> dict[tuple[str, ...], str]:
    return dict(_suffixes())


def _raw_tokens(name: str) -> list[str]:
    """ASCII, case-folded word tokens with connectors removed."""
    text = anyascii(name or "").casefold().replace("&", " and ")
    text = re.sub(r"['`.]", "", text)  # S.p.A. -> spa, Dell'Orto -> dellorto
    text = re.sub(r"(?<![a-z0-9])([a-z0-9])[/-](?=[a-z0-9])", r"\1", text)  # A/S, E-GEOS
    tokens = re.findall(r"[a-z0-9]+", text)
    kept = [t for t in tokens if t not in CONNECTORS]
    return kept or tokens


def _strip_once(tokens: list[str]) -> tuple[list[str], str | None]:
    """Remove one legal form from the end (preferred) or the start, never emptying the name."""
    canonical_of = _canonical()
    for n in range(min(_longest_form(), len(tokens) - 1), 0, -1):  # longest spelling first
        canonical = canonical_of.get(tuple(tokens[-n:]))
        if canonical is not None:
            return tokens[:-n], canonical
    if len(tokens) > 1 and tokens[0] in PREFIX_FORMS:
        return tokens[1:], canonical_of.get((tokens[0],), tokens[0])
    return tokens, None


@cache
def _longest_form() -> int:
    """The most words a legal form's spelling has."""
    return max(len(spelling) for spelling, _ in _suffixes())


def _strip(tokens: list[str]) -> tuple[list[str], str | None]:
    first: str | None = None
    while True:
        tokens, form = _strip_once(tokens)
        if form is None:
            return tokens, first
        first = first or form


def name_tokens(name: str) -> list[str]:
    """Normalised tokens of an organisation name, legal forms removed."""
    return list(_name_tokens(name))


@lru_cache(maxsize=262_144)
def _name_tokens(name: str) -> tuple[str, ...]:
    return tuple(_strip(_raw_tokens(name))[0])


@lru_cache(maxsize=262_144)
def normalise_name(name: str) -> str:
    """Comparison key: "Leonardo S.p.A." and "LEONARDO - Società per azioni" -> "leonardo"."""
    return " ".join(_name_tokens(name))


def legal_form(name: str) -> str | None:
    """Canonical legal form found at the end (or start) of a name, e.g. "spa", "gmbh co kg"."""
    return _strip(_raw_tokens(name))[1]


SHORT_NAME = 4  # names this short (without spaces) are compared character by character


def _score(a: str, b: str) -> float:
    if a == b:
        return 1.0
    compact_a, compact_b = a.replace(" ", ""), b.replace(" ", "")
    if compact_a == compact_b:
        return 0.98
    shorter, longer = sorted((len(compact_a), len(compact_b)))
    if shorter < SHORT_NAME:
        return fuzz.ratio(compact_a, compact_b) / 100
    sort = fuzz.token_sort_ratio(a, b) / 100
    subset = fuzz.token_set_ratio(a, b) / 100
    coverage = shorter / longer  # "thales" inside "thales avs france" is only a partial match
    return max(sort, subset * (0.5 + 0.5 * coverage))


def name_similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of two organisation names after normalisation (symmetric)."""
    na, nb = sorted((normalise_name(a), normalise_name(b)))
    if not na or not nb:
        return 0.0
    return round(min(1.0, max(0.0, _score(na, nb))), 4)


# --- names as people read them ---------------------------------------------------------------

# Words written in lower case inside a name ("Università degli Studi di Pavia").
PARTICLE_WORDS = """a al all alla am an and au auf aus aux bei d da dal dalla das de degli dei
del della delle dello der des di do dos du e ed el en et for för für fur fuer i im in kai l la las
le les lo los na nel och of og on pe per pour su sul sur the to und v van voor von w y z zu zum
zur"""
PARTICLES = frozenset(PARTICLE_WORDS.split())
# Short words that are words, not acronyms ("AIR Systems" -> "Air Systems").
SHORT_WORDS = frozenset(("air", "sea", "new", "sky", "sun", "bio", "lab", "net", "web", "top"))
# Legal forms with a customary mixed case; every other legal form keeps its capitals.
FORM_CASE = {
    "gmbh": "GmbH",
    "mbh": "mbH",
    "gesmbh": "GesmbH",
    "oy": "Oy",
    "oyj": "Oyj",
    "ltd": "Ltd",
    "inc": "Inc",
    "corp": "Corp",
    "spa": "SpA",
    "srl": "Srl",
    "aps": "ApS",
    "co": "Co",
    "ev": "eV",
}
DOTTED_FORMS = (  # dotted legal forms in their usual spelling
    (re.compile(r"\bSP\. Z O\.O\.", re.IGNORECASE), "Sp. z o.o."),
    (re.compile(r"\bS\.P\.A\.", re.IGNORECASE), "S.p.A."),
    (re.compile(r"\bS\.R\.L\.", re.IGNORECASE), "S.r.l."),
    (re.compile(r"\bD\.O\.O\.", re.IGNORECASE), "d.o.o."),
    (re.compile(r"\bS\.R\.O\.", re.IGNORECASE), "s.r.o."),
)
VOWELS = frozenset("AEIOUYÀÁÂÃÄÅÆÈÉÊËÌÍÎÏÒÓÔÕÖØÙÚÛÜÝ")
APOSTROPHES = ("'", "’")


def clean_name(raw: str | None) -> str:
    """A name as the source meant it: CSV quoting undone, stray quotes and spaces dropped.

    A CSV-quoted cell (outer quotes, inner ones doubled) reads as its text: the source's
    `"ACADEMIA TEHNICA MILITARA ""FERDINAND I"" "` is `ACADEMIA TEHNICA MILITARA "FERDINAND I"`.
    """
    text = " ".join((raw or "").split())
    if len(text) > 1 and text[0] == text[-1] == '"':
        text = text[1:-1]  # a CSV-quoted cell: "..." with inner quotes doubled
    text = text.replace('""', '"')
    if text.count('"') % 2:  # an unmatched quote (`UAB "JUODOSIOS GULBES`) is a slip
        at = text.rfind('"')
        text = text[:at] + text[at + 1 :]
    return " ".join(text.split())


def readable_name(name: str, spellings: Mapping[str, str] | None = None) -> str:
    """An all-capitals name in the case people write it; any other name as it is.

    Words are capitalised, particles lower case ("of", "di", "der"), a few legal forms in
    their usual case ("GmbH", "SpA"); acronyms keep their capitals: words of up to three
    letters and words without vowels. `spellings` (case-folded word -> its spelling, e.g.
    {"mbda": "MBDA"}) says how to write words the rules would get wrong.
    "THALES AVS FRANCE SAS" -> "Thales AVS France SAS".
    """
    if not name or any(ch.islower() for ch in name):
        return name
    known = spellings or {}
    words = name.split(" ")
    last = len(words) - 1
    text = " ".join(_readable_word(w, i == 0, i == last, known) for i, w in enumerate(words))
    for pattern, spelling in DOTTED_FORMS:
        text = pattern.sub(spelling, text)
    return text


def _readable_word(word: str, first: bool, last: bool, known: Mapping[str, str]) -> str:
    """One word, cased piece by piece ("CERCETARE-DEZVOLTARE", "D'ETUDES")."""
    if "." in word.rstrip(".,") or (word.startswith("(") and word.endswith(")") and len(word) < 12):
        return word  # "I.D.S.", "(CNRS)": initials and bracketed acronyms keep their case
    pieces = re.split(r"([\W_]+)", word)  # letters and digits at even positions
    out = []
    for i, piece in enumerate(pieces):
        if i % 2 or not piece:
            out.append(piece)
        elif i + 2 < len(pieces) and pieces[i + 1] in APOSTROPHES and pieces[i + 2]:
            elided = piece.casefold()  # "d'", "dell'", "l'": lower case inside a name
            out.append(elided.capitalize() if first and i == 0 else elided)
        else:
            out.append(_readable_piece(piece, first and i == 0, last, known))
    return "".join(out)


def _readable_piece(piece: str, first: bool, last: bool, known: Mapping[str, str]) -> str:
    key = piece.casefold()
    if key in known:
        return known[key]
    if any(ch.isdigit() for ch in piece):
        return piece
    if not first and key in FORM_CASE:
        return FORM_CASE[key]
    if key in PARTICLES and not last:
        return key.capitalize() if first else key
    if (len(piece) <= 3 and key not in SHORT_WORDS) or not VOWELS.intersection(piece):
        return piece
    return piece[0] + piece[1:].lower()
