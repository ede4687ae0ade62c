"""Place names in organisation names: "Università di Torino" is not "Università di Trento".

A small gazetteer tells which words of a normalised name are a place: every NUTS region
name and the cities of the EU participants data (`data/places.json`, built by
`benchmarks/build_places.py`, credited there), the country names of `registry.values`, and
the English, Italian, French and German names of cities and regions (`EXONYMS`). Every
spelling maps to one key per place, so "Turin" and "Torino", "Italy" and "Italia" are the
same place. Names are compared as `names.normalise_name` keys.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path

from filiera.registry.names import normalise_name
from filiera.registry.values import COUNTRY_NAMES

PLACES_FILE = Path(__file__).parent / "data" / "places.json"
MIN_PLACE_CHARS = 4  # shorter names ("ede", "ans", "hof") are too often ordinary words
# Region names that are ordinary words in organisation names ("Centro Ricerche ...").
NOT_PLACES = frozenset(
    {"centro", "centre", "centru", "nord", "norte", "sud", "sur", "este", "vest", "isole"}
    | {"continente", "veri", "qender", "pest", "southern", "island", "islands", "nice", "tours"}
    | {"helsingin yliopisto"}  # "University of Helsinki", given as a city in the EDF data
    | {"nord est", "nord ovest", "nord vest", "sud est", "sud vest", "noroeste", "noreste"}
    | {"extra regio level 1", "extra regio level 2", "extra regio nuts 1", "extra regio nuts 2"}
)

# Local name -> its names in English, Italian, French and German (unambiguous ones only:
# French "Vienne" and Italian "Monaco" are other places too).
EXONYMS: dict[str, tuple[str, ...]] = {
    "torino": ("turin",),
    "milano": ("milan", "mailand"),
    "roma": ("rome",),
    "napoli": ("naples", "neapel"),
    "firenze": ("florence", "florenz"),
    "venezia": ("venice", "venise", "venedig"),
    "genova": ("genoa", "genes", "genua"),
    "padova": ("padua", "padoue"),
    "trento": ("trient",),
    "bolzano": ("bozen",),
    "munchen": ("munich", "muenchen", "monaco di baviera"),
    "koln": ("cologne", "koeln", "colonia"),
    "nurnberg": ("nuremberg", "nuernberg", "norimberga"),
    "frankfurt": ("francfort", "francoforte"),
    "hamburg": ("hambourg", "amburgo"),
    "berlin": ("berlino",),
    "stuttgart": ("stoccarda",),
    "dusseldorf": ("duesseldorf",),
    "aachen": ("aix la chapelle", "aquisgrana"),
    "mainz": ("mayence", "magonza"),
    "trier": ("treves", "treviri"),
    "braunschweig": ("brunswick",),
    "hannover": ("hanover",),
    "bruxelles": ("brussels", "brussel", "bruxelas"),
    "antwerpen": ("antwerp", "anvers", "anversa"),
    "gent": ("ghent", "gand"),
    "leuven": ("louvain", "lovanio"),
    "liege": ("luik", "luttich", "liegi"),
    "den haag": ("the hague", "s gravenhage", "la haye", "laia"),
    "lisboa": ("lisbon", "lisbonne", "lisbona", "lissabon"),
    "porto": ("oporto",),
    "athina": ("athens", "athenes", "atene", "athen", "athinai"),
    "thessaloniki": ("salonicco", "salonique", "saloniki"),
    "warszawa": ("warsaw", "varsovie", "varsavia", "warschau"),
    "krakow": ("cracow", "cracovie", "cracovia", "krakau"),
    "praha": ("prague", "praga", "prag"),
    "wien": ("vienna",),
    "bucuresti": ("bucharest", "bucarest", "bukarest"),
    "kobenhavn": ("copenhagen", "copenhague", "copenaghen", "kopenhagen"),
    "goteborg": ("gothenburg",),
    "stockholm": ("stoccolma",),
    "helsinki": ("helsingfors",),
    "sevilla": ("seville", "siviglia"),
    "zaragoza": ("saragossa", "saragozza", "saragosse", "zaragosa"),
    "barcelona": ("barcellona", "barcelone"),
    "la coruna": ("a coruna", "corogna"),
    "luxembourg": ("luxemburg", "lussemburgo"),
    "lefkosia": ("nicosia",),
    "lemesos": ("limassol",),
    "beograd": ("belgrade", "belgrado", "belgrad"),
    "geneve": ("geneva", "ginevra", "genf"),
    "zurich": ("zurigo",),
    "bern": ("berne", "berna"),
    "basel": ("basilea", "bale"),
    "london": ("londres", "londra"),
    "paris": ("parigi",),
    "marseille": ("marseilles", "marsiglia"),
    "lyon": ("lyons", "lione"),
    "strasbourg": ("strasburgo", "strassburg"),
    "dublin": ("dublino",),
    "bratislava": ("pressburg",),
    "ljubljana": ("lubiana", "laibach"),
    "zagreb": ("zagabria",),
    "sicilia": ("sicily", "sicile", "sizilien"),
    "sardegna": ("sardinia", "sardaigne", "sardinien"),
    "toscana": ("tuscany", "toscane", "toskana"),
    "lombardia": ("lombardy", "lombardie", "lombardei"),
    "piemonte": ("piedmont", "piemont"),
    "puglia": ("apulia", "pouilles", "apulien"),
    "bayern": ("bavaria", "baviere", "baviera"),
    "cataluna": ("catalunya", "catalonia", "catalogna", "catalogne", "katalonien"),
    "sachsen": ("saxony", "saxe", "sassonia"),
}


@cache
def gazetteer() -> dict[tuple[str, ...], str]:
    """Every known spelling, as a token tuple, -> the key of its place.

    Countries and exonyms come first, so a file line that repeats one of their spellings
    joins that place ("brussels", "bruxelles" and "brussel" are one key).
    """
    table: dict[tuple[str, ...], str] = {}
    for code, names in COUNTRY_NAMES.items():
        spelled = [normalise_name(n) for n in names if not (len(n) == 3 and n.isupper())]
        _add(table, spelled, key=f"country {code}")
    for local, others in EXONYMS.items():
        _add(table, [local, *others])
    for forms in json.loads(PLACES_FILE.read_text(encoding="utf-8"))["places"]:
        _add(table, forms)
    return table


def _add(table: dict[tuple[str, ...], str], forms: list[str], key: str | None = None) -> None:
    """Index the spellings of one place; its key is `key`, a spelling already known or the
    first spelling."""
    spellings = [tuple(form.split()) for form in forms if form and form not in NOT_PLACES]
    key = key or next((table[s] for s in spellings if s in table), forms[0])
    for spelling in spellings:
        table.setdefault(spelling, key)


@cache
def _longest() -> int:
    return max(len(tokens) for tokens in gazetteer())


@lru_cache(maxsize=65_536)
def places_in(name_key: str) -> dict[str, str]:
    """The places named in a normalised name: place key -> the words used for it.

    The longest known spelling wins at each position ("louvain la neuve" is not "louvain").
    """
    table, tokens, found = gazetteer(), name_key.split(), {}
    start = 0
    while start < len(tokens):
        for size in range(min(_longest(), len(tokens) - start), 0, -1):
            words = tuple(tokens[start : start + size])
            if words in table and len("".join(words)) >= MIN_PLACE_CHARS:
                found.setdefault(table[words], " ".join(words))
                start += size
                break
        else:
            start += 1
    return found


def different_places(
    mine: str | Iterable[str], theirs: str | Iterable[str]
) -> tuple[str, str] | None:
    """The words of a place only `mine` names and of one only `theirs` names, if both have one.

    Each side is a normalised name or all the names of one record (its aliases count too).
    "universita di torino" / "universita di trento" -> ("torino", "trento"); a place named
    on one side only ("thales" / "thales italia") is no contradiction.
    """
    ours, others = _places_of(mine), _places_of(theirs)
    only_ours = sorted(ours.keys() - others.keys())
    only_others = sorted(others.keys() - ours.keys())
    if only_ours and only_others:
        return ours[only_ours[0]], others[only_others[0]]
    return None


def _places_of(names: str | Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in sorted([names] if isinstance(names, str) else names):
        for key, words in places_in(name).items():
            found.setdefault(key, words)
    return found


def place_key(name: str) -> str:
    """The key of a place name ("Turin" -> "torino"), or its normalised form if unknown."""
    words = normalise_name(name)
    return gazetteer().get(tuple(words.split()), words)
