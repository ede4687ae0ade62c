"""Directory speed at scale: keyset pages and capped counts, for an admin and a member.

Loads synthetic organisations with the access-control scene of visibility_overhead.py
(10 % members-only, 5 % restricted with grants, 2 % owner-only; 20 clusters holding 30 %;
a member whose organisation is in two clusters), then for every filter of
registry_speed.QUERIES, for the admin and the member, times in the same rounds:

- `api`: GET /api/organisations (per_page 50) through TestClient with the viewer's token;
- `library`: `listing.directory_page` alone (keyset page + capped count);
- `baseline`: today's path before this change, kept below as `baseline_page` (the old
  filter SQL, a full count and an OFFSET page), on the same database and indexes;
- `raw`: a raw page SELECT (`SELECT id, name FROM organisation ORDER BY name LIMIT 50`).

One JSON line per backend x viewer x filter, plus one for a page deep in the listing
reached by cursor. The member's p95 is also given as a ratio to the admin's.

    python benchmarks/directory_speed.py [--orgs 100000] [--backends sqlite,postgresql]
        [--reps 20] [--out benchmarks/results-directory-speed.jsonl] [--explain]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from _common import backend, emit, percentiles
from registry_speed import QUERIES, RAW_PAGE
from sqlalchemy import Select, exists, func, or_, select, text
from sqlalchemy.orm import Session, selectinload
from visibility_overhead import SETTINGS, Scene, build_scene, round_robin

from filiera.access.policy import visible_org_ids, visible_organisations
from filiera.access.viewer import Viewer
from filiera.db import Database
from filiera.directory import listing, paging, queries, text_match
from filiera.directory.filters import COUNT_CAP, OrgFilter
from filiera.registry.models import Alias, Certification, Membership, Organisation, OrgCapability
from filiera.registry.names import normalise_name

VIEWERS = ("admin", "member")
PER_PAGE = 50
DEEP = 20  # the cursor page timed after walking this many pages


# --- the path before keyset pages and capped counts (the baseline) ------------------------


def baseline_filtered(flt: OrgFilter, viewer: Viewer) -> Select:
    """`queries.filtered` as it was: a correlated alias EXISTS and `LIKE 'x.%'`."""
    stmt = select(Organisation).where(visible_organisations(viewer))
    if flt.q:
        pattern = f"%{normalise_name(flt.q) or flt.q.casefold()}%"
        alias_hit = exists().where(
            Alias.organisation_id == Organisation.id, Alias.name_key.like(pattern)
        )
        stmt = stmt.where(or_(Organisation.name_key.like(pattern), alias_hit))
    if flt.country:
        stmt = stmt.where(Organisation.country == flt.country.upper())
    if flt.region:
        stmt = stmt.where(Organisation.region.like(f"{flt.region.upper()}%"))
    if flt.kind:
        stmt = stmt.where(Organisation.kind == flt.kind)
    if flt.capability:
        code = flt.capability
        holders = select(OrgCapability.organisation_id).where(
            or_(OrgCapability.code == code, OrgCapability.code.like(f"{code}.%"))
        )
        stmt = stmt.where(Organisation.id.in_(holders))
    if flt.certification:
        certified = select(Certification.organisation_id).where(
            Certification.code == flt.certification
        )
        stmt = stmt.where(Organisation.id.in_(certified))
    if flt.cluster is not None:
        members = select(Membership.organisation_id).where(
            Membership.cluster_id == flt.cluster,
            Membership.cluster_id.in_(visible_org_ids(viewer)),
        )
        stmt = stmt.where(Organisation.id.in_(members))
    return stmt


def baseline_page(session: Session, flt: OrgFilter, viewer: Viewer, page: int) -> int:
    """The old `list_organisations`: a full count and an OFFSET page; returns the count."""
    stmt = baseline_filtered(flt, viewer)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    session.scalars(
        stmt.order_by(*queries.BY_NAME)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
        .options(selectinload(Organisation.capabilities), selectinload(Organisation.identifiers))
    ).all()
    return total


# --- timing ---------------------------------------------------------------------------------


def _split(params: dict[str, Any]) -> tuple[OrgFilter, int]:
    page = int(params.get("page", 1))
    return OrgFilter(**{k: v for k, v in params.items() if k != "page"}), page


def calls_for(db: Database, client, scene: Scene, params: dict[str, Any], seen: dict) -> dict:
    """The timed calls of one filter: api, library and baseline for each viewer, and raw."""
    flt, page = _split(params)
    calls = {}
    for who in VIEWERS:
        viewer, token = scene.viewers[who], scene.tokens[who]
        headers = {"Authorization": f"Bearer {token}"}

        def api(headers=headers, who=who) -> None:
            response = client.get(
                "/api/organisations", params={**params, "per_page": PER_PAGE}, headers=headers
            )
            assert response.status_code == 200, response.text
            body = response.json()
            seen[who] = (body["count"], body["count_exact"])

        def library(viewer=viewer) -> None:
            with db.session() as session:
                listing.directory_page(session, viewer, flt, per_page=PER_PAGE, page=page)

        def baseline(viewer=viewer, who=who) -> None:
            with db.session() as session:
                seen[f"{who}_exact"] = baseline_page(session, flt, viewer, page)

        calls |= {f"{who} api": api, f"{who} library": library, f"{who} baseline": baseline}
    calls["raw"] = lambda: _raw(db)
    return calls


def _raw(db: Database) -> None:
    with db.engine.connect() as connection:
        connection.execute(text(RAW_PAGE)).all()


def bench_filters(db: Database, client, scene: Scene, name: str, args, out) -> None:
    for label, params in QUERIES.items():
        seen: dict[str, Any] = {}
        samples = round_robin(calls_for(db, client, scene, params, seen), args.reps)
        figures = {call: percentiles(values) for call, values in samples.items()}
        for who in VIEWERS:
            api, lib, base = (figures[f"{who} {part}"] for part in ("api", "library", "baseline"))
            out(
                benchmark="directory_speed",
                backend=name,
                organisations=args.orgs,
                viewer=who,
                query=label,
                count=seen[who][0],
                count_exact=seen[who][1],
                exact_count=seen[f"{who}_exact"],
                api_p50_ms=api["p50_ms"],
                api_p95_ms=api["p95_ms"],
                library_p50_ms=lib["p50_ms"],
                library_p95_ms=lib["p95_ms"],
                baseline="old path: filtered + full count + OFFSET (library call)",
                baseline_p50_ms=base["p50_ms"],
                baseline_p95_ms=base["p95_ms"],
                library_p95_ratio=round(lib["p95_ms"] / max(base["p95_ms"], 0.01), 2),
                raw_page_p50_ms=figures["raw"]["p50_ms"],
                api_p95_vs_admin=round(
                    api["p95_ms"] / max(figures["admin api"]["p95_ms"], 0.01), 2
                ),
                target_met=api["p95_ms"] < 50,
            )


def _cursor_at(db: Database, viewer: Viewer, pages: int) -> str:
    cursor = None
    with db.session() as session:
        for _ in range(pages):
            found = listing.directory_page(session, viewer, OrgFilter(), cursor=cursor)
            cursor = found.next_cursor
    assert cursor is not None
    return cursor


def bench_deep(db: Database, client, scene: Scene, name: str, args, out) -> None:
    """Page DEEP + 1 by cursor vs by OFFSET (old path), no filter."""
    calls, cursors = {}, {}
    for who in VIEWERS:
        viewer, token = scene.viewers[who], scene.tokens[who]
        cursors[who] = cursor = _cursor_at(db, viewer, DEEP)
        headers = {"Authorization": f"Bearer {token}"}
        calls[f"{who} api"] = lambda h=headers, c=cursor: client.get(
            "/api/organisations", params={"cursor": c, "per_page": PER_PAGE}, headers=h
        )

        def offset(viewer=viewer) -> None:
            with db.session() as session:
                baseline_page(session, OrgFilter(), viewer, DEEP + 1)

        calls[f"{who} baseline"] = offset
    figures = {k: percentiles(v) for k, v in round_robin(calls, args.reps).items()}
    for who in VIEWERS:
        api, base = figures[f"{who} api"], figures[f"{who} baseline"]
        out(
            benchmark="directory_speed_deep",
            backend=name,
            organisations=args.orgs,
            viewer=who,
            query=f"no filter, page {DEEP + 1} by cursor",
            api_p50_ms=api["p50_ms"],
            api_p95_ms=api["p95_ms"],
            baseline=f"old path, page {DEEP + 1} by OFFSET + full count (library call)",
            baseline_p50_ms=base["p50_ms"],
            baseline_p95_ms=base["p95_ms"],
        )


def explain(db: Database, scene: Scene, name: str, out) -> None:
    """Plans of the member's keyset page and capped count for every filter."""
    prefix = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN "
    for label, params in QUERIES.items():
        flt, _ = _split(params)
        member = scene.viewers["member"]
        with db.session() as session:  # the shapes `listing.directory_page` reads
            owners = text_match.alias_owners(session, flt.q) if flt.q else None
        stmt = queries.filtered(flt, member, owners=owners)
        walk = queries.filtered(flt, member, walk=True, owners=owners)
        counted = queries.filtered(flt, member, drive=db.dialect == "sqlite", owners=owners)
        segment = paging.SEGMENTS["name"][0]
        ids = counted.with_only_columns(Organisation.id)
        statements = {
            "page": stmt.order_by(*segment.order()).limit(PER_PAGE + 1),
            "page walking the index": walk.order_by(*segment.order()).limit(PER_PAGE + 1),
            "count": select(func.count()).select_from(ids.limit(COUNT_CAP + 1).subquery()),
        }
        for part, query in statements.items():
            sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
            with db.engine.connect() as connection:
                plan = [" ".join(map(str, row)) for row in connection.execute(text(prefix + sql))]
            out(benchmark="directory_plan", backend=name, query=label, part=part, plan=plan)


