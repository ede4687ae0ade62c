"""What a backup holds, as verified: its format, backend, schema revision and row counts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from filiera.errors import ValidationFailed, field_error

Format = Literal["native", "logical"]
LOGICAL_SUFFIX = ".jsonl.gz"


@dataclass
class BackupSummary:
    """A backup file that passed every check (`verify`), or one just written (`backup`)."""

    path: Path
    format: Format
    backend: str  # the database it was taken from: sqlite or postgresql
    revision: str | None
    tables: dict[str, int] = field(default_factory=dict)  # rows per table
    created_at: str | None = None
    filiera_version: str | None = None
    bytes: int = 0

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "path": str(self.path), "rows": self.rows}


def bad_backup(path: Path | str, problem: str) -> ValidationFailed:
    """The refusal of a backup file: it names the file and what is wrong with it."""
    return ValidationFailed(
        f"{path}: {problem}; nothing was changed",
        errors=[field_error(str(path), "(file)", problem)],
    )
