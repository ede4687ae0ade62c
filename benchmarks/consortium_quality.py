"""Consortium building on real EDF consortia: a temporal split, Filiera against two baselines.

Protocol. A project's year is the 4-digit year of its call (EDF-2023-..., EDF-ASAP-2023-...).
For a split with history up to year H, a fresh SQLite registry gets every EDF organisation
but only the projects of calls up to H (filtered copies of projects.json and companies.json,
imported with `import_edf`), and the co-participation history is the EDF projects up to H
plus every Horizon 2020 participation (CORDIS, all before 2021). Each project of year H + 1
with at least three beneficiaries is a call: its title, objective and keywords are the text,
its real coordinator is fixed, and the consortium size is its real number of beneficiaries
(coordinator + participants; third parties and associated partners are left out). The
rule set is `edf` (research or development action from the project's type).

Metrics per call, averaged: `recall_history` = share of the real partners (beneficiaries
other than the coordinator) that have a history (a project up to H) found in the proposal;
`recall_all` = the same over every real partner; `rules_ok` = share of proposals that
satisfy every EDF rule. Baselines, same run, same candidates (organisations the builder may
use, coordinator excluded), same size: `bm25` = the top partners by the BM25 score of their
profile alone; `bm25_coparticipation` = BM25 + beta x tie strength with the coordinator
(beta chosen on the tuning split among 0.1, 0.25, 0.5, 1, 2, 4); `match` = the top partners by
the matchmaking score (BM25 + related projects + track record).

Splits: `tune` (history to 2022, calls of 2023: the builder's weights are chosen here) and
`test` (history to 2023, calls of 2024: never used for tuning, the figure to quote).

Data: European Commission, Funding & Tenders portal / CORDIS, CC BY 4.0 (../shared/data).
Short briefs: `--brief title` writes each call as its title alone, and `--steep` weighs
related projects steeply whatever the brief's length (the ablation of the length rule of
`engine.project_power`, which the builder's relevance follows).

Run: `python benchmarks/consortium_quality.py [--grid] [--brief title] [--steep] [--out F]`
(--grid re-tunes the weights on the tuning split). Writes JSON lines to stdout and
benchmarks/results-consortium-quality.jsonl (or F).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from _common import ROOT, SHARED, emit
from sqlalchemy import select

from filiera.access.viewer import Viewer
from filiera.consortia import inputs, rules, service
from filiera.consortia.builder import strength
from filiera.consortia.graph import History, collaboration, read_history
from filiera.consortia.schemas import BuildIn
from filiera.db import Database
from filiera.errors import FilieraError
from filiera.imports.edf import import_edf, load_json
from filiera.match import engine
from filiera.match.engine import MatchFilters
from filiera.match.service import current_index, relevance
from filiera.registry.models import Identifier

OUTPUT = ROOT / "benchmarks" / "results-consortium-quality.jsonl"
YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
BENEFICIARIES = ("coordinator", "participant")
BETAS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
DEFAULT_WEIGHTS = {"collaboration": 0.35, "newcomer": 0.1, "fixed_ties": 0.25}
GRID = [
    {"collaboration": c, "newcomer": n, "fixed_ties": f}
    for c in (0.0, 0.35)
    for f in (0.0, 0.1, 0.25, 0.5)
    for n in (0.1,)
]
SPLITS = {"tune": 2022, "test": 2023}


def call_year(project: dict) -> int | None:
    found = YEAR.search(project.get("call_identifier") or "")
    return int(found.group(1)) if found else None


@dataclass
class Call:
    project_id: str
    acronym: str
    text: str
    action: str
    coordinator: str  # PIC
    partners: list[str]  # PICs of the other beneficiaries


def brief_text(p: dict, brief: str) -> str:
    """A call's text: title, objective and keywords, or (`brief="title"`) the title alone."""
    if brief == "title":
        return p["title"]
    return f"{p['title']}. {p.get('objective') or ''} {' '.join(p.get('keywords') or [])}"


def calls_of(projects: list[dict], year: int, brief: str = "full") -> list[Call]:
    out = []
    for p in sorted(projects, key=lambda p: str(p["project_id"])):
        if call_year(p) != year:
            continue
        members = [x for x in p.get("participants") or [] if x.get("role") in BENEFICIARIES]
        coordinator = (p.get("coordinator") or {}).get("pic")
        pics = list(dict.fromkeys(str(x["pic"]) for x in members))
        if not coordinator or len(pics) < 3:
            continue
        text = brief_text(p, brief)
        action = "research" if "Research" in (p.get("type_of_action") or "") else "development"
        partners = [pic for pic in pics if pic != str(coordinator)]
        out.append(
            Call(
                str(p["project_id"]),
                p.get("acronym") or "",
                text,
                action,
                str(coordinator),
                partners,
            )
        )
    return out


