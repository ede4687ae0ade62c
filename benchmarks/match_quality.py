"""Matchmaking quality: a temporal split of the EDF projects, Filiera against plain BM25.

Protocol. The call year of a project is the 4-digit year in its `call_identifier`
(EDF-2021-..., EDF-2024-...; ASAP calls read EDF-ASAP-2023-... and are dated 2023, EDIRPA
calls read EDF-EDIRPA-2024-... and are dated 2024). Profiles are built only from the
projects of calls up to 2023: filtered copies of projects.json (those projects) and
companies.json (every company, participations filtered the same way) are imported with
`import_edf(..., skip_invalid=True)` into a fresh SQLite database. Each 2024 project is a
query (title + objective); its relevant organisations are its real participants (by PIC)
that have a profile, i.e. at least one participation up to 2023 (queries without one are
skipped). Metrics, averaged over queries, binary relevance: recall@10, recall@50, nDCG@10
and MRR (first relevant hit within the top 50, 0 when none). List fields held as stringified
Python lists (participants, keywords, participations) are parsed with `ast.literal_eval`
first; how many were is reported (0 in the shared copy of November 2026).

Baseline, same run: plain BM25 (`bm25s`, PyStemmer English, English stop words) over the
same profile texts, built from the database: per organisation its name, aliases,
descriptions, English labels of its capabilities, and the title, objective and keywords of
each of its projects. Both systems rank at most 50 organisations; zero-score hits are
dropped.

Reported: all queries; first and second half by project id (a generality check for
tuning); EDF vs ASAP/EDIRPA queries; a cross-language subset (every Nth query by project
id, translated by hand into it/fr/de in `benchmarks/data/match_queries_translated.json`)
with the relative loss vs English; the same queries written short (the title alone, the
keywords alone), Filiera against BM25 and the length rule of the related-projects power
against the steep power for every need, on 2024 and on 2023 (registry up to 2022, where
the rule was chosen); the learned ranker (trained on 2022 and 2023, each feature group
left out in turn) and its learning curve (trained on a random share of those queries);
mean query latency of both systems; whether the optional
glossary (`src/filiera/match/data/glossary.yaml`) was present and how many of its terms the
engine loaded (it reads the file once per process, at the start of the run).

Run: `python benchmarks/match_quality.py` from the repository root (reads
FILIERA_SHARED_DATA/edf, default ../shared/data/edf). Writes the JSON lines to
`benchmarks/results-match-quality.jsonl` and a summary table on stderr.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import math
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from _common import ROOT, SHARED, emit, percentiles
from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.db import Database
from filiera.imports.edf import import_edf, load_json, programme_of
from filiera.match import concepts, features, ranker, training
from filiera.match.engine import (
    PROJECT_POWER,
    MatchFilters,
    filter_mask,
    query_terms,
    raw_scores,
    scaled,
    score,
    top_positions,
)
from filiera.match.index import build_index
from filiera.match.need_type import read_need
from filiera.match.service import current_index, forget_indexes, match
from filiera.registry import taxonomy
from filiera.registry.models import (
    Alias,
    Identifier,
    Organisation,
    OrgCapability,
    Participation,
    Project,
)

TRANSLATIONS = ROOT / "benchmarks" / "data" / "match_queries_translated.json"
OUTPUT = ROOT / "benchmarks" / "results-match-quality.jsonl"
LAST_PROFILE_YEAR = 2023
QUERY_YEAR = 2024
TOP = 50
SUBSET_SIZE = 15
METRICS = ("recall@10", "recall@50", "ndcg@10", "mrr")
LOSS_METRICS = ("recall@10", "recall@50", "ndcg@10")
YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
LIST_FIELDS = ("participants", "keywords", "participations")

Ranker = Callable[[str, str], list[int]]  # (text, lang) -> org ids, best first


# --- data and split -------------------------------------------------------------------


def call_year(call_identifier: str) -> int:
    """The 4-digit year in a call identifier (EDF-2024-DA, EDF-ASAP-2023-LS-POW...)."""
    found = YEAR.search(call_identifier or "")
    if found is None:
        raise SystemExit(f"no call year in call_identifier {call_identifier!r}")
    return int(found.group(1))


def unstringify(record: dict) -> int:
    """Parse list fields stored as stringified Python lists in place; how many were."""
    fixed = 0
    for name in LIST_FIELDS:
        value = record.get(name)
        if isinstance(value, str) and value.strip().startswith("["):
            record[name] = ast.literal_eval(value)
            fixed += 1
    for nested in ("participants", "participations"):
        for item in record.get(nested) or []:
            if isinstance(item, dict):
                fixed += unstringify(item)
    return fixed


def load_edf(folder: Path) -> tuple[list[dict], list[dict], int]:
    """Projects (first row per project_id), companies, and the count of fields unstringified."""
    if not (folder / "projects.json").exists():
        sys.exit(f"EDF data not found at {folder}: set FILIERA_SHARED_DATA")
    projects = load_json(folder / "projects.json")
    companies = load_json(folder / "companies.json")
    fixed = sum(unstringify(r) for r in projects) + sum(unstringify(r) for r in companies)
    unique: dict[str, dict] = {}
    for project in projects:
        unique.setdefault(str(project["project_id"]), project)
    return list(unique.values()), companies, fixed


def write_profile_data(projects: list[dict], companies: list[dict], folder: Path) -> set[str]:
    """Write the <= 2023 copies of projects.json and companies.json; their project ids."""
    kept = [p for p in projects if call_year(p["call_identifier"]) <= LAST_PROFILE_YEAR]
    ids = {str(p["project_id"]) for p in kept}
    filtered = []
    for company in companies:
        parts = [p for p in company.get("participations") or [] if str(p["project_id"]) in ids]
        filtered.append(
            {
                **company,
                "participations": parts,
                "project_count": len(parts),
                "coordination_count": sum(p.get("role") == "coordinator" for p in parts),
            }
        )
    (folder / "projects.json").write_text(json.dumps(kept), encoding="utf-8")
    (folder / "companies.json").write_text(json.dumps(filtered), encoding="utf-8")
    return ids


@dataclass
class Query:
    project_id: str
    programme: str
    text: str
    relevant: frozenset[int]  # organisation ids


def query_text(project: dict) -> str:
    return f"{project['title'].strip()}\n\n{(project.get('objective') or '').strip()}"


def build_queries(session: Session, projects: list[dict], profile_pics: set[str]) -> tuple:
    """2024 queries with their relevant organisations; skipped ids; PIC-rule disagreements."""
    org_of_pic = dict(
        session.execute(
            select(Identifier.value, Identifier.organisation_id).where(Identifier.scheme == "pic")
        ).all()
    )
    profiled = set(session.scalars(select(Participation.organisation_id).distinct()))
    queries, skipped, disagreements = [], [], 0
    targets = [p for p in projects if call_year(p["call_identifier"]) == QUERY_YEAR]
    for project in sorted(targets, key=lambda p: int(p["project_id"])):
        pics = {str(p["pic"]) for p in project.get("participants") or []}
        relevant = {org_of_pic[pic] for pic in pics if org_of_pic.get(pic) in profiled}
        by_json = {org_of_pic[pic] for pic in pics & profile_pics if pic in org_of_pic}
        disagreements += relevant != by_json
        if not relevant:
            skipped.append(str(project["project_id"]))
            continue
        programme = programme_of(project["call_identifier"])
        queries.append(
            Query(str(project["project_id"]), programme, query_text(project), frozenset(relevant))
        )
    return queries, skipped, disagreements


# --- the systems ----------------------------------------------------------------------


def profile_texts(session: Session) -> tuple[list[int], list[str]]:
    """Organisation ids and, per organisation, the baseline's profile text (from the DB)."""
    org_rows = session.execute(
        select(Organisation.id, Organisation.name, Organisation.descriptions).order_by(
            Organisation.id
        )
    ).all()
    parts: dict[int, list[str]] = {
        org_id: [name, *(descriptions or {}).values()] for org_id, name, descriptions in org_rows
    }
    for org_id, alias in session.execute(select(Alias.organisation_id, Alias.name)):
        parts[org_id].append(alias)
    known = taxonomy.capabilities()
    caps = select(OrgCapability.organisation_id, OrgCapability.code)
    for org_id, code in session.execute(caps):
        parts[org_id].append(taxonomy.label(code, "en") if code in known else code)
    projects = select(
        Participation.organisation_id, Project.title, Project.objective, Project.keywords
    ).join(Project, Project.id == Participation.project_id)
    for org_id, title, objective, keywords in session.execute(projects):
        parts[org_id].extend([title, objective or "", " ; ".join(keywords or [])])
    ids = [row[0] for row in org_rows]
    return ids, ["\n".join(t for t in parts[i] if t) for i in ids]


