"""Bulk organisation import: the batch path gives the per-row path's outcomes and rows,
keeps all-or-nothing and --skip-invalid, logs changes, and survives a kill -9."""

from __future__ import annotations

import gc
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import weakref
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from filiera.access import audit
from filiera.db import Base, Database
from filiera.errors import ImportFailed
from filiera.imports import split_work
from filiera.imports.csv_columns import COLUMNS
from filiera.imports.csv_import import Row, import_csv, organisation_record
from filiera.imports.csv_table import map_columns, read_table
from filiera.registry import ahead, bulk
from filiera.registry.ahead import merged_candidate
from filiera.registry.batch_resolve import BatchResolver
from filiera.registry.bulk import BulkWriter
from filiera.registry.changes import RegistryChange
from filiera.registry.models import Identifier, Organisation, ReviewItem, Source
from filiera.registry.names import normalise_name
from filiera.registry.resolve import Candidate, Incoming, Resolver
from filiera.registry.schemas import OrganisationIn
from filiera.registry.writer import incoming, upsert
from filiera.synth import CSV_HEADERS, load_synthetic, write_csv
from support.pg_server import fresh_database

# Stored organisations the generated rows can collide with: identifiers, acronyms, places.
REAL = [
    ("Iveco Defence Vehicles S.p.A.", "IT", "Bolzano", "999111222"),
    ("Università degli Studi di Torino", "IT", "Torino", ""),
    ("Thales Alenia Space Italia S.p.A.", "IT", "Roma", "999333444"),
    ("Optimus 3D GmbH", "DE", "München", ""),
]
# Incoming rows written by hand around them.
TRICKY = [
    ("IDV", "IT", "Bolzano", ""),  # acronym: review
    ("Università degli Studi di Trento", "IT", "Trento", ""),  # different places: new
    ("Thales Alenia Space", "IT", "Milano", "999333444"),  # same PIC: merge
    ("OPTIMUS3D", "DE", "Munchen", ""),  # same but spacing: merge
    ("Optimus 3D Systems", "DE", "", ""),  # words after: review
]


