"""Suite-wide fixtures: database URLs for SQLite and PostgreSQL, and headless Chromium."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from support import BACKENDS, unavailable
from support.browser import launch_chromium, missing_browser_reason
from support.demo_copy import DemoCopy
from support.pg_server import (
    EXTERNAL_URL_ENV,
    ThrowawayPostgres,
    find_pg_bin,
    fresh_database,
    sqlalchemy_url,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytest_plugins = (
    "support.log_grep",  # JSON logs of the whole run, grepped for secrets
    "support.cli_cache",  # CliRunner builds each Typer app's command tree once per process
)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a PostgreSQL server: $FILIERA_TEST_POSTGRES_URL or a throwaway cluster."""
    external = os.environ.get(EXTERNAL_URL_ENV)
    if external:
        BACKENDS["postgresql"] = "ran"
        yield sqlalchemy_url(external)
        return
    if find_pg_bin() is None:
        unavailable("postgresql", "initdb/pg_ctl not found (install Debian's 'postgresql')")
    with ThrowawayPostgres() as url:
        BACKENDS["postgresql"] = "ran"
        yield url


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database for one test, on SQLite and then on PostgreSQL."""
    if request.param == "sqlite":
        BACKENDS["sqlite"] = "ran"
        yield f"sqlite:///{tmp_path}/test.db"
        return
    server = request.getfixturevalue("pg_url")
    with fresh_database(server, prefix=request.node.originalname) as url:
        yield url


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ],
)
def module_db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty database shared by one test module, on SQLite and then on PostgreSQL."""
    if request.param == "sqlite":
        BACKENDS["sqlite"] = "ran"
        yield f"sqlite:///{tmp_path_factory.mktemp('module')}/test.db"
        return
    server = request.getfixturevalue("pg_url")
    with fresh_database(server, prefix=request.module.__name__.rsplit(".", 1)[-1]) as url:
        yield url


@pytest.fixture(scope="session")
def _demo_templates() -> Iterator[dict[str, tuple[str, dict[str, Any]]]]:
    """The full demo, loaded at most once per backend in each test process: backend ->
    (SQLite file or PostgreSQL database name, summary). Dropped at the end."""
    made: dict[str, tuple[str, dict[str, Any]]] = {}
    stack: list[Any] = []
    made["_stack"] = stack  # type: ignore[assignment]
    yield made
    for context in reversed(stack):
        # A throwaway server may have gone first, taking its files with it.
        with contextlib.suppress(psycopg.OperationalError):
            context.__exit__(None, None, None)


def _load_demo_into(url: str) -> dict[str, Any]:
    from filiera.db import Database
    from filiera.demo.load import load_demo

    db = Database(url)
    db.ensure_ready()
    with db.session() as session:
        summary = load_demo(session)
    db.dispose()  # a PostgreSQL template must have no connection left
    return summary


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ],
)
def demo_copy(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    _demo_templates: dict[str, Any],
) -> Iterator[DemoCopy]:
    """A copy of the full demo for one test module, on SQLite and then on PostgreSQL: the
    demo is loaded once per backend and process, each module gets its own copy."""
    backend = request.param
    if backend == "sqlite":
        BACKENDS["sqlite"] = "ran"
        if backend not in _demo_templates:
            path = tmp_path_factory.mktemp("demo-template") / "demo.db"
            _demo_templates[backend] = (str(path), _load_demo_into(f"sqlite:///{path}"))
        source, summary = _demo_templates[backend]
        target = tmp_path_factory.mktemp("demo") / "demo.db"
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        yield DemoCopy(f"sqlite:///{target}", summary)
        return
    server = request.getfixturevalue("pg_url")
    if backend not in _demo_templates:
        context = fresh_database(server, prefix="demo_template")
        _demo_templates["_stack"].append(context)
        url = context.__enter__()
        _demo_templates[backend] = (make_url(url).database, _load_demo_into(url))
    template, summary = _demo_templates[backend]
    prefix = request.module.__name__.rsplit(".", 1)[-1]
    with fresh_database(server, prefix=prefix, template=template) as url:
        yield DemoCopy(url, summary)


EXPECT_TIMEOUT_MS = 20_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """A headless Chromium (Debian's) driven by Playwright, shared by the session."""
    reason = missing_browser_reason()
    if reason:
        unavailable("browser", reason)
    from playwright.sync_api import expect

    # Assertions wait for the page rather than a clock: on a loaded CI machine a form
    # post and its redirect can take longer than Playwright's default 5 s.
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with launch_chromium() as launched:
        BACKENDS["browser"] = "ran"
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page in its own browser context."""
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Collecting no tests is a failure, never a silent pass."""
    if hasattr(session.config, "workeroutput"):  # a pytest-xdist worker reports its backends
        session.config.workeroutput["backends"] = dict(BACKENDS)
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("ERROR: no tests were collected or selected", red=True)


RANK = {"unused": 0, "skipped": 1, "ran": 2, "FAILED": 3}  # the worst news wins a merge


def merge_backends(into: dict[str, str], other: dict[str, str]) -> None:
    """Fold one pytest-xdist worker's backend states into the controller's."""
    for name, state in other.items():
        if RANK.get(state, 0) > RANK.get(into.get(name, "unused"), 0):
            into[name] = state


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:  # pytest-xdist: a worker finished
    merge_backends(BACKENDS, getattr(node, "workeroutput", {}).get("backends", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line saying which backends actually ran (in any worker)."""
    line = " ".join(f"{name}={state}" for name, state in BACKENDS.items())
    terminalreporter.write_line(f"filiera backends: {line}")


@pytest.fixture(scope="session")
def edf_dir() -> Path:
    """The real EDF data folder: the copy shipped in the package (see its CREDIT.md)."""
    from filiera.imports.data import EDF_DIR

    assert (EDF_DIR / "companies.json").exists(), f"the package lost its EDF data: {EDF_DIR}"
    return EDF_DIR
