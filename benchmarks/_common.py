"""Shared helpers for the benchmarks: backends, timing, JSON output."""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FILIERA_SHARED_DATA", ROOT.parent / "shared" / "data"))
sys.path.insert(0, str(ROOT / "tests"))


def emit(**result: object) -> None:
    """One JSON object per result, on stdout."""
    print(json.dumps(result, default=str), flush=True)


@contextmanager
def backend(name: str) -> Iterator[str | None]:
    """A fresh database URL of the backend, or None when it is not available here."""
    if name == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    from support.pg_server import ThrowawayPostgres, find_pg_bin

    if os.environ.get("FILIERA_TEST_POSTGRES_URL"):
        yield os.environ["FILIERA_TEST_POSTGRES_URL"]
    elif find_pg_bin() is None:
        emit(benchmark="backend", backend=name, skipped="PostgreSQL binaries not found")
        yield None
    else:
        with ThrowawayPostgres() as url:
            yield url


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2), "p95_ms": round(p95 * 1000, 2)}