class Bm25Baseline:
    """bm25s over the profile texts, English stemmer and stop words."""

    def __init__(self, org_ids: list[int], texts: list[str]) -> None:
        self.org_ids = org_ids
        self.stemmer = Stemmer.Stemmer("english")
        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=self.stemmer, show_progress=False)
        self.retriever = bm25s.BM25()
        self.retriever.index(tokens, show_progress=False)
        self.vocab = set(tokens.vocab)

    def rank(self, text: str, lang: str) -> list[int]:
        words = bm25s.tokenize(
            [text], stopwords="en", stemmer=self.stemmer, return_ids=False, show_progress=False
        )[0]
        words = [w for w in words if w in self.vocab]
        if not words:
            return []
        k = min(TOP, len(self.org_ids))
        docs, scores = self.retriever.retrieve([words], k=k, show_progress=False)
        return [self.org_ids[int(d)] for d, s in zip(docs[0], scores[0], strict=True) if s > 0]


def rank_only(session: Session) -> Ranker:
    """The scoring steps of `match()` without visibility check and explanations (timing)."""
    index = current_index(session)
    mask = filter_mask(index, MatchFilters())

    def rank(text: str, lang: str) -> list[int]:
        final, _parts = score(index, query_terms(text, lang), mask)
        return [int(index.org_ids[p]) for p in top_positions(final, TOP)]

    return rank