def csv_rows(path: Path) -> list[tuple[str, ...]]:
    """A file of `write_csv` rows with duplicates and near-duplicates of earlier rows."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header, body = lines[0], lines[1:]
    rng = random.Random(len(body))
    out = []
    for line in body:
        out.append(line)
        if rng.random() < 0.08:  # the same organisation again, later in the file
            out.append(rng.choice(out))
        if rng.random() < 0.08:  # a typo of an earlier row's name
            cells = rng.choice(out).split(",")
            cells[0] = cells[0][:3] + cells[0][4:]
            out.append(",".join(cells))
    return [header, *out]


def make_file(folder: Path, n: int, seed: int) -> Path:
    source = folder / f"plain-{seed}.csv"
    write_csv(source, n, seed=seed)
    lines = csv_rows(source)
    index = {name: i for i, name in enumerate(CSV_HEADERS)}
    for name, country, city, pic in TRICKY:
        cells = [""] * len(CSV_HEADERS)
        cells[index["name"]], cells[index["country"]], cells[index["city"]] = name, country, city
        lines.append(",".join(cells) + (f",{pic}" if pic else ","))
    lines[0] += ",PIC"
    lines[1 : -len(TRICKY)] = [line + "," for line in lines[1 : -len(TRICKY)]]
    path = folder / f"members-{seed}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def stored_world(url: str, n: int = 150) -> None:
    db = Database(url)
    db.ensure_ready()
    with db.session() as session:
        load_synthetic(session, n, seed=1)
        source = Source(name="real", kind="csv")
        for name, country, city, pic in REAL:
            key = normalise_name(name)
            org = Organisation(name=name, name_key=key, country=country, city=city, source=source)
            session.add(org)
            session.flush()
            if pic:
                session.add(Identifier(organisation_id=org.id, scheme="pic", value=pic))
    db.dispose()


def records(path: Path) -> list[Any]:
    table = read_table(path)
    mapping = map_columns(table, COLUMNS["organisations"], "organisations")
    rows = [Row(table, mapping, n, cells) for n, cells in table.rows]
    parsed = [organisation_record(row) for row in rows]
    assert all(parsed), [row.errors for row in rows if row.errors][:3]
    return parsed


def run_path(url: str, recs: list[Any], *, batch: bool, processes: int = 1) -> list[tuple]:
    db = Database(url)
    with db.session() as session:
        audit.bulk(session, "import", "test")
        source = Source(name="test", kind="csv")
        session.add(source)
        session.flush()
        if batch:
            writer = BulkWriter(session, source, BatchResolver.from_session(session))
            outcomes = writer.upsert_all(recs, processes=processes)
        else:
            resolver = Resolver.from_session(session)
            outcomes = [upsert(session, rec, source=source, resolver=resolver) for rec in recs]
    db.dispose()
    return [
        (o.action, o.org_id, o.decision.action, o.decision.org_id, o.decision.score)
        + tuple(o.decision.reasons)
        for o in outcomes
    ]


def contents(url: str) -> dict[str, list[tuple]]:
    """Every registry row but its id and timestamps, sorted, by table."""
    db = Database(url)
    skip = {"id", "created_at", "updated_at", "at", "imported_at", "decided_at"}
    found = {}
    with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name in ("alembic_version", "audit_event", "registry_change"):
                continue
            columns = [c for c in table.columns if c.name not in skip]
            rows = connection.execute(select(*columns)).all()
            found[table.name] = sorted(map(repr, rows))
    db.dispose()
    return found


@pytest.mark.parametrize("seed", [11, 12])
def test_batch_path_gives_the_per_row_outcomes_and_rows(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "BATCH", 40)  # several batches, duplicates across them
    base = tmp_path / "base.db"
    stored_world(f"sqlite:///{base}")
    recs = records(make_file(tmp_path, 160, seed))
    shutil.copy(base, tmp_path / "row.db")
    shutil.copy(base, tmp_path / "batch.db")
    per_row = run_path(f"sqlite:///{tmp_path / 'row.db'}", recs, batch=False)
    batched = run_path(f"sqlite:///{tmp_path / 'batch.db'}", recs, batch=True)
    actions = {outcome[0] for outcome in per_row}
    assert {"created", "review", "merged", "unchanged"} <= actions  # the file exercises all
    assert batched == per_row
    assert contents(f"sqlite:///{tmp_path / 'batch.db'}") == contents(
        f"sqlite:///{tmp_path / 'row.db'}"
    )


class ParentDecisions:
    """Counts the decisions this process's batch resolver takes (a forked child's own
    calls stay in the child)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        decide = BatchResolver.decide

        def counted(resolver: BatchResolver, arrival: Any) -> Any:
            self.calls += 1
            return decide(resolver, arrival)

        monkeypatch.setattr(BatchResolver, "decide", counted)


def two_process_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int = 11, extra: list[Any] = ()
):
    """The per-row outcomes and rows of a file (plus `extra` records), and the same through
    the batch path on two processes (a child decides most countries ahead), with how many
    decisions this process took and how many records are of its own countries."""
    monkeypatch.setattr(bulk, "BATCH", 40)
    monkeypatch.setattr(ahead, "MIN_RECORDS", 10)
    base = tmp_path / "base.db"
    stored_world(f"sqlite:///{base}")
    recs = records(make_file(tmp_path, 160, seed)) + list(extra)
    shutil.copy(base, tmp_path / "row.db")
    shutil.copy(base, tmp_path / "two.db")
    per_row = run_path(f"sqlite:///{tmp_path / 'row.db'}", recs, batch=False)
    parent = ParentDecisions(monkeypatch)
    two = run_path(f"sqlite:///{tmp_path / 'two.db'}", recs, batch=True, processes=2)
    same_rows = contents(f"sqlite:///{tmp_path / 'two.db'}") == contents(
        f"sqlite:///{tmp_path / 'row.db'}"
    )
    childs = ahead.child_countries(recs)
    own = sum(rec.country not in childs for rec in recs)
    return per_row, two, same_rows, parent.calls, own, len(recs)


