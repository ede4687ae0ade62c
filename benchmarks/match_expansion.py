"""Query expansion (pseudo-relevance feedback over past projects): expanded vs original terms.

Protocol: benchmarks/match_quality.py's data, split and metrics, imported from it. One
SQLite database holds the projects of calls up to 2023 (as there).
- Validation, to choose `projects`, `new_terms` and `weight` (a small grid) and the
  languages where expansion helps: the registry up to 2022 (`build_index(until_year=2022)`),
  queries = the 2023 projects with a participant known then; English for all of them,
  it/fr/de for a hand-translated subset (benchmarks/data/match_queries_translated_2023.json).
- Test, reported once with the chosen settings: the registry up to 2023, queries = the 2024
  projects (as match_quality.py), English and the translated subset in it/fr/de
  (benchmarks/data/match_queries_translated.json).
Both systems rank with the engine's functions (`raw_scores`, `scaled`, `top_positions`) on
the same index in the same run; only the query terms differ (`expand` or not).
Choice: the setting with the best mean, over en/it/fr/de, of the ratio expanded/original
of (nDCG@10 + recall@50) / 2 on validation; a language keeps expansion when that ratio is
at least 1 + MARGIN there.

Run: `python benchmarks/match_expansion.py` from the repository root. Writes
benchmarks/results-match-expansion.jsonl and a summary on stderr.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _common import ROOT, SHARED, emit, percentiles
from match_quality import (
    LAST_PROFILE_YEAR,
    LOSS_METRICS,
    METRICS,
    TOP,
    Query,
    build_queries,
    call_year,
    load_edf,
    loss,
    mean_metrics,
    query_metrics,
    query_text,
    ratio,
    subset,
    write_profile_data,
)
from sqlalchemy import select

from filiera.db import Database
from filiera.imports.edf import import_edf, programme_of
from filiera.match.engine import (
    MatchFilters,
    QueryTerms,
    filter_mask,
    query_terms,
    raw_scores,
    scaled,
    top_positions,
)
from filiera.match.expansion import CHOSEN, EXPANSION_LANGUAGES, expand
from filiera.match.index import MatchIndex, build_index
from filiera.registry.models import Identifier

OUTPUT = ROOT / "benchmarks" / "results-match-expansion.jsonl"
VALIDATION_TRANSLATIONS = ROOT / "benchmarks" / "data" / "match_queries_translated_2023.json"
LANGS = ("en", "it", "fr", "de")
GRID = {"projects": (5, 10, 20), "new_terms": (10, 20, 40), "weight": (0.1, 0.3, 0.6, 1.0)}
CHOICE_METRICS = ("ndcg@10", "recall@50")
MARGIN = 0.01

_lines: list[dict] = []


def record(**result: object) -> None:
    emit(**result)
    _lines.append(result)


@dataclass
class World:
    """An index, its eligible mask and the queries per language: (query, text) pairs."""

    name: str
    index: MatchIndex
    items: dict[str, list[tuple[Query, str]]]
    subset_en: list[tuple[Query, str]]  # the English texts of the translated queries

    def __post_init__(self) -> None:
        self.mask = filter_mask(self.index, MatchFilters())
        self.terms: dict[tuple[str, str], QueryTerms] = {}

    def query_terms(self, query: Query, text: str, lang: str) -> QueryTerms:
        key = (query.project_id, lang)
        if key not in self.terms:
            self.terms[key] = query_terms(text, lang)
        return self.terms[key]

    def rank(self, terms: QueryTerms) -> list[int]:
        final, _parts = scaled(self.index, raw_scores(self.index, terms), self.mask)
        return [int(self.index.org_ids[p]) for p in top_positions(final, TOP)]

    def per_query(self, items, lang: str, settings: dict | None) -> list[dict]:
        """Metrics of each of `items` in `lang`, expanded with `settings` (None: original)."""
        rows = []
        for query, text in items:
            terms = self.query_terms(query, text, lang)
            if settings is not None:
                terms = expand(self.index, terms, **settings)
            rows.append(query_metrics(self.rank(terms), query.relevant))
        return rows

    def metrics(self, items, lang: str, settings: dict | None) -> dict:
        return mean_metrics(self.per_query(items, lang, settings))


# --- the two worlds -------------------------------------------------------------------


def validation_queries(session, projects: list[dict], index: MatchIndex) -> list[Query]:
    """2023 projects as queries; relevant: participants with a project up to 2022."""
    org_of_pic = dict(
        session.execute(
            select(Identifier.value, Identifier.organisation_id).where(Identifier.scheme == "pic")
        ).all()
    )
    profiled = set(index.org_ids[index.project_count > 0].tolist())
    out = []
    targets = [p for p in projects if call_year(p["call_identifier"]) == LAST_PROFILE_YEAR]
    for project in sorted(targets, key=lambda p: int(p["project_id"])):
        pics = {str(p["pic"]) for p in project.get("participants") or []}
        relevant = {org_of_pic[pic] for pic in pics if org_of_pic.get(pic) in profiled}
        if relevant:
            programme = programme_of(project["call_identifier"])
            out.append(
                Query(
                    str(project["project_id"]), programme, query_text(project), frozenset(relevant)
                )
            )
    return out


def translated(queries: list[Query], entries: list[dict]) -> tuple[dict, list]:
    """Items per language of the translated entries still among `queries`."""
    by_id = {q.project_id: q for q in queries}
    kept = [e for e in entries if e["project_id"] in by_id]
    items = {lang: [(by_id[e["project_id"]], e[lang]) for e in kept] for lang in LANGS[1:]}
    return items, [(by_id[e["project_id"]], by_id[e["project_id"]].text) for e in kept]


def validation_world(session, projects: list[dict]) -> World:
    index = build_index(session, until_year=LAST_PROFILE_YEAR - 1)
    queries = validation_queries(session, projects, index)
    data = json.loads(VALIDATION_TRANSLATIONS.read_text(encoding="utf-8"))
    items, subset_en = translated(queries, data["queries"])
    return World(
        "validation_2023", index, {"en": [(q, q.text) for q in queries], **items}, subset_en
    )


def test_world(session, projects: list[dict]) -> World:
    profile_pics = {
        str(p["pic"])
        for pr in projects
        if call_year(pr["call_identifier"]) <= LAST_PROFILE_YEAR
        for p in pr.get("participants") or []
    }
    queries, _skipped, _disagreements = build_queries(session, projects, profile_pics)
    entries, _note = subset(queries)
    items, subset_en = translated(queries, entries)
    return World(
        "test_2024",
        build_index(session),
        {"en": [(q, q.text) for q in queries], **items},
        subset_en,
    )


# --- choosing and reporting -------------------------------------------------------------


def gain(expanded: dict, original: dict) -> float | None:
    """Mean over CHOICE_METRICS of expanded / original (None when undefined)."""
    ratios = [ratio(expanded[m], original[m]) for m in CHOICE_METRICS]
    ratios = [r for r in ratios if r is not None]
    return round(statistics.fmean(ratios), 4) if ratios else None


def grid(world: World) -> tuple[dict, dict]:
    """Every setting on validation; the chosen one and its per-language gains."""
    original = {lang: world.metrics(items, lang, None) for lang, items in world.items.items()}
    best, best_score, best_gains = None, -1.0, {}
    for projects, new_terms, weight in itertools.product(*GRID.values()):
        settings = {"projects": projects, "new_terms": new_terms, "weight": weight}
        figures = {
            lang: world.metrics(items, lang, settings) for lang, items in world.items.items()
        }
        gains = {lang: gain(figures[lang], original[lang]) for lang in figures}
        score = statistics.fmean(g for g in gains.values() if g is not None)
        record(
            benchmark="match_expansion_grid",
            split=world.name,
            settings=settings,
            expanded=figures,
            gain_vs_original=gains,
            mean_gain=round(score, 4),
        )
        if score > best_score:
            best, best_score, best_gains = settings, score, gains
    record(
        benchmark="match_expansion_original",
        split=world.name,
        queries={lang: len(items) for lang, items in world.items.items()},
        original=original,
    )
    return best, best_gains


def compare(world: World, settings: dict) -> list[dict]:
    """Original and expanded terms per language, with the loss vs English (same queries)."""
    rows = []
    base_en = {
        name: world.metrics(world.subset_en, "en", s)
        for name, s in (("original", None), ("expanded", settings))
    }
    for lang, items in world.items.items():
        per_query = {
            name: world.per_query(items, lang, s)
            for name, s in (("original", None), ("expanded", settings))
        }
        figures = {name: mean_metrics(rows) for name, rows in per_query.items()}
        pairs = list(zip(per_query["original"], per_query["expanded"], strict=True))
        row = {
            "benchmark": "match_expansion",
            "split": world.name,
            "lang": lang,
            "queries": len(items),
            "settings": settings,
            **figures,
            "ratio_expanded_vs_original": {
                m: ratio(figures["expanded"][m], figures["original"][m]) for m in METRICS
            },
            "gain_vs_original": gain(figures["expanded"], figures["original"]),
            "queries_ndcg10_better_same_worse": [
                sum(e["ndcg@10"] > o["ndcg@10"] for o, e in pairs),
                sum(e["ndcg@10"] == o["ndcg@10"] for o, e in pairs),
                sum(e["ndcg@10"] < o["ndcg@10"] for o, e in pairs),
            ],
        }
        if lang != "en":
            row["relative_loss_vs_en"] = {
                name: {m: loss(base_en[name][m], figures[name][m]) for m in LOSS_METRICS}
                for name in figures
            }
            row["en_same_queries"] = base_en
        record(**row)
        rows.append(row)
    return rows


def verdict(rows: list[dict], languages: list[str], chosen: dict) -> None:
    """Per language: the gain on each held-out year, and what expansion.py ships."""
    gains = {lang: {} for lang in LANGS}
    for r in rows:
        gains[r["lang"]][r["split"]] = r["gain_vs_original"]
    record(
        benchmark="match_expansion_verdict",
        gain_vs_original=gains,
        helps_on_validation=languages,
        helps_on_both_years=sorted(
            lang for lang, g in gains.items() if all(v >= 1 + MARGIN for v in g.values())
        ),
        shipped_expansion_languages=sorted(EXPANSION_LANGUAGES),
        shipped_settings_match_choice=chosen == CHOSEN,
    )


def added_terms(world: World, settings: dict, lang: str, limit: int = 3) -> None:
    """What expansion adds to a few translated queries (an illustration)."""
    for query, text in world.items.get(lang, [])[:limit]:
        terms = expand(world.index, world.query_terms(query, text, lang), **settings)
        top = sorted(terms.expanded, key=lambda t: -terms.expanded[t])[:10]
        record(
            benchmark="match_expansion_example",
            split=world.name,
            lang=lang,
            project_id=query.project_id,
            added=[[t, round(terms.expanded[t], 3)] for t in top],
        )


def latency(world: World, settings: dict) -> None:
    seconds = []
    for query, text in world.items["en"]:
        terms = world.query_terms(query, text, "en")
        start = time.perf_counter()
        expand(world.index, terms, **settings)
        seconds.append(time.perf_counter() - start)
    record(
        benchmark="match_expansion_latency",
        split=world.name,
        queries=len(seconds),
        projects_indexed=len(world.index.projects),
        mean_ms=round(statistics.fmean(seconds) * 1000, 2),
        **percentiles(seconds),
    )


def table(rows: list[dict]) -> None:
    for r in rows:
        cells = "  ".join(f"{m} {r['original'][m]:.3f}->{r['expanded'][m]:.3f}" for m in METRICS)
        print(f"{r['split']:<16}{r['lang']:<4}{r['queries']:>3}  {cells}", file=sys.stderr)
        if "relative_loss_vs_en" in r:
            print(f"{'':<23}loss vs en {r['relative_loss_vs_en']}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUTPUT, help="JSON lines output file")
    args = parser.parse_args()
    started = time.perf_counter()
    projects, companies, _fixed = load_edf(SHARED / "edf")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_profile_data(projects, companies, folder)
        db = Database(f"sqlite:///{folder}/match.db")
        db.ensure_ready()
        with db.session() as session:
            import_edf(session, folder, skip_invalid=True)
        with db.session() as session:
            validation = validation_world(session, projects)
            test = test_world(session, projects)
        db.dispose()
    chosen, gains = grid(validation)
    languages = sorted(lang for lang, g in gains.items() if g is not None and g >= 1 + MARGIN)
    record(
        benchmark="match_expansion_choice",
        split=validation.name,
        rule=f"max mean gain over {LANGS}; a language keeps it when gain >= {1 + MARGIN}",
        settings=chosen,
        gain_vs_original=gains,
        expansion_languages=languages,
    )
    rows = compare(validation, chosen) + compare(test, chosen)
    verdict(rows, languages, chosen)
    for world in (validation, test):
        added_terms(world, chosen, "it")
    latency(test, chosen)
    record(benchmark="match_expansion_run", seconds=round(time.perf_counter() - started, 1))
    args.out.write_text("".join(json.dumps(r, default=str) + "\n" for r in _lines))
    table(rows)


if __name__ == "__main__":
    main()
