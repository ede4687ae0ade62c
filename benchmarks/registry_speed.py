"""Registry speed on SQLite and PostgreSQL: imports (records/s) and directory latency.

Each figure is compared, in the same run, with a baseline doing the least possible work
on the same backend (a raw bulk INSERT; a raw unfiltered page SELECT), as a ratio.

    python benchmarks/registry_speed.py [--orgs 100000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _common import SHARED, backend, emit, percentiles, timed
from sqlalchemy import func, insert, select, text

from filiera.access import audit
from filiera.db import Database
from filiera.errors import ImportFailed
from filiera.imports.csv_columns import COLUMNS
from filiera.imports.csv_import import Row, import_csv, organisation_record
from filiera.imports.csv_table import map_columns, read_table
from filiera.imports.edf import import_edf, load_json
from filiera.registry.models import Organisation, Source
from filiera.registry.resolve import Resolver
from filiera.registry.writer import upsert
from filiera.synth import generate, load_synthetic, write_csv

RAW_PAGE = "SELECT id, name FROM organisation ORDER BY name LIMIT 50"
QUERIES = {
    "page 1, no filter": {},
    "country": {"country": "IT"},
    "country + kind": {"country": "FR", "kind": "sme"},
    "capability (with children)": {"capability": "space"},
    "certification": {"certification": "aqap2110"},
    "region prefix": {"region": "ITC"},
    "name contains": {"q": "aero"},
    "capability + country + page 5": {"capability": "munitions", "country": "DE", "page": 5},
}


def raw_insert_rate(url: str, rows: list[dict]) -> float:
    """Baseline: bulk INSERT of bare organisation rows, no validation or resolution."""
    db = Database(url)
    db.ensure_ready()
    seconds = timed(lambda: _bulk(db, rows))
    db.dispose()
    return len(rows) / seconds


def _bulk(db: Database, rows: list[dict]) -> None:
    with db.session() as session:
        session.execute(insert(Organisation), rows)


def bare_rows(records: list[dict]) -> list[dict]:
    return [
        {
            "name": r["name"],
            "name_key": r["name"].lower(),
            "kind": r.get("kind", "other"),
            "country": r.get("country"),
            "city": r.get("city"),
            "descriptions": {},
        }
        for r in records
    ]


def bench_edf(name: str) -> None:
    folder = SHARED / "edf"
    if not (folder / "companies.json").exists():
        emit(benchmark="edf_import", backend=name, skipped=f"{folder} not found")
        return
    companies = load_json(folder / "companies.json")
    with backend(name) as url:
        if url is None:
            return
        db = Database(url)
        db.ensure_ready()
        with db.session() as session:
            start = time.perf_counter()
            import_edf(session, folder)
        seconds = time.perf_counter() - start
        with db.session() as session:
            again = timed(lambda: import_edf(session, folder))
        db.dispose()
    with backend(name) as url:
        baseline = raw_insert_rate(url, bare_rows(companies))
    rate = len(companies) / seconds
    emit(
        benchmark="edf_import",
        backend=name,
        organisations=len(companies),
        seconds=round(seconds, 2),
        records_per_s=round(rate),
        reimport_seconds=round(again, 2),
        baseline="raw bulk INSERT of the same rows",
        baseline_records_per_s=round(baseline),
        ratio_vs_baseline=round(rate / baseline, 4),
    )


def bench_synthetic(name: str, orgs: int, csv_rows: int) -> None:
    with backend(name) as url:
        if url is None:
            return
        db = Database(url)
        db.ensure_ready()
        with db.session() as session:
            seconds = timed(lambda: load_synthetic(session, orgs, seed=1))
        emit(
            benchmark="synthetic_load",
            backend=name,
            organisations=orgs,
            seconds=round(seconds, 2),
            records_per_s=round(orgs / seconds),
        )
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "members.csv"
            write_csv(path, csv_rows, seed=99)
            with db.session() as session:
                csv_seconds = timed(lambda: import_csv(session, path, "organisations"))
        bench_directory(name, db, orgs)
        db.dispose()
    with backend(name) as url:
        baseline = raw_insert_rate(url, bare_rows(list(generate(orgs, seed=1))))
    emit(
        benchmark="synthetic_import_rates",
        backend=name,
        bulk_records_per_s=round(orgs / seconds),
        csv_rows=csv_rows,
        csv_records_per_s=round(csv_rows / csv_seconds),
        csv_note=f"validated + resolved against {orgs} stored organisations",
        baseline="raw bulk INSERT of the same rows",
        baseline_records_per_s=round(baseline),
        bulk_ratio_vs_baseline=round(orgs / seconds / baseline, 4),
        csv_ratio_vs_baseline=round(csv_rows / csv_seconds / baseline, 5),
    )


def bench_bulk_import(name: str, orgs: int, rows: int, sample: int, processes: int) -> None:
    """A `rows`-row CSV imported against `orgs` stored organisations (the bulk writer, the
    file validated by `processes` processes as `filiera import csv` does), its 1 %-bad twin
    (all-or-nothing, then --skip-invalid), vs today's per-row path on a sample, the same
    import validated by one process (rolled back) and a raw bulk INSERT of the same rows,
    in the same run."""
    with tempfile.TemporaryDirectory() as folder, backend(name) as url:
        if url is None:
            return
        clean, bad, bad_rows = csv_files(Path(folder), rows)
        db = Database(url)
        db.ensure_ready()
        with db.session() as session:
            load_seconds = timed(lambda: load_synthetic(session, orgs, seed=1))
        emit(
            benchmark="synthetic_load",
            backend=name,
            organisations=orgs,
            seconds=round(load_seconds, 2),
            records_per_s=round(orgs / load_seconds),
        )
        per_row = per_row_rate(db, clean, sample)
        failed = bad_file_runs(db, bad, bad_rows, processes)
        with db.session() as session:
            start = time.perf_counter()
            one = import_csv(session, clean, "organisations", processes=1)
            one_seconds = time.perf_counter() - start
            session.rollback()
        with db.session() as session:
            start = time.perf_counter()
            report = import_csv(session, clean, "organisations", processes=processes)
        seconds = time.perf_counter() - start
        db.dispose()
    with backend(name) as url:
        baseline = raw_insert_rate(url, bare_rows(list(generate(rows, seed=99))))
    rate = rows / seconds
    emit(
        benchmark="csv_bulk_import",
        backend=name,
        stored_organisations=orgs,
        csv_rows=rows,
        seconds=round(seconds, 2),
        rows_per_s=round(rate),
        counts=dict(report.counts),
        phases_seconds=report.phases.rounded(),
        processes=processes,
        one_process_seconds=round(one_seconds, 2),
        one_process_phases_seconds=one.phases.rounded(),
        speed_up_vs_one_process=round(one_seconds / seconds, 3),
        resolution_pairs=dict(report.pairs),
        share_of_distinct_pairs_scored=round(
            report.pairs["scored"] / max(report.pairs["distinct"], 1), 4
        ),
        load_average=[round(x, 2) for x in os.getloadavg()],
        per_row_path_rows_per_s=round(per_row),
        per_row_sample=sample,
        speed_up_vs_per_row=round(rate / per_row, 1),
        baseline="raw bulk INSERT of the same rows (bare organisation rows)",
        baseline_rows_per_s=round(baseline),
        ratio_vs_baseline=round(rate / baseline, 4),
        **failed,
    )


def csv_files(folder: Path, rows: int) -> tuple[Path, Path, int]:
    """The clean file and a copy with 1 % of its rows made invalid (an unknown country)."""
    clean = folder / "members.csv"
    write_csv(clean, rows, seed=99)
    lines = clean.read_text(encoding="utf-8").splitlines()
    bad_lines = range(1, len(lines), 100)
    for i in bad_lines:
        cells = lines[i].split(",")
        cells[2] = "Atlantis"
        lines[i] = ",".join(cells)
    bad = folder / "members-bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return clean, bad, len(bad_lines)


def per_row_rate(db: Database, path: Path, sample: int) -> float:
    """Today's per-row path (validate, `Resolver.decide`, `writer.upsert`, flush per record)
    on the file's first `sample` rows; rolled back."""
    table = read_table(path)
    mapping = map_columns(table, COLUMNS["organisations"], "organisations")
    with db.session() as session:
        audit.bulk(session, "import", "per-row sample")
        source = Source(name="per-row sample", kind="csv")
        session.add(source)
        start = time.perf_counter()
        resolver = Resolver.from_session(session)
        for number, cells in table.rows[:sample]:
            rec = organisation_record(Row(table, mapping, number, cells))
            upsert(session, rec, source=source, resolver=resolver)
        seconds = time.perf_counter() - start
        session.rollback()
    return sample / seconds


