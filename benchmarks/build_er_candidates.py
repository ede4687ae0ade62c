"""Draft the candidate pairs for the entity-resolution labelled set (labels added by hand).

Writes `benchmarks/data/er_candidates.csv` with the columns of `er_pairs.csv` and an empty
`label`: (a) each 2025 PDF record ("M2025-" key) against its top 3 PIC records of the same
country by token_set_ratio >= 60; (b) PIC records whose business name is a real variant of
the name; (c) ~150 PIC records against their most similar other PIC record of the country.
Run: `python benchmarks/build_er_candidates.py` (reads FILIERA_SHARED_DATA or ../shared/data).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import sys
from collections import defaultdict
from pathlib import Path

from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = [
    "left_key",
    "left_name",
    "left_country",
    "left_city",
    "right_key",
    "right_name",
    "right_country",
    "right_city",
    "label",
    "group",
    "split",
    "note",
]
HARD_NEGATIVES = 150


def edf_folder() -> Path:
    shared = Path(os.environ.get("FILIERA_SHARED_DATA", ROOT.parent / "shared" / "data"))
    folder = shared / "edf"
    if not (folder / "companies.json").exists():
        sys.exit(f"EDF data not found in {folder}: set FILIERA_SHARED_DATA to ../shared/data")
    return folder


def split_of(left_key: str, right_key: str) -> str:
    """Deterministic tune/holdout split from a hash of the two keys."""
    digest = hashlib.sha256(f"{left_key}|{right_key}".encode()).digest()
    return "tune" if digest[0] % 2 == 0 else "holdout"


def row(left: dict, right: dict, group: str, left_name: str | None = None) -> dict:
    lk, rk = left["pic"], right["pic"]
    if group == "b":
        lk = f"{lk}#business"
    return {
        "left_key": lk,
        "left_name": left_name or left["name"],
        "left_country": left["country"],
        "left_city": left.get("city") or "",
        "right_key": rk,
        "right_name": right["name"],
        "right_country": right["country"],
        "right_city": right.get("city") or "",
        "label": "",
        "group": group,
        "split": split_of(lk, rk),
        "note": "",
    }


def is_real_variant(business: str | None, name: str, pic: str) -> bool:
    """A business name that is a name variant, not an acronym, a number or the same string."""
    if not business or business.strip() == pic or business.strip() == name.strip():
        return False
    letters = re.sub(r"[^A-Za-z]", "", business)
    if len(letters) < 4 or len(business.split()) < 2 and business.isupper() and len(business) <= 6:
        return False
    return fuzz.token_set_ratio(business.lower(), name.lower()) >= 50


def group_a(m2025: list[dict], by_country: dict[str, list[dict]]) -> list[dict]:
    rows = []
    for left in m2025:
        pool = by_country.get(left["country"], [])
        names = [p["name"].lower() for p in pool]
        top = process.extract(
            left["name"].lower(), names, scorer=fuzz.token_set_ratio, limit=3, score_cutoff=60
        )
        rows += [row(left, pool[index], "a") for _, _, index in top]
    return rows


def group_c(pics: list[dict], by_country: dict[str, list[dict]]) -> list[dict]:
    ordered = sorted(pics, key=lambda p: hashlib.sha256(p["pic"].encode()).hexdigest())
    rows, seen = [], set()
    for left in ordered:
        pool = [p for p in by_country[left["country"]] if p["pic"] != left["pic"]]
        names = [p["name"].lower() for p in pool]
        best = process.extractOne(left["name"].lower(), names, scorer=fuzz.token_sort_ratio)
        if best and best[1] >= 50:
            pair = frozenset((left["pic"], pool[best[2]]["pic"]))
            if pair not in seen:
                seen.add(pair)
                rows.append(row(left, pool[best[2]], "c"))
        if len(rows) >= HARD_NEGATIVES:
            break
    return rows


def main() -> None:
    companies = json.loads((edf_folder() / "companies.json").read_text())
    pics = [c for c in companies if not c["pic"].startswith("M2025-")]
    m2025 = [c for c in companies if c["pic"].startswith("M2025-")]
    by_country: dict[str, list[dict]] = defaultdict(list)
    for pic in pics:
        by_country[pic["country"]].append(pic)
    rows = group_a(m2025, by_country)
    rows += [
        row(p, p, "b", p["business_name"])
        for p in pics
        if is_real_variant(p.get("business_name"), p["name"], p["pic"])
    ]
    rows += group_c(pics, by_country)
    out = ROOT / "benchmarks" / "data" / "er_candidates.csv"
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    print(json.dumps({"written": str(out), "pairs": len(rows)}))


if __name__ == "__main__":
    main()
