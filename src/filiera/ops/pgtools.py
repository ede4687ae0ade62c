"""PostgreSQL's client programs (pg_dump, pg_restore, psql), run without leaking secrets.

The tools come from PATH, else the newest Debian `/usr/lib/postgresql/<version>/bin`. The
database is named by a libpq URL *without* its password; the password goes in the
`PGPASSWORD` environment variable, never on a command line, and is never printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from filiera.db import normalise_url
from filiera.errors import ConfigurationError, field_error

DEBIAN_ROOT = Path("/usr/lib/postgresql")


def find_tool(name: str) -> Path:
    """The program `name` (pg_dump, pg_restore, psql), or a clear error."""
    debian = []
    if DEBIAN_ROOT.is_dir():
        versions = [p for p in DEBIAN_ROOT.iterdir() if p.name.isdigit()]
        debian = [p / "bin" / name for p in sorted(versions, key=lambda p: -int(p.name))]
    for candidate in [shutil.which(name), *debian]:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    problem = f"{name} not found on PATH or in {DEBIAN_ROOT}/*/bin"
    raise ConfigurationError(
        f"{problem}: install PostgreSQL's client programs (Debian: apt-get install "
        "postgresql-client)",
        errors=[field_error("postgresql", name, problem)],
    )


def connection_target(url: str) -> tuple[str, dict[str, str]]:
    """(libpq URL without the password, environment with PGPASSWORD) for `url`."""
    parsed = make_url(normalise_url(url))
    env = {**os.environ}
    env.pop("PGPASSWORD", None)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def run(args: list[str], env: dict[str, str], *, what: str) -> subprocess.CompletedProcess:
    """Run a client program; a failure is an error quoting its own message."""
    result = subprocess.run(args, env=env, capture_output=True, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise tool_failed(what, result.stderr)
    return result


def tool_failed(what: str, stderr: bytes) -> ConfigurationError:
    lines = stderr.decode(errors="replace").strip().splitlines()
    reason = "; ".join(lines[:3]) or "no message"
    return ConfigurationError(
        f"{what} failed: {reason}", errors=[field_error("postgresql", what, reason)]
    )