def bad_file_runs(db: Database, path: Path, bad_rows: int, processes: int) -> dict[str, object]:
    """All-or-nothing (must name every bad row and change nothing), then --skip-invalid
    (rolled back, so the registry stays as it was)."""
    with db.session() as session:
        before = session.scalar(select(func.count()).select_from(Organisation))
    start = time.perf_counter()
    try:
        with db.session() as session:
            import_csv(session, path, "organisations", processes=processes)
        named = 0
    except ImportFailed as error:
        named = len({e["record"] for e in error.errors})
    refused = time.perf_counter() - start
    with db.session() as session:
        unchanged = session.scalar(select(func.count()).select_from(Organisation)) == before
        start = time.perf_counter()
        report = import_csv(session, path, "organisations", skip_invalid=True, processes=processes)
        skipping = time.perf_counter() - start
        session.rollback()
    return {
        "bad_file_rows_bad": bad_rows,
        "all_or_nothing_rows_named": named,
        "all_or_nothing_changed_nothing": unchanged,
        "all_or_nothing_seconds": round(refused, 2),
        "skip_invalid_rejected": len(report.rejected),
        "skip_invalid_imported": sum(report.counts.values()),
        "skip_invalid_seconds": round(skipping, 2),
    }


def bench_directory(name: str, db: Database, orgs: int, repeats: int = 30) -> None:
    """p50/p95 of GET /api/organisations with filters, vs a raw page SELECT."""
    from fastapi.testclient import TestClient

    from filiera.app import create_app

    client = TestClient(create_app(db))
    with db.engine.connect() as connection:
        raw = []
        for _ in range(repeats):
            start = time.perf_counter()
            connection.execute(
                text("SELECT id, name FROM organisation ORDER BY name LIMIT 50")
            ).all()
            raw.append(time.perf_counter() - start)
    base = percentiles(raw)
    for label, params in QUERIES.items():
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            response = client.get("/api/organisations", params={**params, "per_page": 50})
            samples.append(time.perf_counter() - start)
            assert response.status_code == 200, response.text
        figures = percentiles(samples)
        emit(
            benchmark="directory_latency",
            backend=name,
            organisations=orgs,
            query=label,
            count=response.json()["count"],
            **figures,
            baseline=RAW_PAGE,
            baseline_p50_ms=base["p50_ms"],
            p50_ratio=round(figures["p50_ms"] / max(base["p50_ms"], 0.01), 1),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--csv-rows", type=int, default=2_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--bulk-only", action="store_true", help="only the bulk CSV import benchmark"
    )
    parser.add_argument("--bulk-rows", type=int, default=100_000)
    parser.add_argument("--per-row-sample", type=int, default=2_000)
    parser.add_argument(
        "--processes",
        type=int,
        default=2,
        help="processes that validate and resolve (the CLI's default)",
    )
    args = parser.parse_args()
    for name in args.backends.split(","):
        bench_bulk_import(name, args.orgs, args.bulk_rows, args.per_row_sample, args.processes)
        if args.bulk_only:
            continue
        bench_edf(name)
        bench_synthetic(name, args.orgs, args.csv_rows)


if __name__ == "__main__":
    main()
