"""Backup and restore speed, native and logical, on SQLite and PostgreSQL.

A synthetic registry (`filiera.synth`, 20,000 organisations by default, with their
capabilities, sites, identifiers, memberships and audit events) is backed up in each format
and restored into a fresh database, each step timed against a baseline measured in the
same run: a plain copy of the SQLite file, or `pg_dump -Fc` / `pg_restore` run bare (what
Filiera's native format adds is its check of the archive and the migration step; the
logical format is the portable one).

    python benchmarks/backup_speed.py [--orgs 20000] [--backends sqlite,postgresql]

One JSON object per result on stdout, also appended to benchmarks/results-backup.jsonl.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from contextlib import closing, nullcontext
from pathlib import Path

from _common import ROOT, backend, emit

from filiera.db import Database
from filiera.ops import pgtools, tables
from filiera.ops.backup import backup
from filiera.ops.restore import restore
from filiera.ops.verify import verify
from filiera.synth import load_synthetic
from support.pg_server import fresh_database

RESULTS = ROOT / "benchmarks" / "results-backup.jsonl"


def timed_value(func: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    value = func()
    return time.perf_counter() - start, value


def cpu_timed(func: Callable[[], object]) -> tuple[float, float, object]:
    """(wall seconds, this process's CPU seconds, value): the machine is shared, and the CPU
    time of the Python side does not depend on what else runs."""
    cpu = time.process_time()
    seconds, value = timed_value(func)
    return seconds, time.process_time() - cpu, value


def populate(url: str, orgs: int) -> int:
    """Load `orgs` synthetic organisations; the rows in every table."""
    db = Database(url)
    db.ensure_ready()
    with db.session() as session:
        load_synthetic(session, orgs, seed=7)
    with db.engine.connect() as connection:
        rows = sum(tables.row_count(connection, t) for t in tables.reflect(connection))
    db.dispose()
    return rows


def sqlite_copy(source: str, out: Path) -> None:
    """The baseline: checkpoint the WAL, then copy the file."""
    path = source.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(path, out)


def pg_raw(tool: str, url: str, *args: str) -> None:
    """The baseline: pg_dump or pg_restore run bare."""
    target, env = pgtools.connection_target(url)
    pgtools.run([str(pgtools.find_tool(tool)), *args, f"--dbname={target}"], env, what=tool)


def target_for(name: str, server: str, folder: Path, label: str):
    if name == "sqlite":
        return nullcontext(f"sqlite:///{folder}/{label}.db")
    return fresh_database(server, prefix=f"bench_{label}")


def record(result: dict, out: list[dict]) -> None:
    emit(**result)
    out.append(result)


def bench(name: str, url: str, orgs: int, folder: Path, results: list[dict]) -> None:
    load_seconds, rows = timed_value(lambda: populate(url, orgs))
    base = {"benchmark": "backup_speed", "backend": name, "organisations": orgs, "rows": rows}
    record({**base, "operation": "populate", "seconds": round(load_seconds, 2)}, results)
    db = Database(url)
    baseline_file = folder / "baseline.bin"
    if name == "sqlite":
        backup_baseline = ("file copy", lambda: sqlite_copy(url, baseline_file))
    else:
        backup_baseline = (
            "pg_dump -Fc",
            lambda: pg_raw("pg_dump", url, "--format=custom", f"--file={baseline_file}"),
        )
    base_backup = min(timed_value(backup_baseline[1])[0] for _ in range(2))
    files = {}
    for fmt, file_name in (("native", "backup.native"), ("logical", "backup.jsonl.gz")):
        seconds, cpu, summary = cpu_timed(lambda f=fmt, n=file_name: backup(db, folder / n, f))
        files[fmt] = summary.path
        check_seconds, _ = timed_value(lambda p=summary.path: verify(p))
        record(
            {
                **base,
                "operation": "backup",
                "format": fmt,
                "seconds": round(seconds, 3),
                "cpu_seconds": round(cpu, 3),
                "rows_per_s": round(rows / seconds),
                "bytes": summary.bytes,
                "verify_seconds": round(check_seconds, 3),
                "baseline": backup_baseline[0],
                "baseline_seconds": round(base_backup, 3),
                "ratio": round(seconds / base_backup, 2),
            },
            results,
        )
    db.dispose()
    restore_baseline_name, restore_baseline = restore_baseline_for(name, url, folder)
    for fmt, path in files.items():
        with target_for(name, url, folder, f"restored_{fmt}") as target:
            seconds, cpu, _ = cpu_timed(lambda p=path, t=target: restore(p, t))
        with target_for(name, url, folder, "baseline_restore") as target:
            base_seconds = restore_baseline(baseline_file, target)
        record(
            {
                **base,
                "operation": "restore",
                "format": fmt,
                "seconds": round(seconds, 3),
                "cpu_seconds": round(cpu, 3),
                "rows_per_s": round(rows / seconds),
                "baseline": restore_baseline_name,
                "baseline_seconds": round(base_seconds, 3),
                "ratio": round(seconds / base_seconds, 2),
            },
            results,
        )


def restore_baseline_for(name: str, url: str, folder: Path):
    if name == "sqlite":

        def copy_back(source: Path, target: str) -> float:
            destination = Path(target.removeprefix("sqlite:///"))
            destination.unlink(missing_ok=True)
            return timed_value(lambda: shutil.copyfile(source, destination))[0]

        return "file copy", copy_back

    def raw_restore(source: Path, target: str) -> float:
        options = ("--no-owner", "--single-transaction", "--exit-on-error", str(source))
        return timed_value(lambda: pg_raw("pg_restore", target, *options))[0]

    return "pg_restore --single-transaction", raw_restore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=20_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    results: list[dict] = []
    for name in args.backends.split(","):
        with backend(name) as url, tempfile.TemporaryDirectory() as folder:
            if url is not None:
                bench(name, url, args.orgs, Path(folder), results)
    with RESULTS.open("a", encoding="utf-8") as stream:
        day = time.strftime("%Y-%m-%d")
        for result in results:
            stream.write(json.dumps({"date": day, **result}) + "\n")


if __name__ == "__main__":
    main()
