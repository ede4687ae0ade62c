"""The logs of a whole test run, grepped for secrets at the end (a pytest plugin).

Every pytest process (the controller and each xdist worker) sends filiera's loggers at
DEBUG, as JSON lines, through the app's own redacting handler (`filiera.logs`) to a file
of its own in one folder (FILIERA_TEST_LOG_DIR, or a new temporary folder). Each process
also remembers the secrets the run makes: every password the access service hashes or
checks, every API token, session cookie and CSRF token it draws. At the end, the
controller greps every log file for those, for anything shaped like an API token, for
argon2 hashes, the secret key and the restricted sentinel values of the access tests. A
hit fails the run and names the file, line and kind of secret (never the secret).
The folder is removed after a clean grep unless FILIERA_TEST_LOG_DIR named it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from filiera import logs

LOG_DIR_ENV = "FILIERA_TEST_LOG_DIR"
_OWNER_ENV = "FILIERA_TEST_LOG_DIR_OWNER"  # pid of the run that greps (and made the folder)
MIN_SECRET = 12  # shorter strings (a deliberately wrong "x") would match ordinary words
TOKEN_SHAPE = re.compile(r"fil_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{20,}")
WORD = re.compile(r"[A-Za-z0-9_-]{22,}")
REQUEST_ID = re.compile(r"[0-9a-f]{32}")
DRAWN_LENGTHS = (22, 32, 43)  # new_secret(16), (24), (32): CSRF, session and token parts
# Values only some viewers may read, from the access tests' worlds (test_access_matrix.py,
# test_noninterference.py); tests/test_logs.py checks they are still the ones used there.
SENTINELS = (
    "CANARY-PUBLIC-91c2",
    "CANARY-MEMBERS-91c2",
    "CANARY-RESTRICTED-91c2",
    "CANARY-OWNER-91c2",
    "contact-canary-91c2@example.invalid",
    "+39 02 9999 1234",
    "Via del Canarino 91c2",
    "Viale dell'Aeronautica",
)
SUMMARY = pytest.StashKey[str]()
FIXED = {"$argon2": "argon2 hash", "development-only-secret-change-me": "secret key"}


@dataclass
class Remembered:
    """The secrets one process saw being made or used."""

    passwords: set[str] = field(default_factory=set)
    drawn: set[str] = field(default_factory=set)  # tokens, cookies, CSRF tokens

    def password(self, value: object) -> None:
        if isinstance(value, str) and len(value) >= MIN_SECRET:
            self.passwords.add(value)

    def draw(self, value: str) -> str:
        if len(value) >= MIN_SECRET:
            self.drawn.add(value)
        return value


REMEMBERED = Remembered()
MADE_FOLDER: set[str] = set()  # the log folder, when this process made it (then removes it)


def _wrap(module: Any, name: str, note: Callable[[tuple, Any], None]) -> None:
    original = getattr(module, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        note(args, result)
        return result

    setattr(module, name, wrapped)


def remember_secrets() -> None:
    """Wrap the access service's secret makers so this process knows what it issued."""
    from filiera.access import accounts
    from filiera.web import account_pages

    _wrap(accounts, "hash_password", lambda args, _: REMEMBERED.password(args[0]))
    _wrap(accounts, "verify_password", lambda args, _: REMEMBERED.password(args[1]))
    for module in (accounts, account_pages):
        _wrap(module, "new_secret", lambda _args, drawn: REMEMBERED.draw(drawn))


def _process_name(config: pytest.Config) -> str:
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    return f"{worker}-{os.getpid()}"