def registry(folder: Path, projects: list[dict], companies: list[dict], until: int) -> Database:
    """A SQLite registry with every organisation and the projects of calls up to `until`."""
    kept = [p for p in projects if (call_year(p) or 9999) <= until]
    ids = {str(p["project_id"]) for p in kept}
    filtered = [
        {
            **c,
            "participations": [
                x for x in c.get("participations") or [] if str(x["project_id"]) in ids
            ],
        }
        for c in companies
    ]
    data = folder / f"edf-{until}"
    data.mkdir()
    (data / "projects.json").write_text(json.dumps(kept), encoding="utf-8")
    (data / "companies.json").write_text(json.dumps(filtered), encoding="utf-8")
    db = Database(f"sqlite:///{folder}/registry-{until}.db")
    db.upgrade()
    with db.session() as session:
        import_edf(session, data, skip_invalid=True, imported_by="benchmark")
    return db


def top_by(scores: np.ndarray, usable: np.ndarray, k: int) -> list[int]:
    masked = np.where(usable, scores, -np.inf)
    order = np.argsort(-masked, kind="stable")[:k]
    return [int(p) for p in order if np.isfinite(masked[p])]


def evaluate(
    db: Database,
    calls: list[Call],
    history: History,
    weights: dict,
    betas: tuple[float, ...] = BETAS,
) -> dict:
    """Per-call results of the builder and the baselines."""
    viewer = Viewer.system()
    rows = []
    edf = {}
    with db.session() as session:
        index = current_index(session)
        stmt = select(Identifier.value, Identifier.organisation_id).where(
            Identifier.scheme == "pic"
        )
        pic_org = {pic: org_id for pic, org_id in session.execute(stmt)}
        for call in calls:
            coordinator = pic_org.get(call.coordinator)
            partners = {pic_org[p] for p in call.partners if p in pic_org}
            with_history = {
                pic_org[p] for p in call.partners if p in pic_org and history.projects_of.get(p)
            }
            if coordinator is None or not partners:
                continue
            size = len(call.partners) + 1
            edf.setdefault(call.action, rules.load("edf", {"action": call.action}))
            row = {
                "project_id": call.project_id,
                "acronym": call.acronym,
                "size": size,
                "partners": len(partners),
                "with_history": len(with_history),
            }
            request = BuildIn(
                text=call.text,
                rules="edf",
                rule_params={"action": call.action},
                with_=[str(coordinator)],
                size_min=size,
                size_max=size,
                alternatives=1,
                **weights,
            )
            started = time.perf_counter()
            try:
                out = service.build(session, viewer, request, history=history)
                chosen = {m.org_id for m in out.consortia[0].members} - {coordinator}
                row["builder_rules_ok"] = all(r.ok for r in out.consortia[0].rules)
            except FilieraError as error:
                chosen, row["builder_error"] = set(), error.message
                row["builder_rules_ok"] = False
            row["builder_seconds"] = round(time.perf_counter() - started, 3)
            row["builder"] = _recall(chosen, partners, with_history)
            flt = MatchFilters(exclude_kinds=service.NOT_PARTNERS, include_synthetic=None)
            rel = relevance(session, viewer, call.text, filters=flt)
            usable = rel.eligible.copy()
            usable[index.position(coordinator)] = False
            k = size - 1
            picks = {
                "bm25": top_by(rel.parts["profile"], usable, k),
                "match": top_by(rel.final, usable, k),
            }
            positions = np.flatnonzero(
                usable | (np.arange(index.size) == index.position(coordinator))
            )
            links = collaboration(index, positions.tolist(), history)
            cpos = index.position(coordinator)
            ties = np.zeros(index.size)
            for p in positions.tolist():
                if p != cpos and (n := links.pair(cpos, p)):
                    ties[p] = strength(n)
            for beta in betas:
                picks[f"bm25_coparticipation@{beta}"] = top_by(
                    rel.parts["profile"] + beta * ties, usable, k
                )
            for name, chosen_positions in picks.items():
                ids = {int(index.org_ids[p]) for p in chosen_positions}
                row[name] = _recall(ids, partners, with_history)
                members = inputs.members_at(session, index, [cpos, *chosen_positions])
                row[name]["rules_ok"] = all(o.ok for o in rules.check(edf[call.action], members))
            rows.append(row)
    return {"rows": rows}


