"""A sliding-window rate limiter kept in process memory (one limiter per app)."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque

from filiera.errors import TooManyRequests


class RateLimiter:
    """At most `limit` hits per `window` seconds for each key."""

    def __init__(self, limit: int, window: float = 60.0, clock=time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one hit for `key`, or raise TooManyRequests with the seconds to wait."""
        now = self.clock()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                wait = max(1, math.ceil(hits[0] + self.window - now))
                raise TooManyRequests(
                    "too many requests; try again later", retry_after=wait, key="rate_limited"
                )
            hits.append(now)
