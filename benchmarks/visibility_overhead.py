"""Overhead of the visibility filter on the directory listing, per kind of viewer.

Loads synthetic organisations, makes some of them members-only, restricted (with access
grants) or owner-only, puts 30 % of them in clusters, then times one directory page
(`queries.list_organisations`, 50 rows) for several viewers and filters. The baseline is
the admin (`Viewer.system()`), whose query has no visibility clause; each figure is
reported as a ratio to it for p50 and p95. The same is timed through
`GET /api/organisations` with API tokens, so token lookup and viewer construction count.
Viewers are measured round-robin, so noise on the machine hits them all alike.

    python benchmarks/visibility_overhead.py [--orgs 100000] [--backends sqlite,postgresql]
        [--reps 30] [--out benchmarks/results-visibility.jsonl] [--pg-url URL] [--explain]
        [--try-index]

`--try-index` adds the index proposed for `organisation (visibility, id)` before timing
(and runs ANALYZE, without which SQLite sorts whole result sets instead of walking the
name index); it is an experiment, not the schema.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import backend, emit, percentiles, timed
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from filiera.access import accounts
from filiera.access.models import AccessGrant, User
from filiera.access.viewer import Viewer, viewer_for
from filiera.db import Database
from filiera.directory.queries import OrgFilter, filtered, list_organisations
from filiera.registry.models import Membership, Organisation
from filiera.registry.names import normalise_name
from filiera.settings import Settings
from filiera.synth import load_synthetic

SHARES = {"members": 0.10, "restricted": 0.05, "owner": 0.02}
CLUSTERS = 20
IN_CLUSTERS = 0.30  # share of organisations with a cluster membership
TWO_CLUSTERS = 0.25  # of those, share that belong to a second cluster
GRANT_ORG = 0.5  # share of restricted organisations granting access to some organisation
GRANT_BUYER = 0.3  # ... and to the role `buyer`
GRANTS_PER_USER = 20  # restricted organisations granting access to each user's organisation
WARM_UP = 3
PASSWORD = "benchmark password 1234"
SETTINGS = Settings(api_requests_per_minute=1_000_000)
CHUNK = 5_000
TRY_INDEX = "ix_organisation_visibility"


@dataclass
class Scene:
    """Who looks at the data: named viewers and API tokens (None = anonymous)."""

    viewers: dict[str, Viewer] = field(default_factory=dict)
    tokens: dict[str, str | None] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)


def filters(orgs: int) -> dict[str, tuple[OrgFilter, int]]:
    """Directory queries: label -> (filter, page). The deep page scales with the data."""
    deep = max(2, min(200, orgs // 500))
    return {
        "no filter": (OrgFilter(), 1),
        "country + kind": (OrgFilter(country="FR", kind="sme"), 1),
        "capability (with children)": (OrgFilter(capability="space"), 1),
        "name contains": (OrgFilter(q="aero"), 1),
        f"no filter, page {deep}": (OrgFilter(), deep),
    }


# --- data -----------------------------------------------------------------------------------


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def set_levels(session: Session, ids: list[int], rng: random.Random) -> dict[str, list[int]]:
    """Give SHARES of the organisations a non-public level; returns the ids by level."""
    shuffled = rng.sample(ids, len(ids))
    levels, start = {}, 0
    for level, share in SHARES.items():
        chosen = sorted(shuffled[start : start + round(share * len(ids))])
        start += len(chosen)
        levels[level] = chosen
        for part in _chunks(chosen):
            session.execute(
                update(Organisation).where(Organisation.id.in_(part)).values(visibility=level)
            )
    return levels


def add_clusters(session: Session, ids: list[int], rng: random.Random) -> tuple[list, dict]:
    """CLUSTERS public clusters; IN_CLUSTERS of `ids` join one (some two). -> (ids, by org)."""
    names = [f"Benchmark Cluster {n:02d}" for n in range(CLUSTERS)]
    rows = [
        {
            "name": name,
            "name_key": normalise_name(name),
            "kind": "cluster",
            "country": "IT",
            "descriptions": {},
            "synthetic": True,
        }
        for name in names
    ]
    cluster_ids = list(
        session.scalars(
            insert(Organisation).returning(Organisation.id, sort_by_parameter_order=True), rows
        )
    )
    by_org: dict[int, list[int]] = {}
    for org_id in rng.sample(ids, round(IN_CLUSTERS * len(ids))):
        count = 2 if rng.random() < TWO_CLUSTERS else 1
        by_org[org_id] = rng.sample(cluster_ids, count)
    links = [
        {"organisation_id": org_id, "cluster_id": c, "role": "member"}
        for org_id, clusters in by_org.items()
        for c in clusters
    ]
    for start in range(0, len(links), CHUNK):
        session.execute(insert(Membership), links[start : start + CHUNK])
    return cluster_ids, by_org


def add_grants(
    session: Session,
    restricted: list[int],
    ids: list[int],
    users_orgs: list[int],
    rng: random.Random,
) -> int:
    """Grants on restricted organisations: to random organisations, to `buyer`, to users."""
    rows = []
    for org_id in restricted:
        if rng.random() < GRANT_ORG:
            rows.append(
                {"entity": "organisation", "entity_id": org_id, "organisation_id": rng.choice(ids)}
            )
        if rng.random() < GRANT_BUYER:
            rows.append({"entity": "organisation", "entity_id": org_id, "role": "buyer"})
    for user_org in users_orgs:
        for org_id in rng.sample(restricted, min(GRANTS_PER_USER, len(restricted))):
            rows.append(
                {"entity": "organisation", "entity_id": org_id, "organisation_id": user_org}
            )
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(AccessGrant), rows[start : start + CHUNK])
    return len(rows)


def pick_orgs(session: Session, by_org: dict[int, list[int]], levels: dict) -> tuple[int, int]:
    """A public company in two clusters (the member's) and a public one in none (the buyer's)."""
    hidden = {i for ids in levels.values() for i in ids}
    two = sorted(i for i, c in by_org.items() if len(c) == 2 and i not in hidden)
    kinds = dict(session.execute(select(Organisation.id, Organisation.kind)).all())
    member_org = next(i for i in two if kinds[i] not in ("cluster", "buyer"))
    alone = [i for i in sorted(kinds) if i not in by_org and i not in hidden]
    buyer_org = next((i for i in alone if kinds[i] == "buyer"), alone[0])
    return member_org, buyer_org


def build_scene(db: Database, orgs: int, seed: int = 7) -> Scene:
    """Load `orgs` synthetic organisations and everything access control needs."""
    scene = Scene()
    with db.session() as session:
        scene.facts["load_seconds"] = round(timed(lambda: load_synthetic(session, orgs, seed=1)), 1)
    start = time.perf_counter()
    rng = random.Random(seed)
    with db.session() as session:
        ids = list(session.scalars(select(Organisation.id).order_by(Organisation.id)))
        levels = set_levels(session, ids, rng)
        cluster_ids, by_org = add_clusters(session, ids, rng)
        member_org, buyer_org = pick_orgs(session, by_org, levels)
        grants = add_grants(session, levels["restricted"], ids, [member_org, buyer_org], rng)
        users = {
            "member": ("member", [member_org]),
            "buyer": ("buyer", [buyer_org]),
            "cluster_manager": ("cluster_manager", [cluster_ids[0]]),
            "admin": ("admin", []),
        }
        for name, (role, org_ids) in users.items():
            user = accounts.add_user(
                session, f"{name}@bench.example", name, PASSWORD, role=role, org_ids=org_ids
            )
            scene.tokens[name] = accounts.create_token(session, SETTINGS, user, "bench").secret
    with db.session() as session:
        scene.viewers["anonymous"] = Viewer.anonymous()
        for name in ("member", "buyer", "cluster_manager"):
            user = session.scalar(select(User).where(User.email == f"{name}@bench.example"))
            scene.viewers[name] = viewer_for(session, user)
        scene.viewers["admin"] = Viewer.system()
    scene.tokens = {"anonymous": None, **scene.tokens}
    if db.dialect == "postgresql":  # the state autovacuum reaches soon after a bulk load
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    scene.facts.update(
        setup_seconds=round(time.perf_counter() - start, 1),
        levels={k: len(v) for k, v in levels.items()},
        clusters=len(cluster_ids),
        organisations_in_clusters=len(by_org),
        memberships=sum(len(c) for c in by_org.values()),
        grants=grants,
        member_clusters=sorted(scene.viewers["member"].cluster_ids),
    )
    return scene


# --- timing ---------------------------------------------------------------------------------


def round_robin(calls: dict[str, Callable[[], object]], reps: int) -> dict[str, list[float]]:
    """Time every call `reps` times, interleaved, after WARM_UP untimed rounds."""
    for _ in range(WARM_UP):
        for call in calls.values():
            call()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(reps):
        for name, call in calls.items():
            samples[name].append(timed(call))
    return samples


def with_ratios(samples: dict[str, list[float]], baseline: str) -> dict[str, dict[str, Any]]:
    """p50/p95 of each viewer and their ratios to the baseline viewer's."""
    base = percentiles(samples[baseline])
    out = {}
    for name, values in samples.items():
        figures = percentiles(values)
        out[name] = {
            **figures,
            "baseline_p50_ms": base["p50_ms"],
            "baseline_p95_ms": base["p95_ms"],
            "p50_ratio": round(figures["p50_ms"] / max(base["p50_ms"], 0.01), 2),
            "p95_ratio": round(figures["p95_ms"] / max(base["p95_ms"], 0.01), 2),
        }
    return out


