"""What request observation costs: metrics, the request log line and X-Request-ID (issue 17).

The same database served by two apps in one run: one as `create_app` builds it (the
`http.observe` middleware, JSON request lines at INFO through the redacting handler to a
file), one without the middleware (so no request line either). GET /api/organisations and
GET /healthz, through `TestClient`, alternating between the apps in rounds so both see
the same machine. One JSON object per route: p50/p95 of each, and the ratio on / off.

    python benchmarks/observe_overhead.py [--reps 300] [--out benchmarks/results-observe.jsonl]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

from _common import emit, percentiles, timed
from fastapi.testclient import TestClient

from filiera import logs
from filiera.app import create_app
from filiera.db import Database
from filiera.http import observe
from filiera.settings import Settings
from support.dataset import build

ROUTES = ("/api/organisations", "/healthz")
SETTINGS = Settings(api_requests_per_minute=10**9)


def apps(db: Database, log_file: Path) -> dict[str, TestClient]:
    """ "off" (no middleware) and "on" (as shipped, JSON request lines at INFO to a file)."""
    with mock.patch.object(observe, "install", lambda app: None):
        off = create_app(db, SETTINGS)
    on = create_app(db, SETTINGS)
    logs.configure_logging("json", "INFO", log_file.open("a", encoding="utf-8"))
    return {"off": TestClient(off), "on": TestClient(on)}


def measure(clients: dict[str, TestClient], route: str, reps: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in clients}
    for client in clients.values():  # warm both up
        for _ in range(10):
            client.get(route)
    for start in range(0, reps, 25):  # rounds of 25, alternating
        for name, client in clients.items():
            for _ in range(min(25, reps - start)):
                samples[name].append(timed(lambda c=client: c.get(route)))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results-observe.jsonl"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/observe.db")
        build(db)
        log_file = Path(folder) / "requests.jsonl"
        clients = apps(db, log_file)
        results = []
        for route in ROUTES:
            samples = measure(clients, route, args.reps)
            on, off = percentiles(samples["on"]), percentiles(samples["off"])
            results.append(
                {
                    "benchmark": "observe_overhead",
                    "backend": "sqlite",
                    "route": route,
                    "reps": args.reps,
                    "on": on,
                    "off": off,
                    "ratio_p50": round(on["p50_ms"] / off["p50_ms"], 3),
                    "ratio_p95": round(on["p95_ms"] / off["p95_ms"], 3),
                    "at": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            )
        lines = sum(1 for _ in log_file.open(encoding="utf-8"))
        db.dispose()
    with args.out.open("a", encoding="utf-8") as out:
        for result in results:
            result["request_lines_logged"] = lines
            emit(**result)
            out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
