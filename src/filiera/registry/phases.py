"""Where a long job spends its time: seconds per named phase (imports report them)."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class PhaseClock:
    """Wall-clock seconds per phase; a phase may be entered many times (they add up)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start

    def rounded(self, digits: int = 2) -> dict[str, float]:
        return {name: round(value, digits) for name, value in self.seconds.items()}
