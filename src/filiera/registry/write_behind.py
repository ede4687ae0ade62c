"""Writing one batch while the next one is decided.

A bulk import's writing spends most of its time where Python lets other threads run:
PostgreSQL's `COPY` waits for the server to update the tables' indexes, and sqlite3 runs
each row's `sqlite3_step` without the GIL. `WriteBehind` runs each batch's writing on a
thread of its own, on the import's connection and inside its transaction, while the
import goes on deciding the next batch. The connection serves one statement at a time, so
every statement the import itself sends through that connection (SQLAlchemy's
`before_cursor_execute`) first waits for the writing in flight, and re-raises its error if
it failed: a merge, a lookup of merge targets or a sequence read never overlaps a write.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import Connection, event

Job = Callable[[], None]
ENABLED = True  # False: every write inline (the benchmark's same-run baseline)


class WriteBehind:
    """Run writing jobs one at a time, on a thread when `background` (else at once)."""

    def __init__(self, connection: Connection, *, background: bool) -> None:
        self.connection = connection
        self.background = background
        self.busy_seconds = 0.0  # the jobs' own time (on the thread when in background)
        self.waited_seconds = 0.0  # how long the import waited for them
        self._job: Future | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        if background:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="filiera-write-behind")
            event.listen(connection, "before_cursor_execute", self._before_statement)

    @classmethod
    def for_connection(cls, connection: Connection) -> WriteBehind:
        """In the background unless the benchmark's baseline turned it off (`ENABLED`)."""
        return cls(connection, background=ENABLED)

    def submit(self, job: Job) -> None:
        """Start `job` once the previous one is done (its error, if any, is raised here)."""
        self.wait()
        if self._pool is None:
            self.busy_seconds += _timed(job)
            return
        self._job = self._pool.submit(self._run, job)

    def _run(self, job: Job) -> float:
        self._thread = threading.current_thread()
        return _timed(job)

    def wait(self) -> None:
        """Until the job in flight is done; its error is raised here."""
        job, self._job = self._job, None
        if job is None:
            return
        start = time.perf_counter()
        try:
            self.busy_seconds += job.result()
        finally:
            self.waited_seconds += time.perf_counter() - start

    def _before_statement(self, *_args) -> None:
        if threading.current_thread() is not self._thread:
            self.wait()

    def close(self) -> None:
        """Wait for the job in flight (raising its error), then stop the thread."""
        try:
            self.wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                event.remove(self.connection, "before_cursor_execute", self._before_statement)
                self._pool = None


def _timed(job: Job) -> float:
    start = time.perf_counter()
    job()
    return time.perf_counter() - start