@pytest.mark.parametrize("seed", [11, 12])
def test_a_child_deciding_ahead_gives_the_per_row_outcomes_and_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ahead_log: list[str], seed: int
) -> None:
    """Merges into stored and into earlier rows, reviews against earlier rows: the child's
    verdicts, mapped to the real ids, are the per-row path's; this process decides only the
    records of its own countries."""
    per_row, two, same_rows, parent_calls, own, total = two_process_run(tmp_path, monkeypatch, seed)
    assert {"created", "review", "merged", "unchanged"} <= {o[0] for o in per_row}
    assert two == per_row
    assert same_rows
    assert 0 < parent_calls == own < total / 2
    assert f"a second process decided {total - own} of {total} records" in ahead_log


def other_country(country: str, pic: str, name: str) -> Any:
    return OrganisationIn.model_validate(
        {"name": name, "country": country, "identifiers": {"pic": pic}}
    )


@pytest.mark.parametrize("case", ["pic from this side", "merge across"])
def test_identifiers_that_cross_countries_are_decided_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ahead_log: list[str], case: str
) -> None:
    """A record of the child's countries carries a PIC that came with a record of this
    process's countries (the child could not know it); or a record of this side merges by
    PIC into a stored organisation of the child's countries. Same outcomes as one process;
    this process decides that record and every one after it."""
    recs = records(make_file(tmp_path, 160, 11))
    childs = ahead.child_countries(recs)
    mine = next(rec.country for rec in reversed(recs) if rec.country not in childs)
    theirs = next(rec.country for rec in recs if rec.country in childs)
    if case == "pic from this side":
        extra = [
            other_country(mine, "911000001", "Zentrale Ortung Systeme"),
            other_country(theirs, "911000001", "Zentrale Ortung Systeme Filiale"),
        ]
        why = "differs from this process's"
    else:
        assert "IT" in childs  # Iveco Defence Vehicles, PIC 999111222, is stored in IT
        extra = [  # the merge gives Iveco the alias the last record is found by
            other_country(mine, "999111222", "IDV Branch Office"),
            OrganisationIn.model_validate({"name": "IDV Branch Office", "country": "IT"}),
        ]
        why = "merged into an organisation of the child's countries"
    per_row, two, same_rows, parent_calls, own, total = two_process_run(
        tmp_path / "run", monkeypatch, extra=extra
    )
    assert [o[0] for o in per_row[-2:]] == (
        ["created", "merged"] if case == "pic from this side" else ["merged", "unchanged"]
    )
    assert two == per_row
    assert same_rows
    assert parent_calls == own + 1  # the last record, of the child's countries
    assert any(why in m for m in ahead_log)


def test_blocks_left_for_later_are_filed_before_a_fuzzy_decision(tmp_path: Path) -> None:
    """`add_for_lookups` answers identifier and exact-name lookups at once, and a later
    `prepare` or `decide` gives the verdicts a resolver that filed everything gives."""
    url = f"sqlite:///{tmp_path / 'world.db'}"
    stored_world(url)
    recs = records(make_file(tmp_path, 120, 11))
    first, later = recs[:80], recs[80:]
    database = Database(url)
    with database.session() as session:
        full, lazy = BatchResolver.from_session(session), BatchResolver.from_session(session)
    database.dispose()
    for number, rec in enumerate(first, 10**6):
        full.add(bulk.new_candidate(number, rec))
        lazy.add_for_lookups(bulk.new_candidate(number, rec))
        assert lazy.exact_name(incoming(rec)) == full.exact_name(incoming(rec))
    assert lazy.by_identifier == full.by_identifier
    one_by_one = [lazy.decide(incoming(rec)) for rec in later[:20]]
    assert one_by_one == [full.decide(incoming(rec)) for rec in later[:20]]
    for resolver in (full, lazy):
        resolver.add_for_lookups(bulk.new_candidate(2 * 10**6, later[0]))
    batch = [incoming(rec) for rec in later[20:]]
    lazy.prepare(batch)
    full.prepare(batch)
    assert [lazy.decide(a) for a in batch] == [full.decide(a) for a in batch]
    assert {d.action for d in one_by_one} >= {"new", "review"}


