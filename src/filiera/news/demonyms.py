"""Nationality words in four languages -> ISO country code ("tedeschi" -> "DE").

The base forms are in `data/places.yaml` (countries: demonyms); every gender and number is
made here by the rules of each language: Italian -o/-a/-i/-e and -e/-i, French -e/-s/-es and
-en/-enne, German adjective endings (-e, -en, -er, -es, -em) and noun forms (-er: -ern,
-erin, -erinnen; -e: -en, -in, -innen). English forms are listed in full.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from anyascii import anyascii

from filiera.news.place_data import curated

# English demonyms that are ordinary words in lower case ("pole", "polish", "swede").
LOWER_CASE_WORDS = frozenset({"pole", "poles", "polish", "swede", "swedes", "finn", "finns"})


def country_of_demonym(word: str) -> str | None:
    """The ISO alpha-2 code of the country a nationality word refers to, or None.

    Any gender and number in it/en/fr/de: "German", "tedesca", "tedeschi", "allemande",
    "deutschen", "lussemburghese", "luxembourgeois", "South Korean", "sud-coreani".
    """
    key = demonym_key(word)
    if not key or (key in LOWER_CASE_WORDS and not word.strip()[:1].isupper()):
        return None
    return demonym_table().get(key)


def demonym_key(word: str) -> str:
    """ASCII, case-folded letters only: "Sud-Coreani" -> "sudcoreani"."""
    return re.sub(r"[^a-z]", "", anyascii(word).casefold())


@cache
def demonym_table() -> dict[str, str]:
    """Every inflected demonym key -> country code; a form claimed by two countries is an
    error in the data."""
    table: dict[str, str] = {}
    for code, country in curated()["countries"].items():
        for lang, bases in country.get("demonyms", {}).items():
            for base in bases:
                for form in inflections(base, lang):
                    key = demonym_key(form)
                    if table.setdefault(key, code) != code:
                        raise ValueError(f"demonym {form!r} is both {table[key]} and {code}")
    return table


def inflections(base: str, lang: str) -> set[str]:
    """Every gender and number of a base form ("tedesco" -> tedesco, tedesca, tedeschi, ...)."""
    if base.startswith("="):
        return {base[1:]}
    return {base, *INFLECTORS.get(lang, _none)(base)}


def _none(base: str) -> list[str]:
    return []


def _italian(base: str) -> list[str]:
    stem, last = base[:-1], base[-1:]
    if last == "o":
        hard = [stem + "hi", stem + "he"] if stem.endswith(("c", "g")) else []
        return [stem + "a", stem + "i", stem + "e", *hard]
    if last == "e":
        return [stem + "i"]
    if last == "a":
        hard = [stem + "he"] if stem.endswith(("c", "g")) else []
        return [stem + "i", stem + "e", *hard]
    return []


def _french(base: str) -> list[str]:
    if base.endswith("e"):
        return [base + "s"]
    if base.endswith(("s", "x")):
        return [base + "e", base + "es"]
    if base.endswith(("en", "on")):
        return [base + "ne", base + "s", base + "nes"]
    return [base + "e", base + "s", base + "es"]


def _german(base: str) -> list[str]:
    if base.endswith("sch"):
        return [base + ending for ending in ("e", "en", "er", "es", "em")]
    if base.endswith("er"):
        return [base + "n", base + "s", base + "in", base + "innen"]
    if base.endswith("e"):
        return [base + "n", base[:-1] + "in", base[:-1] + "innen"]
    return [base + "s"]


INFLECTORS: dict[str, Callable[[str], list[str]]] = {
    "it": _italian,
    "fr": _french,
    "de": _german,
}
