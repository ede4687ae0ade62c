"""Throwaway PostgreSQL clusters and per-test databases for the test suite."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

PG_BIN_ENV = "FILIERA_PG_BIN"
EXTERNAL_URL_ENV = "FILIERA_TEST_POSTGRES_URL"
SUPERUSER = "filiera"
DATABASE = "filiera"
FAST_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "64MB",
}


def find_pg_bin() -> Path | None:
    """The dir with initdb and pg_ctl ($FILIERA_PG_BIN, PATH, newest Debian), or None."""
    candidates: list[Path] = []
    if os.environ.get(PG_BIN_ENV):
        candidates.append(Path(os.environ[PG_BIN_ENV]))
        return _first_with_binaries(candidates)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        versions = [p for p in debian.iterdir() if p.name.isdigit()]
        candidates += [p / "bin" for p in sorted(versions, key=lambda p: -int(p.name))]
    return _first_with_binaries(candidates)


def _first_with_binaries(candidates: list[Path]) -> Path | None:
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    return None


def sqlalchemy_url(url: str) -> str:
    """Normalise any postgres URL to the `postgresql+psycopg://` SQLAlchemy form."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """The libpq form (`postgresql://...`) of a SQLAlchemy URL, for psycopg."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _unprivileged_user() -> str | None:
    """The account to run the server as when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and neither 'postgres' nor 'nobody' exists")


class ThrowawayPostgres:
    """A private PostgreSQL cluster in a temp dir; `with` yields its SQLAlchemy URL."""

    def __init__(
        self,
        bin_dir: Path | None = None,
        start_timeout: float = 60.0,
        superuser: str = SUPERUSER,
        database: str = DATABASE,
    ) -> None:
        found = bin_dir or find_pg_bin()
        if found is None:
            raise FileNotFoundError("PostgreSQL binaries (initdb, pg_ctl) not found")
        self.bin_dir = found
        self.start_timeout = start_timeout
        self.superuser, self.database = superuser, database
        self.user = _unprivileged_user()
        self.base: Path | None = None
        self.port: int | None = None
        self.url: str | None = None

    @property
    def data_dir(self) -> Path:
        assert self.base is not None
        return self.base / "data"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        result = subprocess.run(
            cmd,
            cwd=self.base,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=self.start_timeout,
            env={**os.environ, "LC_ALL": "C.UTF-8", "TZ": "UTC"},
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def _initdb(self) -> None:
        self._run(
            "initdb",
            "--pgdata",
            str(self.data_dir),
            "--username",
            self.superuser,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--lc-collate",
            "C",
            "--lc-ctype",
            "C.UTF-8",
            "--no-sync",
        )

    def _configure(self, port: int) -> None:
        assert self.base is not None
        settings = {
            **FAST_SETTINGS,
            "port": str(port),
            "unix_socket_directories": f"'{self.base}'",
        }
        lines = "".join(f"{key} = {value}\n" for key, value in settings.items())
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(lines)

    def _start(self) -> None:
        assert self.base is not None
        for attempt in range(3):
            self.port = _free_port()
            self._configure(self.port)
            try:
                self._run(
                    "pg_ctl",
                    "--pgdata",
                    str(self.data_dir),
                    "--log",
                    str(self.base / "server.log"),
                    "--wait",
                    "--timeout",
                    str(int(self.start_timeout)),
                    "start",
                )
                return
            except RuntimeError:
                if attempt == 2:
                    log = (self.base / "server.log").read_text(errors="replace")
                    raise RuntimeError(f"PostgreSQL did not start:\n{log[-4000:]}") from None

    def _wait_ready(self) -> str:
        admin = f"postgresql://{self.superuser}@127.0.0.1:{self.port}/postgres"
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f'CREATE DATABASE "{self.database}" TEMPLATE template0')
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        return f"postgresql+psycopg://{self.superuser}@127.0.0.1:{self.port}/{self.database}"

    def __enter__(self) -> str:
        self.base = Path(tempfile.mkdtemp(prefix="filiera-pg-"))
        try:
            if self.user:
                shutil.chown(self.base, user=self.user)
            self._initdb()
            self._start()
            self.url = self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop the server (if running) and delete its directory."""
        if self.base is None:
            return
        if (self.data_dir / "postmaster.pid").exists():
            with suppress(RuntimeError, subprocess.TimeoutExpired):
                self._run("pg_ctl", "--pgdata", str(self.data_dir), "--mode", "immediate", "stop")
        shutil.rmtree(self.base, ignore_errors=True)
        self.base = None


@contextmanager
def fresh_database(url: str, prefix: str = "t", template: str = "template0") -> Iterator[str]:
    """Create a uniquely named database on `url`'s server (a copy of `template`), yield its
    URL, then drop it."""
    safe = re.sub(r"[^a-z0-9_]", "_", prefix.lower())[:40]
    name = f"{safe}_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield sqlalchemy_url(make_url(url).set(database=name).render_as_string(False))
    finally:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