def _recall(chosen: set[int], partners: set[int], with_history: set[int]) -> dict:
    return {
        "recall_history": len(chosen & with_history) / len(with_history) if with_history else None,
        "recall_all": len(chosen & partners) / len(partners),
    }


def summary(rows: list[dict], system: str) -> dict:
    def mean(key: str) -> float:
        values = [r[system][key] for r in rows if r[system].get(key) is not None]
        return round(statistics.mean(values), 4) if values else 0.0

    ok_key = "builder_rules_ok" if system == "builder" else None
    rules_ok = [r[ok_key] if ok_key else r[system]["rules_ok"] for r in rows]
    return {
        "recall_history": mean("recall_history"),
        "recall_all": mean("recall_all"),
        "rules_ok": round(sum(rules_ok) / len(rules_ok), 4) if rules_ok else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", action="store_true", help="re-tune the weights (slow)")
    parser.add_argument("--limit", type=int, default=0, help="at most this many calls per split")
    parser.add_argument(
        "--brief",
        choices=("full", "title"),
        default="full",
        help="the call's text: title, objective and keywords (default), or the title alone",
    )
    parser.add_argument(
        "--steep",
        action="store_true",
        help="weigh related projects steeply whatever the brief's length (ablation of "
        "engine.project_power's length rule)",
    )
    parser.add_argument("--out", type=Path, default=OUTPUT, help="JSON lines output file")
    args = parser.parse_args()
    if args.steep:
        engine.SHORT_PROJECT_POWER = engine.PROJECT_POWER
    folder = SHARED / "edf"
    if not (folder / "projects.json").exists():
        sys.exit(f"EDF data not found at {folder}: set FILIERA_SHARED_DATA")
    projects = load_json(folder / "projects.json")
    companies = load_json(folder / "companies.json")
    results = []

    def out(**record: object) -> None:
        emit(**record)
        results.append(record)

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        split_data = {}
        for split, until in SPLITS.items():
            db = registry(tmp_path, projects, companies, until)
            history = read_history(projects, SHARED / "h2020", until_year=until)
            calls = calls_of(projects, until + 1, args.brief)[: args.limit or None]
            split_data[split] = (db, history, calls)
        db, history, calls = split_data["tune"]
        weights = DEFAULT_WEIGHTS
        tune_rows = evaluate(db, calls, history, weights)["rows"]
        best_beta = max(
            BETAS, key=lambda b: summary(tune_rows, f"bm25_coparticipation@{b}")["recall_history"]
        )
        if args.grid:
            scored = []
            for candidate in GRID:
                rows = evaluate(db, calls, history, candidate, betas=())["rows"]
                scored.append((summary(rows, "builder")["recall_history"], candidate))
                out(
                    benchmark="consortium_quality",
                    split="tune",
                    weights=candidate,
                    builder=summary(rows, "builder"),
                )
            weights = max(scored, key=lambda s: s[0])[1]
        for split, (db, history, calls) in split_data.items():
            rows = (
                tune_rows
                if split == "tune" and weights == DEFAULT_WEIGHTS
                else evaluate(db, calls, history, weights)["rows"]
            )
            builder = summary(rows, "builder")
            base = {
                "bm25": summary(rows, "bm25"),
                "bm25_coparticipation": summary(rows, f"bm25_coparticipation@{best_beta}"),
                "match": summary(rows, "match"),
            }
            seconds = [r["builder_seconds"] for r in rows]
            out(
                benchmark="consortium_quality",
                split=split,
                history_until=SPLITS[split],
                calls=len(rows),
                weights=weights,
                beta=best_beta,
                builder=builder,
                baselines=base,
                ratio_vs_bm25=_ratio(builder, base["bm25"]),
                ratio_vs_bm25_coparticipation=_ratio(builder, base["bm25_coparticipation"]),
                ratio_vs_match=_ratio(builder, base["match"]),
                build_seconds_p50=round(statistics.median(seconds), 3),
                build_seconds_max=round(max(seconds), 3),
                errors=[r["builder_error"] for r in rows if "builder_error" in r],
                brief=args.brief,
                related_projects_power="steep" if args.steep else "by length",
                credit="European Commission, Funding & Tenders portal / CORDIS, CC BY 4.0",
            )
    with args.out.open("w", encoding="utf-8") as handle:
        for record in results:
            handle.write(json.dumps(record, default=str) + "\n")


def _ratio(ours: dict, base: dict) -> float | None:
    return (
        round(ours["recall_history"] / base["recall_history"], 3)
        if base["recall_history"]
        else None
    )


if __name__ == "__main__":
    main()
