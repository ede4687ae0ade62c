"""Load test: many clients on `filiera serve --workers N`, with locust (headless, 127.0.0.1).

For each backend the registry is built once (the EU data shipped in the package plus N
synthetic organisations, a few test accounts with API tokens), then for each worker count
one server is started (`filiera serve --workers W`, sign-in and API limits raised through
FILIERA_SIGN_IN_PER_MINUTE / FILIERA_API_REQUESTS_PER_MINUTE so that the test accounts are
not refused: the limits are still counted in the database on every sign-in and token
request) and warmed up (match index built, pages rendered once), and locust runs each client
count against it for a fixed time. Every client waits `--think` seconds (uniform) between
requests, like a person, and picks by weight:

- directory API `GET /api/organisations` with a filter (country, kind, capability, ...),
  as an anonymous caller or with a member's API token (the API limit is counted then);
- directory page `GET /organisations` with the same filters (HTML);
- profile `GET /api/organisations/{id}` and `GET /organisations/{id}` (HTML);
- `POST /api/match` with queries in four languages, some with filters;
- sign-in `POST /api/auth/token` of a test account (argon2 verification + a token row);
- the baseline: `GET /static/filiera.css?v=...`, a trivial route in the same run, at the
  same client count: its p95 is what the server answers when it does no work, and each
  type's p95 is also given as a ratio to it.

One JSON line per run (backend x workers x clients): throughput, p50/p95/p99, errors, per
request type; appended to `--out`. Locust runs in a child process (gevent monkey-patches
the process that imports it); the server in another, so the three share the machine.

    python benchmarks/load_test.py [--quick] [--orgs 100000] [--clients 20,50,100]
        [--workers 1,2] [--backends sqlite,postgresql] [--seconds 45]
        [--out benchmarks/results-load-test.jsonl]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _common import ROOT, backend, emit
from sqlalchemy import select

from filiera import __version__
from filiera.access import accounts
from filiera.db import Database
from filiera.imports.data import EDF_DIR
from filiera.imports.edf import import_edf
from filiera.registry.models import Organisation
from filiera.settings import Settings
from filiera.synth import load_synthetic

PASSWORD = "load test passphrase 2026"
ACCOUNTS = 5
PROFILE_SAMPLE = 2_000
WARM_UP_SECONDS = 600
SERVE = "from filiera.cli.main import app; app(prog_name='filiera')"
FILTERS = [
    "",
    "country=IT",
    "country=FR&kind=sme",
    "capability=space",
    "certification=aqap2110",
    "region=ITC",
    "q=aero",
    "capability=munitions&country=DE",
]
MATCH_QUERIES = [
    {"text": "155 mm artillery ammunition production ramp-up"},
    {"text": "radar anti-drone per la protezione di basi aeree"},
    {"text": "satellites d'observation de la Terre et communications sécurisées"},
    {"text": "Flugabwehr gegen Drohnen und Marschflugkörper"},
    {"text": "counter-drone interceptors", "country": ["IT", "FR", "DE"], "sme": True},
    {"text": "compositi per strutture aeronautiche", "country": ["IT"], "capability": "materials"},
]


# --- the registry -------------------------------------------------------------------------


def build_registry(url: str, orgs: int) -> dict:
    """The EU data, `orgs` synthetic organisations, test accounts; what the clients need."""
    db = Database(url)
    db.ensure_ready()
    started = time.perf_counter()
    with db.session() as session:
        import_edf(session, EDF_DIR, skip_invalid=True)
        load_synthetic(session, orgs, seed=7)
    db.refresh_statistics()  # as `filiera import` and `filiera synth` do after loading
    with db.session() as session:
        ids = list(session.scalars(select(Organisation.id)))
        some_org = ids[0]
        tokens = []
        for n in range(ACCOUNTS):
            email = f"load{n}@load.example"
            user = accounts.add_user(
                session, email, f"Load {n}", PASSWORD, role="member", org_ids=[some_org]
            )
            tokens.append(accounts.create_token(session, Settings(), user, "load").secret)
    db.dispose()
    return {
        "build_seconds": round(time.perf_counter() - started, 1),
        "organisations": len(ids),
        "profile_ids": random.Random(7).sample(ids, min(PROFILE_SAMPLE, len(ids))),
        "emails": [f"load{n}@load.example" for n in range(ACCOUNTS)],
        "tokens": tokens,
        "password": PASSWORD,
        "filters": FILTERS,
        "match_queries": MATCH_QUERIES,
        "version": __version__,
        "without": [],
    }


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(url: str, workers: int, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("FILIERA_")}
    env |= {"FILIERA_SIGN_IN_PER_MINUTE": "1000000", "FILIERA_API_REQUESTS_PER_MINUTE": "1000000"}
    command = [sys.executable, "-c", SERVE, "serve", "--db", url, "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, f"http://127.0.0.1:{port}"


def stop_server(process: subprocess.Popen) -> None:
    process.send_signal(2)  # Ctrl-C: uvicorn stops its workers
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.wait()


def warm_up(base: str, process: subprocess.Popen, workers: int) -> float:
    """Wait until the server answers and every worker has its match index; seconds taken."""
    started = time.perf_counter()
    deadline = started + WARM_UP_SECONDS
    with httpx.Client(timeout=WARM_UP_SECONDS) as client:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}")
            try:
                client.get(f"{base}/api/organisations?per_page=1").raise_for_status()
                break
            except httpx.TransportError:
                if time.perf_counter() > deadline:
                    raise
                time.sleep(0.5)
    for _ in range(4 * workers):  # new connections reach every worker sooner or later
        for query in MATCH_QUERIES[:2]:
            httpx.post(f"{base}/api/match", json=query, timeout=WARM_UP_SECONDS)
        httpx.get(f"{base}/organisations/1", timeout=WARM_UP_SECONDS)  # templates
    return round(time.perf_counter() - started, 1)


# --- one run ------------------------------------------------------------------------------


def run_locust(base: str, plan: dict, clients: int, seconds: int, think: str) -> dict:
    """Locust in a child process; its summary (JSON on its last line of output)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(plan, handle)
    clients_script = Path(__file__).with_name("load_clients.py")
    command = [sys.executable, str(clients_script), handle.name, base, str(clients)]
    command += [str(seconds), think]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    os.unlink(handle.name)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_backend(name: str, args: argparse.Namespace, tree: str) -> None:
    with backend(name) as url:
        if url is None:
            return
        plan = build_registry(url, args.orgs) | {"without": args.without}
        emit(
            benchmark="load_test_setup",
            backend=name,
            organisations=plan["organisations"],
            seconds=plan["build_seconds"],
        )
        for workers in args.workers:
            log = Path(tempfile.gettempdir()) / f"filiera-load-{name}-{workers}.log"
            process, base = start_server(url, workers, log)
            try:
                warm = warm_up(base, process, workers)
                for clients in args.clients:
                    load = os.getloadavg()[0]  # the machine is shared: say how busy it was
                    summary = run_locust(base, plan, clients, args.seconds, args.think)
                    summary |= {"load_average_1min_before": round(load, 1)}
                    record(args, name, plan, workers, clients, warm, tree, summary)
                    time.sleep(3)
            finally:
                stop_server(process)


