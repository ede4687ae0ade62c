"""docs/deployment.md, block by block: every command in it runs here, as far as this machine allows.

Each fenced block of the guide carries a marker: `run` blocks run, in order, on a private
PostgreSQL cluster whose superuser is `postgres`, with the server's paths moved under a
temporary folder (`RELOCATED`) and `sudo -u USER` left out; the `serve` block runs against
`filiera serve --workers 2` started from the systemd unit's own ExecStart and environment
file, with nginx in front of it using `deploy/nginx.conf`; `file` blocks must equal their
copy in `deploy/`, and each such file is checked by its own tool; `root` blocks (packages,
users, systemd, certificates) parse and call only the programs listed in `ROOT_PROGRAMS`.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from support import BACKENDS, unavailable
from support.pg_server import ThrowawayPostgres, find_pg_bin

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "deployment.md"
DEPLOY = ROOT / "deploy"
BLOCK = re.compile(r"<!-- test: (\w+)(?: (\S+))? -->\n```(\w*)\n(.*?)\n```", re.S)
ROOT_PROGRAMS = {
    "apt-get", "useradd", "install", "python3", "/opt/filiera/venv/bin/pip", "systemctl",
    "ln", "nginx", "logrotate",
}  # fmt: skip
SERVER_DIRS = ("/etc/filiera", "/var/lib/filiera", "/var/backups/filiera")


@dataclass(frozen=True)
class Block:
    kind: str
    arg: str | None
    text: str
    line: int

    def __str__(self) -> str:
        return f"docs/deployment.md:{self.line} ({self.kind})"


def guide_blocks() -> list[Block]:
    text = GUIDE.read_text(encoding="utf-8")
    return [
        Block(m.group(1), m.group(2), m.group(4), text.count("\n", 0, m.start()) + 2)
        for m in BLOCK.finditer(text)
    ]


def require_tool(name: str) -> str:
    """The path of `name`; skip without it (an error with CI=true: .ci/run installs it)."""
    found = shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/sbin") / name) if p.exists()), None
    )
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is required when CI=true (.ci/run installs it)", pytrace=False)
        pytest.skip(f"{name} not installed")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---------------------------------------------------------------- the guide's shape


def test_every_block_of_the_guide_carries_a_test_marker():
    fences = GUIDE.read_text(encoding="utf-8").count("\n```") // 2
    blocks = guide_blocks()
    assert len(blocks) == fences, "a fenced block of docs/deployment.md has no test marker"
    assert {b.kind for b in blocks} == {"root", "run", "file", "serve"}


def test_every_file_shown_is_the_one_in_deploy():
    shown = [b for b in guide_blocks() if b.kind == "file"]
    assert {b.arg for b in shown} == {f"deploy/{p.name}" for p in DEPLOY.iterdir()}
    for block in shown:
        copy = (ROOT / block.arg).read_text()
        assert copy == block.text + "\n", f"{block} differs from {block.arg}"


def test_root_blocks_parse_and_call_only_known_programs():
    for block in (b for b in guide_blocks() if b.kind == "root"):
        check = subprocess.run(["bash", "-n"], input=block.text, capture_output=True, text=True)
        assert check.returncode == 0, f"{block}: {check.stderr}"
        for line in block.text.splitlines():
            assert shlex.split(line)[0] in ROOT_PROGRAMS, f"{block}: {line}"


# ---------------------------------------------------------------- each file, its own tool


def test_systemd_units_verify(tmp_path: Path):
    analyze = require_tool("systemd-analyze")
    filiera = shutil.which("filiera") or pytest.fail("the filiera console script is not installed")
    for name in ("filiera.service", "filiera-backup.service", "filiera-backup.timer"):
        unit = (DEPLOY / name).read_text()
        unit = unit.replace("/opt/filiera/venv/bin/filiera", filiera)
        unit = unit.replace("/opt/filiera/bin/filiera-backup", str(DEPLOY / "filiera-backup"))
        (tmp_path / name).write_text(unit)
    units = [str(tmp_path / n) for n in ("filiera.service", "filiera-backup.timer")]
    result = subprocess.run([analyze, "verify", *units], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "filiera" not in result.stderr, result.stderr  # no warning about our units


def test_caddyfile_validates(tmp_path: Path):
    caddy = require_tool("caddy")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    config = str(DEPLOY / "Caddyfile")
    result = subprocess.run(
        [caddy, "validate", "--adapter", "caddyfile", "--config", config],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0 and "Valid configuration" in result.stdout + result.stderr


def test_logrotate_rotates_the_log_folder(tmp_path: Path):
    logrotate = require_tool("logrotate")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "filiera.log").write_text('{"message": "a line"}\n')
    user, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
    config = (DEPLOY / "logrotate.conf").read_text()
    assert "/var/log/filiera/*.log" in config and "su filiera filiera" in config
    config = config.replace("/var/log/filiera", str(tmp_path / "logs"))
    config = config.replace("su filiera filiera", f"su {user} {group}")
    (tmp_path / "filiera").write_text(config)
    state = str(tmp_path / "state")
    result = subprocess.run(
        [logrotate, "--force", "--state", state, str(tmp_path / "filiera")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and "error" not in result.stderr, result.stderr
    assert (tmp_path / "logs" / "filiera.log.1").read_text() == '{"message": "a line"}\n'
    assert (tmp_path / "logs" / "filiera.log").read_text() == ""  # copytruncate


# ---------------------------------------------------------------- running the guide


@dataclass
class Server:
    """Where the guide's server lives here: folders, ports, the PostgreSQL cluster."""

    root: Path
    pg_port: int
    app_port: int
    pg_bin: Path

    def relocate(self, text: str) -> str:
        """`text` with the server's paths moved here, in one pass (a path put in is never
        relocated again: the checkout and the virtual environment may live under /tmp)."""
        filiera = shutil.which("filiera") or f"{sys.prefix}/bin/filiera"
        pairs = {
            "sudo -u postgres ": "",
            "sudo -u filiera ": "",
            "/opt/filiera/venv/bin/filiera": filiera,
            "/opt/filiera/bin/filiera-backup": str(DEPLOY / "filiera-backup"),
            "/usr/local/bin/filiera-admin": str(DEPLOY / "filiera-admin"),
            "filiera-admin ": f"{DEPLOY / 'filiera-admin'} ",  # the command alone (below)
            "localhost:5432": f"127.0.0.1:{self.pg_port}",
            "127.0.0.1:8000": f"127.0.0.1:{self.app_port}",
            "/tmp/": f"{self.root}/tmp/",
            **{folder: f"{self.root}{folder}" for folder in SERVER_DIRS},
        }
        literals = sorted(pairs, key=len, reverse=True)
        alternatives = [
            r"(?<![\w/-])filiera-admin " if old == "filiera-admin " else re.escape(old)
            for old in literals
        ]
        return re.sub("|".join(alternatives), lambda m: pairs[m.group(0)], text)

    @property
    def env_file(self) -> Path:
        return self.root / "etc/filiera/filiera.env"

    def environment(self) -> dict[str, str]:
        """A shell's environment with nothing of the test run's own FILIERA_* settings."""
        clean = {k: v for k, v in os.environ.items() if not k.startswith("FILIERA_")}
        bin_dirs = [str(self.pg_bin), str(Path(sys.executable).parent)]
        return {
            **clean,
            "PATH": os.pathsep.join([*bin_dirs, clean.get("PATH", "")]),
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.pg_port),
            "PGUSER": "postgres",
            "HOME": str(self.root),
            "FILIERA_ENV_FILE": str(self.env_file),
            "FILIERA_BIN": self.relocate("/opt/filiera/venv/bin/filiera"),
            "FILIERA_PORT": str(self.app_port),
        }

    def run(self, block: Block) -> str:
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", self.relocate(block.text)],
            cwd=self.root / "var/lib/filiera",
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"{block} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    pg_bin = find_pg_bin()
    if pg_bin is None:
        unavailable("postgresql", "initdb/pg_ctl not found (install Debian's 'postgresql')")
    root = tmp_path_factory.mktemp("server")
    for folder in (*SERVER_DIRS, "/tmp"):
        (root / folder.lstrip("/")).mkdir(parents=True)
    with ThrowawayPostgres(superuser="postgres", database="scratch") as url:
        BACKENDS["postgresql"] = "ran"
        yield Server(root, make_url(url).port, free_port(), pg_bin)


