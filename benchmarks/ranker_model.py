"""Train the ranker model shipped in the package, from the EDF data shipped with it.

The packaged EDF projects and participants (European Commission, Funding & Tenders portal /
CORDIS, CC BY 4.0) are imported into a temporary SQLite database, and `filiera ranker
train`'s library call trains on them with its defaults: settings chosen and adoption decided
on the second newest call year with a model of the year before; the newest year is never
seen. Writes `src/filiera/match/data/ranker.json` and prints one JSON line (what was
chosen, the validation nDCG@10 against the fixed weights in the same run, adopted or not).

    python benchmarks/ranker_model.py [--out src/filiera/match/data/ranker.json]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from _common import emit

from filiera.db import Database
from filiera.imports.data import EDF_DIR
from filiera.imports.edf import import_edf
from filiera.match import ranker, training


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ranker.PACKAGED)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/edf.db")
        db.ensure_ready()
        with db.session() as session:
            import_edf(session, EDF_DIR, skip_invalid=True)
        with db.session() as session:
            booster, report = training.train(session)
        db.dispose()
    meta = {"trained_on": "packaged EDF data", **asdict(report), **report.chosen}
    ranker.save(args.out, booster, meta)
    emit(
        benchmark="ranker_model",
        out=str(args.out),
        seconds=round(time.perf_counter() - started, 1),
        **{k: v for k, v in meta.items() if k != "importance"},
        importance_top=dict(sorted(report.importance.items(), key=lambda kv: -kv[1])[:8]),
    )


if __name__ == "__main__":
    main()