def record(args, name, plan, workers, clients, warm, tree, summary) -> None:
    result = {
        "benchmark": "load_test",
        "backend": name,
        "organisations": plan["organisations"],
        "workers": workers,
        "clients": clients,
        "seconds": args.seconds,
        "think_seconds": args.think,
        "left_out": args.without,
        "warm_up_seconds": warm,
        "tree": tree,
        **summary,
    }
    emit(**result)
    if args.out:
        with Path(args.out).open("a", encoding="utf-8") as out:
            out.write(json.dumps(result) + "\n")


def tree_state() -> str:
    """The commit measured, and whether the work tree had changes on top of it."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.strip()
    return f"{head}{' + uncommitted changes' if dirty else ''}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 orgs, 15 s runs")
    parser.add_argument("--orgs", type=int, default=None)
    parser.add_argument("--clients", default="20,50,100")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=int, default=None)
    parser.add_argument("--think", default="0.5,1.5", help="think time range, seconds")
    parser.add_argument(
        "--without",
        default="",
        help="request types left out of the mix, comma-separated task names (directory_page...)",
    )
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results-load-test.jsonl"))
    args = parser.parse_args()
    args.orgs = args.orgs or (10_000 if args.quick else 100_000)
    args.seconds = args.seconds or (15 if args.quick else 45)
    args.clients = [int(n) for n in args.clients.split(",")]
    args.workers = [int(n) for n in args.workers.split(",")]
    args.without = [name for name in args.without.split(",") if name]
    tree = tree_state()
    for name in args.backends.split(","):
        run_backend(name, args, tree)


if __name__ == "__main__":
    main()
