"""Matchmaking speed: index build time and query latency at 100,000 organisations.

The registry holds the real EDF data plus N synthetic organisations. For each backend:
the time to build the match index, then p50/p95 latency of `match()` (the full call: the
index-freshness check, scoring, filters, the visibility query and explanations) for
queries in four languages, without and with filters, as an anonymous viewer. The
baseline in the same run is `bm25s` (PyStemmer English) retrieving the top 50 over the
same organisations' names and descriptions: the ratio says what Filiera's extra work
(projects, concepts, network, filters, visibility, reasons) costs. Then, with a quarter of
the organisations members-only and 1 in 20 restricted, the same per viewer (anonymous,
member, buyer, admin): `viewer` while the index rebuilds after that change, `viewer_quiet`
once it is done.

The live steps (`--steps live`, match/live.py): the full build (today's behaviour after an
edit: the baseline), loading the saved index from disk, edit-to-visible latency over 30
edits of seven kinds (commit, then time the next `match()` until it shows the edit), and
query p95 before and after 1,000 edits held in the delta; the index's size in memory.

    python benchmarks/match_speed.py [--orgs 100000] [--backends sqlite,postgresql]
        [--steps queries,live] [--out benchmarks/results-match-speed-live.jsonl]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import _common
import numpy as np
from _common import SHARED, backend, percentiles
from sqlalchemy import select

from filiera.access.viewer import Viewer
from filiera.db import Database
from filiera.imports.edf import import_edf
from filiera.match.engine import MatchFilters
from filiera.match.index import build_index
from filiera.match.service import current_index, forget_indexes, live_index, match, use_index_dir
from filiera.registry.models import Organisation
from filiera.synth import load_synthetic

OUT: list[Path | None] = [None]  # --out: results are appended there too


def emit(**result: object) -> None:
    _common.emit(**result)
    if OUT[0] is not None:
        with OUT[0].open("a", encoding="utf-8") as out:
            out.write(json.dumps(result, default=str) + "\n")


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


def bench(name: str, orgs: int, repeats: int, steps: set[str]) -> None:
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
        if "live" in steps:
            live(name, db, repeats)
        if "queries" not in steps:
            db.dispose()
            forget_indexes()
            return
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


def open_to_viewers(db: Database) -> dict[str, Viewer]:
    """Make a quarter of the organisations members-only and one in twenty restricted
    (granted to buyers), with a cluster of 10 % of the registry; the four viewers to time."""
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
    return {
        "anonymous": Viewer.anonymous(),
        "member": Viewer(1, "bench-member", "member", frozenset({member}), frozenset({cluster})),
        "buyer": Viewer(2, "bench-buyer", "buyer"),
        "admin": Viewer(3, "bench-admin", "admin"),
    }


def viewer_cost(name: str, db: Database, repeats: int) -> None:
    """What confidentiality costs a signed-in query, as a ratio to the anonymous one.

    An anonymous query needs no SQL for visibility, a member's and a buyer's read the
    non-public organisations they may see (match.service.viewer_mask) and log their reads
    of restricted ones. Timed twice: at once after the visibility changes (`viewer`: the
    index rebuilds in a background thread meanwhile), then once that rebuild is done
    (`viewer_quiet`).
    """
    viewers = open_to_viewers(db)
    forget_indexes()
    time_viewers(name, db, viewers, repeats, "viewer")
    with db.session() as session:
        rebuilding = live_index(session).rebuilding
    if rebuilding is not None:
        rebuilding.join()
    time_viewers(name, db, viewers, repeats, "viewer_quiet")


def time_viewers(
    name: str, db: Database, viewers: dict[str, Viewer], repeats: int, step: str
) -> None:
    """p50/p95/max of `match()` per viewer for an unfiltered and a filtered query (the
    first call of each, the index's catch-up, is left out)."""
    for lang, text, filters in (QUERIES[0], QUERIES[4]):
        timings = {}
        for who, viewer in viewers.items():
            samples = []
            for _ in range(repeats + 1):
                with db.session() as session:
                    t0 = time.perf_counter()
                    result = match(session, viewer, text, lang=lang, filters=filters, top=50)
                    samples.append(time.perf_counter() - t0)
            timings[who] = (percentiles(samples[1:]), max(samples[1:]), result.candidates)
        base = timings["anonymous"][0]
        for who, (ours, slowest, candidates) in timings.items():
            emit(
                benchmark="match_speed",
                backend=name,
                step=step,
                viewer=who,
                query=text,
                candidates=candidates,
                **ours,
                max_ms=round(slowest * 1000, 2),
                ratio_p50_vs_anonymous=round(ours["p50_ms"] / max(base["p50_ms"], 1e-3), 2),
            )


def index_bytes(index) -> int:
    """Memory held by an index: its arrays, postings and Python lists (deep, approximate)."""
    total = 0
    for value in vars(index).values():
        if isinstance(value, np.ndarray):
            total += value.nbytes
        elif hasattr(value, "nbytes"):
            total += value.nbytes()
        elif isinstance(value, dict):
            total += sys.getsizeof(value) + sum(
                getattr(v, "nbytes", 0) if not isinstance(v, str) else sys.getsizeof(v)
                for v in value.values()
            )
        elif isinstance(value, list):
            total += sys.getsizeof(value) + sum(sys.getsizeof(v) for v in value)
    vocab = sum(
        sys.getsizeof(t) + 100
        for b in (index.profile, index.org_text)
        for t in getattr(b, "base", b).vocab
    )
    return total + vocab


def live(name: str, db: Database, repeats: int) -> None:
    """Build, load from disk, edit-to-visible latency, queries with a 1,000-edit delta."""
    forget_indexes()
    use_index_dir(Path(tempfile.mkdtemp(prefix="filiera-index-")))
    with db.session() as session:
        t0 = time.perf_counter()
        index = current_index(session)
        build = time.perf_counter() - t0
        path = live_index(session).path
    emit(
        benchmark="match_speed_live",
        backend=name,
        step="full_build",
        orgs=index.size,
        seconds=round(build, 2),
        index_bytes=index_bytes(index),
        file_bytes=path.stat().st_size if path else None,
    )
    forget_indexes()
    with db.session() as session:
        t0 = time.perf_counter()
        loaded = current_index(session)
        seconds = time.perf_counter() - t0
        assert live_index(session).loaded_from_disk and loaded.size == index.size
    emit(
        benchmark="match_speed_live",
        backend=name,
        step="load_from_disk",
        seconds=round(seconds, 2),
        baseline_full_build_seconds=round(build, 2),
        ratio=round(seconds / build, 3),
    )
    edit_latency(name, db, build)
    delta_queries(name, db, repeats)
    use_index_dir(None)


EDITS = ("rename", "new_org", "capability", "hide", "participation", "describe", "delete")


def _edit(session, kind: str, org_id: int, token: str) -> tuple[str, bool]:
    """Make one edit of `kind`; returns the query that shows it and whether the token
    must appear (True) or disappear (False) for an anonymous viewer."""
    from filiera.registry.models import OrgCapability, Participation, Project

    org = session.get(Organisation, org_id)
    if kind == "rename":
        org.name = f"{token} Avionics"
    elif kind == "new_org":
        session.add(Organisation(name=f"{token} Optronics", name_key=token, kind="sme"))
    elif kind == "capability":
        org.name = f"{token} Works"
        session.add(OrgCapability(organisation_id=org_id, code="space.satellites"))
    elif kind == "hide":
        org.name, org.visibility = f"{token} Hidden", "members"
        return token, False
    elif kind == "participation":
        project = Project(programme="EDF", external_id=token, title=f"{token} demonstrator")
        session.add(project)
        session.flush()
        session.add(Participation(project_id=project.id, organisation_id=org_id, role="partner"))
    elif kind == "describe":
        org.descriptions = {"en": f"{token} hypersonic interceptors"}
    elif kind == "delete":
        name = org.name
        session.delete(org)
        return name, False
    return token, True


def edit_latency(name: str, db: Database, build: float) -> None:
    """Commit an edit, then time the next `match()` until it reflects it (30 edits)."""
    viewer = Viewer.anonymous()
    samples: dict[str, list[float]] = {kind: [] for kind in EDITS}
    with db.session() as session:
        ids = session.scalars(
            select(Organisation.id).where(Organisation.visibility == "public").limit(200)
        ).all()
    for i in range(30):
        kind, token = EDITS[i % len(EDITS)], f"zq{i:03d}x{'abcdefghij'[i % 10]}"
        with db.session() as session:
            text, present = _edit(session, kind, ids[i + 10], token)
        with db.session() as session:
            t0 = time.perf_counter()
            result = match(session, viewer, text, lang="en", top=50)
            samples[kind].append(time.perf_counter() - t0)
        shown = any(token in h.name or h.org_id == ids[i + 10] for h in result.results)
        assert shown == present, (kind, token, [h.name for h in result.results[:3]])
    every = [s for values in samples.values() for s in values]
    emit(
        benchmark="match_speed_live",
        backend=name,
        step="edit_to_visible",
        edits=len(every),
        kinds=list(EDITS),
        **percentiles(every),
        per_kind_p50_ms={k: percentiles(v)["p50_ms"] for k, v in samples.items()},
        baseline_full_rebuild_ms=round(build * 1000, 1),
        ratio_p95=round(percentiles(every)["p95_ms"] / (build * 1000), 4),
    )


def query_p95(db: Database, repeats: int) -> dict[str, float]:
    viewer, samples = Viewer.anonymous(), []
    for lang, text, filters in QUERIES:
        for _ in range(repeats):
            with db.session() as session:
                t0 = time.perf_counter()
                match(session, viewer, text, lang=lang, filters=filters, top=50)
                samples.append(time.perf_counter() - t0)
    return percentiles(samples)


def delta_queries(name: str, db: Database, repeats: int) -> None:
    """Query latency on a fresh base, then with 1,000 edited organisations in the delta."""
    with db.session() as session:
        live_index(session).rebuild(wait=True)
        current_index(session)
    before = query_p95(db, repeats)
    with db.session() as session:
        ids = session.scalars(select(Organisation.id).order_by(Organisation.id).limit(1000)).all()
    for start in range(0, 1000, 100):
        with db.session() as session:
            for org_id in ids[start : start + 100]:
                org = session.get(Organisation, org_id)
                org.descriptions = {"en": f"{org.name}: radar, drones and ammunition, edited"}
    with db.session() as session:
        t0 = time.perf_counter()
        index = current_index(session)
        catch_up = time.perf_counter() - t0
        delta = live_index(session).delta_size
    after = query_p95(db, repeats)
    emit(
        benchmark="match_speed_live",
        backend=name,
        step="queries_with_delta",
        delta_orgs=delta,
        catch_up_1000_edits_seconds=round(catch_up, 2),
        before=before,
        after=after,
        ratio_p95=round(after["p95_ms"] / max(before["p95_ms"], 1e-3), 2),
        index_bytes=index_bytes(index),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--steps", default="queries,live")
    parser.add_argument("--out", type=Path, default=None, help="Also append results here.")
    args = parser.parse_args()
    OUT[0] = args.out
    for name in args.backends.split(","):
        bench(name.strip(), args.orgs, args.repeats, set(args.steps.split(",")))


if __name__ == "__main__":
    main()
