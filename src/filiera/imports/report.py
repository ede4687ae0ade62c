"""Import bookkeeping: counts per outcome and every rejected row."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filiera import metrics
from filiera.errors import ImportFailed


@dataclass
class ImportReport:
    """What an import did: outcome counts, rejected rows with their field errors."""

    source: str
    counts: Counter[str] = field(default_factory=Counter)
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, record: str, errors: list[dict[str, str]]) -> None:
        self.rejected.append({"record": record, "errors": errors})

    def raise_if_rejected(self) -> None:
        """All-or-nothing mode: any rejected row fails the whole import."""
        if self.rejected:
            metrics.count_import_rows({}, len(self.rejected))  # nothing else was imported
            errors = [e for row in self.rejected for e in row["errors"]]
            raise ImportFailed(
                f"{self.source}: {len(self.rejected)} invalid row(s); nothing was imported",
                errors=errors,
            )

    def publish(self) -> None:
        """Count the finished import's rows in the metrics (`filiera_import_rows`)."""
        metrics.count_import_rows(self.counts, len(self.rejected))

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "counts": dict(sorted(self.counts.items())),
            "rejected": self.rejected,
        }

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")
