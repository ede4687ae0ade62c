"""Entity-resolution benchmark: the resolver against two baselines on hand-labelled EDF pairs.

For each labelled pair the right record is indexed alone in a fresh `Resolver` and the left
record is decided without identifiers. "same" counts as a predicted match (auto-merge);
"review" counts towards merge-or-review recall. Baselines, computed in the same run: exact
lower-cased name + country, and rapidfuzz token_sort_ratio >= 90 on the raw names. Prints one
JSON object per (matcher, split), then a throughput ratio and an import simulation.

Run: `python benchmarks/entity_resolution.py [--errors]` from the repository root
(reads FILIERA_SHARED_DATA/edf, default ../shared/data/edf).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from filiera.registry.names import normalise_name
from filiera.registry.resolve import Candidate, Incoming, Resolver, city_key

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ROOT / "benchmarks" / "data" / "er_pairs.csv"
SPLITS = ("tune", "holdout", "all")
Matcher = Callable[[dict[str, str]], str]  # a labelled pair -> "same", "review" or "new"


def edf_companies() -> list[dict]:
    shared = Path(os.environ.get("FILIERA_SHARED_DATA", ROOT.parent / "shared" / "data"))
    path = shared / "edf" / "companies.json"
    if not path.exists():
        sys.exit(f"EDF data not found at {path}: set FILIERA_SHARED_DATA to the shared data folder")
    return json.loads(path.read_text())


def load_pairs(path: Path = PAIRS) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def resolver_matcher(pair: dict[str, str]) -> str:
    resolver = Resolver()
    key = normalise_name(pair["right_name"])
    resolver.add(
        Candidate(
            1,
            frozenset({key} - {""}),
            pair["right_country"],
            city_key(pair["right_city"]),
            frozenset(),
        )
    )
    incoming = Incoming(pair["left_name"], pair["left_country"], pair["left_city"] or None)
    return resolver.decide(incoming).action


def exact_matcher(pair: dict[str, str]) -> str:
    same_name = pair["left_name"].strip().lower() == pair["right_name"].strip().lower()
    return "same" if same_name and pair["left_country"] == pair["right_country"] else "new"


def token_sort_matcher(pair: dict[str, str]) -> str:
    score = fuzz.token_sort_ratio(pair["left_name"].lower(), pair["right_name"].lower())
    return "same" if score >= 90 and pair["left_country"] == pair["right_country"] else "new"


MATCHERS: dict[str, Matcher] = {
    "resolver": resolver_matcher,
    "exact_name_country": exact_matcher,
    "token_sort_90": token_sort_matcher,
}


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    review_pos: int = 0
    review_neg: int = 0

    def add(self, label: int, action: str) -> None:
        same = action == "same"
        self.tp += same and label == 1
        self.fp += same and label == 0
        self.fn += not same and label == 1
        self.tn += not same and label == 0
        self.review_pos += action == "review" and label == 1
        self.review_neg += action == "review" and label == 0

    def figures(self) -> dict[str, float | int]:
        """Auto-merge precision/recall/F1 ("same" is a predicted match); None when undefined."""
        total = self.tp + self.fp + self.fn + self.tn
        positives = self.tp + self.fn
        precision = ratio(self.tp, self.tp + self.fp)
        recall = ratio(self.tp, positives)
        f1 = None
        if precision is not None and recall is not None:
            f1 = ratio(2 * precision * recall, precision + recall) or 0.0
        return {
            "pairs": total,
            "positives": positives,
            "false_merges": self.fp,
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "merge_or_review_recall": ratio(self.tp + self.review_pos, positives),
            "review_share": ratio(self.review_pos + self.review_neg, total),
        }


def ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def in_split(pair: dict[str, str], split: str) -> bool:
    return split == "all" or pair["split"] == split


def evaluate(pairs: list[dict[str, str]], matcher: Matcher, errors: bool, name: str) -> dict:
    """Figures per split, and per group inside each split."""
    counts = {(s, g): Counts() for s in SPLITS for g in ("*", "a", "b", "c")}
    for pair in pairs:
        action = matcher(pair)
        label = int(pair["label"])
        for split in SPLITS:
            if in_split(pair, split):
                counts[(split, "*")].add(label, action)
                counts[(split, pair["group"])].add(label, action)
        if errors and pair["split"] == "tune" and (action == "same") != (label == 1):
            print(
                f"{name}\t{action}\t{label}\t{pair['left_name']}\t{pair['right_name']}",
                file=sys.stderr,
            )
    return {
        split: {
            **counts[(split, "*")].figures(),
            "groups": {g: counts[(split, g)].figures() for g in "abc"},
        }
        for split in SPLITS
    }


def rate(decide: Callable[[dict], object], records: Iterable[dict], repeat: int = 3) -> float:
    """Best-of-`repeat` decisions per second."""
    records = list(records)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for record in records:
            decide(record)
        best = min(best, time.perf_counter() - start)
    return len(records) / best


def incoming_of(company: dict) -> Incoming:
    aliases = tuple(n for n in (company.get("legal_name"),) if n and n != company["name"])
    return Incoming(company["name"], company["country"], company.get("city") or None, aliases)


def candidate_of(org_id: int, company: dict) -> Candidate:
    names = {company["name"], company.get("legal_name") or ""}
    keys = frozenset(normalise_name(n) for n in names) - {""}
    return Candidate(org_id, keys, company["country"], city_key(company.get("city")), frozenset())


def speed(companies: list[dict]) -> dict:
    """decide() throughput against an index of all companies, vs an exact-name dict lookup."""
    resolver = Resolver()
    exact: dict[tuple[str, str], int] = {}
    for org_id, company in enumerate(companies, start=1):
        resolver.add(candidate_of(org_id, company))
        exact.setdefault((company["name"].strip().lower(), company["country"]), org_id)
    incoming = [incoming_of(c) for c in companies]
    resolver_rate = rate(resolver.decide, incoming)
    exact_rate = rate(lambda i: exact.get((i.name.strip().lower(), i.country)), incoming)
    return {
        "benchmark": "entity_resolution_speed",
        "records": len(companies),
        "resolver_decisions_per_s": round(resolver_rate),
        "exact_baseline_decisions_per_s": round(exact_rate),
        "ratio_vs_exact_baseline": round(resolver_rate / exact_rate, 5),
    }


def import_simulation(companies: list[dict]) -> dict:
    """Decide then add each company in file order, as the EDF import does, without PICs.

    Two records with different 9-digit PICs are two legal entities, so every "same" between
    two PIC records is a false merge; "same" from a 2025 PDF record is unchecked here.
    """
    resolver = Resolver()
    actions = {"same": 0, "review": 0, "new": 0}
    pic_false_merges = 0
    for org_id, company in enumerate(companies, start=1):
        decision = resolver.decide(incoming_of(company))
        actions[decision.action] += 1
        if decision.action == "same":
            other = companies[decision.org_id - 1]
            pic_false_merges += not any(c["pic"].startswith("M2025-") for c in (company, other))
            continue
        resolver.add(candidate_of(org_id, company))
    return {
        "benchmark": "entity_resolution_import_simulation",
        "records": len(companies),
        **actions,
        "pic_vs_pic_false_merges": pic_false_merges,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list tune-split errors on stderr")
    args = parser.parse_args()
    companies = edf_companies()
    pairs = load_pairs()
    results = {name: evaluate(pairs, m, args.errors, name) for name, m in MATCHERS.items()}
    for name, by_split in results.items():
        for split, figures in by_split.items():
            exact_f1 = results["exact_name_country"][split]["f1"]
            fuzzy_f1 = results["token_sort_90"][split]["f1"]
            print(
                json.dumps(
                    {
                        "benchmark": "entity_resolution",
                        "matcher": name,
                        "split": split,
                        **figures,
                        "f1_ratio_vs_exact_baseline": ratio(figures["f1"] or 0.0, exact_f1 or 0.0),
                        "f1_ratio_vs_token_sort_baseline": ratio(
                            figures["f1"] or 0.0, fuzzy_f1 or 0.0
                        ),
                    }
                )
            )
    print(json.dumps(speed(companies)))
    print(json.dumps(import_simulation(companies)))


if __name__ == "__main__":
    main()