def test_a_later_version_filed_in_full_is_not_undone_by_an_earlier_one() -> None:
    """An organisation indexed for lookups only, then merged and indexed in full (the writer
    stopped listening to the child in between): its blocks hold the latest version."""
    resolver = BatchResolver()
    first = Candidate(7, frozenset({"vortani aerostrutture"}), "IT", "torino", frozenset())
    later = replace(first, name_keys=first.name_keys | {"vortani"})
    resolver.add_for_lookups(first)
    resolver.add(later)
    resolver.prepare([Incoming("Vortani Aero", "IT")])
    assert resolver.candidates[7] is later


@pytest.fixture
def ahead_log() -> Any:
    """The messages `registry.ahead` and `registry.bulk` log during the test (info too)."""
    messages: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())  # type: ignore[method-assign]
    levels = {logger: logger.level for logger in (ahead.log, bulk.log)}
    for logger in levels:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield messages
    for logger, level in levels.items():
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_a_merge_the_child_got_wrong_makes_this_process_decide_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ahead_log: list[str]
) -> None:
    def wrong(stored: Any, rec: Any) -> Any:
        found = merged_candidate(stored, rec)
        return replace(found, name_keys=found.name_keys | {"not a name of it"})

    monkeypatch.setattr(ahead, "merged_candidate", wrong)
    per_row, two, same_rows, parent_calls, own, total = two_process_run(tmp_path, monkeypatch)
    assert two == per_row
    assert same_rows
    assert own < parent_calls < total  # the child's verdicts up to the first merge were used
    assert any("a merge gave another organisation" in m for m in ahead_log)


def _dies(*args: Any) -> None:
    os._exit(3)


def _stalls(*args: Any) -> None:
    time.sleep(30)
    os._exit(0)


@pytest.mark.parametrize("child", [_dies, _stalls])
def test_a_child_that_dies_or_stalls_leaves_the_decisions_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ahead_log: list[str], child: Any
) -> None:
    monkeypatch.setattr(ahead, "_child", child)
    monkeypatch.setattr(ahead, "PATIENCE_SECONDS", 0.5)
    per_row, two, same_rows, parent_calls, _, total = two_process_run(tmp_path, monkeypatch)
    assert two == per_row
    assert same_rows
    assert parent_calls == total
    assert any("resolution goes on in one process" in m for m in ahead_log)


@pytest.fixture
def db(db_url: str):
    database = Database(db_url)
    database.ensure_ready()
    yield database
    database.dispose()


def counts(db: Database) -> dict[str, int]:
    with db.session() as session:
        return {
            t.name: session.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
            if t.name not in ("alembic_version",)
        }


def with_bad_rows(tmp_path: Path, n: int, bad: list[int]) -> Path:
    path = tmp_path / "members.csv"
    write_csv(path, n, seed=5)
    lines = path.read_text(encoding="utf-8").splitlines()
    for i in bad:  # an unknown country in line i (spreadsheet row i + 1)
        cells = lines[i].split(",")
        cells[CSV_HEADERS.index("country")] = "Atlantis"
        lines[i] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_bad_row_rejects_the_file_and_names_every_bad_row(db: Database, tmp_path: Path):
    path = with_bad_rows(tmp_path, 120, [3, 50, 99])
    before = counts(db)
    with pytest.raises(ImportFailed) as failure, db.session() as session:
        import_csv(session, path, "organisations")
    assert {e["record"] for e in failure.value.errors} == {
        "members.csv row 4",
        "members.csv row 51",
        "members.csv row 100",
    }
    assert counts(db) == before


