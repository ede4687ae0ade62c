"""Organisation-name normalisation and similarity for entity resolution.

`normalise_name` transliterates to ASCII, case-folds, drops punctuation and connectors
("and", "&", "und", "et", "e", ...) and strips legal forms ("S.p.A.", "GmbH & Co. KG",
"Sp. z o.o.", "Società per azioni", ...) at either end of the name.
"""

from __future__ import annotations

import re
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
    for spelling, canonical in _suffixes():
        n = len(spelling)
        if len(tokens) > n and tuple(tokens[-n:]) == spelling:
            return tokens[:-n], canonical
    if len(tokens) > 1 and tokens[0] in PREFIX_FORMS:
        return tokens[1:], _canonical().get((tokens[0],), tokens[0])
    return tokens, None


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


def normalise_name(name: str) -> str:
    """Comparison key: "Leonardo S.p.A." and "LEONARDO - Società per azioni" -> "leonardo"."""
    return " ".join(name_tokens(name))


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