def _listing(
    db: Database, viewer: Viewer, flt: OrgFilter, page: int, counts: dict, who: str
) -> Callable[[], None]:
    """One directory page for `viewer` in its own session; notes the total in `counts`."""

    def call() -> None:
        with db.session() as session:
            counts[who] = list_organisations(session, flt, viewer=viewer, page=page, per_page=50)[1]

    return call


def bench_queries(db: Database, scene: Scene, name: str, orgs: int, reps: int, out) -> None:
    """list_organisations for each filter and viewer, vs the admin."""
    for label, (flt, page) in filters(orgs).items():
        counts: dict[str, int] = {}

        calls = {
            who: _listing(db, viewer, flt, page, counts, who)
            for who, viewer in scene.viewers.items()
        }
        for who, figures in with_ratios(round_robin(calls, reps), "admin").items():
            out(
                benchmark="visibility_query",
                backend=name,
                organisations=orgs,
                query=label,
                page=page,
                viewer=who,
                role=scene.viewers[who].role,
                count=counts[who],
                **figures,
                baseline="admin: Viewer.system(), no visibility clause",
            )


def bench_api(db: Database, scene: Scene, name: str, orgs: int, reps: int, out) -> None:
    """GET /api/organisations (no filter, page 1) with each viewer's token, vs the admin's."""
    from fastapi.testclient import TestClient

    from filiera.app import create_app

    client = TestClient(create_app(db, SETTINGS))
    counts: dict[str, int] = {}

    def call(who: str, token: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = client.get("/api/organisations", params={"per_page": 50}, headers=headers)
        assert response.status_code == 200, response.text
        counts[who] = response.json()["count"]

    calls = {who: (lambda t=t, who=who: call(who, t)) for who, t in scene.tokens.items()}
    for who, figures in with_ratios(round_robin(calls, reps), "admin").items():
        out(
            benchmark="visibility_api",
            backend=name,
            organisations=orgs,
            query="no filter",
            viewer=who,
            via="anonymous" if who == "anonymous" else "API token",
            count=counts[who],
            **figures,
            baseline="admin user's API token",
        )


def explain(db: Database, scene: Scene, name: str, orgs: int, out) -> None:
    """The query plans of the count and of the page, for each viewer, unfiltered page 1."""
    prefix = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN ANALYZE "
    for who, viewer in scene.viewers.items():
        stmt = filtered(OrgFilter(), viewer)
        statements = {
            "count": select(func.count()).select_from(stmt.subquery()),
            "page": stmt.order_by(Organisation.name, Organisation.id).limit(50),
        }
        for part, query in statements.items():
            sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
            with db.engine.connect() as connection:
                plan = [" ".join(map(str, row)) for row in connection.execute(text(prefix + sql))]
            out(
                benchmark="visibility_plan",
                backend=name,
                organisations=orgs,
                viewer=who,
                part=part,
                plan=plan,
            )


def try_index(db: Database) -> None:
    """Experiment: the index on organisation visibility proposed for the schema, plus the
    planner statistics SQLite needs to keep using the name index for pages."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"CREATE INDEX {TRY_INDEX} ON organisation (visibility, id)"))
        connection.execute(text("ANALYZE" if db.dialect == "sqlite" else "VACUUM ANALYZE"))


def run_backend(name: str, args: argparse.Namespace, out) -> None:
    with backend(name) as url:
        if url is None:
            return
        db = Database(url)
        db.ensure_ready()
        scene = build_scene(db, args.orgs)
        if args.try_index:
            try_index(db)
        out(
            benchmark="visibility_setup",
            backend=name,
            organisations=args.orgs,
            extra_index=TRY_INDEX if args.try_index else None,
            **scene.facts,
        )
        if args.explain:
            explain(db, scene, name, args.orgs, out)
        bench_queries(db, scene, name, args.orgs, args.reps, out)
        bench_api(db, scene, name, args.orgs, args.reps, out)
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--out", type=Path, help="also write the JSON lines to this file")
    parser.add_argument(
        "--pg-url", help="an empty PostgreSQL database to use instead of a throwaway server"
    )
    parser.add_argument("--explain", action="store_true", help="also emit query plans")
    parser.add_argument(
        "--try-index",
        action="store_true",
        help=f"add {TRY_INDEX} (visibility, id) and ANALYZE before timing (experiment)",
    )
    args = parser.parse_args()
    if args.pg_url:
        os.environ["FILIERA_TEST_POSTGRES_URL"] = args.pg_url
    if args.out:
        args.out.write_text("", encoding="utf-8")

    def out(**result: object) -> None:
        emit(**result)
        if args.out:
            with open(args.out, "a", encoding="utf-8") as stream:
                stream.write(json.dumps(result, default=str) + "\n")

    for name in args.backends.split(","):
        run_backend(name.strip(), args, out)


if __name__ == "__main__":
    main()