def filiera_ranker(session: Session) -> Ranker:
    viewer = Viewer.system()

    def rank(text: str, lang: str) -> list[int]:
        return [hit.org_id for hit in match(session, viewer, text, lang=lang, top=TOP).results]

    return rank


# --- metrics --------------------------------------------------------------------------


def query_metrics(ranking: list[int], relevant: frozenset[int]) -> dict[str, float]:
    hits = [org_id in relevant for org_id in ranking[:TOP]]
    dcg = sum(1 / math.log2(rank + 2) for rank, hit in enumerate(hits[:10]) if hit)
    ideal = sum(1 / math.log2(rank + 2) for rank in range(min(len(relevant), 10)))
    first = next((rank for rank, hit in enumerate(hits) if hit), None)
    return {
        "recall@10": sum(hits[:10]) / len(relevant),
        "recall@50": sum(hits) / len(relevant),
        "ndcg@10": dcg / ideal,
        "mrr": 0.0 if first is None else 1 / (first + 1),
    }


def mean_metrics(rows: list[dict[str, float]]) -> dict[str, float | None]:
    return {m: round(statistics.fmean(r[m] for r in rows), 4) if rows else None for m in METRICS}


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def loss(en: float | None, other: float | None) -> float | None:
    return round((en - other) / en, 3) if en and other is not None else None


@dataclass
class Run:
    """Per-query metrics and latencies of one system on one list of (query, text, lang)."""

    metrics: dict[str, dict[str, float]]
    seconds: list[float]


def run(ranker: Ranker, items: list[tuple[Query, str, str]]) -> Run:
    metrics, seconds = {}, []
    for query, text, lang in items:
        start = time.perf_counter()
        ranking = ranker(text, lang)
        seconds.append(time.perf_counter() - start)
        metrics[query.project_id] = query_metrics(ranking, query.relevant)
    return Run(metrics, seconds)


# --- reporting ------------------------------------------------------------------------

_lines: list[dict] = []


def record(**result: object) -> None:
    emit(**result)
    _lines.append(result)


def compare(split: str, lang: str, queries: list[Query], runs: dict[str, Run], **extra) -> dict:
    """One result: both systems on `queries`, and the ratio Filiera/BM25 per metric."""
    figures = {
        name: mean_metrics([r.metrics[q.project_id] for q in queries]) for name, r in runs.items()
    }
    result = {
        "benchmark": "match_quality",
        "split": split,
        "lang": lang,
        "queries": len(queries),
        "relevant_pairs": sum(len(q.relevant) for q in queries),
        **figures,
        "ratio_filiera_vs_bm25": {
            m: ratio(figures["filiera"][m], figures["bm25"][m]) for m in METRICS
        },
        **extra,
    }
    record(**result)
    return result


