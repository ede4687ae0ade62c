"""`filiera serve --workers 2` for real: two worker processes on one SQLite database.

The server runs as a child process on a free port of 127.0.0.1; the test waits for it,
checks that it has two workers, that requests succeed and that the sign-in limit holds
across the workers (connections are new for every request, so the kernel spreads them),
then stops it with Ctrl-C and checks that every process ended.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from filiera.db import Database

START_SECONDS = 90  # a ceiling for a loaded machine; idle, the workers answer in seconds
SERVE = "from filiera.cli.main import app; app(prog_name='filiera')"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def workers_of(pid: int) -> list[int]:
    """The uvicorn worker processes of the server `pid` (multiprocessing's spawned children)."""
    workers = []
    for child in children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"spawn_main" in command and b"resource_tracker" not in command:
            workers.append(child)
    return workers


def wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read() if server.stderr else "exited"
        try:
            if httpx.get(f"{base}/api/organisations?per_page=1", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not answer within {START_SECONDS} s")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """`filiera serve --workers 2` on a new SQLite database, sign-in limited to 3 a minute."""
    url = f"sqlite:///{tmp_path}/workers.db"
    Database(url).ensure_ready()
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("FILIERA_")}
    env |= {"FILIERA_SIGN_IN_PER_MINUTE": "3"}
    command = [sys.executable, "-c", SERVE, "serve", "--db", url, "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workers", "2"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the workers end with it
    )
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def sign_in(base: str, n: int) -> int:
    """Ask for a token as a new unknown account, on a new connection."""
    body = {"email": f"nobody{n}@workers.example", "password": "wrong", "name": "x"}
    return httpx.post(f"{base}/api/auth/token", json=body, timeout=10).status_code


def test_two_workers_serve_and_share_the_sign_in_limit(
    server: tuple[str, subprocess.Popen],
) -> None:
    base, process = server
    wait_until_up(base, process)
    workers = workers_of(process.pid)
    assert len(workers) == 2
    pages = [httpx.get(f"{base}{path}", timeout=10) for path in ("/", "/organisations") * 3]
    assert [page.status_code for page in pages] == [200] * 6
    # one address, six accounts: only the per-address limit (3 a minute) can bite
    assert [sign_in(base, n) for n in range(6)] == [401, 401, 401, 429, 429, 429]
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=15) == 0
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def test_a_worker_reads_the_nuts_table_before_its_first_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read lazily, the NUTS table stalled the first profile page, and every request queued
    behind it, for about a second (benchmarks/load_test.py at 20 clients: p95 ×3)."""
    from filiera.cli import serve_cmd
    from filiera.registry import values

    url = f"sqlite:///{tmp_path / 'w.db'}"
    Database(url).ensure_ready()
    monkeypatch.setenv("FILIERA_DATABASE_URL", url)
    matchmaking: list[Database] = []
    monkeypatch.setattr(
        serve_cmd, "warm_up_matchmaking", lambda db, _dir=None: matchmaking.append(db)
    )
    values._nuts_index.cache_clear()
    app = serve_cmd.worker_app()
    assert values._nuts_index.cache_info().currsize == 1  # read before serving
    assert matchmaking == [app.state.db]  # and the match index warming started
    app.state.db.dispose()
