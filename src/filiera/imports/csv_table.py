"""Reading a CSV file as exported by spreadsheets: encoding, delimiter and header mapping."""

from __future__ import annotations

import codecs
import csv
import gc
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from filiera.errors import ImportFailed, field_error
from filiera.imports.csv_columns import Column, header_key

DELIMITERS = (";", ",", "\t")


@dataclass
class Table:
    """A CSV file's header and data rows; `rows` holds (spreadsheet row number, cells)."""

    path: Path
    headers: list[str]
    rows: list[tuple[int, list[str]]]
    delimiter: str
    encoding: str
    nul_free: bool = False  # no cell holds NUL: the schemas need not check each field again

    def ref(self, number: int) -> str:
        return f"{self.path.name} row {number}"


@dataclass
class Mapping:
    """Which column index holds each field, and the headers nothing uses."""

    index: dict[str, int]
    headers: dict[str, str]
    ignored: list[str] = field(default_factory=list)

    def texts(self, cells: list[str]) -> dict[str, str]:
        """Every field's stripped cell (a field whose column the row lacks is left out)."""
        n = len(cells)
        return {name: cells[i].strip() for name, i in self.index.items() if i < n}

    def header(self, name: str) -> str:
        return self.headers.get(name, name)


def decode(path: Path, raw: bytes) -> tuple[str, str]:
    """Text and encoding: UTF-16 or UTF-8 (BOM optional), else Windows-1252."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "utf-16"
    if b"\x00" in raw:
        raise ImportFailed(
            f"{path}: not a CSV text file (binary content)",
            errors=[field_error(path.name, "(file)", "binary content")],
        )
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as error:
        raise ImportFailed(
            f"{path}: neither UTF-8 nor Windows-1252 text ({error})",
            errors=[field_error(path.name, "(file)", "unknown text encoding")],
        ) from None


def sniff_delimiter(text: str) -> str:
    """The most frequent of `;`, `,` and tab in the header line, outside quotes."""
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    outside = "".join(part for i, part in enumerate(line.split('"')) if i % 2 == 0)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_table(path: Path) -> Table:
    """Parse a CSV file; ImportFailed naming the file (and line) when it cannot be read."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ImportFailed(f"{path}: file not found") from None
    except OSError as error:
        raise ImportFailed(f"{path}: cannot read ({error.strerror})") from None
    text, encoding = decode(path, raw)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        with collector_paused():  # a large file is millions of small strings
            records = list(reader)
    except csv.Error as error:
        raise ImportFailed(
            f"{path}: malformed CSV at line {reader.line_num}: {error}",
            errors=[field_error(f"{path.name} line {reader.line_num}", "(file)", str(error))],
        ) from None
    if not records or not any(cell.strip() for cell in records[0]):
        raise ImportFailed(
            f"{path}: empty file or empty header row",
            errors=[field_error(path.name, "(header)", "the first row must name the columns")],
        )
    rows = [
        (n, cells) for n, cells in enumerate(records[1:], start=2) if any(c.strip() for c in cells)
    ]
    headers = [h.strip() for h in records[0]]
    return Table(path, headers, rows, delimiter, encoding, nul_free="\x00" not in text)


def map_columns(table: Table, columns: tuple[Column, ...], kind: str) -> Mapping:
    """Match the file's headers to `columns`; ImportFailed when a required one is missing."""
    keys = {}
    for i, header in enumerate(table.headers):
        keys.setdefault(header_key(header), i)
    index: dict[str, int] = {}
    claimed: set[int] = set()
    for column in columns:
        for alias in column.headers:
            i = keys.get(header_key(alias))
            if i is not None and i not in claimed:
                index[column.field] = i
                claimed.add(i)
                break
    missing = [c for c in columns if c.required and c.field not in index]
    if missing:
        errors = [
            field_error(
                table.path.name,
                c.field,
                f"missing required column; accepted headers: {', '.join(c.headers)}",
            )
            for c in missing
        ]
        names = ", ".join(f"'{c.field}'" for c in missing)
        raise ImportFailed(
            f"{table.path}: missing required column {names} for --kind {kind} "
            f"(found: {', '.join(table.headers)})",
            errors=errors,
        )
    ignored = [h for i, h in enumerate(table.headers) if i not in claimed and h]
    return Mapping(index, {f: table.headers[i] for f, i in index.items()}, ignored)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a while: reading, indexing and resolving a
    large file allocate millions of small strings, sets and dicts, and the collector's
    repeated passes over them took a tenth of an import's CPU (a quarter of indexing the
    registry). Reference counting still frees everything that is not a cycle. Afterwards
    what is still alive goes straight to the oldest generation (`gc.freeze` then
    `gc.unfreeze`: moving lists, no pass over the objects), so resuming does not start with
    one long pass over everything the import allocated."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()
