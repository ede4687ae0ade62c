"""Where the bulk import's CPU goes, against the CPU a target speed leaves on this machine.

Issue 15 asks for 5,000 rows/s: a 100,000-row member list against a 100,000-organisation
registry in 20 s. On `cores` cores that is at most `20 s x cores` CPU-seconds for every
process the import keeps busy: the importing process, its forked children (validation and
resolution) and, on PostgreSQL, the server's backend that writes the rows. This benchmark
imports the same file into fresh copies of one registry (as `import_versions.py` does),
each in a new process, and measures each of those processes' CPU time; the backend's is
read from `/proc/<pid>/stat` (the benchmark's PostgreSQL runs on this machine).

Baselines in the same run: the budget itself (`cpu_over_budget` = CPU used / CPU the
target allows) and, on PostgreSQL, the same import with the secondary indexes of the
organisation and site tables dropped first (what the server's index upkeep costs:
`writing_ratio_without_indexes`). Every run: one JSON line; then one summary per backend.

    python benchmarks/import_budget.py [--orgs 100000] [--rows 100000] [--runs 2]
        [--backends sqlite,postgresql] [--target-rows-per-s 5000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from _common import ROOT, emit
from import_versions import import_once, registry_copies

from filiera.db import Database
from filiera.imports.split_work import usable_cores

# The secondary indexes a bulk import of new organisations keeps up (not the keys)
SECONDARY_INDEXES = (
    "ix_organisation_name_key_trigram",
    "ix_organisation_region_order",
    "ix_organisation_name_order",
    "ix_organisation_country_order",
    "ix_organisation_name_visibility",
    "ix_site_region",
    "ix_site_country",
    "ix_site_source_id",
)

RUN = r"""
import json, os, resource, sys, time
from pathlib import Path
from sqlalchemy import text
from filiera.db import Database
from filiera.imports.csv_import import import_csv

def backend_cpu(pid):
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

url, path, processes = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
db = Database(url)
before = resource.getrusage(resource.RUSAGE_SELF)
start = time.perf_counter()
with db.session() as session:
    pid = None
    if session.get_bind().dialect.name == "postgresql":
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    server_before = backend_cpu(pid)
    report = import_csv(session, path, "organisations", processes=processes)
    session.commit()
    server_cpu = backend_cpu(pid) - server_before
seconds = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
db.dispose()
print(json.dumps({
    "seconds": round(seconds, 2),
    "parent_cpu_s": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 2),
    "children_cpu_s": round(children.ru_utime + children.ru_stime, 2),
    "server_cpu_s": round(server_cpu, 2),
    "counts": dict(report.counts),
    "phases_seconds": report.phases.rounded(),
}))
"""


def drop_secondary_indexes(url: str) -> None:
    db = Database(url)
    with db.engine.begin() as connection:
        for name in SECONDARY_INDEXES:
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    db.dispose()


def variants(name: str) -> tuple[str, ...]:
    return ("as_shipped", "without_secondary_indexes") if name == "postgresql" else ("as_shipped",)


def measure(name: str, args: argparse.Namespace, folder: Path) -> None:
    with registry_copies(name, args, folder) as ready:
        if ready is None:
            return
        path, copies = ready
        results: dict[str, list[dict]] = {v: [] for v in variants(name)}
        each = variants(name)
        order = [v for run in range(args.runs) for v in (each if run % 2 == 0 else each[::-1])]
        for run, variant in enumerate(order):
            try:
                copy = copies.url(run)
                if variant == "without_secondary_indexes":
                    drop_secondary_indexes(copy)
                result = import_once(ROOT / "src", copy, path, args.processes, RUN)
            finally:
                copies.drop(run)
            result["cpu_s"] = round(
                result["parent_cpu_s"] + result["children_cpu_s"] + result["server_cpu_s"], 2
            )
            results[variant].append(result)
            emit(benchmark="import_budget_run", backend=name, variant=variant, **result)
        summarise(name, args, results)


def summarise(name: str, args: argparse.Namespace, results: dict[str, list[dict]]) -> None:
    cores = usable_cores()
    target_seconds = args.rows / args.target_rows_per_s
    budget = target_seconds * cores

    def median(variant: str, key: str) -> float:
        return round(statistics.median(r[key] for r in results[variant]), 2)

    def phase(variant: str, key: str) -> float:
        return round(statistics.median(r["phases_seconds"][key] for r in results[variant]), 2)

    summary = {
        "benchmark": "import_budget",
        "backend": name,
        "stored_organisations": args.orgs,
        "csv_rows": args.rows,
        "processes": args.processes,
        "runs_each": args.runs,
        "cores": cores,
        "target_rows_per_s": args.target_rows_per_s,
        "budget_cpu_s": round(budget, 1),
        "baseline": f"the CPU a {args.target_rows_per_s:,} rows/s import may use on {cores} cores",
        "seconds": median("as_shipped", "seconds"),
        "rows_per_s": round(args.rows / median("as_shipped", "seconds")),
        "cpu_s": median("as_shipped", "cpu_s"),
        "parent_cpu_s": median("as_shipped", "parent_cpu_s"),
        "children_cpu_s": median("as_shipped", "children_cpu_s"),
        "server_cpu_s": median("as_shipped", "server_cpu_s"),
        "cpu_over_budget": round(median("as_shipped", "cpu_s") / budget, 3),
        "writing_s": phase("as_shipped", "writing"),
    }
    bare = "without_secondary_indexes"
    if bare in results:
        summary["writing_s_without_indexes"] = phase(bare, "writing")
        summary["server_cpu_s_without_indexes"] = median(bare, "server_cpu_s")
        summary["writing_ratio_without_indexes"] = round(
            phase("as_shipped", "writing") / phase(bare, "writing"), 3
        )
    emit(**summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=2, help="runs of each variant")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--target-rows-per-s", type=int, default=5_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for name in args.backends.split(","):
            measure(name, args, Path(folder))


if __name__ == "__main__":
    main()
