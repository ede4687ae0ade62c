"""Every known spelling of a place -> what it names and how safely it can be read as one.

Known places (`strong`) are the countries, the cities and regions of `data/places.yaml` and
the NUTS level 1-2 regions: a capitalised mention counts. The NUTS level 3 regions and the
cities of the EDF participants are `weak`: small places whose names are often surnames,
organisation words or ordinary words, so `places.find_places` asks for more context. The
first source to claim a spelling keeps it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import Any

from filiera.news.lexicon import words_of
from filiera.news.place_data import NutsName, curated, generated, key_of, nuts_names
from filiera.registry.places import EXONYMS, NOT_PLACES
from filiera.registry.values import COUNTRY_NAMES

ISO_CODE_CHARS = 3  # "DEU", "ITA": registry.values lists them, but in text they are not places


@dataclass(frozen=True)
class Place:
    name: str  # usual English name
    country: str | None
    region: str | None  # NUTS code


@dataclass(frozen=True)
class Spelling:
    """One way of writing a place, with what reading it needs."""

    place: Place
    strong: bool
    acronym: bool = False  # "USA", "UK": only in capitals
    ambiguous: bool = False  # also a first name or an ordinary word ("Florence", "Porto")
    word_in: frozenset[str] = frozenset()  # languages where it is an ordinary word


@cache
def spellings() -> dict[str, Spelling]:
    """Place-name key (see `place_data.key_of`) -> its spelling."""
    table: dict[str, Spelling] = {}
    for key, spelling in [*_countries(), *_curated_places(), *_nuts_places(), *_edf_cities()]:
        if not key or key in _not_places():
            continue
        known = table.setdefault(key, spelling)
        if known.acronym and not spelling.acronym and known.place == spelling.place:
            table[key] = spelling  # "USA" and the Italian "Usa": any capitalised form counts
    return table


@cache
def longest() -> int:
    return max(len(key.split()) for key in spellings())


def _checked(form: str, place: Place) -> tuple[str, Spelling]:
    """A spelling written by hand: ambiguous only if listed so."""
    key = key_of(form)
    acronym = form.replace(".", "").isupper()
    return key, Spelling(place, True, acronym, ambiguous=key in _ambiguous())


def _countries() -> list[tuple[str, Spelling]]:
    found = []
    for code, country in curated()["countries"].items():
        place = Place(country["name"], code, None)
        names = [n for n in COUNTRY_NAMES.get(code, ()) if len(n) != ISO_CODE_CHARS]
        found.extend(_checked(n, place) for n in [*names, *country.get("names", []), place.name])
    return found


def _curated_places() -> list[tuple[str, Spelling]]:
    found = []
    for entry in curated()["places"]:
        forms = [entry["name"], *entry["forms"]]
        keys = {key_of(form) for form in forms}
        region = entry["region"] if "region" in entry else _region_of(keys, entry["country"])
        place = Place(entry["name"], entry["country"], region)
        found.extend(_checked(form, place) for form in forms)
        found.extend(_read(key, Spelling(place, True)) for key in sorted(_exonyms(keys) - keys))
    return found


def _exonyms(keys: set[str]) -> set[str]:
    """Every spelling `registry.places.EXONYMS` gives for the place of these keys."""
    found: set[str] = set()
    for local, others in EXONYMS.items():
        if keys & {local, *others}:
            found |= {local, *others}
    return found


def _region_of(keys: set[str], country: str) -> str | None:
    """The deepest NUTS region of one of these names in that country."""
    regions = [r for key in keys if (r := _deepest_regions().get((country, key)))]
    return max(regions, key=lambda n: n.level).code if regions else None


@cache
def _deepest_regions() -> dict[tuple[str, str], NutsName]:
    """(country, name key) -> the deepest NUTS region of that name (the first of them)."""
    table: dict[tuple[str, str], NutsName] = {}
    for name in nuts_names():
        known = table.setdefault((name.country, key_of(name.form)), name)
        if name.level > known.level:
            table[(name.country, key_of(name.form))] = name
    return table


def _nuts_places() -> list[tuple[str, Spelling]]:
    by_key: dict[str, list[NutsName]] = defaultdict(list)
    for name in nuts_names():
        by_key[key_of(name.form)].append(name)
    return [_read(key, _nuts_spelling(key, names)) for key, names in by_key.items()]


def _nuts_spelling(key: str, names: list[NutsName]) -> Spelling:
    """A NUTS name: the deepest region of that name (the city, not its Land), or no country
    when two countries have a region so named ("Limburg")."""
    if len({n.country for n in names}) > 1:
        return Spelling(Place(names[0].form, None, None), strong=False)
    deepest = _deepest_regions()[(names[0].country, key)]
    place = Place(deepest.form, deepest.country, deepest.code)
    return Spelling(place, strong=min(n.level for n in names) <= 2)


def _edf_cities() -> list[tuple[str, Spelling]]:
    return [
        _read(key, Spelling(Place(name, country, None), strong=False))
        for key, (country, name) in generated()["cities"].items()
    ]


def _read(key: str, spelling: Spelling) -> tuple[str, Spelling]:
    """A spelling from a list, with what the word lists know of its other meanings."""
    word_in = frozenset(lang for lang, keys in _ordinary_words().items() if key in keys)
    ambiguous = key in _ambiguous() or (spelling.strong and bool(word_in))
    return key, Spelling(spelling.place, spelling.strong, False, ambiguous, word_in)


@cache
def _ordinary_words() -> dict[str, frozenset[str]]:
    built: dict[str, Any] = generated()["common_words"]
    written: dict[str, Any] = curated()["common_words"]
    return {
        lang: frozenset(built.get(lang, [])) | {key_of(w) for w in written.get(lang, [])}
        for lang in {*built, *written}
    }


@cache
def _ambiguous() -> frozenset[str]:
    """Place names that are also first names ("Florence", "Sofia", "Virginia")."""
    names = [*curated()["ambiguous"], *words_of("first_names")]
    return frozenset(key_of(name) for name in names)


@cache
def _not_places() -> frozenset[str]:
    """Compass words and the like; "Nice" and "Tours" are places here, read with care."""
    return frozenset({key_of(w) for w in curated()["not_places"]} | NOT_PLACES) - {"nice", "tours"}
