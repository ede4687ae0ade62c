"""Investment theses on the demo data: how many start-ups reach the first page, and at what
cost in text relevance.

Protocol. The full demo (`filiera demo`'s data: 104 start-ups, all synthetic, 539 SMEs of
which 220 real with EDF projects) is loaded into a fresh SQLite database (or `--db` reuses
one). Theses: every demo thesis, plus four written here in it, fr, de and en (sectors,
stages or a ticket, not saved). Each is ranked for an anonymous visitor three ways in the
same run, over the same index:

- `before`: what `startups_for` did before issue 16 part 4: `match()` with the thesis's
  text and filters, synthetic organisations left out when any real one matches;
- `relevance`: the same candidates as `after` (real ones first, kind by kind), ordered by
  the matchmaking relevance alone (isolates the prior from the synthetic rule);
- `after`: `needs.investing` (relevance re-weighted by the start-up prior).

Metrics per thesis and ranking: `startups_top10`, `startups_top20` (share of start-ups),
`relevance_top10` (mean relevance of the top 10, relevance as `match.service.relevance`
scores it) and `weak_top10` (results in the top 10 whose relevance is under a quarter of
the best candidate's). The summary averages them over the theses; `ratio_relevance` is the
after / relevance-only ratio of `relevance_top10` (what text relevance the prior gives up).

Run: `python benchmarks/thesis_quality.py [--db var/filiera-demo.db]`. Writes JSON lines
to stdout and appends them to benchmarks/results-thesis-quality.jsonl.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from _common import ROOT, emit

from filiera.access.viewer import Viewer
from filiera.db import Database
from filiera.match.engine import top_positions
from filiera.match.service import match
from filiera.needs import investing, service
from filiera.needs.models import Thesis

RESULTS = ROOT / "benchmarks" / "results-thesis-quality.jsonl"
WEAK = 0.25
WRITTEN = [
    {
        "title": "Droni e spazio per la difesa",
        "lang": "it",
        "text": "Capitale per start-up che sviluppano droni autonomi, sciami e sorveglianza "
        "dallo spazio per la difesa europea.",
        "sectors": ["air.uas", "space.earth_observation"],
        "stages": ["seed"],
    },
    {
        "title": "Cybersécurité de défense",
        "lang": "fr",
        "text": "Financement d'amorçage pour des start-up de cybersécurité, de cryptographie "
        "et de communications sécurisées pour la défense.",
        "sectors": ["cyber", "c4isr.communications"],
        "ticket_min": 500_000,
        "ticket_max": 3_000_000,
    },
    {
        "title": "Sensorik und KI",
        "lang": "de",
        "text": "Wagniskapital für Start-ups in Radar, Elektrooptik und künstlicher "
        "Intelligenz für die Verteidigung.",
        "sectors": ["electronics.radar", "electronics.electro_optics", "ai_autonomy.ai"],
        "stages": ["seed", "series_a"],
    },
    {
        "title": "Advanced materials",
        "lang": "en",
        "text": "Series A for European start-ups in composites, protection materials and "
        "additive manufacturing for defence.",
        "sectors": ["materials.composites", "additive.metal"],
        "stages": ["series_a"],
    },
]


def theses(session) -> list[Thesis]:
    """The demo's theses and the written ones (transient, never saved)."""
    demo = service.list_theses(session, Viewer.system())
    blank = {"countries": [], "stages": [], "sectors": [], "ticket_min": None, "ticket_max": None}
    return demo + [Thesis(**{**blank, **w}) for w in WRITTEN]


def measure(kinds: list[str], relevance: np.ndarray, best: float) -> dict[str, float]:
    top10, top20 = kinds[:10], kinds[:20]
    return {
        "startups_top10": round(top10.count("startup") / max(len(top10), 1), 3),
        "startups_top20": round(top20.count("startup") / max(len(top20), 1), 3),
        "relevance_top10": round(float(np.mean(relevance[:10])) if len(relevance) else 0.0, 4),
        "weak_top10": int((relevance[:10] < WEAK * best).sum()),
    }


def rank_three_ways(session, thesis: Thesis) -> dict[str, dict]:
    viewer = Viewer.anonymous()
    text, filters = service.thesis_query(thesis)
    before = match(
        session,
        viewer,
        text,
        lang=thesis.lang,
        filters=replace(filters, include_synthetic=None),
        top=20,
    )
    ranking = service.thesis_ranking(session, viewer, thesis, include_synthetic=None)
    index, rel = ranking.index, ranking.relevance.final
    shown = ranking.fits > 0  # the candidates after the synthetic rule, relevant ones
    best = float(rel[shown].max()) if shown.any() else 0.0
    plain = top_positions(np.where(shown, rel, 0.0), 20)
    after = top_positions(ranking.fits, 20)
    rel_of = {int(index.org_ids[p]): float(rel[p]) for p in np.flatnonzero(shown)}
    before_rel = np.array([rel_of.get(h.org_id, 0.0) for h in before.results])
    return {
        "before": measure([h.kind for h in before.results], before_rel, best),
        "relevance": measure([str(index.kind[p]) for p in plain], rel[plain], best),
        "after": measure([str(index.kind[p]) for p in after], rel[after], best),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="an SQLite file holding the demo (else loaded afresh)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(args.db) if args.db else Path(folder) / "demo.db"
        db = Database(f"sqlite:///{path}")
        if not args.db:
            from filiera.demo.load import load_demo

            db.ensure_ready()
            with db.session() as session:
                load_demo(session)
        run(db)
        db.dispose()


def run(db: Database) -> None:
    rows = []
    with db.session() as session:
        for thesis in theses(session):
            start = time.perf_counter()
            found = rank_three_ways(session, thesis)
            row = {
                "benchmark": "thesis_quality",
                "thesis": thesis.title,
                "lang": thesis.lang,
                "seconds": round(time.perf_counter() - start, 3),
                **found,
            }
            rows.append(row)
            emit(**row)
    summary = {
        "benchmark": "thesis_quality",
        "summary": True,
        "theses": len(rows),
        "date": time.strftime("%Y-%m-%d"),
        "params": {
            "relevance_power": investing.prior.RELEVANCE_POWER,
            "floor": investing.prior.FLOOR,
            "weights": investing.prior.WEIGHTS,
        },
    }
    for way in ("before", "relevance", "after"):
        summary[way] = {
            key: round(statistics.mean(r[way][key] for r in rows), 3) for key in rows[0][way]
        }
    base = summary["relevance"]["relevance_top10"]
    summary["ratio_relevance"] = (
        round(summary["after"]["relevance_top10"] / base, 3) if base else None
    )
    emit(**summary)
    with RESULTS.open("a", encoding="utf-8") as out:
        for row in [*rows, summary]:
            out.write(json.dumps(row, default=str) + "\n")


if __name__ == "__main__":
    main()
