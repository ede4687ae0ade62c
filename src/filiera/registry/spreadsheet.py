"""Writing CSV that a spreadsheet may open: every cell neutralised against formula injection.

A spreadsheet (Excel, LibreOffice, Google Sheets) runs a cell that starts with `=`, `+`,
`-` or `@` as a formula, and a leading tab or carriage return can smuggle one in; a
formula such as `=HYPERLINK("http://evil","x")` in an organisation's name would then run
on the computer of whoever opens the export. Values are stored as given; only the CSV
cells are neutralised, by the OWASP rule: such a text cell is written with a single quote
`'` in front, which spreadsheets show as text and do not evaluate.

Numbers stay numbers: an `int`, `float` or `Decimal` (never a `bool`) is written as its
plain text, so a negative longitude `-9.14` or count stays a number a spreadsheet can add
up; it cannot carry a formula. Text that only looks like a number (`"-2+3"`, `"-3.5"` in a
name) is text and is neutralised. Every CSV the code base writes goes through `write_csv`
(directory and match exports, the synthetic generator); readers are not affected.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")  # OWASP: a cell starting with these is a formula
QUOTE = "'"
LIST_SEPARATOR = "; "
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
CREDIT_HEADER = "X-Data-Credit"  # the sources' credit lines of an HTTP export
CREDIT_SEPARATOR = " | "
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def safe_cell(value: Any) -> str:
    """The text of one CSV cell, neutralised: a leading `= + - @`, tab or CR gets a `'`.

    None is an empty cell; booleans are `true`/`false`; dates are ISO 8601; lists, tuples
    and sets are their items joined by `; `; finite numbers (not text) are written as they
    are.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if _finite_number(value):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        text = LIST_SEPARATOR.join(_plain(item) for item in items)
    else:
        text = str(value)
    return QUOTE + text if text.startswith(DANGEROUS) else text


def _finite_number(value: Any) -> bool:
    """An int, or a finite float or Decimal (`-inf` and `NaN` are written as text)."""
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, Decimal) and value.is_finite()


def _plain(item: Any) -> str:
    """One item of a list cell (the joined cell is neutralised as a whole)."""
    if item is None:
        return ""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, datetime | date):
        return item.isoformat()
    return str(item)


def write_csv(
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    columns: Sequence[str],
    stream: IO[str],
    *,
    headers: Sequence[str] | None = None,
) -> int:
    """Write a header row and `rows` (mappings read by column name, or sequences in column
    order) to a text stream, every cell through `safe_cell`; returns the number of rows.

    RFC 4180: comma-separated, `"`-quoted where needed, CRLF line ends. Open files with
    `newline=""`.
    """
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in (headers or columns)])
    count = 0
    for row in rows:
        cells = [row.get(name) for name in columns] if isinstance(row, Mapping) else row
        writer.writerow([safe_cell(cell) for cell in cells])
        count += 1
    return count


@dataclass
class CsvExport:
    """What an export wrote: its rows and the credit lines of the sources its data came from
    (given outside the data rows: an HTTP header, a line on standard error)."""

    rows: int = 0
    credits: list[str] = field(default_factory=list)

    def credit_header(self) -> str:
        """The credits as one HTTP header value (latin-1, no control characters)."""
        return credit_header(self.credits)


def credit_header(credits: Iterable[str]) -> str:
    """Credit lines as one header value: joined by ` | `, control characters removed and
    characters outside latin-1 replaced by `?` (HTTP headers are latin-1)."""
    cleaned = (_CONTROL.sub(" ", c).strip() for c in credits)
    text = CREDIT_SEPARATOR.join(c for c in cleaned if c)
    return text.encode("latin-1", "replace").decode("latin-1")