def pytest_configure(config: pytest.Config) -> None:
    if not os.environ.get(LOG_DIR_ENV):  # the controller: workers inherit the variable
        os.environ[LOG_DIR_ENV] = tempfile.mkdtemp(prefix="filiera-test-logs-")
        os.environ[_OWNER_ENV] = str(os.getpid())
        MADE_FOLDER.add(os.environ[LOG_DIR_ENV])
    os.environ.setdefault(_OWNER_ENV, str(os.getpid()))  # FILIERA_TEST_LOG_DIR set outside
    folder = Path(os.environ[LOG_DIR_ENV])
    folder.mkdir(parents=True, exist_ok=True)
    stream = open(folder / f"{_process_name(config)}.jsonl", "a", encoding="utf-8")  # noqa: SIM115
    logs.pin_logging(logs.make_handler("json", "DEBUG", stream), "filiera", "DEBUG")
    logging.getLogger("filiera").propagate = False  # the file has them; not pytest's capture
    remember_secrets()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Every process: close its log, write what it remembered. The run's owner: grep.

    xdist workers and pytest runs that tests start themselves (they inherit the folder)
    only leave their files; the process that started the folder greps them all, last."""
    config = session.config
    folder = Path(os.environ[LOG_DIR_ENV])
    folder.mkdir(parents=True, exist_ok=True)
    for handler in logging.getLogger("filiera").handlers:
        handler.flush()
    (folder / f"{_process_name(config)}.secrets.json").write_text(
        json.dumps({"passwords": sorted(REMEMBERED.passwords), "drawn": sorted(REMEMBERED.drawn)})
    )
    if hasattr(config, "workerinput") or os.environ.get(_OWNER_ENV) != str(os.getpid()):
        return
    hits, lines = grep_folder(folder)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if hits:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter is not None:
            reporter.write_line(f"ERROR: secrets in the test run's logs ({folder}):", red=True)
            for hit in hits[:50]:
                reporter.write_line(f"  {hit}", red=True)
        return
    config.stash[SUMMARY] = f"filiera logs: {lines} lines grepped, no secret found"
    for secrets_file in folder.glob("*.secrets.json"):
        secrets_file.unlink()
    if str(folder) in MADE_FOLDER:
        shutil.rmtree(folder, ignore_errors=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    summary = terminalreporter.config.stash.get(SUMMARY, None)
    if summary:
        terminalreporter.write_line(summary)


# --- the grep -------------------------------------------------------------------------------


def load_secrets(folder: Path) -> tuple[set[str], set[str]]:
    """Every process's passwords and drawn secrets."""
    passwords: set[str] = set()
    drawn: set[str] = set()
    for path in folder.glob("*.secrets.json"):
        data = json.loads(path.read_text())
        passwords |= set(data["passwords"])
        drawn |= set(data["drawn"])
    return passwords, drawn


def grep_folder(folder: Path) -> tuple[list[str], int]:
    """(where each secret was found, lines read) over every log file in `folder`."""
    passwords, drawn = load_secrets(folder)
    fixed = {**FIXED, **{s: "restricted value" for s in SENTINELS}}
    fixed |= {p: "password" for p in passwords}
    hits, count = [], 0
    for path in sorted(folder.glob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                count += 1
                hits += [f"{path.name}:{number}: {kind}" for kind in found_in(line, fixed, drawn)]
    return hits, count


def found_in(line: str, fixed: dict[str, str], drawn: set[str]) -> Iterator[str]:
    """The kinds of secret `line` holds."""
    for text, kind in fixed.items():
        if text in line:
            yield kind
    if "fil_" in line and TOKEN_SHAPE.search(line):
        yield "API token"
    if drawn and any(_holds_drawn(word, drawn) for word in WORD.findall(line)):
        yield "token, session cookie or CSRF token"


def _holds_drawn(word: str, drawn: set[str]) -> bool:
    if REQUEST_ID.fullmatch(word):  # the request ids every line carries
        return False
    return any(
        word[start : start + size] in drawn
        for size in DRAWN_LENGTHS
        for start in range(len(word) - size + 1)
    )


def grep_lines(lines: Iterable[str], passwords: set[str], drawn: set[str]) -> list[str]:
    """The kinds of secret found in `lines` (for tests of this plugin and of the logs)."""
    fixed = {**FIXED, **{s: "restricted value" for s in SENTINELS}}
    fixed |= {p: "password" for p in passwords}
    return [kind for line in lines for kind in found_in(line, fixed, drawn)]
