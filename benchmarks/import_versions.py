"""The bulk CSV import of this tree against the same import at another revision, in one run.

A change to the import is judged by this, not by a figure from another day: on a shared
2-core machine the same import's time moves by 10-20 % between runs. One registry of
`--orgs` synthetic organisations is built per backend, and each run imports the same
`--rows`-row member list into a fresh copy of it (a file copy on SQLite, a database made
from a template on PostgreSQL) in a new process, the two code versions alternating in
pairs of changing order (base, this, this, base, ...); the base revision runs from a
temporary `git worktree`. Per run: seconds, rows/s, the
parent's user and system CPU, its minor page faults, the children's CPU and the phases.
Summary: the median of each version and their ratio (base / this tree: above 1 is faster).

    python benchmarks/import_versions.py --base HEAD~1 [--orgs 100000] [--rows 100000]
        [--runs 3] [--backends sqlite,postgresql] [--processes 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _common import ROOT, backend, emit

from filiera.db import Database
from filiera.synth import load_synthetic, write_csv

RUN = r"""
import json, resource, sys, time
from pathlib import Path
from filiera.db import Database
from filiera.imports.csv_import import import_csv
url, path, processes = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
db = Database(url)
before = resource.getrusage(resource.RUSAGE_SELF)
start = time.perf_counter()
with db.session() as session:
    report = import_csv(session, path, "organisations", processes=processes)
seconds = time.perf_counter() - start  # the commit included
after = resource.getrusage(resource.RUSAGE_SELF)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
db.dispose()
print(json.dumps({
    "seconds": round(seconds, 2),
    "user_s": round(after.ru_utime - before.ru_utime, 2),
    "system_s": round(after.ru_stime - before.ru_stime, 2),
    "minor_faults": after.ru_minflt - before.ru_minflt,
    "children_cpu_s": round(children.ru_utime + children.ru_stime, 2),
    "peak_rss_mib": after.ru_maxrss // 1024,
    "counts": dict(report.counts),
    "phases_seconds": report.phases.rounded(),
}))
"""


@contextmanager
def worktree(revision: str) -> Iterator[Path]:
    """The source tree of `revision`, checked out in a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="filiera-base-"))
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), revision],
        check=True,
        capture_output=True,
    )
    try:
        yield folder / "src"
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)],
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


def import_once(source: Path, url: str, path: Path, processes: int, script: str = RUN) -> dict:
    """One import (`script`) in a new process running the code of `source`."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    done = subprocess.run(
        [sys.executable, "-c", script, url, str(path), str(processes)],
        env=env,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    if done.returncode != 0:
        raise RuntimeError(f"the import at {source} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class SqliteCopies:
    """Fresh copies of one SQLite registry."""

    def __init__(self, template: Path) -> None:
        self.template = template

    def url(self, run: int) -> str:
        copy = self.template.with_name(f"run{run}.db")
        shutil.copy(self.template, copy)
        return f"sqlite:///{copy}"

    def drop(self, run: int) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.template.with_name(f'run{run}.db')}{suffix}").unlink(missing_ok=True)


class PostgresCopies:
    """Fresh databases made from one PostgreSQL registry used as a template."""

    def __init__(self, url: str) -> None:
        self.base_url, self.template = url.rsplit("/", 1)

    def _admin(self, statement: str) -> None:
        import psycopg

        from support.pg_server import libpq_url

        with psycopg.connect(libpq_url(f"{self.base_url}/postgres"), autocommit=True) as admin:
            admin.execute(statement)

    def url(self, run: int) -> str:
        self._admin(f"CREATE DATABASE run{run} TEMPLATE {self.template}")
        return f"{self.base_url}/run{run}"

    def drop(self, run: int) -> None:
        self._admin(f"DROP DATABASE IF EXISTS run{run}")


def abba(runs: int) -> list[str]:
    """`runs` runs of each version, in pairs whose order alternates (base, this, this,
    base, ...), so that neither version always goes first after the registry is built."""
    pairs = [("base", "this") if pair % 2 == 0 else ("this", "base") for pair in range(runs)]
    return [version for pair in pairs for version in pair]


@contextmanager
def registry_copies(
    name: str, args: argparse.Namespace, folder: Path
) -> Iterator[tuple[Path, SqliteCopies | PostgresCopies] | None]:
    """The member list (`args.rows` rows, written once in `folder`) and fresh copies of one
    registry of `args.orgs` synthetic organisations on backend `name`; None when the
    backend is not available here."""
    path = folder / "members.csv"
    if not path.exists():
        write_csv(path, args.rows, seed=99)
    with backend(name) as url:
        if url is None:
            yield None
            return
        db = Database(url)
        db.ensure_ready()
        with db.session() as session:
            load_synthetic(session, args.orgs, seed=1)
        db.dispose()
        sqlite = name == "sqlite"
        yield (
            path,
            SqliteCopies(Path(url.removeprefix("sqlite:///"))) if sqlite else PostgresCopies(url),
        )


def compare(name: str, args: argparse.Namespace, base_source: Path, folder: Path) -> None:
    with registry_copies(name, args, folder) as ready:
        if ready is None:
            return
        path, copies = ready
        seconds: dict[str, list[float]] = {"base": [], "this": []}
        versions = {"base": base_source, "this": ROOT / "src"}
        for run, version in enumerate(abba(args.runs)):
            try:
                result = import_once(versions[version], copies.url(run), path, args.processes)
            finally:
                copies.drop(run)
            seconds[version].append(result["seconds"])
            emit(
                benchmark="import_versions_run",
                backend=name,
                version=version,
                revision=args.base if version == "base" else "working tree",
                stored_organisations=args.orgs,
                csv_rows=args.rows,
                processes=args.processes,
                rows_per_s=round(args.rows / result["seconds"]),
                load_average=[round(x, 2) for x in os.getloadavg()],
                **result,
            )
    base, this = (statistics.median(seconds[v]) for v in ("base", "this"))
    emit(
        benchmark="import_versions",
        backend=name,
        stored_organisations=args.orgs,
        csv_rows=args.rows,
        processes=args.processes,
        runs_each=args.runs,
        baseline=f"the same import at {args.base}, alternating runs",
        baseline_median_s=base,
        median_s=this,
        rows_per_s=round(args.rows / this),
        baseline_rows_per_s=round(args.rows / base),
        speed_up=round(base / this, 3),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", default="HEAD~1", help="the revision to compare against")
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of each version")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    with worktree(args.base) as base_source, tempfile.TemporaryDirectory() as folder:
        for name in args.backends.split(","):
            compare(name, args, base_source, Path(folder))


if __name__ == "__main__":
    main()
