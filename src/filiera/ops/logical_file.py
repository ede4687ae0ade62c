"""The logical backup file: gzip'd JSON lines with a header and a checksummed trailer.

    {"format": "filiera-logical-backup", "version": 1, "revision": "0013", ...,
     "tables": [{"name": "organisation", "columns": [["id", "int"], ...], "rows": 20000}]}
    {"table": "organisation", "row": [1, "Leonardo", ...]}          one line per row
    {"end": true, "rows": 123456, "sha256": "..."}                     the trailer

Tables come parents first and each table's rows in primary-key order. The trailer's
sha256 covers every byte before it (header and rows), so a truncated file (no trailer, or
a gzip stream cut short) and a corrupted one (bad gzip, bad JSON, checksum mismatch, counts
that disagree with the header) are both refused by `LogicalReader.batches`, which
`verify_logical` reads to the end before anything is written.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from filiera.errors import ValidationFailed
from filiera.ops.summary import BackupSummary, bad_backup

FORMAT_NAME = "filiera-logical-backup"
FORMAT_VERSION = 1
GZIP_MAGIC = b"\x1f\x8b"
READ_BLOCK = 1 << 20  # decompressed bytes read at a time
BATCH_ROWS = 5000
_decode = json.JSONDecoder().decode
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class LogicalWriter:
    """Writes the lines of a logical backup, hashing them for the trailer."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()
        self.rows = 0

    def _line(self, value: Any) -> None:
        data = _encode(value).encode() + b"\n"
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


def _blocks(path: Path) -> Iterator[bytes]:
    """The decompressed file in blocks of whole lines (only the last may lack its newline),
    with gzip damage turned into a refusal naming the file."""
    rest = b""
    try:
        with gzip.open(path, "rb") as stream:
            while chunk := stream.read(READ_BLOCK):
                data = rest + chunk
                cut = data.rfind(b"\n") + 1
                if cut:
                    yield data[:cut]
                rest = data[cut:]
    except EOFError:
        raise bad_backup(path, "truncated: the compressed data ends too early") from None
    except (gzip.BadGzipFile, zlib.error) as error:
        raise bad_backup(path, f"corrupted: not a valid gzip stream ({error})") from None
    if rest:
        yield rest


def _parse_block(path: Path, block: bytes, first: int) -> list[Any]:
    """The JSON objects of a block's lines (`first` is the first one's line number)."""
    try:
        lines = block.decode("utf-8").split("\n")
    except UnicodeDecodeError as error:
        number = first + block.count(b"\n", 0, error.start)
        raise bad_backup(path, f"corrupted: line {number} is not valid JSON") from None
    if lines[-1] == "":
        lines.pop()
    try:
        values = [_decode(line) for line in lines]
    except json.JSONDecodeError:
        values = [_parse(path, first + index, line) for index, line in enumerate(lines)]
    for index, value in enumerate(values):
        if not isinstance(value, dict):
            raise bad_backup(path, f"corrupted: line {first + index} is not a JSON object")
    return values


def _parse(path: Path, number: int, line: str) -> Any:
    try:
        return _decode(line)
    except json.JSONDecodeError:
        raise bad_backup(path, f"corrupted: line {number} is not valid JSON") from None


def _last_line_start(block: bytes) -> int:
    return block.rfind(b"\n", 0, len(block) - 1) + 1


class LogicalReader:
    """Reads a logical backup, checking every line; iterate `batches()` to the end to
    verify it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.header: dict[str, Any] = {}
        self.columns: dict[str, list[tuple[str, str]]] = {}
        self.expected: dict[str, int] = {}
        self.digest = hashlib.sha256()
        self.trailer: dict[str, Any] | None = None

    def batches(self, size: int = BATCH_ROWS) -> Iterator[tuple[str, list[list]]]:
        """(table, rows): consecutive rows of one table, at most `size` at a time. Raises at
        the first damaged line, and at the end if the trailer is missing or its checksum or
        the row counts disagree (so a caller keeps nothing it wrote before the end)."""
        counts: dict[str, int] = {}
        table, batch, width, number = None, [], 0, 2
        for values in self._row_blocks():
            for value in values:
                name, row = value.get("table"), value.get("row")
                if name != table or len(batch) >= size:
                    if batch:
                        counts[table] = counts.get(table, 0) + len(batch)
                        yield table, batch
                    table, batch, width = name, [], len(self.columns.get(name, ()))
                if not width or not isinstance(row, list) or len(row) != width:
                    raise self._not_a_row(number, value)
                batch.append(row)
                number += 1
        if batch:
            counts[table] = counts.get(table, 0) + len(batch)
            yield table, batch
        self._check_end(counts)

    def _row_blocks(self) -> Iterator[list[dict[str, Any]]]:
        """The parsed row lines, a block at a time: the header read first, every byte before
        the trailer hashed, the trailer kept for `_check_end`."""
        self.digest, self.trailer, number = hashlib.sha256(), None, 1
        for block in _blocks(self.path):
            if self.trailer is not None:
                raise bad_backup(self.path, "corrupted: lines after the trailer")
            values = _parse_block(self.path, block, number)
            if number == 1:
                self._read_header(values.pop(0))
            number += len(values) + (number == 1)
            if values and "end" in values[-1]:
                self.trailer = values.pop()
                self.digest.update(block[: _last_line_start(block)])
            else:
                self.digest.update(block)
            yield values
        if self.trailer is None:
            raise bad_backup(self.path, "truncated: the trailer line is missing")

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

    def _not_a_row(self, number: int, value: dict[str, Any]) -> ValidationFailed:
        if "end" in value:
            return bad_backup(self.path, "corrupted: lines after the trailer")
        return bad_backup(self.path, f"corrupted: line {number} is not a row of a known table")

    def _check_end(self, counts: dict[str, int]) -> None:
        if self.trailer is None or self.trailer.get("sha256") != self.digest.hexdigest():
            raise bad_backup(self.path, "corrupted: the checksum does not match the content")
        for name, rows in self.expected.items():
            if counts.get(name, 0) != rows:
                found = counts.get(name, 0)
                problem = f"corrupted: table {name} has {found} rows, the header says {rows}"
                raise bad_backup(self.path, problem)

    def summary(self) -> BackupSummary:
        return summary_from_header(self.path, self.header)

    def read_header(self) -> BackupSummary:
        """The summary in the header line, read with the first block of lines only."""
        blocks = self._row_blocks()
        try:
            next(blocks, None)
        finally:
            blocks.close()
        return self.summary()


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
    for _ in reader.batches():
        pass
    return reader.summary()


def logical_header(path: Path) -> BackupSummary:
    """The summary in a logical backup's header; its rows are not read."""
    return LogicalReader(path).read_header()
