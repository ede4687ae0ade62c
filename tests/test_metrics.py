"""`/metrics`: who may read it, what it counts, and that its labels name no record.

Counters are process-wide, so each check compares a value before and after.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from filiera import metrics
from filiera.access import accounts
from filiera.app import create_app
from filiera.cli.serve_cmd import shared_metrics
from filiera.db import Database
from filiera.imports.csv_import import import_csv
from filiera.match import service
from filiera.settings import Settings
from support.auth import PASSWORD, bearer, token_for
from support.dataset import ORGANISATIONS, build

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
METRICS_TOKEN = "scrape-" + "k" * 32
CANARY = "CANARYh3metrics"


@dataclass
class Setup:
    client: TestClient
    db: Database
    admin: dict[str, str]
    member: dict[str, str]
    org_id: int


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('metrics')}/metrics.db")
    data = build(db)
    admin = bearer(token_for(db, "admin@metrics.example"))
    member = bearer(token_for(db, "member@metrics.example", "member", (data.orgs["leonardo"],)))
    service.forget_indexes()
    settings = Settings(metrics_token=METRICS_TOKEN, sign_in_per_minute=1000)
    with TestClient(create_app(db, settings)) as client:
        yield Setup(client, db, admin, member, data.orgs["leonardo"])
    service.forget_indexes()
    db.dispose()


def value(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def test_only_admins_and_the_metrics_token_read_metrics(setup: Setup) -> None:
    client = setup.client
    refused = [
        client.get("/metrics"),
        client.get("/metrics", headers=setup.member),
        client.get("/metrics", headers=bearer("fil_notatoken_" + "x" * 40)),
        client.get("/metrics", headers=bearer("not-the-metrics-token")),
    ]
    assert {r.status_code for r in refused} == {403}
    assert len({r.text for r in refused}) == 1
    assert set(refused[0].json()["error"]) == {"code", "message", "details"}
    for headers in (setup.admin, bearer(METRICS_TOKEN)):
        allowed = client.get("/metrics", headers=headers)
        assert allowed.status_code == 200
        assert allowed.headers["content-type"].startswith("text/plain")
        assert "filiera_http_requests_total" in allowed.text
    with setup.db.session() as session:
        admin = accounts.get_user(session, "admin@metrics.example")
        cookie, _web = accounts.start_session(session, Settings(), admin.id)
    client.cookies.set("filiera_session", cookie)
    try:
        assert client.get("/metrics").status_code == 200
    finally:
        client.cookies.clear()


def test_requests_are_counted_under_route_templates(setup: Setup) -> None:
    client = setup.client
    route = "/api/organisations/{org_id}"
    before = value("filiera_http_requests_total", method="GET", route=route, status="200")
    unmatched = value(
        "filiera_http_requests_total", method="GET", route="(unmatched)", status="404"
    )
    client.get(f"/api/organisations/{setup.org_id}", params={"q": CANARY})
    client.get(f"/no/such/{CANARY}")
    assert (
        value("filiera_http_requests_total", method="GET", route=route, status="200") == before + 1
    )
    assert (
        value("filiera_http_requests_total", method="GET", route="(unmatched)", status="404")
        == unmatched + 1
    )
    assert value("filiera_http_request_duration_seconds_count", route=route) >= 1
    text = client.get("/metrics", headers=setup.admin).text
    assert CANARY not in text
    assert f"/api/organisations/{setup.org_id}" not in text


def test_sign_in_failures_by_reason_without_the_email(setup: Setup) -> None:
    client = setup.client
    wrong = value("filiera_sign_in_failures_total", reason="wrong_password")
    unknown = value("filiera_sign_in_failures_total", reason="unknown_account")
    for email in ("member@metrics.example", "nobody-h3@metrics.example"):
        body = {"email": email, "password": PASSWORD + " not", "name": "x"}
        assert client.post("/api/auth/token", json=body).status_code == 401
    assert value("filiera_sign_in_failures_total", reason="wrong_password") == wrong + 1
    assert value("filiera_sign_in_failures_total", reason="unknown_account") == unknown + 1
    assert "metrics.example" not in client.get("/metrics", headers=setup.admin).text


def test_match_latency_and_the_index_gauges(setup: Setup) -> None:
    before = value("filiera_match_duration_seconds_count")
    found = setup.client.post("/api/match", json={"text": "radar"}, headers=setup.member)
    assert found.status_code == 200, found.text
    assert value("filiera_match_duration_seconds_count") == before + 1
    text = setup.client.get("/metrics", headers=setup.admin).text
    gauges = {
        line.split()[0]: float(line.split()[1])
        for line in text.splitlines()
        if line.startswith("filiera_match_index_")
    }
    assert gauges["filiera_match_index_ready"] == 1
    assert gauges["filiera_match_index_documents"] == len(ORGANISATIONS)
    assert gauges["filiera_match_index_terms"] > 0
    assert 0 <= gauges["filiera_match_index_age_seconds"] < 3600


def test_import_rows_by_outcome(setup: Setup, tmp_path: Path) -> None:
    imported = value("filiera_import_rows_total", entity="organisations", outcome="imported")
    rejected = value("filiera_import_rows_total", entity="rows", outcome="rejected")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,country\nGood Wings Srl,IT\nBad Country Ltd,ZZ\n")
    with setup.db.session() as session:
        import_csv(session, EXAMPLES / "members_en.csv", "organisations")
        import_csv(session, bad, "organisations", skip_invalid=True)
    assert value("filiera_import_rows_total", entity="organisations", outcome="imported") == (
        imported + 5
    )
    assert value("filiera_import_rows_total", entity="rows", outcome="rejected") == rejected + 1


INCREMENT = "from filiera import metrics; metrics.observe_request('GET', '/healthz', 200, 0.01)"


def test_worker_processes_add_up(tmp_path: Path) -> None:
    """What `filiera serve --workers N` relies on: each worker writes its own files in
    PROMETHEUS_MULTIPROC_DIR, and /metrics (any worker) sums them."""
    env = {**os.environ, metrics.MULTIPROC_ENV: str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", INCREMENT], env=env, check=True, timeout=60)
    text = metrics.render(str(tmp_path)).decode()
    line = 'filiera_http_requests_total{method="GET",route="/healthz",status="200"} 2.0'
    assert line in text


def test_serve_gives_its_workers_a_fresh_metrics_folder(monkeypatch) -> None:
    monkeypatch.delenv(metrics.MULTIPROC_ENV, raising=False)
    with shared_metrics() as folder:
        assert os.environ[metrics.MULTIPROC_ENV] == folder
        assert Path(folder).is_dir() and not any(Path(folder).iterdir())
    assert metrics.MULTIPROC_ENV not in os.environ
    assert not Path(folder).exists()
