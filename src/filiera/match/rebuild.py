"""A background rebuild of the match index in a process of its own.

Built in a thread, the index held the interpreter lock for most of a minute at 100,000
organisations, and every query of the server waited for it at each hand-over (a SQL row,
a numpy call): 5 ms each, seconds per query (benchmarks/match_speed.py, `viewer`). Built
by a child Python, the queries keep their lock; the child saves the index
(`match/persist.py`) and the server loads the file. The database URL, password included,
goes to the child on its standard input, never on its command line. The child runs at a
lower CPU priority (`nice` 10), so on a busy machine the server's queries come first.

    python -m filiera.match.rebuild OUT.npz  < database-url
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from filiera.match import cursor as changelog
from filiera.match import persist
from filiera.match.cursor import Cursor
from filiera.match.index import MatchIndex, build_index

CHILD_TIMEOUT_SECONDS = 3600.0
CHILD_NICENESS = 10


def can_build_in_child(engine: Engine) -> bool:
    """Another process sees this database (not an in-memory SQLite one)."""
    url = engine.url
    return not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))


def build_in_child(engine: Engine, path: Path | None) -> tuple[MatchIndex, Cursor]:
    """Build the index of `engine`'s database in a child process, saved at `path` (a
    temporary file when None), and load it; raises when the child fails."""
    target = path or Path(tempfile.mkstemp(suffix=".match-index.npz")[1])
    try:
        subprocess.run(
            [sys.executable, "-m", "filiera.match.rebuild", str(target)],
            input=engine.url.render_as_string(hide_password=False).encode(),
            check=True,
            timeout=CHILD_TIMEOUT_SECONDS,
        )
        loaded = persist.load(target, time.monotonic())
    finally:
        if path is None:
            target.unlink(missing_ok=True)
    if loaded is None:
        raise RuntimeError(f"the child's match index at {target} could not be read")
    return loaded


def build_and_save(session: Session, path: Path) -> None:
    """What the child does: note the change log's position, build, save."""
    cursor = changelog.at_build_start(session)
    persist.save(build_index(session), cursor, path)


def lower_priority() -> None:
    """Let the server's own processes go first (POSIX; elsewhere nothing changes)."""
    if hasattr(os, "nice"):
        os.nice(CHILD_NICENESS)


def main() -> None:
    from filiera.db import make_engine

    lower_priority()
    engine = make_engine(sys.stdin.read().strip())
    try:
        with Session(engine) as session:
            build_and_save(session, Path(sys.argv[1]))
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