def glossary_state() -> dict:
    """Whether the glossary file exists, its entries and its content hash (it may change)."""
    path = concepts.GLOSSARY
    if not path.exists():
        return {"present": False}
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    try:
        entries = len(concepts._glossary_entries())
    except Exception as error:  # noqa: BLE001 - reported: the file may be mid-write
        return {"present": True, "sha256_12": digest, "error": repr(error)}
    return {"present": True, "entries": entries, "sha256_12": digest}


def subset(queries: list[Query]) -> tuple[list[dict], str]:
    """The translated queries still among the evaluated ones, and how they were chosen."""
    step = max(1, len(queries) // SUBSET_SIZE)
    chosen = [q.project_id for q in queries[::step][:SUBSET_SIZE]]
    if not TRANSLATIONS.exists():
        return [], f"{TRANSLATIONS} not found"
    data = json.loads(TRANSLATIONS.read_text(encoding="utf-8"))
    texts = {q.project_id: q.text for q in queries}
    stored = [e for e in data["queries"] if e["project_id"] in texts]
    note = f"every {step}th evaluated query by project id, from the first"
    changed = [e["project_id"] for e in stored if e["en"] != texts[e["project_id"]]]
    if changed:
        note += f" (WARNING: English text in the file differs from the data for {changed})"
    if [e["project_id"] for e in data["queries"]] != chosen:
        note += f" (WARNING: the file's ids differ from today's selection {chosen})"
    return stored, note


def table(results: list[dict]) -> None:
    """A readable summary on stderr: Filiera / BM25 (ratio) per metric."""
    print(
        f"\n{'split':<20}{'lang':<5}{'n':>3}  "
        + "  ".join(f"{m + ' fil / bm25 (x)':>24}" for m in METRICS),
        file=sys.stderr,
    )
    for r in results:
        cells = []
        for m in METRICS:
            x = r["ratio_filiera_vs_bm25"][m]
            cells.append(
                f"{r['filiera'][m]:.3f} / {r['bm25'][m]:.3f} "
                f"({'-' if x is None else f'{x:.2f}'})".rjust(24)
            )
        print(
            f"{r['split']:<20}{r['lang']:<5}{r['queries']:>3}  " + "  ".join(cells), file=sys.stderr
        )
    for r in results:
        if "relative_loss_vs_en" in r:
            losses = r["relative_loss_vs_en"]
            print(
                f"loss vs en, {r['lang']}: "
                + "; ".join(
                    f"{name} " + ", ".join(f"{m} {v:+.3f}" for m, v in figures.items())
                    for name, figures in losses.items()
                ),
                file=sys.stderr,
            )


# --- main -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUTPUT, help="JSON lines output file")
    args = parser.parse_args()
    started = time.perf_counter()
    glossary_at_start = glossary_state()
    used = glossary_concepts()  # the engine builds its lexicon once per process: now
    projects, companies, unstringified = load_edf(SHARED / "edf")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_profile_data(projects, companies, folder)
        db = Database(f"sqlite:///{folder}/match.db")
        db.ensure_ready()
        t0 = time.perf_counter()
        with db.session() as session:
            report = import_edf(session, folder, skip_invalid=True)
        setup = {
            "stringified_list_fields_parsed": unstringified,
            "import_counts": report.to_dict()["counts"],
            "import_seconds": round(time.perf_counter() - t0, 2),
        }
        with db.session() as session:
            results = evaluate(session, projects, setup)
        db.dispose()
    glossary_at_end = glossary_state()
    record(
        benchmark="match_quality_glossary",
        path=str(concepts.GLOSSARY.relative_to(ROOT)),
        at_start=glossary_at_start,
        at_end=glossary_at_end,
        glossary_concepts_used=used,
        changed_during_run=glossary_at_start != glossary_at_end,
    )
    record(benchmark="match_quality_run", seconds=round(time.perf_counter() - started, 1))
    args.out.write_text("".join(json.dumps(r, default=str) + "\n" for r in _lines))
    table(results)


def glossary_concepts() -> int:
    """Glossary concepts in the engine's lexicon (building it if not built yet)."""
    return sum(c.startswith("g:") for c in concepts.lexicon().concepts)


def evaluate(session: Session, projects: list[dict], setup: dict) -> list[dict]:
    """Set up both systems, run every split, emit the results; the comparison rows."""
    profile_pics = {
        str(p["pic"])
        for pr in projects
        if call_year(pr["call_identifier"]) <= LAST_PROFILE_YEAR
        for p in pr.get("participants") or []
    }
    queries, skipped, disagreements = build_queries(session, projects, profile_pics)
    t0 = time.perf_counter()
    baseline = Bm25Baseline(*profile_texts(session))
    bm25_build = time.perf_counter() - t0
    forget_indexes()
    t0 = time.perf_counter()
    index = current_index(session)
    filiera_build = time.perf_counter() - t0
    years = sorted({call_year(p["call_identifier"]) for p in projects})
    record(
        benchmark="match_quality_setup",
        projects_by_call_year={
            y: sum(call_year(p["call_identifier"]) == y for p in projects) for y in years
        },
        **setup,
        organisations_indexed=index.size,
        projects_indexed=len(index.projects),
        organisations_with_profile=len(
            set(session.scalars(select(Participation.organisation_id).distinct()))
        ),
        queries_2024=len(queries) + len(skipped),
        queries=len(queries),
        skipped_no_relevant=skipped,
        relevant_pairs=sum(len(q.relevant) for q in queries),
        relevance_rule_disagreements=disagreements,
        index_build_seconds={"filiera": round(filiera_build, 3), "bm25": round(bm25_build, 3)},
    )
    rankers = {"filiera": filiera_ranker(session), "bm25": baseline.rank}
    english = [(q, q.text, "en") for q in queries]
    runs = {name: run(ranker, english) for name, ranker in rankers.items()}
    scoring = run(rank_only(session), english)
    rows = english_splits(queries, runs) + cross_language(queries, rankers, runs)
    latency(runs, scoring)
    learned_ranker(session, queries, runs)
    need_kinds(session, queries)
    query_styles(session, queries, projects, rankers)
    return rows


def english_splits(queries: list[Query], runs: dict[str, Run]) -> list[dict]:
    """All queries; first and second half by project id; per programme."""
    half = len(queries) // 2
    rows = [compare("all", "en", queries, runs)]
    for name, part in (("first_half_by_id", queries[:half]), ("second_half_by_id", queries[half:])):
        ids = [part[0].project_id, part[-1].project_id]
        rows.append(compare(name, "en", part, runs, project_id_range=ids))
    for programme in sorted({q.programme for q in queries}):
        group = [q for q in queries if q.programme == programme]
        rows.append(compare(f"programme_{programme}", "en", group, runs))
    return rows


def cross_language(queries: list[Query], rankers: dict[str, Ranker], english: dict) -> list:
    """Both systems on the translated subset, per language, with the loss vs English."""
    entries, note = subset(queries)
    if not entries:
        record(benchmark="match_quality", split="translated_subset", skipped=note)
        return []
    by_id = {q.project_id: q for q in queries}
    chosen = [by_id[e["project_id"]] for e in entries]
    base = compare(
        "translated_subset",
        "en",
        chosen,
        english,
        selection=note,
        project_ids=[q.project_id for q in chosen],
    )
    rows = [base]
    for lang in ("it", "fr", "de"):
        items = [(by_id[e["project_id"]], e[lang], lang) for e in entries]
        runs = {name: run(ranker, items) for name, ranker in rankers.items()}
        figures = {
            name: mean_metrics([r.metrics[q.project_id] for q in chosen])
            for name, r in runs.items()
        }
        losses = {
            name: {m: loss(base[name][m], figures[name][m]) for m in LOSS_METRICS} for name in runs
        }
        ms = {name: round(statistics.fmean(r.seconds) * 1000, 2) for name, r in runs.items()}
        rows.append(
            compare(
                "translated_subset",
                lang,
                chosen,
                runs,
                relative_loss_vs_en=losses,
                mean_latency_ms=ms,
            )
        )
    return rows


def latency(runs: dict[str, Run], scoring: Run) -> None:
    """Per-query latency of both systems on the English queries."""

    def figures(r: Run) -> dict:
        return {"mean_ms": round(statistics.fmean(r.seconds) * 1000, 2), **percentiles(r.seconds)}

    record(
        benchmark="match_quality_latency",
        queries=len(runs["filiera"].seconds),
        **{name: figures(r) for name, r in runs.items()},
        ratio_filiera_vs_bm25_mean=round(
            statistics.fmean(runs["filiera"].seconds) / statistics.fmean(runs["bm25"].seconds), 1
        ),
        filiera_scoring_only={
            **figures(scoring),
            "queries_with_other_metrics_than_match": sum(
                scoring.metrics[k] != v for k, v in runs["filiera"].metrics.items()
            ),
        },
        note="English queries one at a time, warm index. filiera: match(top=50) with its "
        "visibility query and explanations; filiera_scoring_only: query terms, scores and "
        "top 50 (engine functions, no explanations; may differ from match() by ties at "
        "rank 50); bm25: tokenise + retrieve(k=50)",
    )


# --- the learned ranker -------------------------------------------------------------------

ABLATION = {
    "own_text": ("own_text",),
    "project_history": ("best_project", "related_projects"),
    "track_record": ("projects_log", "coordinator_share", "recent_projects", "years_since_last"),
    "concepts": (
        *(f"overlap_{k}" for k in features.CONCEPT_KINDS),
        "capability_level",
        "country_fit",
    ),
    "holdings": ("certifications", "capabilities_evidenced"),
    "collaboration": ("partners_in_top",),
    "kind": tuple(f"kind_{k}" for k in features.KINDS),
    "research_share": ("research_share",),
    "need_type": tuple(f"need_{k}" for k in features.NEED_TYPES),
    "query_words": ("query_words",),
}


def without(examples: training.Examples, dropped: tuple[str, ...]) -> training.Examples:
    """A copy of `examples` whose `dropped` feature columns are missing (NaN) everywhere."""
    cols = [features.FEATURES.index(f) for f in dropped]
    rows = []
    for block in examples.rows:
        copy = block.copy()
        copy[:, cols] = np.nan
        rows.append(copy)
    out = training.Examples(rows, list(examples.grades), list(examples.groups), examples.missed)
    return out


def learned_ranker(session: Session, queries: list[Query], runs: dict[str, Run]) -> None:
    """Train with `filiera ranker train`'s protocol on the profile years (a model of 2022's
    projects checked on 2023's), then rank the 2024 queries with it whatever the verdict,
    and once per feature group left out (ablation); fixed weights and BM25 in the same run."""
    started = time.perf_counter()
    earlier = training.year_examples(session, LAST_PROFILE_YEAR - 1)
    later = training.year_examples(session, LAST_PROFILE_YEAR)
    index = build_index(session)
    pools = [training.query_rows(index, q.text, "en") for q in queries]
    fixed = mean_metrics([runs["filiera"].metrics[q.project_id] for q in queries])
    bm25 = mean_metrics([runs["bm25"].metrics[q.project_id] for q in queries])
    full = None
    for name, dropped in (("all_features", ()), *ABLATION.items()):
        booster, chosen = training.fit(without(earlier, dropped), without(later, dropped))
        cols = [features.FEATURES.index(f) for f in dropped]
        model = ranker.Ranker(booster, features.FEATURES)
        figures = []
        for query, (positions, rows, first_stage) in zip(queries, pools, strict=True):
            rows = rows.copy()
            rows[:, cols] = np.nan
            final = ranker.rerank(model, first_stage, rows, positions)
            ranking = [int(index.org_ids[p]) for p in top_positions(final, TOP)]
            figures.append(query_metrics(ranking, query.relevant))
        learned = mean_metrics(figures)
        full = full or learned
        record(
            benchmark="match_quality_learned",
            split="all",
            lang="en",
            queries=len(queries),
            left_out=name if dropped else None,
            features_left_out=list(dropped),
            validation=chosen,
            learned=learned,
            fixed_weights=fixed,
            bm25=bm25,
            ratio_learned_vs_bm25={m: ratio(learned[m], bm25[m]) for m in METRICS},
            ratio_learned_vs_fixed={m: ratio(learned[m], fixed[m]) for m in METRICS},
            change_vs_all_features={m: round(learned[m] - full[m], 4) for m in METRICS},
        )
    learning_curve(earlier, later, index, queries, pools, fixed, bm25)
    record(benchmark="match_quality_learned_run", seconds=round(time.perf_counter() - started, 1))


CURVE_SHARES = (0.25, 0.5, 0.75, 1.0)
CURVE_DRAWS = 6  # random subsets per share below 1
CURVE_SETTINGS = {"num_leaves": 3, "rounds": 100}  # the smallest of `training.fit`'s grid


def learning_curve(
    earlier: training.Examples,
    later: training.Examples,
    index,
    queries: list[Query],
    pools: list,
    fixed: dict,
    bm25: dict,
) -> None:
    """The learned ranker trained on a share of the training queries (2022's and 2023's
    projects, drawn at random), one model per draw with fixed settings, ranking the 2024
    queries: does the held-out quality still grow with the number of training queries?"""
    import lightgbm

    rows, grades = earlier.rows + later.rows, earlier.grades + later.grades
    for share in CURVE_SHARES:
        size = max(5, round(len(rows) * share))
        draws = 1 if share == 1.0 else CURVE_DRAWS
        per_draw = []
        for draw in range(draws):
            chosen = sorted(random.Random(draw).sample(range(len(rows)), size))
            data = lightgbm.Dataset(
                np.vstack([rows[i] for i in chosen]),
                np.concatenate([grades[i] for i in chosen]),
                group=[len(rows[i]) for i in chosen],
            )
            params = {**training.PARAMS, "num_leaves": CURVE_SETTINGS["num_leaves"]}
            booster = lightgbm.train(params, data, CURVE_SETTINGS["rounds"])
            model = ranker.Ranker(booster, features.FEATURES)
            figures = []
            for query, (positions, feature_rows, first_stage) in zip(queries, pools, strict=True):
                final = ranker.rerank(model, first_stage, feature_rows, positions)
                ranking = [int(index.org_ids[p]) for p in top_positions(final, TOP)]
                figures.append(query_metrics(ranking, query.relevant))
            per_draw.append(mean_metrics(figures))
        learned = {m: round(float(np.mean([d[m] for d in per_draw])), 4) for m in METRICS}
        record(
            benchmark="match_quality_learning_curve",
            split="all",
            lang="en",
            queries=len(queries),
            training_queries=size,
            training_queries_available=len(rows),
            draws=draws,
            settings=CURVE_SETTINGS,
            learned=learned,
            spread_between_draws={
                m: round(float(np.std([d[m] for d in per_draw])), 4) for m in METRICS
            },
            fixed_weights=fixed,
            bm25=bm25,
            ratio_learned_vs_fixed={m: ratio(learned[m], fixed[m]) for m in METRICS},
            ratio_learned_vs_bm25={m: ratio(learned[m], bm25[m]) for m in METRICS},
        )


# --- the kind of need ---------------------------------------------------------------------


def need_kinds(session: Session, queries: list[Query]) -> None:
    """The fit to the kind of need (production, procurement) on and off, same index and
    queries, per programme: 2024 on the profiles (EDF and EDIRPA), and 2023 on the registry
    up to 2022, the only year with production (ASAP) queries that have a history."""
    programme = dict(session.execute(select(Project.id, Project.call_identifier)).all())
    worlds = [("2024", build_index(session), [(q.programme, q.text, q.relevant) for q in queries])]
    index_2022 = build_index(session, until_year=LAST_PROFILE_YEAR - 1)
    worlds.append(
        (
            "2023",
            index_2022,
            [
                (programme_of(programme[q.project_id]), q.text, frozenset(q.grades))
                for q in training.projects_of_year(session, index_2022, LAST_PROFILE_YEAR)
            ],
        )
    )
    for year, index, items in worlds:
        mask = index.alive & index.public & ~index.synthetic
        by_programme: dict[str, dict[str, list]] = {}
        for prog, text, relevant in items:
            terms = query_terms(text, "en")
            raw = raw_scores(index, terms)
            need = read_need(text, "en")
            for variant, kind in (("with_need_kind", need.kind), ("without", None)):
                final, _parts = scaled(index, raw, mask, kind, terms.concepts)
                ranking = [int(index.org_ids[p]) for p in top_positions(final, TOP)]
                by_programme.setdefault(prog, {}).setdefault(variant, []).append(
                    query_metrics(ranking, relevant)
                )
            by_programme[prog].setdefault("read_as", []).append(need.kind)
        for prog, found in sorted(by_programme.items()):
            with_kind, without_kind = (
                mean_metrics(found["with_need_kind"]),
                mean_metrics(found["without"]),
            )
            record(
                benchmark="match_quality_need_kind",
                query_year=year,
                programme=prog,
                queries=len(found["without"]),
                read_as=dict(Counter(found["read_as"])),
                with_need_kind=with_kind,
                without=without_kind,
                ratio={m: ratio(with_kind[m], without_kind[m]) for m in METRICS},
            )


# --- short needs: titles and keywords -------------------------------------------------------

STYLES = ("title", "keywords", "full")


def styled(project: dict, style: str) -> str:
    """A project as a need of one style: its title, its keywords, or title and objective."""
    if style == "title":
        return project["title"].strip()
    if style == "keywords":
        return " ; ".join(k.replace("#", " ").strip() for k in project.get("keywords") or [])
    return query_text(project)


def query_styles(
    session: Session, queries: list[Query], projects: list[dict], rankers: dict[str, Ranker]
) -> None:
    """The same queries written short (the title alone, the keywords alone) and long:
    Filiera's `match()` against BM25 on 2024, and the length rule of the related-projects
    power (`engine.project_power`) against the steep power for every need, on 2024 and on
    2023 over the registry up to 2022 (the year the rule was chosen on); then the titles
    translated by hand into it/fr/de (`TITLES`) that have a history."""
    by_id = {str(p["project_id"]): p for p in projects}
    external = dict(session.execute(select(Project.id, Project.external_id)).all())
    index_2022 = build_index(session, until_year=LAST_PROFILE_YEAR - 1)
    earlier = {
        external[q.project_id]: frozenset(q.grades)
        for q in training.projects_of_year(session, index_2022, LAST_PROFILE_YEAR)
    }
    later = {q.project_id: q.relevant for q in queries}
    index_2023 = build_index(session)
    worlds = (("2023", index_2022, earlier, None), ("2024", index_2023, later, rankers))
    for year, index, relevant, systems in worlds:
        for style in STYLES:
            chosen = [
                (styled(by_id[pid], style), rel)
                for pid, rel in relevant.items()
                if styled(by_id[pid], style).strip()
            ]
            rule, steep = (mean_metrics(rows) for rows in power_ablation(index, chosen))
            row = {"length_rule": rule, "steep_power_only": steep}
            if systems:
                for name, ranker in systems.items():
                    found = [query_metrics(ranker(text, "en"), rel) for text, rel in chosen]
                    row[name] = mean_metrics(found)
                row["ratio_filiera_vs_bm25"] = {
                    m: ratio(row["filiera"][m], row["bm25"][m]) for m in METRICS
                }
            record(
                benchmark="match_quality_query_styles",
                query_year=year,
                style=style,
                queries=len(chosen),
                median_words=statistics.median(len(text.split()) for text, _ in chosen),
                **row,
                ratio_rule_vs_steep={m: ratio(rule[m], steep[m]) for m in METRICS},
            )
    translated_titles(((index_2022, earlier), (index_2023, later)))


TITLES = ROOT / "benchmarks" / "data" / "need_type_titles.json"


def translated_titles(worlds) -> None:
    """Short needs in four languages: the hand-translated titles of `TITLES` whose project
    has a history (the ASAP ones of 2023, the EDIRPA ones of 2024), length rule against
    the steep power, each title searched on the registry of the year before its call."""
    titles = json.loads(TITLES.read_text(encoding="utf-8"))["titles"]
    for lang in ("en", "it", "fr", "de"):
        rule: list[dict] = []
        steep: list[dict] = []
        for index, relevant in worlds:
            items = [
                (t[lang], relevant[t["project_id"]]) for t in titles if t["project_id"] in relevant
            ]
            found = power_ablation(index, items, lang)
            rule += found[0]
            steep += found[1]
        figures = mean_metrics(rule), mean_metrics(steep)
        record(
            benchmark="match_quality_translated_titles",
            lang=lang,
            queries=len(rule),
            length_rule=figures[0],
            steep_power_only=figures[1],
            ratio_rule_vs_steep={m: ratio(figures[0][m], figures[1][m]) for m in METRICS},
        )


def power_ablation(index, items, lang: str = "en") -> tuple[list[dict], list[dict]]:
    """Per-query metrics of the first stage with the length rule and with the steep power
    for every need (public records, no expansion), same index and queries."""
    mask = index.alive & index.public & ~index.synthetic
    rule: list[dict] = []
    steep: list[dict] = []
    for text, relevant in items:
        terms = query_terms(text, lang)
        need = read_need(text, lang)
        for found, power in ((rule, None), (steep, PROJECT_POWER)):
            final, _parts = scaled(
                index, raw_scores(index, terms, power), mask, need.kind, terms.concepts
            )
            found.append(
                query_metrics([int(index.org_ids[p]) for p in top_positions(final, TOP)], relevant)
            )
    return rule, steep


if __name__ == "__main__":
    main()