def test_skip_invalid_writes_the_rest_and_logs_each_change(db: Database, tmp_path: Path):
    path = with_bad_rows(tmp_path, 120, [3, 50, 99])
    ticks: list[int] = []
    with db.session() as session:
        report = import_csv(
            session, path, "organisations", skip_invalid=True, progress=ticks.append
        )
    assert [r["record"] for r in report.rejected] == [
        "members.csv row 4",
        "members.csv row 51",
        "members.csv row 100",
    ]
    assert sum(ticks) == 120
    with db.session() as session:
        orgs = set(session.scalars(select(Organisation.id)))
        logged = set(session.scalars(select(RegistryChange.organisation_id)))
        assert len(orgs) == report.counts["organisations_created"] == 117
        assert orgs <= logged
    again = import_csv_once(db, path)
    assert again.counts["organisations_unchanged"] == 117
    assert counts(db)["review_item"] == 0


@pytest.mark.parametrize("skip_invalid", [False, True])
def test_two_processes_import_what_one_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, skip_invalid: bool
) -> None:
    """Rows 4 (checked here) and 51, 100 (checked by the child) are bad: same report, same
    rows, with or without a second process."""
    monkeypatch.setattr(split_work, "MIN_ITEMS", 10)
    monkeypatch.setattr(split_work, "CHUNK", 7)
    monkeypatch.setattr(ahead, "MIN_RECORDS", 10)  # and a child decides ahead
    monkeypatch.setattr(bulk, "BATCH", 40)
    path = with_bad_rows(tmp_path, 120, [3, 50, 99])
    outcome, stored = {}, {}
    for processes in (1, 2):
        url = f"sqlite:///{tmp_path / f'processes-{processes}.db'}"
        stored_world(url)
        database = Database(url)
        try:
            with database.session() as session:
                report = import_csv(
                    session, path, "organisations", skip_invalid=skip_invalid, processes=processes
                )
            outcome[processes] = report.to_dict()
        except ImportFailed as failure:
            outcome[processes] = failure.errors
        database.dispose()
        stored[processes] = contents(url)
    assert outcome[2] == outcome[1]
    assert stored[2] == stored[1]
    if skip_invalid:
        assert len(outcome[1]["rejected"]) == 3
    else:
        assert {e["record"] for e in outcome[1]} == {
            "members.csv row 4",
            "members.csv row 51",
            "members.csv row 100",
        }


def import_csv_once(db: Database, path: Path):
    with db.session() as session:
        return import_csv(session, path, "organisations", skip_invalid=True)


def test_kill_9_mid_import_changes_nothing_and_a_rerun_completes(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    stored_world(url, n=100)
    path = tmp_path / "big.csv"
    write_csv(path, 1000, seed=7)
    db = Database(url)
    before = counts(db)
    wal = tmp_path / "registry.db-wal"
    start_size = wal.stat().st_size if wal.exists() else 0
    command = [sys.executable, "-m", "filiera.cli.main", "import", "csv", str(path), "--db", url]
    env = {**os.environ, "COLUMNS": "120"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if wal.exists() and wal.stat().st_size > start_size:  # it has started writing
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the import ended before it was killed"
    assert counts(db) == before
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    after = counts(db)
    assert after["organisation"] == before["organisation"] + 1000
    db.dispose()


def test_a_row_naming_an_earlier_row_merges_into_it(db: Database, tmp_path: Path):
    header = "Name,Country,City,PIC\n"
    text = "Vortani Aerostrutture S.r.l.,IT,Torino,912345678\nVORTANI AEROSTRUTTURE,IT,,\n"
    path = tmp_path / "twice.csv"
    path.write_text(header + text, encoding="utf-8")
    with db.session() as session:
        report = import_csv(session, path, "organisations")
    assert report.counts == {"organisations_created": 1, "organisations_merged": 1}
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Organisation)) == 1
        assert session.scalar(select(func.count()).select_from(ReviewItem)) == 0


