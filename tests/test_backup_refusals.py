"""Bad backups and bad targets are refused with a clear message, and nothing changes.

Truncated or corrupted files (bad gzip, bad JSON, checksum or count mismatch), a backup
from a newer schema, a native backup of the other backend, a target with data, and a load
that fails half-way under --replace (all or nothing).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, literal, select, table, union_all

from filiera.access.viewer import Viewer
from filiera.db import Database
from filiera.directory import service
from filiera.errors import Conflict, FilieraError, ValidationFailed
from filiera.migrate import current, head
from filiera.ops.backup import backup
from filiera.ops.restore import restore
from filiera.registry.schemas import OrganisationIn
from support.dataset import build
from support.pg_server import fresh_database
from test_backup import all_rows


@dataclass
class World:
    url: str
    db: Database
    backend: str
    logical: Path
    native: Path
    empty: str  # a database at head without rows, the target of refused restores


@pytest.fixture(scope="module")
def world(
    request: pytest.FixtureRequest, module_db_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    db = Database(module_db_url)
    build(db)
    folder = tmp_path_factory.mktemp("refusals")
    logical = backup(db, folder / "world.jsonl.gz").path
    native = backup(db, folder / "world.native").path
    if db.dialect == "sqlite":
        empty = f"sqlite:///{folder}/empty.db"
        yield _world(module_db_url, db, logical, native, empty)
    else:
        with fresh_database(request.getfixturevalue("pg_url"), prefix="empty") as empty:
            yield _world(module_db_url, db, logical, native, empty)
    db.dispose()


def _world(url: str, db: Database, logical: Path, native: Path, empty: str) -> World:
    target = Database(empty)
    target.upgrade()
    target.dispose()
    return World(url, db, db.dialect, logical, native, empty)


def state(url: str) -> tuple[str | None, dict[str, int]]:
    """The revision and the rows of each table (cheap: no reflection of columns, one query
    counting every table)."""
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            names = inspect(connection).get_table_names()
            counts = (
                select(
                    literal(name), select(func.count()).select_from(table(name)).scalar_subquery()
                )
                for name in names
            )
            found = dict(connection.execute(union_all(*counts)).all()) if names else {}
        return current(db.engine), found
    finally:
        db.dispose()


def rewrite(source: Path, out: Path, edit: Callable[[dict, list[dict]], None]) -> Path:
    """A logical backup whose header and rows `edit` changed, with a correct trailer."""
    lines = [json.loads(line) for line in gzip.decompress(source.read_bytes()).splitlines()]
    header, rows = lines[0], lines[1:-1]
    edit(header, rows)
    body = b"".join(json.dumps(line).encode() + b"\n" for line in [header, *rows])
    trailer = {"end": True, "rows": len(rows), "sha256": hashlib.sha256(body).hexdigest()}
    out.write_bytes(gzip.compress(body + json.dumps(trailer).encode() + b"\n"))
    return out


def _cut(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 16]) + data[middle + 16 :]


def _drop_trailer(data: bytes) -> bytes:
    return gzip.compress(b"".join(gzip.decompress(data).splitlines(keepends=True)[:-1]))


def _bad_json(data: bytes) -> bytes:
    lines = gzip.decompress(data).splitlines(keepends=True)
    broken = b'{"table": "organisation", "row": [1,\n'
    return gzip.compress(b"".join([lines[0], broken, *lines[2:]]))


def _changed_value(data: bytes) -> bytes:
    text = gzip.decompress(data).replace(b"Leonardo S.p.A.", b"Leonardo S.p.B.", 1)
    return gzip.compress(text)


def _newer(header: dict, rows: list[dict]) -> None:
    header["revision"] = "9999"


def _unknown(header: dict, rows: list[dict]) -> None:
    header["revision"] = "abc123"


def _more_rows_claimed(header: dict, rows: list[dict]) -> None:
    header["tables"][0]["rows"] += 1


BYTE_DAMAGE = {
    "truncated": (_cut, "truncated: the compressed data ends too early"),
    "corrupted gzip": (_flip, "corrupted"),
    "no trailer": (_drop_trailer, "truncated: the trailer line is missing"),
    "bad json": (_bad_json, "corrupted: line 2 is not valid JSON"),
    "checksum": (_changed_value, "corrupted: the checksum does not match"),
}
HEADER_DAMAGE = {
    "newer schema": (_newer, "revision 9999 is newer than this Filiera's"),
    "unknown schema": (_unknown, "revision 'abc123' is unknown to this Filiera"),
    "counts": (_more_rows_claimed, "rows, the header says"),
}


def assert_refused(path: Path, target: str, message: str, error=ValidationFailed) -> None:
    before = state(target)
    with pytest.raises(error) as raised:
        restore(path, target)
    assert message in raised.value.message
    assert "nothing was changed" in raised.value.message
    assert str(path) in raised.value.message
    assert state(target) == before


@pytest.mark.parametrize("damage", BYTE_DAMAGE)
def test_a_damaged_file_is_refused(world: World, damage: str, tmp_path: Path) -> None:
    """PostgreSQL targets: refused by the check before the target is touched; SQLite
    targets: by the same check run while the scratch database beside it is loaded."""
    change, message = BYTE_DAMAGE[damage]
    bad = tmp_path / "bad.jsonl.gz"
    bad.write_bytes(change(world.logical.read_bytes()))
    assert_refused(bad, world.empty, message)


@pytest.mark.parametrize("damage", HEADER_DAMAGE)
def test_a_wrong_header_is_refused(world: World, damage: str, tmp_path: Path) -> None:
    change, message = HEADER_DAMAGE[damage]
    bad = rewrite(world.logical, tmp_path / "bad.jsonl.gz", change)
    assert_refused(bad, world.empty, message)


def test_a_truncated_native_backup_is_refused(world: World, tmp_path: Path) -> None:
    bad = tmp_path / "cut.native"
    bad.write_bytes(_cut(world.native.read_bytes()))
    assert_refused(bad, world.empty, "truncated")


def test_a_file_that_is_no_backup_is_refused(world: World, tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("not a backup")
    assert_refused(bad, world.empty, "not a Filiera backup")


def test_a_native_backup_of_the_other_backend_is_refused(
    request: pytest.FixtureRequest, world: World, tmp_path: Path
) -> None:
    if world.backend == "sqlite":
        server = request.getfixturevalue("pg_url")
        with fresh_database(server, prefix="other") as other:
            assert_refused(world.native, other, "use the logical format to change backend")
        return
    target = tmp_path / "other.db"
    with pytest.raises(ValidationFailed, match="use the logical format to change backend"):
        restore(world.native, f"sqlite:///{target}")
    assert not target.exists()


def test_a_database_with_data_is_refused(world: World) -> None:
    before = all_rows(world.url)
    shown = world.db.engine.url.render_as_string(hide_password=True)
    for backup_file in (world.logical, world.native):
        with pytest.raises(Conflict) as raised:
            restore(backup_file, world.url)
        assert f"database {shown} is not empty (table " in raised.value.message
        assert "--replace" in raised.value.message
    assert all_rows(world.url) == before


def _duplicate_last_organisation(header: dict, rows: list[dict]) -> None:
    last = max(i for i, row in enumerate(rows) if row["table"] == "organisation")
    rows.insert(last + 1, rows[last])
    next(t for t in header["tables"] if t["name"] == "organisation")["rows"] += 1


def _refer_to_a_missing_organisation(header: dict, rows: list[dict]) -> None:
    """The last row of a table with an `organisation_id` points at no organisation."""
    table = next(
        t
        for t in reversed(header["tables"])
        if t["rows"] and "organisation_id" in [name for name, _ in t["columns"]]
    )
    column = [name for name, _ in table["columns"]].index("organisation_id")
    last = max(i for i, row in enumerate(rows) if row["table"] == table["name"])
    rows[last]["row"][column] = 999_999


BREAKAGES = {
    "duplicate key": _duplicate_last_organisation,
    "broken reference": _refer_to_a_missing_organisation,
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_a_replace_that_fails_half_way_changes_nothing(
    world: World, breakage: str, tmp_path: Path
) -> None:
    """The file is sound, but its rows break a key or a reference: the load fails after the
    old data was dropped (PostgreSQL: a reference only when the foreign keys are added back
    at the end) or beside it (SQLite), and the target keeps every row."""
    bad = rewrite(world.logical, tmp_path / "broken.jsonl.gz", BREAKAGES[breakage])
    before = all_rows(world.url)
    with pytest.raises(FilieraError, match="could not be loaded into"):
        restore(bad, world.url, replace=True)
    assert all_rows(world.url) == before


@pytest.mark.parametrize("fmt", ["logical", "native"])
def test_replace_swaps_in_the_backup(world: World, fmt: str) -> None:
    expected = all_rows(world.url)
    with world.db.session() as session:
        late = OrganisationIn(name="Written After The Backup", country="LU", kind="sme")
        service.create(session, Viewer.system(), late)
    assert all_rows(world.url) != expected
    result = restore(getattr(world, fmt), world.url, replace=True)
    assert result.revision == head()
    assert all_rows(world.url) == expected
