"""Map a pure function over many items on two cores: a forked child takes the tail.

`split_map(func, items, meanwhile)` returns `[func(item) for item in items]`. With
`processes=2` (and `fork` available) a child process computes the last `CHILD_SHARE` of
the items and writes the results, pickled chunk by chunk, to an unnamed temporary file
(a pipe would make the child wait for this process to read), while the caller runs
`meanwhile()` (the import indexes the registry then) and then the head itself. The child
never touches the database or the caller's objects: it only reads the items it inherited.
If the child fails or dies, the caller computes what is missing itself, so the result and
any exception are those of the plain loop; a child that runs far longer than its share
should take is stopped, and its share done here too.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import IO, Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

CHILD_SHARE = 0.6  # the caller also indexes the registry and unpickles the child's results
MIN_ITEMS = 1_000  # below this a fork costs more than it saves
CHUNK = 5_000  # items per pickle
# The child's share is 1.5 times the caller's: past this many times the caller's own time
# (plus a grace period) the child is stuck (say, on a lock another thread of the caller
# held when it forked) and the caller does its share itself.
PATIENCE = 10
GRACE_SECONDS = 30.0

log = logging.getLogger(__name__)


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def split_map(
    func: Callable[[T], R],
    items: Sequence[T],
    meanwhile: Callable[[], None] = lambda: None,
    processes: int = 1,
) -> list[R]:
    """`meanwhile()`, then `[func(item) for item in items]`, on two cores when asked and
    worth it (`processes >= 2`, at least MIN_ITEMS items, `fork` available)."""
    if processes < 2 or len(items) < MIN_ITEMS or not _can_fork():
        meanwhile()
        return [func(item) for item in items]
    cut = len(items) - int(len(items) * CHILD_SHARE)
    with tempfile.TemporaryFile() as spool:
        child = multiprocessing.get_context("fork").Process(
            target=_child, args=(func, items[cut:], spool), daemon=True
        )
        child.start()
        try:
            meanwhile()
            started = time.monotonic()
            results = [func(item) for item in items[:cut]]
            child.join(PATIENCE * (time.monotonic() - started) + GRACE_SECONDS)
        finally:  # on an error here, the child's work is of no use
            if child.is_alive():
                child.kill()
            child.join()
        tail = _read(spool) if child.exitcode == 0 else []
    if len(tail) < len(items) - cut:
        log.warning("the child process failed or stalled: its share of the items is computed here")
        tail = [func(item) for item in items[cut:]]
    return results + tail


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _child(func: Callable[[Any], Any], items: Sequence[Any], spool: IO[bytes]) -> None:
    """In the forked process: the results, CHUNK by CHUNK; exit code 0 when all are written.

    It ends with `os._exit`, without flushing stdout or stderr: their buffers are copies of
    the caller's (a progress bar may have been drawing), and what they hold is not ours.
    """
    code = 1
    try:
        for start in range(0, len(items), CHUNK):
            chunk = [func(item) for item in items[start : start + CHUNK]]
            pickle.dump(chunk, spool, protocol=pickle.HIGHEST_PROTOCOL)
        spool.flush()
        code = 0
    finally:
        os._exit(code)


def _read(spool: IO[bytes]) -> list[Any]:
    """Every result the child wrote."""
    spool.seek(0)
    results: list[Any] = []
    while True:
        try:
            results.extend(pickle.load(spool))
        except EOFError:
            return results
