"""Matchmaking speed: index build time and query latency at 100,000 organisations.

The registry holds the real EDF data plus N synthetic organisations. For each backend:
the time to build the match index, then p50/p95 latency of `match()` (the full call: the
index-freshness check, scoring, filters, the visibility query and explanations) for
queries in four languages, without and with filters, as an anonymous viewer. The
baseline in the same run is `bm25s` (PyStemmer English) retrieving the top 50 over the
same organisations' names and descriptions: the ratio says what Filiera's extra work
(projects, concepts, network, filters, visibility, reasons) costs.

    python benchmarks/match_speed.py [--orgs 100000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from _common import SHARED, backend, emit, percentiles

from filiera.access.viewer import Viewer
from filiera.db import Database
from filiera.imports.edf import import_edf
from filiera.match.engine import MatchFilters
from filiera.match.index import build_index
from filiera.match.service import forget_indexes, match
from filiera.synth import load_synthetic

QUERIES = [
    ("en", "155 mm artillery ammunition production ramp-up", MatchFilters()),
    ("it", "radar anti-drone per la protezione di basi aeree", MatchFilters()),
    ("fr", "satellites d'observation de la Terre et communications sécurisées", MatchFilters()),
    ("de", "Flugabwehr gegen Drohnen und Marschflugkörper", MatchFilters()),
    ("en", "counter-drone interceptors", MatchFilters(countries=["IT", "FR", "DE"], sme_only=True)),
    (
        "it",
        "compositi per strutture aeronautiche",
        MatchFilters(countries=["IT"], capability="materials"),
    ),
]


def load(url: str, orgs: int) -> Database:
    db = Database(url)
    db.ensure_ready()
    with db.session() as session:
        if (SHARED / "edf" / "companies.json").exists():
            import_edf(session, SHARED / "edf", skip_invalid=True)
        load_synthetic(session, orgs, seed=7)
    return db


def baseline(db: Database):
    """bm25s over names and descriptions; returns a query function."""
    import bm25s
    import Stemmer
    from sqlalchemy import select

    from filiera.registry.models import Organisation

    with db.session() as session:
        rows = session.execute(select(Organisation.name, Organisation.descriptions)).all()
    texts = [f"{name} {' '.join((desc or {}).values())}" for name, desc in rows]
    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False),
        show_progress=False,
    )

    def query(text: str) -> None:
        tokens = bm25s.tokenize([text], stopwords="en", stemmer=stemmer, show_progress=False)
        retriever.retrieve(tokens, k=50, show_progress=False)

    return query


def bench(name: str, orgs: int, repeats: int) -> None:
    with backend(name) as url:
        if url is None:
            return
        started = time.perf_counter()
        db = load(url, orgs)
        emit(
            benchmark="match_speed",
            backend=name,
            step="load",
            orgs=orgs,
            seconds=round(time.perf_counter() - started, 1),
        )
        with db.session() as session:
            index = build_index(session)
        emit(
            benchmark="match_speed",
            backend=name,
            step="index_build",
            orgs=index.size,
            projects=len(index.projects),
            seconds=round(index.built_seconds, 2),
        )
        forget_indexes()
        search = baseline(db)
        viewer = Viewer.anonymous()
        with db.session() as session:
            match(session, viewer, "warm up", top=50)
        for lang, text, filters in QUERIES:
            samples, base = [], []
            for _ in range(repeats):
                with db.session() as session:
                    t0 = time.perf_counter()
                    result = match(session, viewer, text, lang=lang, filters=filters, top=50)
                    samples.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                search(text)
                base.append(time.perf_counter() - t0)
            ours, theirs = percentiles(samples), percentiles(base)
            emit(
                benchmark="match_speed",
                backend=name,
                step="query",
                lang=lang,
                query=text,
                filtered=filters != MatchFilters(),
                results=len(result.results),
                **ours,
                baseline_bm25s=theirs,
                ratio_p50=round(ours["p50_ms"] / max(theirs["p50_ms"], 1e-3), 2),
                ratio_p95=round(ours["p95_ms"] / max(theirs["p95_ms"], 1e-3), 2),
            )
        viewer_cost(name, db, repeats)
        db.dispose()
        forget_indexes()


def viewer_cost(name: str, db: Database, repeats: int) -> None:
    """What confidentiality costs a signed-in query, as a ratio to the anonymous one.

    A quarter of the organisations become members-only and one in twenty restricted
    (granted to buyers); an anonymous query needs no SQL for visibility, a member's and a
    buyer's read the non-public organisations they may see (match.service.viewer_mask).
    """
    from sqlalchemy import insert, select, update

    from filiera.access.models import AccessGrant
    from filiera.registry.models import Membership, Organisation

    with db.session() as session:
        ids = session.scalars(select(Organisation.id).order_by(Organisation.id)).all()
        members, restricted = ids[::4], ids[1::20]
        for chunk in range(0, len(members), 5000):
            part = members[chunk : chunk + 5000]
            session.execute(
                update(Organisation).where(Organisation.id.in_(part)).values(visibility="members")
            )
        session.execute(
            update(Organisation)
            .where(Organisation.id.in_(restricted))
            .values(visibility="restricted")
        )
        session.add_all(
            AccessGrant(entity="organisation", entity_id=i, role="buyer") for i in restricted
        )
        cluster = Organisation(
            name="Benchmark Cluster", name_key="benchmark cluster", kind="cluster", country="IT"
        )
        session.add(cluster)
        session.flush()
        joined = ids[::10]  # a cluster of 10% of the registry, a quarter of them members-only
        session.execute(
            insert(Membership),
            [{"cluster_id": cluster.id, "organisation_id": i} for i in joined],
        )
        cluster, member = cluster.id, joined[0]
    forget_indexes()
    viewers = {
        "anonymous": Viewer.anonymous(),
        "member": Viewer(1, "bench-member", "member", frozenset({member}), frozenset({cluster})),
        "buyer": Viewer(2, "bench-buyer", "buyer"),
        "admin": Viewer(3, "bench-admin", "admin"),
    }
    for lang, text, filters in (QUERIES[0], QUERIES[4]):
        timings = {}
        for who, viewer in viewers.items():
            samples = []
            for _ in range(repeats + 1):
                with db.session() as session:
                    t0 = time.perf_counter()
                    result = match(session, viewer, text, lang=lang, filters=filters, top=50)
                    samples.append(time.perf_counter() - t0)
            timings[who] = (percentiles(samples[1:]), result.candidates)
        base = timings["anonymous"][0]
        for who, (ours, candidates) in timings.items():
            emit(
                benchmark="match_speed",
                backend=name,
                step="viewer",
                viewer=who,
                query=text,
                candidates=candidates,
                **ours,
                ratio_p50_vs_anonymous=round(ours["p50_ms"] / max(base["p50_ms"], 1e-3), 2),
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--out", type=Path, default=None, help="Also append results here.")
    args = parser.parse_args()
    for name in args.backends.split(","):
        bench(name.strip(), args.orgs, args.repeats)


if __name__ == "__main__":
    main()