def run_backend(name: str, args: argparse.Namespace, out) -> None:
    from fastapi.testclient import TestClient

    from filiera.app import create_app

    with backend(name) as url:
        if url is None:
            return
        db = Database(url)
        db.ensure_ready()
        started = time.perf_counter()
        scene = build_scene(db, args.orgs)
        if db.dialect == "sqlite" and not args.no_analyze:
            with db.engine.connect() as connection:
                connection.execute(text("ANALYZE"))
        out(
            benchmark="directory_setup",
            backend=name,
            organisations=args.orgs,
            seconds=round(time.perf_counter() - started, 1),
            sqlite_analyze=db.dialect == "sqlite" and not args.no_analyze,
            **scene.facts,
        )
        if args.explain:
            explain(db, scene, name, out)
        client = TestClient(create_app(db, SETTINGS))
        bench_filters(db, client, scene, name, args, out)
        bench_deep(db, client, scene, name, args, out)
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="also emit query plans")
    parser.add_argument(
        "--no-analyze", action="store_true", help="no ANALYZE on SQLite after loading"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).parent / "results-directory-speed.jsonl",
        help="JSON lines are appended here",
    )
    args = parser.parse_args()

    def out(**result: object) -> None:
        emit(**result)
        with open(args.out, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(result, default=str) + "\n")

    for name in args.backends.split(","):
        run_backend(name.strip(), args, out)


if __name__ == "__main__":
    main()
