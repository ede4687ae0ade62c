"""News extraction quality: `filiera.news.extract` against a naive baseline on gold articles.

Three sets: `seeds`, the four real Italian articles the rules were tuned on (text in
../shared/seeds, gold in benchmarks/news_gold/seeds); `dev`, twelve invented articles in
Italian, English, French and German written for tuning (text in
benchmarks/news_gold/dev_articles, gold in benchmarks/news_gold/dev); and `held_out`, eight
articles in French, German and English written for this benchmark and never used for tuning
(text in benchmarks/news_gold/articles, gold in benchmarks/news_gold/held_out). The registry
is the demo dataset's organisations. Scoring rules: `news_scoring.py`; gold format:
`news_gold/README.md`; baseline: `news_baseline.py`, run in the same process.

Prints one JSON object per (set, kind) — organization, person, place, money, quantity,
date, event, event_sentence (type and sentence only), person_role, person_organization and
all (micro over the seven kinds) — then one per event type; ratio = F1 / baseline F1.

Run: `python benchmarks/news_extraction.py [--set seeds|dev|held_out] [--show-errors]` from
the repository root. `--show-errors` prints misses and false positives of the seeds and the
dev set to stderr; held-out errors are printed only with `--held-out-errors` (for auditing,
not tuning).
Without the seed articles the seeds set is skipped, and the run fails if CI=true.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from _common import ROOT, emit
from news_baseline import baseline_extract
from news_gold_format import EVENT_TYPES, GoldArticle, load_gold
from news_scoring import Registry, Tally, score_article

from filiera.news.found import KINDS, Found

GOLD = ROOT / "benchmarks" / "news_gold"
SEEDS = Path(os.environ.get("FILIERA_NEWS_SEEDS", ROOT.parent / "shared" / "seeds"))
DEMO = ROOT / "src" / "filiera" / "demo" / "data" / "demo.yaml"
SETS = ("seeds", "dev", "held_out")
TUNING_SETS = ("seeds", "dev")  # sets whose errors --show-errors prints
ARTICLE_DIRS = {"dev": GOLD / "dev_articles", "held_out": GOLD / "articles"}
REPORTED = (*KINDS, "event_sentence", "person_role", "person_organization", "all")
Extractor = Callable[[GoldArticle], list[Found]]


def load_set(name: str) -> list[GoldArticle] | None:
    """The gold articles of a set, or None when the seed articles are not here."""
    if name == "seeds":
        if not SEEDS.is_dir():
            return None
        folders = [SEEDS]
    else:
        folders = [ARTICLE_DIRS[name]]
    return [load_gold(path, folders) for path in sorted((GOLD / name).glob("*.yaml"))]


def filiera_extractor(registry: Registry) -> Extractor:
    from filiera.news.extract import Gazetteer, extract_article

    records = [(rid, name, list(aliases)) for rid, name, aliases in registry.records]
    gazetteer = Gazetteer.from_records(records)

    def extract(article: GoldArticle) -> list[Found]:
        result = extract_article(
            article.text, lang=article.lang, gazetteer=gazetteer, reference=article.date
        )
        return list(result.found)

    return extract


def baseline_extractor(registry: Registry) -> Extractor:
    def extract(article: GoldArticle) -> list[Found]:
        return baseline_extract(article.text, article.lang, registry, article.date)

    return extract


def score_set(
    articles: list[GoldArticle], extract: Extractor, registry: Registry
) -> tuple[dict[str, dict[str, Tally]], float]:
    """Per-article tallies (article name -> kind -> tally) and seconds spent extracting."""
    tallies, seconds = {}, 0.0
    for article in articles:
        start = time.perf_counter()
        found = extract(article)
        seconds += time.perf_counter() - start
        tallies[article.name] = score_article(article, found, registry)
    return tallies, seconds


def totals(per_article: dict[str, dict[str, Tally]]) -> dict[str, Tally]:
    """Micro totals by kind, with "all" over the seven kinds of `KINDS`."""
    summed: dict[str, Tally] = {}
    for tallies in per_article.values():
        for kind, tally in tallies.items():
            summed.setdefault(kind, Tally()).add(tally)
            if kind in KINDS:
                summed.setdefault("all", Tally()).add(tally)
    return summed


def report(set_name: str, system: dict[str, Tally], baseline: dict[str, Tally]) -> None:
    for kind in REPORTED:
        emit(**_line(set_name, kind, system[kind], baseline[kind]))
    for event_type in EVENT_TYPES:
        key = f"event:{event_type}"
        emit(**_line(set_name, "event", system[key], baseline[key]), event_type=event_type)


def _line(set_name: str, kind: str, tally: Tally, baseline: Tally) -> dict[str, object]:
    return {
        "benchmark": "news_extraction",
        "set": set_name,
        "kind": kind,
        "precision": round(tally.precision, 3),
        "recall": round(tally.recall, 3),
        "f1": round(tally.f1, 3),
        "baseline_f1": round(baseline.f1, 3),
        "ratio": round(tally.f1 / baseline.f1, 2) if baseline.f1 else None,
        "gold": tally.gold,
        "found": tally.found,
    }


def show_errors(set_name: str, per_article: dict[str, dict[str, Tally]]) -> None:
    for article, tallies in per_article.items():
        for kind, tally in tallies.items():
            if kind.startswith("event:"):
                continue  # already under "event"
            for miss in tally.misses:
                print(f"[{set_name}] {article} {kind} MISSED {miss}", file=sys.stderr)
            for extra in tally.false_positives:
                print(f"[{set_name}] {article} {kind} FALSE {extra}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=SETS, action="append", help="default: all three")
    parser.add_argument("--show-errors", action="store_true", help="tuning sets' errors")
    parser.add_argument("--held-out-errors", action="store_true", help="held-out errors too")
    args = parser.parse_args()
    registry = Registry.from_demo_yaml(DEMO)
    extractors = {"filiera": filiera_extractor(registry), "baseline": baseline_extractor(registry)}
    failed = False
    for set_name in args.set or SETS:
        articles = load_set(set_name)
        if articles is None:
            reason = f"seed articles not found at {SEEDS} (set FILIERA_NEWS_SEEDS)"
            print(f"skipping set {set_name}: {reason}", file=sys.stderr)
            emit(benchmark="news_extraction", set=set_name, skipped=reason)
            failed = failed or os.environ.get("CI", "").lower() == "true"
            continue
        runs = {name: score_set(articles, ex, registry) for name, ex in extractors.items()}
        system, baseline = (totals(runs[name][0]) for name in ("filiera", "baseline"))
        report(set_name, system, baseline)
        ms = {name: 1000 * runs[name][1] / max(1, len(articles)) for name in runs}
        emit(
            benchmark="news_extraction",
            set=set_name,
            articles=len(articles),
            ms_per_article=round(ms["filiera"], 1),
            baseline_ms_per_article=round(ms["baseline"], 1),
            time_ratio=round(ms["filiera"] / max(ms["baseline"], 1e-9), 2),
        )
        if args.show_errors and (set_name in TUNING_SETS or args.held_out_errors):
            show_errors(set_name, runs["filiera"][0])
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
