"""The logical backup file: gzip'd JSON lines with a header and a checksummed trailer.

    {"format": "filiera-logical-backup", "version": 1, "revision": "0013", ...,
     "tables": [{"name": "organisation", "columns": [["id", "int"], ...], "rows": 20000}]}
    {"table": "organisation", "row": [1, "Leonardo", ...]}          one line per row
    {"end": true, "rows": 123456, "sha256": "..."}                     the trailer

Tables come parents first and each table's rows in primary-key order. The trailer's
sha256 covers every byte before it (header and rows), so a truncated file (no trailer, or
a gzip stream cut short) and a corrupted one (bad gzip, bad JSON, checksum mismatch, counts
that disagree with the header) are both refused by `read_rows` before anything is written.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from filiera.ops.summary import BackupSummary, bad_backup

FORMAT_NAME = "filiera-logical-backup"
FORMAT_VERSION = 1
GZIP_MAGIC = b"\x1f\x8b"


class LogicalWriter:
    """Writes the lines of a logical backup, hashing them for the trailer."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()
        self.rows = 0

    def _line(self, value: Any) -> None:
        data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        self.digest.update(data)
        self.stream.write(data)

    def header(self, header: dict[str, Any]) -> None:
        self._line({"format": FORMAT_NAME, "version": FORMAT_VERSION, **header})

    def row(self, table: str, values: list) -> None:
        self._line({"table": table, "row": values})
        self.rows += 1

    def trailer(self) -> None:
        trailer = {"end": True, "rows": self.rows, "sha256": self.digest.hexdigest()}
        self.stream.write(json.dumps(trailer).encode() + b"\n")


def _lines(path: Path) -> Iterator[bytes]:
    """The file's lines, with gzip damage turned into a refusal naming the file."""
    try:
        with gzip.open(path, "rb") as stream:
            yield from stream
    except EOFError:
        raise bad_backup(path, "truncated: the compressed data ends too early") from None
    except (gzip.BadGzipFile, zlib.error) as error:
        raise bad_backup(path, f"corrupted: not a valid gzip stream ({error})") from None


def _parse(path: Path, number: int, line: bytes) -> Any:
    try:
        value = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise bad_backup(path, f"corrupted: line {number} is not valid JSON") from None
    if not isinstance(value, dict):
        raise bad_backup(path, f"corrupted: line {number} is not a JSON object")
    return value


class LogicalReader:
    """Reads a logical backup, checking every line; iterate `rows()` to the end to verify."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.header: dict[str, Any] = {}
        self.columns: dict[str, list[tuple[str, str]]] = {}
        self.expected: dict[str, int] = {}

    def rows(self) -> Iterator[tuple[str, list]]:
        """(table, values) for every row; raises at the first problem, and at the end if the
        trailer is missing or its row count or checksum disagree."""
        digest, counts, trailer = hashlib.sha256(), {}, None
        lines = enumerate(_lines(self.path), start=1)
        for number, line in lines:
            value = _parse(self.path, number, line)
            if number == 1:
                self._read_header(value)
            elif "end" in value:
                trailer = value
                break
            else:
                yield self._row(number, value, counts)
            digest.update(line)
        if trailer is None:
            raise bad_backup(self.path, "truncated: the trailer line is missing")
        if next(lines, None) is not None:
            raise bad_backup(self.path, "corrupted: lines after the trailer")
        self._check_end(trailer, digest.hexdigest(), counts)

    def _read_header(self, header: dict[str, Any]) -> None:
        if header.get("format") != FORMAT_NAME:
            raise bad_backup(self.path, "not a Filiera logical backup (no header line)")
        if header.get("version") != FORMAT_VERSION:
            version = header.get("version")
            raise bad_backup(self.path, f"format version {version} is not one this Filiera reads")
        try:
            self.columns = {
                table["name"]: [tuple(column) for column in table["columns"]]
                for table in header["tables"]
            }
            self.expected = {table["name"]: int(table["rows"]) for table in header["tables"]}
        except (KeyError, TypeError, ValueError):
            raise bad_backup(self.path, "corrupted: the header's table list is damaged") from None
        self.header = header

    def _row(self, number: int, value: dict[str, Any], counts: dict[str, int]) -> tuple:
        table, row = value.get("table"), value.get("row")
        width = len(self.columns.get(table, ()))
        if not width or not isinstance(row, list) or len(row) != width:
            raise bad_backup(self.path, f"corrupted: line {number} is not a row of a known table")
        counts[table] = counts.get(table, 0) + 1
        return table, row

    def _check_end(self, trailer: dict[str, Any], digest: str, counts: dict[str, int]) -> None:
        if trailer.get("sha256") != digest:
            raise bad_backup(self.path, "corrupted: the checksum does not match the content")
        for name, rows in self.expected.items():
            if counts.get(name, 0) != rows:
                found = counts.get(name, 0)
                problem = f"corrupted: table {name} has {found} rows, the header says {rows}"
                raise bad_backup(self.path, problem)

    def summary(self) -> BackupSummary:
        return summary_from_header(self.path, self.header)


def summary_from_header(path: Path, header: dict[str, Any]) -> BackupSummary:
    """The summary of a logical backup, from its header."""
    return BackupSummary(
        path=path,
        format="logical",
        backend=header.get("backend", "?"),
        revision=header.get("revision"),
        tables={table["name"]: table["rows"] for table in header["tables"]},
        created_at=header.get("created_at"),
        filiera_version=header.get("filiera_version"),
        bytes=path.stat().st_size,
    )


def verify_logical(path: Path) -> BackupSummary:
    """Read the whole file, checking it; its summary when nothing is wrong."""
    reader = LogicalReader(path)
    for _ in reader.rows():
        pass
    return reader.summary()