def test_an_import_leaves_no_cycle_holding_the_registry_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All an import built is freed when it returns, by reference counting alone. A rejected
    cluster's error once kept its traceback, whose frames held the import's locals (the
    registry's index among them) in a cycle: a later full pass of the garbage collector
    spent 6-7 s freeing it after a 100,000-row file."""
    url = f"sqlite:///{tmp_path / 'cycles.db'}"
    stored_world(url)
    path = tmp_path / "members.csv"
    write_csv(path, 60, seed=5)
    lines = path.read_text(encoding="utf-8").splitlines()
    empty = next(n for n, line in enumerate(lines) if line.endswith(","))  # no cluster
    lines[empty] += "Unknown Cluster Zeta"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    made: list[weakref.ref] = []
    build = BatchResolver.from_session.__func__

    def watched(cls: type, session: Any) -> BatchResolver:
        resolver = build(cls, session)
        made.append(weakref.ref(resolver))
        return resolver

    monkeypatch.setattr(BatchResolver, "from_session", classmethod(watched))
    database = Database(url)
    gc.disable()
    try:
        with database.session() as session:
            report = import_csv(session, path, "organisations", skip_invalid=True)
        assert made and made[0]() is None
    finally:
        gc.enable()
        database.dispose()
    assert any(e["field"] == "cluster" for r in report.rejected for e in r["errors"])


def test_the_import_cache_is_raised_while_writing_and_restored(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'cache.db'}")  # a SQLite pragma
    database.ensure_ready()
    with database.session() as session:
        driver = session.connection().connection.driver_connection
        before = driver.execute("PRAGMA cache_size").fetchone()[0]
        with bulk.large_page_cache(session):
            during = driver.execute("PRAGMA cache_size").fetchone()[0]
        after = driver.execute("PRAGMA cache_size").fetchone()[0]
    database.dispose()
    assert during == -bulk.SQLITE_IMPORT_CACHE_KIB != before
    assert after == before


def test_the_report_counts_the_name_pairs_the_bounds_kept(tmp_path: Path) -> None:
    """Blocked >= distinct >= scored by rapidfuzz >= passed, and the bounds drop some: the
    benchmark's 'share of pairs scored' reads these counts."""
    url = f"sqlite:///{tmp_path / 'pairs.db'}"
    stored_world(url)
    database = Database(url)
    with database.session() as session:
        report = import_csv(session, make_file(tmp_path, 160, 11), "organisations")
    database.dispose()
    pairs = report.pairs
    assert pairs["blocked"] >= pairs["distinct"] > pairs["scored"] >= pairs["passed"] > 0


@pytest.mark.postgres
@pytest.mark.parametrize("processes", [1, 2])
def test_postgresql_batch_path_gives_the_per_row_outcomes_and_rows(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, processes: int
) -> None:
    """On PostgreSQL too (ids from the sequence, rows through COPY, merges into rows of an
    earlier batch), with one process and with a child deciding ahead."""
    monkeypatch.setattr(bulk, "BATCH", 40)
    monkeypatch.setattr(ahead, "MIN_RECORDS", 10)
    recs = records(make_file(tmp_path, 160, 11))
    with (
        fresh_database(pg_url, prefix="bulk_row") as row,
        fresh_database(pg_url, prefix="bulk_batch") as batch,
    ):
        stored_world(row)
        stored_world(batch)
        per_row = run_path(row, recs, batch=False)
        batched = run_path(batch, recs, batch=True, processes=processes)
        assert {"created", "review", "merged", "unchanged"} <= {o[0] for o in per_row}
        assert batched == per_row
        assert contents(batch) == contents(row)