def unit_command(server: Server) -> tuple[list[str], dict[str, str], Path]:
    """The unit's ExecStart, environment (its EnvironmentFile read as systemd reads it)
    and WorkingDirectory, relocated."""
    unit = dict(
        line.split("=", 1)
        for line in (DEPLOY / "filiera.service").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    env = server.environment()
    for line in Path(server.relocate(unit["EnvironmentFile"])).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key] = value
    command = shlex.split(server.relocate(unit["ExecStart"]))
    return command, env, Path(server.relocate(unit["WorkingDirectory"]))


def wait_until_ready(url: str, process: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    deadline, last = time.monotonic() + seconds, "no answer"
    while time.monotonic() < deadline:
        assert process.poll() is None, f"filiera serve exited:\n{log.read_text()[-3000:]}"
        try:
            answer = httpx.get(url, timeout=2)
            if answer.status_code == 200:
                return
            last = f"{answer.status_code} {answer.text[:500]}"
        except httpx.HTTPError as error:
            last = repr(error)
        time.sleep(0.3)
    pytest.fail(f"{url} did not answer 200 within {seconds} s: {last}\n{log.read_text()[-3000:]}")


class Served:
    """`filiera serve --workers 2` as the unit starts it, until `stop()`."""

    def __init__(self, server: Server) -> None:
        command, env, cwd = unit_command(server)
        assert command[-3:] == ["serve", "--workers", "2"]
        log = server.root / "serve.log"
        self.log = log.open("w")
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        wait_until_ready(f"http://127.0.0.1:{server.app_port}/readyz", self.process, log)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


def nginx_in_front(server: Server, nginx: str) -> tuple[subprocess.Popen, int, int]:
    """deploy/nginx.conf on free ports with a self-signed certificate, in the foreground."""
    work = server.root / "nginx"
    work.mkdir()
    openssl = require_tool("openssl")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=filiera.example.eu",
         "-keyout", str(work / "privkey.pem"), "-out", str(work / "fullchain.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    http_port, https_port = free_port(), free_port()
    site = server.relocate((DEPLOY / "nginx.conf").read_text())
    for old, new in [
        ("listen [::]:80;", ""),
        ("listen [::]:443 ssl http2;", ""),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("/etc/letsencrypt/live/filiera.example.eu", str(work)),
    ]:
        assert old in site, old
        site = site.replace(old, new)
    (work / "filiera.conf").write_text(site)
    temp = {name: work / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    main = f"""
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {work}/filiera.conf;
}}
"""
    (work / "nginx.conf").write_text(main)
    config = ["-p", str(work), "-c", str(work / "nginx.conf")]
    test = subprocess.run([nginx, "-t", *config], capture_output=True, text=True)
    assert test.returncode == 0, test.stderr
    process = subprocess.Popen([nginx, *config, "-g", "daemon off;"], stderr=subprocess.PIPE)
    wait_for_port(https_port, process)
    return process, http_port, https_port


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else "exited"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"nothing listens on {port}")


def check_through_nginx(server: Server) -> None:
    nginx = require_tool("nginx")
    process, http_port, https_port = nginx_in_front(server, nginx)
    try:
        with httpx.Client(verify=False, timeout=10) as client:
            page = client.get(f"https://127.0.0.1:{https_port}/")
            assert page.status_code == 200 and "Filiera" in page.text
            assert page.headers["strict-transport-security"].startswith("max-age=")
            assert client.get(f"https://127.0.0.1:{https_port}/healthz").status_code == 200
            assert client.get(f"https://127.0.0.1:{https_port}/metrics").status_code == 404
            plain = client.get(f"http://127.0.0.1:{http_port}/organisations")
            assert plain.status_code == 301
            assert plain.headers["location"].startswith("https://")
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.postgres
def test_the_guide_runs_from_database_to_restore_drill(server: Server):
    served: Served | None = None
    outputs: dict[int, str] = {}
    try:
        for block in (b for b in guide_blocks() if b.kind in ("run", "serve")):
            if block.kind == "serve":
                served = Served(server)
                check_through_nginx(server)
            outputs[block.line] = server.run(block)
    finally:
        if served is not None:
            served.stop()
    assert served is not None, "the guide never serves"
    assert any("restore drill: same figures" in out for out in outputs.values())
    backups = sorted(p.name for p in (server.root / "var/backups/filiera").iterdir())
    assert any(n.endswith(".dump") for n in backups) and any(n.endswith(".gz") for n in backups)
